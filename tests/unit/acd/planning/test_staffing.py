"""The week plan: each queue at its own targets, empty half-hours need nobody, handling time from the week when a
half-hour has none."""

from __future__ import annotations

import pytest

from acd.planning.erlang import PlanningInputError
from acd.planning.staffing import PlannedSlot, plan_slot, plan_week, week_aht
from acd.planning.types import SlotForecast, Targets

L1 = Targets(target_seconds=20, target_percent=80)
STRICT = Targets(target_seconds=10, target_percent=90, max_asa_s=5)


def _forecast(weekday: int, slot: int, calls: float, aht: float | None = 180.0) -> SlotForecast:
    return SlotForecast(weekday=weekday, slot=slot, calls=calls, aht_s=aht, expected_wait_s=None, weeks=8)


def test_a_half_hour_of_the_call_centre_helper_example_needs_14_on_the_phone_and_20_scheduled():
    # 100 calls in the half-hour, AHT 180 s, 80 % in 20 s, 30 % shrinkage (the Call Centre Helper example).
    slot = plan_slot(_forecast(0, 18, 100), L1, 0.3)
    assert (slot.agents, slot.scheduled, slot.aht_s) == (14, 20, 180.0)
    assert slot.staffing is not None and slot.service_level == slot.staffing.service_level
    assert slot.asa_s == pytest.approx(7.836, abs=1e-3)


def test_each_queue_is_planned_at_its_own_targets_and_empty_half_hours_need_nobody():
    week = {(0, 18): _forecast(0, 18, 100), (0, 19): _forecast(0, 19, 0.0), (6, 47): _forecast(6, 47, 0.0, None)}
    plan = plan_week({"l1": week, "l2": week}, {"l1": L1, "l2": STRICT}, shrinkage=0.0)
    assert set(plan) == {"l1", "l2"} and list(plan["l1"]) == [(0, 18), (0, 19), (6, 47)]
    assert plan["l1"][(0, 18)].agents == 14
    assert plan["l2"][(0, 18)].agents > 14  # 90 % in 10 s and an ASA of 5 s at most
    for queue in ("l1", "l2"):
        for key in ((0, 19), (6, 47)):
            empty = plan[queue][key]
            assert (empty.agents, empty.scheduled, empty.staffing, empty.asa_s) == (0, 0, None, None)
            assert empty.forecast is week[key]


def test_a_half_hour_with_calls_but_no_handling_time_takes_the_queue_week_mean():
    week = {(1, 20): _forecast(1, 20, 30, 200.0), (1, 21): _forecast(1, 21, 10, 400.0),
            (1, 22): _forecast(1, 22, 20, None)}
    assert week_aht(week) == pytest.approx((30 * 200 + 10 * 400) / 40)
    planned = plan_week({"l1": week}, {"l1": L1}, 0.3)["l1"][(1, 22)]
    assert planned.aht_s == pytest.approx(250.0) and planned.agents > 0
    assert planned.staffing == plan_slot(_forecast(1, 22, 20, 250.0), L1, 0.3).staffing


def test_no_handling_time_anywhere_in_the_week_plans_nobody_rather_than_guessing():
    week = {(2, 20): _forecast(2, 20, 5, None)}
    assert week_aht(week) is None
    assert plan_week({"l1": week}, {"l1": L1}, 0.3)["l1"][(2, 20)] == PlannedSlot(week[(2, 20)], 0, 0, None, None)


def test_a_queue_without_targets_or_with_impossible_ones_is_refused_by_name():
    week = {(0, 18): _forecast(0, 18, 100)}
    with pytest.raises(PlanningInputError, match="« l3 » : aucun objectif"):
        plan_week({"l3": week}, {"l1": L1}, 0.3)
    with pytest.raises(PlanningInputError, match=r"« l1 » : .*100 %"):
        plan_week({"l1": week}, {"l1": Targets(20, 120)}, 0.3)
    with pytest.raises(PlanningInputError, match=r"« l1 » : .*shrinkage"):
        plan_week({"l1": week}, {"l1": L1}, 1.0)


def test_a_whole_week_of_seven_queues_is_planned_quickly():
    import time

    week = {(day, slot): _forecast(day, slot, 20 + slot * 3, 240.0) for day in range(7) for slot in range(48)}
    started = time.perf_counter()
    plan = plan_week({f"q{n}": week for n in range(7)}, {f"q{n}": L1 for n in range(7)}, 0.3)
    assert time.perf_counter() - started < 1.0
    assert sum(len(slots) for slots in plan.values()) == 7 * 48 * 7
    assert all(s.scheduled >= s.agents > 0 for slots in plan.values() for s in slots.values())
