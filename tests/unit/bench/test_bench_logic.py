"""Pure parts of the benchmark harness: the hold ladder and the profile summary."""

from __future__ import annotations

from bench.profile import OTHER, summarise
from bench.sections.journey import HoldSearch

RAW = """\
_run_once (asyncio/base_events.py:1);select (selectors.py:468) 50
main (allo/cli.py:1);serve (allo/serve.py:2);dispatch (acd/ami/connection.py:3);on_event (allo/calls.py:4) 20
main (allo/cli.py:1);serve (allo/serve.py:2);dispatch (acd/ami/connection.py:3);apply (acd/live.py:5) 15
main (allo/cli.py:1);handle (agi/server.py:9);run (ivr/engine.py:3) 10
_run_once (asyncio/base_events.py:1);execute (sqlalchemy/engine/base.py:7) 5
_run_once (asyncio/base_events.py:1) garbage
"""


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
    assert _bisect([40, 60, 70, 80], 5, 3, ceiling=30) == ([60, 50, 45], None)
    assert _bisect([2, 4, 6], 1, 3, ceiling=5.5) == ([5, 6], 5)
    assert HoldSearch.around([], 5, 3) is None


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
    assert "main (allo/cli.py" not in top
