"""Pure parts of the desk section: pairing pops with the calls answered, the figures, the SSE parsing, the page's
timings."""

from __future__ import annotations

from bench.amiwatch import Seen
from bench.sections._deskclients import parse_event
from bench.sections._desktab import dom_ms
from bench.sections.desk import targets
from bench.sections.desk_measure import (
    Answer,
    Receipt,
    answers_from,
    latency_ms,
    pair,
    per_desk,
    state_delays,
    summary,
)


def _connect(uniqueid: str, member: str, ts: float, linkedid: str = "") -> Seen:
    fields = {"Event": "AgentConnect", "Uniqueid": uniqueid, "MemberName": member, "Interface": f"PJSIP/{member}",
              "Linkedid": linkedid or uniqueid}
    return Seen("AgentConnect", uniqueid, ts, ts + 0.001, fields)


def test_answers_are_the_agentconnects_of_the_bench_phones_only():
    events = [_connect("c1", "desk001", 100.0), _connect("c2", "bench007", 101.0),
              Seen("Newstate", "c3", 102.0, 102.0, {}), _connect("c4", "desk002", 103.0)]
    interface_only = Seen("AgentConnect", "c5", 104.0, 104.0,
                          {"MemberName": "Conseiller", "Interface": "PJSIP/desk003"})
    answers = answers_from([*events, interface_only], {"desk001", "desk002", "desk003"})
    assert [(a.call_id, a.agent) for a in answers] == [("c1", "desk001"), ("c4", "desk002"), ("c5", "desk003")]


def test_a_pop_on_its_advisers_desk_is_timed_from_event_wall_and_the_split_before_it_too():
    answers = [Answer("c1", "desk001", 99.9), Answer("c2", "desk002", 100.9)]
    receipts = [Receipt("desk001", "c1", 100.0, 100.25), Receipt("desk002", "c2", 101.0, 101.1)]
    paired = pair(answers, receipts)
    assert [round(d, 3) for d in paired.delays_s] == [0.25, 0.1]
    assert [round(d, 3) for d in paired.allo_delays_s] == [0.1, 0.1]
    assert [round(d, 3) for d in paired.from_asterisk_s] == [0.35, 0.2]
    assert (paired.lost, paired.wrong, paired.unmatched, paired.duplicates) == ([], [], 0, 0)


def test_an_answer_without_its_pop_is_lost_and_a_pop_on_another_desk_is_wrong():
    answers = [Answer("c1", "desk001", 10.0), Answer("c2", "desk002", 11.0)]
    receipts = [Receipt("desk003", "c1", 10.1, 10.2),  # c1 on a desk that did not answer it
                Receipt("desk002", "c2", 11.1, 11.3), Receipt("desk002", "c2", 11.1, 11.9),  # a second pop of c2
                Receipt("desk002", "c9", 12.0, 12.1)]  # a call no phone answered in the window
    paired = pair(answers, receipts)
    assert paired.lost == [("desk001", "c1")]
    assert paired.wrong == [("desk003", "c1")]
    assert (paired.unmatched, paired.duplicates) == (1, 1)
    assert [round(d, 3) for d in paired.delays_s] == [0.2]  # only the first receipt of c2 is timed


def test_a_pop_keyed_by_the_linkedid_still_pairs_with_its_answer():
    paired = pair([Answer("u1", "desk001", 5.0, linkedid="l1")], [Receipt("desk001", "l1", 5.1, 5.2)])
    assert paired.lost == [] and len(paired.delays_s) == 1


def test_latency_percentiles_are_nearest_rank_in_milliseconds():
    values = [i / 1000 for i in range(1, 101)]  # 1..100 ms
    assert latency_ms(values) == {"count": 100, "p50_ms": 50.0, "p95_ms": 95.0, "p99_ms": 99.0, "max_ms": 100.0}
    assert latency_ms([]) == {"count": 0, "p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None}


def test_receipts_per_phone_desk_count_the_desks_that_got_none():
    receipts = [Receipt("a", "1", 0, 0), Receipt("a", "2", 0, 0), Receipt("b", "3", 0, 0)]
    assert per_desk(receipts, ["a", "b", "c"]) == {"desks": 3, "min": 0, "median": 1, "max": 2, "none": 1}


def test_summary_counts_receipts_on_desks_without_a_phone():
    out = summary([Answer("c1", "p1", 1.0)], [Receipt("p1", "c1", 1.0, 1.2), Receipt("x9", "c1", 1.0, 1.3)], ["p1"])
    assert (out["lost"], out["wrong_desk"], out["on_desks_without_phone"], out["timed"]) == (0, 1, 1, 1)


def test_the_state_showing_the_call_pairs_with_the_nearest_rise_of_in_call():
    answers = [Answer("c1", "p1", 100.0), Answer("c2", "p1", 110.0), Answer("c3", "p2", 50.0)]
    states = {"p1": [(90.0, False, False), (100.2, True, True), (100.5, True, True),  # still in call: no rise
                     (104.0, False, True), (109.8, True, True)],  # the device busy just before AgentConnect
              "p2": [(40.0, False, False)]}
    out = state_delays(answers, states)
    assert out["delay_from_agentconnect"]["count"] == 2
    assert out["delay_from_agentconnect"]["max_ms"] == 200.0
    assert out["delay_from_agentconnect"]["p50_ms"] == -200.0
    assert out["unpaired"] == 1


def test_sse_blocks_are_parsed_with_their_event_name_and_comments_skipped():
    assert parse_event(b'event: pop\ndata: {"call_id": "1.2", "event_wall": 3.5}') == (
        "pop", {"call_id": "1.2", "event_wall": 3.5})
    assert parse_event(b": ping") == ("", None)
    assert parse_event(b"event: state\ndata: not json") == ("state", None)
    assert parse_event(b'data: {"a": 1}') == ("message", {"a": 1})


def test_dom_timings_are_read_from_the_pops_the_page_drew():
    timings = {"last": {"state": {"receipt_to_dom_ms": 99}},
               "pops": [{"kind": "pop", "receipt_to_dom_ms": 4.5, "event_to_dom_ms": 120, "call_id": "1.2"},
                        {"kind": "pop", "receipt_to_dom_ms": 6}, {"kind": "pop", "receipt_to_dom_ms": True}]}
    assert dom_ms(timings) == [4.5, 6.0]
    assert dom_ms(timings, "event_to_dom_ms") == [120.0]
    assert dom_ms(None) == [] and dom_ms([1, 2]) == []


def _result(p99: float | None, lost: int, wrong: int, answered: int) -> dict:
    return {"push": {"connected": 130, "summary": {"delay": {"p99_ms": p99}, "lost": lost, "wrong_desk": wrong,
                                                   "answered": answered}}}


def test_the_targets_are_judged_on_the_push_p99_and_on_no_pop_lost_or_misdirected():
    met = targets(_result(120.0, 0, 0, 90))
    assert [t["met"] for t in met] == [True, True]
    assert [t["met"] for t in targets(_result(620.0, 0, 1, 90))] == [False, False]
    assert [t["met"] for t in targets(_result(None, 0, 0, 0))] == [False, False]
