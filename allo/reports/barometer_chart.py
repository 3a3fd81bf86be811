"""SVG charts of the barometer, month over month (pure). Volumes reuse the reports' queue chart (bars answered and
abandoned, the service level line, the target); each rate or average is a line chart on a fixed scale, broken
where a month has no value. Every text is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from allo.reports.aggregate import QueueReport
from allo.reports.barometer import MonthTally
from allo.reports.buckets import Bucket
from allo.reports.chart import _nice_max, _text, queue_chart
from allo.reports.months import bounds, month_key
from allo.reports.rows import QueueInfo

WIDTH, HEIGHT = 760, 200
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 30, 30
LINE, POINT = "#1565c0", "#0d47a1"


@dataclass(frozen=True)
class Series:
    ident: str  # the SVG's id
    title: str
    unit: str  # "%", "s", "/5"
    values: Sequence[tuple[str, float | None]]  # (month label, value) oldest first
    top: float | None = None  # fixed top of the scale (100 for a %, 5 for satisfaction); else from the data


def volume_chart(months: Sequence[MonthTally], target: QueueInfo) -> str:
    """Answered and abandoned per month with the service level, every queue together (the target line is
    `target`'s, the level-1 queue: the one most callers reach)."""
    buckets = []
    for month in months:
        start, end = bounds(month.first)
        buckets.append((Bucket(start, end, month.first, month_key(month.first)), month.total))
    everything = QueueInfo("ensemble", "Toutes les files, mois par mois", target.level, target.service_level,
                           target.short_abandon, target.sl_target_pct)
    return queue_chart(QueueReport(everything, buckets)).replace('class="report-chart"',
                                                                 'class="report-chart" id="chart-volumes"', 1)


def line_chart(series: Series) -> str:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    base = TOP + plot_h
    known = [v for _label, v in series.values if v is not None]
    top = series.top if series.top is not None else float(_nice_max(int(max([*known, 0.0])) + 1))
    n = max(1, len(series.values))
    slot = plot_w / n
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(series.title, quote=True)}" font-family="sans-serif" '
        f'class="report-chart barometer-chart" id="{escape(series.ident, quote=True)}">',
        f"<title>{escape(series.title)}</title>",
        _text(LEFT, 18, series.title, "start", 13, extra=' font-weight="bold"'),
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#bbb"/>',
    ]
    for frac in (0.0, 0.5, 1.0):
        y = base - frac * plot_h
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" stroke="#eee"/>')
        parts.append(_text(LEFT - 6, y + 4, f"{top * frac:g} {series.unit}".strip(), "end", 10))
    runs: list[list[tuple[float, float, str]]] = [[]]
    for i, (label, value) in enumerate(series.values):
        x = LEFT + (i + 0.5) * slot
        parts.append(_text(x, base + 14, label, size=9))
        if value is None:
            runs.append([])
            continue
        y = base - plot_h * min(value, top) / top if top else base
        runs[-1].append((x, y, f"{label} : {value:g} {series.unit}".strip()))
    for run in runs:
        if len(run) > 1:
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y, _tip in run)
            parts.append(f'<polyline points="{points}" fill="none" stroke="{LINE}" stroke-width="2"/>')
        for x, y, tip in run:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{POINT}"><title>{escape(tip)}</title>'
                         f"</circle>")
    if not known:
        parts.append(_text(LEFT + plot_w / 2, TOP + plot_h / 2, "Aucune valeur sur ces mois", size=11))
    parts.append("</svg>")
    return "\n".join(parts)
