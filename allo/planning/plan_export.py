"""The week plan as a JSON-ready document and as CSV with French headers (pure; docs/planning.md, « /planning »).

CSV as the reports': RFC 4180 (comma, CRLF), UTF-8, '.' as decimal point, an empty cell for a figure with no value;
one row per queue and open half-hour of the week.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from allo.planning.plan import WeekPlan
from allo.planning.plan_grid import PlanCell, QueuePlan
from allo.planning.week import DAY_NAMES, slot_label, week_key
from routing.calendar_types import PARIS_NAME

HEADER = ("file", "libellé", "date", "jour", "demi-heure", "appels prévus", "durée de traitement (s)",
          "conseillers nécessaires", "conseillers à planifier", "conseillers présents", "écart", "sous-effectif",
          "semaines de référence")


def cell_dict(cell: PlanCell) -> dict[str, Any]:
    return {"day": cell.day.isoformat(), "slot": cell.slot, "time": slot_label(cell.slot), "calls": cell.calls,
            "aht_s": cell.aht_s, "needed": cell.needed, "scheduled": cell.scheduled, "present": cell.present,
            "gap": cell.gap, "short": cell.short, "weeks": cell.weeks}


def queue_dict(plan: QueuePlan) -> dict[str, Any]:
    t = plan.targets
    return {"queue": plan.queue, "label": plan.label,
            "targets": {"service_level_s": t.target_seconds, "sl_target_pct": t.target_percent,
                        "asa_target_s": t.max_asa_s},
            "weeks": plan.weeks, "days_used": [d.isoformat() for d in plan.days_used],
            "short_slots": sum(1 for c in plan.cells if c.short),
            "cells": [cell_dict(c) for c in plan.cells]}


def plan_dict(plan: WeekPlan, shrinkage: float) -> dict[str, Any]:
    return {"week": week_key(plan.monday), "monday": plan.monday.isoformat(),
            "sunday": (plan.monday + timedelta(days=6)).isoformat(), "timezone": PARIS_NAME,
            "shrinkage": shrinkage, "queues": [queue_dict(q) for q in plan.queues]}


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def plan_csv(plan: WeekPlan) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for queue in plan.queues:
        for c in queue.cells:
            writer.writerow([queue.queue, queue.label, c.day.isoformat(), DAY_NAMES[c.day.weekday()],
                             slot_label(c.slot), _cell(c.calls), _cell(c.aht_s), c.needed, c.scheduled,
                             _cell(c.present), _cell(c.gap), "oui" if c.short else "non", c.weeks])
    return out.getvalue()
