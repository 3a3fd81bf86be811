"""An SVG chart of the per-adviser report (pure): for each adviser, their occupancy (0-100 %) and their average
handling time (talk + wrap-up, seconds) as two horizontal bars side by side. Every text is escaped; each bar has
a `<title>` (hover tooltip)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from allo.reports.advisers import AdviserReport
from allo.reports.chart import _nice_max

WIDTH, ROW, TOP, NAMES, GAP = 760, 24, 50, 190, 40
PANEL = (WIDTH - NAMES - GAP - 50) // 2
OCCUPANCY, AHT = "#1565c0", "#6a1b9a"
TITLE = "Occupation et durée moyenne de traitement par conseiller"


def _text(x: float, y: float, text: str, anchor: str = "start", size: int = 11, *, extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"{extra}>{escape(text)}</text>'


def advisers_chart(reports: Sequence[AdviserReport]) -> str:
    height = TOP + ROW * max(1, len(reports)) + 10
    figures = [r.total.figures() for r in reports]
    peak = _nice_max(int(max([f["aht_s"] or 0 for f in figures] + [0])) + 1)
    left, right = NAMES, NAMES + PANEL + GAP
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
             f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{TITLE}" font-family="sans-serif" '
             f'class="report-chart" id="advisers-chart">', f"<title>{TITLE}</title>",
             _text(0, 16, TITLE, size=13, extra=' font-weight="bold"'),
             _text(left, 38, "occupation (0 à 100 %)", size=10), _text(right, 38, f"DMT (0 à {peak} s)", size=10)]
    for i, (report, f) in enumerate(zip(reports, figures, strict=True)):
        y = TOP + i * ROW
        who = report.name if report.name == report.agent else f"{report.name} ({report.agent})"
        parts.append(_text(left - 8, y + 15, who[:40], "end"))
        for x0, value, scale, colour, text in (
                (left, f["occupancy_pct"], 100, OCCUPANCY, f"{f['occupancy_pct']} %"),
                (right, f["aht_s"], peak, AHT, f"{f['aht_s']} s")):
            parts.append(f'<rect x="{x0}" y="{y + 3}" width="{PANEL}" height="{ROW - 8}" fill="#f3f3f3"/>')
            if value is None:
                parts.append(_text(x0 + 4, y + 15, "sans objet", size=10))
                continue
            width = PANEL * min(value, scale) / scale
            parts.append(f'<rect x="{x0}" y="{y + 3}" width="{width:.1f}" height="{ROW - 8}" fill="{colour}">'
                         f"<title>{escape(f'{who} : {text}')}</title></rect>")
            parts.append(_text(x0 + width + 4, y + 15, text, size=10))
    if not reports:
        parts.append(_text(left, TOP + 15, "Aucune activité de conseiller sur la période"))
    parts.append("</svg>")
    return "\n".join(parts)
