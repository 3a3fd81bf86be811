"""Pure parts of the benchmark harness: the hold ladder and the profile summary."""

from __future__ import annotations

from bench.amiwatch import Seen
from bench.load import failed_calls
from bench.profile import OTHER, summarise
from bench.sections.journey import HoldSearch, first_failure

RAW = """\
_run_once (asyncio/base_events.py:1);select (selectors.py:468) 50
main (allo/cli/main.py:1);serve (allo/cli/serve.py:2);dispatch (acd/ami/connection.py:3);on_event (allo/records/recorder.py:4) 20
main (allo/cli/main.py:1);serve (allo/cli/serve.py:2);dispatch (acd/ami/connection.py:3);apply (acd/live/state.py:5) 15
main (allo/cli/main.py:1);handle (agi/server.py:9);run (ivr/engine.py:3) 10
_run_once (asyncio/base_events.py:1);execute (sqlalchemy/engine/base.py:7) 5
_run_once (asyncio/base_events.py:1) garbage
"""  # noqa: E501 - sampled stacks are one line each


def _bisect(passed: list[float], step: float, tries: int, ceiling: float) -> tuple[list[float], float | None]:
    search = HoldSearch.around(passed, step, tries)
    assert search is not None
    tried = []
    while (rate := search.next()) is not None:
        tried.append(rate)
        search.record(rate, rate <= ceiling)
    return tried, search.held


def test_holds_bisect_between_half_the_best_probe_and_the_best_probe_on_the_grid():
    assert _bisect([40, 60, 70, 80], 5, 3, ceiling=67) == ([60, 70, 65], 65)
    assert _bisect([40, 60, 70, 80], 5, 3, ceiling=90) == ([60, 70, 75], 75)  # 80 would need a 4th try
    assert _bisect([40, 60, 70, 80], 5, 5, ceiling=90) == ([60, 70, 75, 80], 80)
    assert _bisect([2, 4, 6], 1, 3, ceiling=5.5) == ([5, 6], 5)
    assert HoldSearch.around([], 5, 3) is None


def test_holds_run_the_lower_bound_when_nothing_held_so_a_figure_is_measured_not_assumed():
    assert _bisect([40, 60, 70, 80], 5, 3, ceiling=45) == ([60, 50, 40], 40)
    assert _bisect([40, 60, 70, 80], 5, 3, ceiling=30) == ([60, 50, 40], None)
    assert _bisect([40, 60, 70, 80], 5, 5, ceiling=30) == ([60, 50, 45, 40], None)  # stops once lo failed
    assert _bisect([2, 4], 1, 2, ceiling=1) == ([3, 2], None)
    assert _bisect([2, 4], 1, 2, ceiling=2) == ([3, 2], 2)


def test_a_step_fails_early_on_sipp_failures_abandons_or_callers_never_queued():
    def seen(name: str, uid: str, ts: float, linked: str | None = None) -> Seen:
        return Seen(name, uid, ts, ts, {"Linkedid": linked or uid})

    answered = [seen("Newstate", "c1", 100.0), seen("Newstate", "a1", 101.0, linked="c1")]
    assert first_failure(answered, 0, 105.0) is None
    assert first_failure(answered, 0, 111.0) == "1 caller(s) answered and not queued after 10 s"
    assert first_failure([*answered, seen("QueueCallerJoin", "c1", 104.0)], 0, 200.0) is None  # agent leg ignored
    assert first_failure([seen("QueueCallerAbandon", "c1", 104.0)], 0, 105.0) == "a caller abandoned the queue"
    assert first_failure([], 2, 105.0) == "SIPp counted 2 failed call(s)"


def test_sippfailed_calls_read_from_the_last_statistics_line():
    header = "StartTime;FailedCall(P);FailedCall(C)"
    assert failed_calls([header, "t;0;0", "t;1;3"]) == 3
    assert failed_calls([header]) == 0
    assert failed_calls([header, "t;1;"]) == 0
    assert failed_calls([]) == 0


def test_profile_buckets_take_the_first_matching_bucket_and_sum_to_100():
    summary = summarise(RAW)
    assert summary["samples"] == 100
    assert summary["buckets_pct"] == {"idle (event loop waiting)": 50.0,
                                      "call-record and queue-leg writes (PostgreSQL)": 20.0,
                                      "AMI events (parsing and listeners)": 15.0,
                                      "FastAGI sessions (menu, routing, AGI I/O)": 10.0,
                                      "other database work": 5.0}
    assert OTHER not in summary["buckets_pct"]
    top = dict(summary["top_own_frames_pct"])
    assert top["dispatch (acd/ami/connection.py"] == 35.0
    assert "main (allo/cli/main.py" not in top
