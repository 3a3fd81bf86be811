"""An SVG chart of one queue's report (pure): answered and abandoned bars per bucket, the service level as a
line on a 0-100 % scale, and the service-level target dashed. Every text is escaped."""

from __future__ import annotations

import math
from html import escape

from allo.reports.aggregate import QueueReport

WIDTH, HEIGHT = 760, 280
LEFT, RIGHT, TOP, BOTTOM = 48, 48, 34, 58
ANSWERED, ABANDONED, SL_LINE, TARGET = "#2e7d32", "#c62828", "#1565c0", "#ef6c00"


def _nice_max(value: int) -> int:
    """The smallest round number at or above `value` for the top of the count axis (at least 4)."""
    if value <= 4:
        return 4
    magnitude = 10 ** int(math.log10(value))
    return next(int(step * magnitude) for step in (1, 2, 3, 4, 5, 6, 8, 10) if step * magnitude >= value)


def _text(x: float, y: float, text: str, anchor: str = "middle", size: int = 11, *, extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"{extra}>'
            f"{escape(text)}</text>")


def queue_chart(report: QueueReport) -> str:
    q = report.queue
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    base = TOP + plot_h
    n = max(1, len(report.buckets))
    slot = plot_w / n
    bar = max(0.5, slot * 0.38)
    peak = _nice_max(max([max(t.answered, t.abandoned) for _b, t in report.buckets] + [0]))
    title = f"{q.label} ({q.name})" if q.label else q.name
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title, quote=True)}" '
        f'font-family="sans-serif" class="report-chart">',
        f"<title>{escape(title)}</title>",
        _text(LEFT, 18, title, "start", 13, extra=' font-weight="bold"'),
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#bbb"/>',
    ]
    for frac in (0.0, 0.5, 1.0):
        y = base - frac * plot_h
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" stroke="#eee"/>')
        parts.append(_text(LEFT - 6, y + 4, f"{peak * frac:g}", "end", 10))
        parts.append(_text(LEFT + plot_w + 6, y + 4, f"{100 * frac:g} %", "start", 10))
    label_step = max(1, math.ceil(n / 12))
    days = {bucket.day for bucket, _t in report.buckets}
    hourly_over_days = len(days) > 1 and len(days) < len(report.buckets)  # hours of several days: say which day
    points: list[list[str]] = [[]]
    for i, (bucket, tally) in enumerate(report.buckets):
        x0 = LEFT + i * slot + (slot - 2 * bar) / 2
        for j, (value, colour, what) in enumerate(((tally.answered, ANSWERED, "répondus"),
                                                   (tally.abandoned, ABANDONED, "abandonnés"))):
            h = plot_h * value / peak
            parts.append(f'<rect x="{x0 + j * bar:.1f}" y="{base - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                         f'fill="{colour}"><title>{escape(f"{bucket.label} : {value} {what}")}</title></rect>')
        sl = tally.figures()["service_level_pct"]
        if sl is None:
            points.append([])
        else:
            points[-1].append(f"{LEFT + (i + 0.5) * slot:.1f},{base - plot_h * sl / 100:.1f}")
        if i % label_step == 0:
            text = f"{bucket.day:%d/%m} {bucket.label}" if hourly_over_days else bucket.label
            parts.append(_text(LEFT + (i + 0.5) * slot, base + 14, text, size=9))
    for line in points:
        if len(line) == 1:
            cx, cy = line[0].split(",")
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{SL_LINE}"/>')
        elif line:
            parts.append(f'<polyline points="{" ".join(line)}" fill="none" stroke="{SL_LINE}" stroke-width="2"/>')
    target_y = base - plot_h * q.sl_target_pct / 100
    parts.append(f'<line x1="{LEFT}" y1="{target_y:.1f}" x2="{LEFT + plot_w}" y2="{target_y:.1f}" '
                 f'stroke="{TARGET}" stroke-dasharray="5,4"/>')
    legend = ((ANSWERED, "répondus"), (ABANDONED, "abandonnés"), (SL_LINE, "niveau de service"),
              (TARGET, f"objectif {q.sl_target_pct} % en {q.service_level} s"))
    x = float(LEFT)
    for colour, text in legend:
        parts.append(f'<rect x="{x:.1f}" y="{HEIGHT - 18}" width="10" height="10" fill="{colour}"/>')
        parts.append(_text(x + 14, HEIGHT - 9, text, "start", 10))
        x += 28 + 6.2 * len(text)
    parts.append("</svg>")
    return "\n".join(parts)
