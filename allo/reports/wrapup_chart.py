"""An SVG chart of the wrap-ups per reason (pure): one horizontal bar per reason, most frequent first, the count
at its end; « sans motif » (expired) in grey. Every text is escaped."""

from __future__ import annotations

from html import escape
from typing import Any

from allo.reports.wrapups import NO_REASON

WIDTH, ROW, TOP, LEFT, RIGHT = 760, 24, 30, 260, 60
BAR, NONE = "#1565c0", "#9e9e9e"


def reason_chart(report: dict[str, Any]) -> str:
    reasons = report["by_reason"]
    height = TOP + ROW * max(1, len(reasons)) + 10
    peak = max([r["count"] for r in reasons] + [1])
    plot = WIDTH - LEFT - RIGHT
    title = "Fins d'appel par motif"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
             f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{title}" font-family="sans-serif" '
             f'class="report-chart" id="wrapup-chart">', f"<title>{title}</title>",
             f'<text x="0" y="18" font-size="13" font-weight="bold">{title}</text>']
    for i, reason in enumerate(reasons):
        y = TOP + i * ROW
        width = plot * reason["count"] / peak
        label = escape(str(reason["reason"]))
        colour = NONE if reason["reason"] == NO_REASON else BAR
        parts.append(f'<text x="{LEFT - 8}" y="{y + 15}" font-size="11" text-anchor="end">{label[:60]}</text>')
        parts.append(f'<rect x="{LEFT}" y="{y + 3}" width="{width:.1f}" height="{ROW - 8}" fill="{colour}">'
                     f'<title>{label} : {reason["count"]}</title></rect>')
        parts.append(f'<text x="{LEFT + width + 6:.1f}" y="{y + 15}" font-size="11">{reason["count"]}</text>')
    if not reasons:
        parts.append(f'<text x="{LEFT}" y="{TOP + 15}" font-size="11">Aucune fin d\'appel sur la période</text>')
    parts.append("</svg>")
    return "\n".join(parts)
