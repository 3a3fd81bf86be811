"""The week grid of a queue and its CSV (allo/planning/plan_grid.py, plan_export.py), with figures by hand."""

from __future__ import annotations

import csv
import io
from datetime import date

from acd.planning.types import SlotKey, Targets
from allo.planning.plan import WeekPlan
from allo.planning.plan_export import HEADER, plan_csv, plan_dict
from allo.planning.plan_grid import Need, present_mean, queue_plan

MONDAY = date(2026, 11, 30)
PAST = {0: [date(2026, 11, 23), date(2026, 11, 16)], 1: [date(2026, 11, 24)]}
TARGETS = Targets(20, 80, 30)


def test_present_is_the_mean_over_the_weeks_used_a_missing_row_being_nobody():
    staffed = {SlotKey(date(2026, 11, 23), 20): 3 * 1800.0}
    assert present_mean(staffed, PAST[0], 20) == 1.5
    assert present_mean(staffed, [], 20) is None


def test_cells_only_in_open_half_hours_red_where_present_below_needed():
    needs = {(0, 20): Need(30.0, 240.0, 5, 8, 2), (0, 21): Need(10.0, 240.0, 2, 3, 2)}
    staffed = {SlotKey(date(2026, 11, 23), 20): 4 * 1800.0, SlotKey(date(2026, 11, 16), 20): 5 * 1800.0,
               SlotKey(date(2026, 11, 23), 21): 2 * 1800.0, SlotKey(date(2026, 11, 16), 21): 2 * 1800.0}
    plan = queue_plan("l1", "Niveau 1", TARGETS, MONDAY, needs=needs, open_slots={MONDAY: (20, 21)},
                      staffed=staffed, days_by_weekday=PAST)
    first, second = plan.cells
    assert (first.day, first.slot, first.needed, first.scheduled, first.present, first.gap, first.short) == \
        (MONDAY, 20, 5, 8, 4.5, -0.5, True)
    assert (second.present, second.gap, second.short) == (2.0, 0.0, False)
    assert plan.slots == [20, 21] and plan.weeks == 2
    assert plan.days_used == (date(2026, 11, 24), date(2026, 11, 23), date(2026, 11, 16))

    rows = list(csv.reader(io.StringIO(plan_csv(WeekPlan(MONDAY, (plan,))))))
    assert tuple(rows[0]) == HEADER
    assert rows[1] == ["l1", "Niveau 1", "2026-11-30", "lundi", "10:00\u201310:30", "30", "240", "5", "8",
                       "4.5", "-0.5", "oui", "2"]
    doc = plan_dict(WeekPlan(MONDAY, (plan,)), 0.3)
    assert (doc["week"], doc["sunday"], doc["queues"][0]["short_slots"]) == ("2026-W49", "2026-12-06", 1)
