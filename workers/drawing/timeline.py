"""A time axis with rows of bands and lanes of marks, drawn as one self-contained SVG.

Pure: a `Chart` in, SVG text out. Nothing is fetched (no fonts, no scripts), so the page
that embeds it works offline. Used by the case page (phases, regimes, deadlines, events)
and meant for the what-if report as well: a row of bands is any labelled interval, a lane
of marks any dated point with a tooltip.

Layout: rows of bands on top (one per label, e.g. "phase", "STANDARD_2020",
"TRIAL:FK-2.c"), lanes of marks below, a date axis at the bottom with year and month ticks.
Every band and mark carries a `<title>` (the browser's tooltip) with its full text, so a
dense chart (hundreds of entries) stays readable without labels on every mark.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape

__all__ = ["PALETTE", "Band", "BandRow", "Chart", "Mark", "MarkLane", "svg"]

PALETTE = (
    "#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2",
    "#edc948", "#9c755f", "#bab0ac", "#e15759", "#ff9da7",
)  # fmt: skip
"""Tableau 10: distinguishable, and readable for the common colour-vision deficiencies."""

OVERDUE = "#d62728"
LABEL_WIDTH = 170
ROW_HEIGHT = 22
LANE_HEIGHT = 26
AXIS_HEIGHT = 34
PAD = 8


@dataclass(frozen=True, slots=True)
class Band:
    start: date
    end: date
    """Exclusive."""
    label: str
    colour: str
    title: str = ""


@dataclass(frozen=True, slots=True)
class BandRow:
    label: str
    bands: Sequence[Band]


@dataclass(frozen=True, slots=True)
class Mark:
    on: date
    title: str
    """Tooltip: what happened, with its citation."""
    colour: str
    shape: str = "circle"
    """circle, diamond (deadline), square, triangle."""
    highlight: bool = False
    """Drawn larger with a red ring (an overdue duty)."""


@dataclass(frozen=True, slots=True)
class MarkLane:
    label: str
    marks: Sequence[Mark]


@dataclass(frozen=True, slots=True)
class Chart:
    start: date
    end: date
    rows: Sequence[BandRow] = ()
    lanes: Sequence[MarkLane] = ()
    today: date | None = None
    title: str = ""
    width: int = 1200
    extra_classes: tuple[str, ...] = field(default=())


def _x(chart: Chart, day: date) -> float:
    span = max((chart.end - chart.start).days, 1)
    inner = chart.width - LABEL_WIDTH - 2 * PAD
    offset = min(max((day - chart.start).days, 0), span)
    return LABEL_WIDTH + PAD + inner * offset / span


def _ticks(start: date, end: date) -> list[tuple[date, bool]]:
    """Month starts between start and end; True for January (a year label)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    step = 1 if months <= 18 else 3 if months <= 48 else 12
    day = date(start.year, start.month, 1)
    out: list[tuple[date, bool]] = []
    while day <= end:
        if day >= start and (day.month - 1) % step == 0:
            out.append((day, day.month == 1))
        day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return out


def _shape(mark: Mark, x: float, y: float) -> str:
    r = 6.5 if mark.highlight else 4.5
    fill = escape(mark.colour)
    ring = f' stroke="{OVERDUE}" stroke-width="2.5"' if mark.highlight else ' stroke="#fff"'
    if mark.shape == "diamond":
        points = f"{x:.1f},{y - r:.1f} {x + r:.1f},{y:.1f} {x:.1f},{y + r:.1f} {x - r:.1f},{y:.1f}"
        return f'<polygon points="{points}" fill="{fill}"{ring}/>'
    if mark.shape == "square":
        return (
            f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:.1f}" height="{2 * r:.1f}" '
            f'fill="{fill}"{ring}/>'
        )
    if mark.shape == "triangle":
        points = f"{x:.1f},{y - r:.1f} {x + r:.1f},{y + r:.1f} {x - r:.1f},{y + r:.1f}"
        return f'<polygon points="{points}" fill="{fill}"{ring}/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{fill}"{ring}/>'


