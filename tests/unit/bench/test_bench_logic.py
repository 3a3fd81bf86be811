"""Pure parts of the benchmark harness: the hold ladder and the profile summary."""

from __future__ import annotations

from bench.profile import OTHER, summarise
from bench.sections.journey import hold_rates

RAW = """\
_run_once (asyncio/base_events.py:1);select (selectors.py:468) 50
main (allo/cli.py:1);serve (allo/serve.py:2);dispatch (acd/ami/connection.py:3);on_event (allo/calls.py:4) 20
main (allo/cli.py:1);serve (allo/serve.py:2);dispatch (acd/ami/connection.py:3);apply (acd/live.py:5) 15
main (allo/cli.py:1);handle (agi/server.py:9);run (ivr/engine.py:3) 10
_run_once (asyncio/base_events.py:1);execute (sqlalchemy/engine/base.py:7) 5
_run_once (asyncio/base_events.py:1) garbage
"""


def test_holds_go_down_from_the_best_probe_never_below_the_lowest_pass():
    assert hold_rates([20, 40, 50, 60], 5, 3) == [60, 55, 50]
    assert hold_rates([1, 2], 1, 3) == [2, 1]
    assert hold_rates([], 5, 3) == []


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
