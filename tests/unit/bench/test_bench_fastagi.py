"""Section 3's plan and its comparison table (pure parts of bench/sections/fastagi.py)."""

from __future__ import annotations

from bench.sections.fastagi import NICE, TARGET_RATE, plan, step_summary, worst_command_p99
from bench.sections.fastagi_render import steps_table


def _stats(p99: float) -> dict[str, object]:
    return {"count": 10, "p50_ms": p99 / 2, "p99_ms": p99, "max_ms": p99 * 2}


MEASURED = {
    "calls": {"planned": 100, "succeeded": 99, "failed": 1},
    "agi": {"SET VARIABLE": _stats(650.0), "ANSWER": _stats(20.0), "STREAM FILE": _stats(9000.0)},
    "think_all": _stats(3.8), "loop_lag": _stats(581.0), "cpu_pct": {"allo": 19.9, "asterisk": 146.0},
    "allo_cpu_ms_per_call": 2.8,
}


def test_the_full_run_adds_a_higher_priority_step_and_the_target_rate_below_the_ceiling() -> None:
    full = plan(False, 75.0)
    assert (full["rate"], full["seconds"]) == (75.0, 60.0)
    assert [(e["rate"], e["nice"]) for e in full["extra"]] == [(75.0, NICE), (TARGET_RATE, 0)]
    assert [e["rate"] for e in plan(False, 25.0)["extra"]] == [25.0]  # at or under the target: no second step
    assert plan(True, 75.0)["extra"] == []  # quick mode stays under five minutes


def test_media_commands_do_not_count_in_the_worst_p99_and_the_table_has_a_row_per_step() -> None:
    assert worst_command_p99(MEASURED) == 650.0  # not STREAM FILE's 9 s of prompt
    steps = [step_summary("main measure", 75.0, 0, 60.0, MEASURED),
             step_summary("same rate, service at nice -10", 75.0, -10, 30.0, MEASURED)]
    table = steps_table(steps)
    rows = [line for line in table if line.startswith("| ") and "---" not in line][1:]
    assert len(rows) == 2 and "| 99/100 | 650.0 | 3.80 | 581.0 |" in rows[0] and "| -10 |" in rows[1]
    assert steps_table(steps[:1]) == []  # quick mode: the main measure alone, no comparison table
