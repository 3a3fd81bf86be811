"""SVG chart of one queue's week plan: advisers needed vs present, open half-hour after open half-hour (pure).

Drawn like the reports' charts (allo/reports/barometer_chart.py): a fixed frame, a scale from the data, every text
escaped; a line per figure, broken between days; under-staffed half-hours marked on the needed line.
"""

from __future__ import annotations

from html import escape

from allo.planning.plan_grid import PlanCell, QueuePlan
from allo.planning.week import DAY_NAMES, slot_label
from allo.reports.chart import _nice_max, _text

WIDTH, HEIGHT = 900, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 16, 34, 34
NEEDED, PRESENT, SHORT = "#c0262d", "#1565c0", "#c0262d"


def _points(cells: list[tuple[float, PlanCell]], value: str, y_of: float, top: float, base: float) -> list[str]:
    runs: list[list[str]] = [[]]
    day = None
    for x, cell in cells:
        figure = getattr(cell, value)
        if cell.day != day:
            runs.append([])
            day = cell.day
        if figure is None:
            runs.append([])
            continue
        runs[-1].append(f"{x:.1f},{base - y_of * min(figure, top) / top:.1f}")
    return [" ".join(run) for run in runs if len(run) > 1]


def plan_chart(plan: QueuePlan) -> str:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    base = TOP + plot_h
    title = f"Conseillers nécessaires et présents — {plan.label or plan.queue}"
    top = float(_nice_max(int(max([*(c.needed for c in plan.cells), *(c.present or 0 for c in plan.cells), 0])) + 1))
    step = plot_w / max(1, len(plan.cells))
    placed = [(LEFT + (i + 0.5) * step, c) for i, c in enumerate(plan.cells)]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(title, quote=True)}" font-family="sans-serif" class="report-chart" '
        f'id="plan-chart">',
        f"<title>{escape(title)}</title>",
        _text(LEFT, 18, title, "start", 13, extra=' font-weight="bold"'),
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#bbb"/>',
    ]
    for frac in (0.0, 0.5, 1.0):
        y = base - frac * plot_h
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" stroke="#eee"/>')
        parts.append(_text(LEFT - 6, y + 4, f"{top * frac:g}", "end", 10))
    day = None
    for x, cell in placed:
        if cell.day != day:
            day = cell.day
            parts.append(_text(x, base + 14, DAY_NAMES[cell.day.weekday()], "start", 10))
    for points in _points(placed, "needed", plot_h, top, base):
        parts.append(f'<polyline class="plan-needed" points="{points}" fill="none" stroke="{NEEDED}" '
                     'stroke-width="2"/>')
    for points in _points(placed, "present", plot_h, top, base):
        parts.append(f'<polyline class="plan-present" points="{points}" fill="none" stroke="{PRESENT}" '
                     'stroke-width="2" stroke-dasharray="5 3"/>')
    for x, cell in placed:
        if cell.short:
            tip = (f"{DAY_NAMES[cell.day.weekday()]} {slot_label(cell.slot)} : {cell.needed} nécessaires, "
                   f"{cell.present:g} présents")
            y = base - plot_h * min(cell.needed, top) / top
            parts.append(f'<circle class="plan-short-mark" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{SHORT}">'
                         f"<title>{escape(tip)}</title></circle>")
    parts.append(_text(LEFT + plot_w, 18, "— nécessaires   - - présents (semaines passées)", "end", 11))
    if not plan.cells:
        parts.append(_text(LEFT + plot_w / 2, TOP + plot_h / 2, "File fermée toute la semaine", size=11))
    parts.append("</svg>")
    return "\n".join(parts)
