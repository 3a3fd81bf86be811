"""Per-adviser figures computed by hand (pure): calls taken, talk, wrap-up, pause by reason, logged-in time,
occupancy, transfers, surveys; times split over Paris days and months, on both clock-change days of 2026."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from allo.reports.adviser_params import Per, adviser_buckets
from allo.reports.adviser_rows import (
    AdviserRows,
    AnsweredLeg,
    CallbackTalk,
    CallEnd,
    Origin,
    StateRow,
    SurveyRow,
    Taken,
    WrapupRecord,
    taken_calls,
)
from allo.reports.adviser_spans import Span, SpanKind, spans
from allo.reports.advisers import build, report_dict

FAR = datetime(2030, 1, 1, tzinfo=UTC)


def z(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def ev(agent: str, state: str, at: datetime, reason: str | None = None) -> StateRow:
    return StateRow(agent, state, at, reason)


def pick(figures: dict, *names: str) -> tuple:
    return tuple(figures[name] for name in names)


def days(first: date, last: date) -> list:
    return adviser_buckets(first, last, Per.DAY)


def test_logged_in_and_pause_split_over_the_25_hour_day():
    # Logged in 2026-10-24 22:00 (+02:00) until 2026-10-26 01:00 (+01:00); a pause 23:30 → 00:30 across midnight.
    rows = AdviserRows(states=[ev("a1", "login", z(2026, 10, 24, 20)),
                               ev("a1", "pause", z(2026, 10, 24, 21, 30), "dejeuner"),
                               ev("a1", "resume", z(2026, 10, 24, 22, 30)),
                               ev("a1", "logout", z(2026, 10, 26, 0))])
    buckets = days(date(2026, 10, 24), date(2026, 10, 26))
    assert [(b.end - b.start).total_seconds() / 3600 for b in buckets] == [24, 25, 24]
    [report] = build(buckets, rows, FAR)
    per_day = {b.label: t.figures() for b, t in report.buckets}
    assert {d: f["logged_in_s"] for d, f in per_day.items()} == {
        "2026-10-24": 2 * 3600, "2026-10-25": 25 * 3600, "2026-10-26": 3600}
    assert per_day["2026-10-24"]["pause_by_reason"] == {"dejeuner": 1800} == per_day["2026-10-25"]["pause_by_reason"]
    total = report.total.figures()
    assert (total["logged_in_s"], total["pause_s"], total["occupancy_pct"]) == (28 * 3600, 3600, 0.0)


def test_the_23_hour_day_starts_logged_in_from_an_event_before_the_range_and_counts_until_now():
    rows = AdviserRows(states=[ev("a1", "login", z(2026, 3, 28, 12))])  # the day before: the state at the start
    buckets = days(date(2026, 3, 29), date(2026, 3, 29))
    [report] = build(buckets, rows, FAR)
    assert report.total.figures()["logged_in_s"] == 23 * 3600
    # Asked at 12:00 (+02:00): from 00:00 (+01:00) it is 11 hours.
    [report] = build(buckets, rows, z(2026, 3, 29, 10))
    assert report.total.figures()["logged_in_s"] == 11 * 3600


def test_a_pause_still_open_counts_until_the_range_end_or_now():
    rows = AdviserRows(states=[ev("a1", "login", z(2026, 12, 7, 8)), ev("a1", "pause", z(2026, 12, 7, 22), "x")])
    buckets = days(date(2026, 12, 7), date(2026, 12, 7))  # ends at 23:00 UTC
    assert build(buckets, rows, FAR)[0].total.figures()["pause_by_reason"] == {"x": 3600}
    assert build(buckets, rows, z(2026, 12, 7, 22, 10))[0].total.figures()["pause_by_reason"] == {"x": 600}
    assert build(buckets, rows, z(2026, 12, 7, 21))[0].total.figures()["pause_s"] == 0  # not yet begun


def test_state_machine_pause_changes_reason_and_an_own_pause_ends_the_wrapup():
    t = z(2026, 12, 7, 9)
    m = [t + timedelta(minutes=k) for k in range(10)]
    history = [ev("a", "login", m[0]), ev("a", "wrapup_start", m[1]), ev("a", "pause", m[2], "formation"),
               ev("a", "pause", m[3], "formation"), ev("a", "pause", m[4], "dejeuner"), ev("a", "resume", m[5]),
               ev("a", "login", m[6]), ev("a", "wrapup_start", m[7]), ev("a", "logout", m[8])]
    assert sorted(spans(history, FAR), key=lambda s: (s.start, s.kind)) == [
        Span(SpanKind.LOGGED_IN, m[0], m[8]), Span(SpanKind.WRAPUP, m[1], m[2]),
        Span(SpanKind.PAUSE, m[2], m[4], "formation"), Span(SpanKind.PAUSE, m[4], m[5], "dejeuner"),
        Span(SpanKind.WRAPUP, m[7], m[8])]


def _day_of_b() -> AdviserRows:
    """2026-12-07 (+01:00), adviser b: logged in 08:00-12:00 UTC, four calls, four wrap-ups, three pauses."""
    legs = [AnsweredLeg(1, "q1", "b", z(2026, 12, 7, 8, 10)),
            AnsweredLeg(2, "r1", "b", z(2026, 12, 7, 8, 30), "preferred_agent"),
            AnsweredLeg(3, "q2", "b", z(2026, 12, 7, 8, 40), "transfer"),
            AnsweredLeg(4, "r1", "lvl2", z(2026, 12, 7, 8, 35))]
    calls = {"q1": CallEnd("q1", z(2026, 12, 7, 8, 15)),
             # Rung directly, transferred from the desk to Travail at 08:34, ended at level 2 at 08:50.
             "r1": CallEnd("r1", z(2026, 12, 7, 8, 50), z(2026, 12, 7, 8, 34), "travail", "b",
                           (z(2026, 12, 7, 8, 34, 1),)),
             "q2": CallEnd("q2", z(2026, 12, 7, 9, 30), z(2026, 12, 7, 8, 42), "logement", "b",
                           (z(2026, 12, 7, 8, 39), z(2026, 12, 7, 8, 42, 1)))}
    callbacks = [CallbackTalk("b", z(2026, 12, 7, 11, 30), z(2026, 12, 7, 11, 36))]
    states = [ev("b", "login", z(2026, 12, 7, 8)), ev("b", "logout", z(2026, 12, 7, 12)),
              ev("b", "pause", z(2026, 12, 7, 9), "pause-cafe"), ev("b", "resume", z(2026, 12, 7, 9, 15)),
              ev("b", "pause", z(2026, 12, 7, 10), "formation"), ev("b", "pause", z(2026, 12, 7, 10, 30), "dejeuner"),
              ev("b", "resume", z(2026, 12, 7, 11))]
    for start, seconds in ((z(2026, 12, 7, 8, 15), 60), (z(2026, 12, 7, 8, 34), 30), (z(2026, 12, 7, 8, 42), 30),
                           (z(2026, 12, 7, 11, 36), 60)):
        states += [ev("b", "wrapup_start", start), ev("b", "wrapup_end", start + timedelta(seconds=seconds))]
    surveys = [SurveyRow("b", z(2026, 12, 7, 8, 16), 5, True), SurveyRow("b", z(2026, 12, 7, 8, 51), 3, False),
               SurveyRow("b", z(2026, 12, 7, 9, 31), 4, None), SurveyRow("b", z(2026, 12, 7, 11, 37), None, None),
               SurveyRow("alice", z(2026, 12, 7, 9), 2, True)]
    # Wrap-up forms: three saved, one expired; one of another day (23:30 UTC is already 8 December in Paris).
    records = [WrapupRecord("b", z(2026, 12, 7, 8, 5), False), WrapupRecord("b", z(2026, 12, 7, 8, 34), False),
               WrapupRecord("b", z(2026, 12, 7, 8, 42), False), WrapupRecord("b", z(2026, 12, 7, 11, 36), True),
               WrapupRecord("b", z(2026, 12, 7, 23, 30), True)]
    return AdviserRows(taken_calls(legs, calls, callbacks), states, surveys, {"b": "Bruno", "alice": "Alice"},
                       {"dejeuner": "Déjeuner"}, records)


def test_calls_taken_talk_wrapup_pause_occupancy_transfers_and_surveys():
    rows = _day_of_b()
    mine = [t for t in rows.taken if t.agent == "b"]
    assert [(t.origin, (t.ended_at - t.answered_at).total_seconds(), t.transferred_to) for t in mine] == [
        (Origin.QUEUE, 300, None), (Origin.REPEAT, 240, "travail"), (Origin.QUEUE, 120, "logement"),
        (Origin.CALLBACK, 360, None)]
    alice, bruno, level2 = build(days(date(2026, 12, 7), date(2026, 12, 7)), rows, FAR)
    # Level 2 took the transferred call at 08:35 and kept it to its end (08:50): not a transfer of theirs.
    assert (level2.agent, level2.total.figures()["avg_talk_s"], level2.total.figures()["transfers"]) == (
        "lvl2", 900.0, 0)
    assert (alice.name, bruno.name) == ("Alice", "Bruno")  # by name
    f = bruno.total.figures()
    assert {k: f[k] for k in ("calls_taken", "calls_queue", "calls_repeat", "calls_callback", "talk_s",
                              "avg_talk_s", "wrapups", "wrapup_s", "avg_wrapup_s", "aht_s", "logged_in_s",
                              "pause_s", "occupancy_pct", "transfers")} == {
        "calls_taken": 4, "calls_queue": 2, "calls_repeat": 1, "calls_callback": 1, "talk_s": 1020,
        "avg_talk_s": 255.0, "wrapups": 4, "wrapup_s": 180, "avg_wrapup_s": 45.0, "aht_s": 300.0,
        "logged_in_s": 14400, "pause_s": 4500, "occupancy_pct": 12.1, "transfers": 2}
    # (1020 + 180) / (14400 - 4500) = 12.12 %
    assert f["pause_by_reason"] == {"dejeuner": 1800, "formation": 1800, "pause-cafe": 900}
    assert f["transfers_by_sector"] == {"logement": 1, "travail": 1}
    assert (f["wrapups_saved"], f["wrapups_expired"]) == (3, 1)
    assert (f["satisfaction_count"], f["satisfaction_avg"], f["question_answered_count"],
            f["question_answered_pct"]) == (3, 4.0, 2, 50.0)
    assert (alice.total.figures()["satisfaction_avg"], alice.total.figures()["occupancy_pct"]) == (2.0, None)
    body = report_dict(date(2026, 12, 7), date(2026, 12, 7), Per.DAY, [bruno], rows.pause_labels)
    assert body["pause_reasons"][0] == {"code": "dejeuner", "label": "Déjeuner"}
    assert body["sectors"] == ["logement", "travail"] and body["timezone"] == "Europe/Paris"
    assert body["advisers"][0]["buckets"][0]["start"] == "2026-12-07T00:00:00+01:00"


def test_one_adviser_only_and_listed_even_with_nothing():
    rows = _day_of_b()
    [report] = build(days(date(2026, 12, 7), date(2026, 12, 7)), rows, FAR, "alice")
    assert report.total.figures()["calls_taken"] == 0 and report.total.figures()["satisfaction_count"] == 1
    [next_day] = build(days(date(2026, 12, 8), date(2026, 12, 8)), rows, FAR, "b")  # 23:30 UTC on the 7th
    assert pick(next_day.total.figures(), "wrapups_expired", "wrapups_saved", "calls_taken") == (1, 0, 0)
    [nobody] = build(days(date(2026, 12, 9), date(2026, 12, 9)), rows, FAR, "b")
    assert nobody.buckets == [] and nobody.total.figures()["calls_taken"] == 0


def test_a_call_across_midnight_counts_once_on_its_answer_day_and_its_talk_on_both():
    call = Taken("a", Origin.QUEUE, z(2026, 10, 25, 22, 50), z(2026, 10, 25, 23, 10))  # 23:50 → 00:10 (+01:00)
    [report] = build(days(date(2026, 10, 25), date(2026, 10, 26)), AdviserRows(taken=[call]), FAR)
    per_day = {b.label: t.figures() for b, t in report.buckets}
    assert (per_day["2026-10-25"]["calls_taken"], per_day["2026-10-25"]["talk_s"],
            per_day["2026-10-25"]["avg_talk_s"]) == (1, 600, 1200.0)
    assert (per_day["2026-10-26"]["calls_taken"], per_day["2026-10-26"]["talk_s"]) == (0, 600)


def test_months_cut_to_the_range_with_the_autumn_hour():
    buckets = adviser_buckets(date(2026, 10, 15), date(2026, 11, 10), Per.MONTH)
    assert [(b.label, b.day, (b.end - b.start).total_seconds()) for b in buckets] == [
        ("2026-10", date(2026, 10, 15), (17 * 24 + 1) * 3600), ("2026-11", date(2026, 11, 1), 10 * 24 * 3600)]
    rows = AdviserRows(states=[ev("a", "login", z(2026, 10, 19, 22)), ev("a", "logout", z(2026, 11, 2, 23))])
    [report] = build(buckets, rows, FAR)
    assert [t.figures()["logged_in_s"] for _b, t in report.buckets] == [(12 * 24 + 1) * 3600, 2 * 24 * 3600]


def test_a_call_without_a_recorded_end_counts_until_the_next_answer_or_logout_or_now():
    lost = Taken("a", Origin.QUEUE, z(2026, 12, 7, 8), None)  # its end was never recorded
    nxt = Taken("a", Origin.QUEUE, z(2026, 12, 7, 8, 20), z(2026, 12, 7, 8, 25))
    going = Taken("a", Origin.QUEUE, z(2026, 12, 7, 9), None)
    states = [ev("a", "login", z(2026, 12, 7, 7)), ev("a", "logout", z(2026, 12, 7, 9, 30))]
    buckets = days(date(2026, 12, 7), date(2026, 12, 7))
    f = build(buckets, AdviserRows(taken=[lost, nxt, going], states=states), FAR)[0].total.figures()
    # 20 min until the next answer, 5 min, 30 min until the logout; only the ended call has an average.
    assert pick(f, "calls_taken", "talk_s", "avg_talk_s") == (3, (20 + 5 + 30) * 60, 300.0)
    # Asked at 09:10: the call answered at 09:00 is still going, counted until then.
    f = build(buckets, AdviserRows(taken=[going], states=states[:1]), z(2026, 12, 7, 9, 10))[0].total.figures()
    assert f["talk_s"] == 600
