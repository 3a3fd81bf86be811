"""The public forms of the best hours: a JSON body and a small French HTML fragment a website can embed (no
script, no style sheet, every text escaped)."""

from __future__ import annotations

from html import escape
from typing import Any

from acd.planning.best_hours import NO_HISTORY_TEXT, range_text
from allo.planning.best_hours import BestHoursReport
from routing.calendar_types import PARIS
from routing.speech import DAY_NAMES


def best_hours_json(report: BestHoursReport) -> dict[str, Any]:
    return {
        "generated_at": report.generated_at.isoformat(),
        "queues": [
            {
                "queue": q.queue,
                "label": q.label,
                "text": q.text,
                "ranges": [
                    {"weekday": r.weekday, "day": DAY_NAMES[r.weekday], "start": r.start.strftime("%H:%M"),
                     "end": "24:00" if r.end_slot == 48 else r.end.strftime("%H:%M"),
                     "expected_wait_min": round(r.expected_wait_s / 60, 1)}
                    for r in q.ranges
                ],
            }
            for q in report.queues
        ],
    }


def best_hours_html(report: BestHoursReport) -> str:
    parts = ['<section class="allo-meilleurs-moments" lang="fr">',
             "<h2>Les meilleurs moments pour appeler le 39 39</h2>"]
    if not report.queues or all(not q.ranges for q in report.queues):
        parts.append(f"<p>{escape(NO_HISTORY_TEXT)}</p>")
    for q in report.queues:
        if not q.ranges:
            continue
        parts.append(f"<h3>{escape(q.label)}</h3>")
        parts.append("<ul>")
        for r in q.ranges:
            minutes = round(r.expected_wait_s / 60)
            wait = "moins d'une minute d'attente" if r.expected_wait_s < 60 else f"environ {minutes} min d'attente"
            parts.append(f"<li>{escape(range_text(r).capitalize())} ({escape(wait)})</li>")
        parts.append("</ul>")
    stamp = report.generated_at.astimezone(PARIS).strftime("%d/%m/%Y à %H h %M")
    parts.append(f"<p><small>D'après les attentes mesurées ; calculé le {escape(stamp)}.</small></p>")
    parts.append("</section>")
    return "\n".join(parts) + "\n"