def svg(chart: Chart) -> str:
    """The chart as an `<svg>` element (inline in HTML, or written to a .svg file)."""
    out: list[str] = []
    y = PAD + (18 if chart.title else 0)
    height = y + len(chart.rows) * ROW_HEIGHT + len(chart.lanes) * LANE_HEIGHT + AXIS_HEIGHT + PAD
    out.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" '
        f'width="{chart.width}" height="{height}" viewBox="0 0 {chart.width} {height}" '
        f'font-family="system-ui, sans-serif" font-size="12">'
    )
    if chart.title:
        out.append(f'<text x="{PAD}" y="{PAD + 12}" font-weight="600">{escape(chart.title)}</text>')
    for row in chart.rows:
        out.append(f'<g class="band-row" data-label="{escape(row.label)}">')
        out.append(
            f'<text x="{PAD}" y="{y + ROW_HEIGHT - 7}" fill="#333">{escape(row.label)}</text>'
        )
        for band in row.bands:
            x0, x1 = _x(chart, band.start), _x(chart, band.end)
            w = max(x1 - x0, 1.0)
            tip = escape(band.title or f"{band.label}: {band.start} – {band.end}")
            out.append(
                f'<g class="band"><title>{tip}</title>'
                f'<rect x="{x0:.1f}" y="{y + 2}" width="{w:.1f}" height="{ROW_HEIGHT - 4}" '
                f'rx="3" fill="{escape(band.colour)}" fill-opacity="0.85"/>'
            )
            if w > 7 * len(band.label):
                out.append(
                    f'<text x="{x0 + 4:.1f}" y="{y + ROW_HEIGHT - 7}" fill="#fff">'
                    f"{escape(band.label)}</text>"
                )
            out.append("</g>")
        out.append("</g>")
        y += ROW_HEIGHT
    for lane in chart.lanes:
        mid = y + LANE_HEIGHT / 2
        out.append(f'<g class="lane" data-label="{escape(lane.label)}">')
        out.append(f'<text x="{PAD}" y="{mid + 4:.1f}" fill="#333">{escape(lane.label)}</text>')
        out.append(
            f'<line x1="{LABEL_WIDTH + PAD}" y1="{mid:.1f}" x2="{chart.width - PAD}" '
            f'y2="{mid:.1f}" stroke="#ddd"/>'
        )
        for mark in lane.marks:
            cls = "mark overdue" if mark.highlight else "mark"
            out.append(
                f'<g class="{cls}"><title>{escape(mark.on.isoformat())} {escape(mark.title)}'
                f"</title>{_shape(mark, _x(chart, mark.on), mid)}</g>"
            )
        out.append("</g>")
        y += LANE_HEIGHT
    top = PAD + (18 if chart.title else 0)
    out.append(
        f'<line x1="{LABEL_WIDTH + PAD}" y1="{y + 2}" x2="{chart.width - PAD}" y2="{y + 2}" '
        f'stroke="#888"/>'
    )
    for day, is_year in _ticks(chart.start, chart.end):
        x = _x(chart, day)
        label = str(day.year) if is_year else day.strftime("%b")
        out.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{y + 6}" stroke="#eee"/>'
            f'<text x="{x + 2:.1f}" y="{y + 18}" fill="#555"'
            f"{' font-weight=' + chr(34) + '600' + chr(34) if is_year else ''}>{label}</text>"
        )
    if chart.today is not None and chart.start <= chart.today <= chart.end:
        x = _x(chart, chart.today)
        out.append(
            f'<g class="today"><title>Legal date {chart.today.isoformat()}</title>'
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{y + 6}" stroke="#222" '
            f'stroke-dasharray="4 3"/><text x="{x + 3:.1f}" y="{y + 30}" fill="#222">'
            f"today {chart.today.isoformat()}</text></g>"
        )
    out.append("</svg>")
    return "".join(out)
