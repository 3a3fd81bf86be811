"""The SVG of needed vs present over the week (allo/planning/plan_chart.py)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from acd.planning.types import SlotKey, Targets
from allo.planning.plan_chart import plan_chart
from allo.planning.plan_grid import Need, queue_plan

MONDAY = date(2026, 11, 30)
SVG = "{http://www.w3.org/2000/svg}"


def test_lines_broken_between_days_and_the_short_half_hour_marked():
    needs = {(0, 20): Need(30.0, 240.0, 5, 8, 1), (0, 21): Need(10.0, 240.0, 2, 3, 1),
             (1, 20): Need(30.0, 240.0, 5, 8, 1), (1, 21): Need(10.0, 240.0, 2, 3, 1)}
    staffed = {SlotKey(date(2026, 11, 23), 20): 2 * 1800.0, SlotKey(date(2026, 11, 23), 21): 3 * 1800.0,
               SlotKey(date(2026, 11, 24), 20): 6 * 1800.0, SlotKey(date(2026, 11, 24), 21): 3 * 1800.0}
    plan = queue_plan("l1", "Niveau <1>", Targets(20, 80), MONDAY, needs=needs,
                      open_slots={MONDAY: (20, 21), date(2026, 12, 1): (20, 21)}, staffed=staffed,
                      days_by_weekday={0: [date(2026, 11, 23)], 1: [date(2026, 11, 24)]})
    root = ET.fromstring(plan_chart(plan))  # well-formed: the label is escaped
    assert len(root.findall(f"{SVG}polyline[@class='plan-needed']")) == 2  # one per day
    assert len(root.findall(f"{SVG}polyline[@class='plan-present']")) == 2
    [mark] = root.findall(f"{SVG}circle[@class='plan-short-mark']")
    assert mark.find(f"{SVG}title").text == "lundi 10:00\u201310:30 : 5 nécessaires, 2 présents"
    assert "Niveau <1>" in root.find(f"{SVG}title").text
