"""Grouped bar charts as one self-contained SVG, next to the time-axis charts of
`timeline.py` and in its palette: for comparisons (per regime, per municipality) where
`timeline.py` draws dates. Pure: numbers in, SVG text out; nothing fetched. Every bar has
a `<title>` (the browser's tooltip) and a printed value, so it reads without colour.
"""

from __future__ import annotations

from html import escape

from workers.drawing.timeline import PALETTE

__all__ = ["grouped_bars"]

WIDTH = 760
ROW = 22
LEFT = 230


def _fmt(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ") if abs(value) >= 1 or value == 0 else f"{value:.2f}"


def grouped_bars(
    title: str,
    categories: list[str],
    series: dict[str, list[float]],
    *,
    unit: str = "",
    first_colour: int = 0,
) -> str:
    """Horizontal bars: one group per category, one bar per series (negative values left).

    `first_colour` shifts the palette, so a series keeps its colour across charts that
    leave out the first series (differences from a baseline)."""
    names = list(series)
    values = [v for vs in series.values() for v in vs]
    low = min([0.0, *values])
    high = max([0.0, *values])
    span = (high - low) or 1.0
    plot = WIDTH - LEFT - 90
    zero_x = LEFT + plot * (-low / span)
    legend_h = 20 * len(names)
    height = 40 + legend_h + len(categories) * ROW * max(len(names), 1) + 10 * len(categories)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        f'font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<text x="8" y="18" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for i, name in enumerate(names):
        y = 30 + 20 * i
        colour = PALETTE[(i + first_colour) % len(PALETTE)]
        out.append(f'<rect x="8" y="{y}" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="26" y="{y + 11}">{escape(name)}</text>')
    y = 36 + legend_h
    for c, category in enumerate(categories):
        out.append(
            f'<text x="{LEFT - 6}" y="{y + ROW * len(names) / 2 + 4:.1f}" '
            f'text-anchor="end">{escape(category)}</text>'
        )
        for i, name in enumerate(names):
            value = series[name][c]
            x0 = zero_x if value >= 0 else zero_x + plot * (value / span)
            w = abs(plot * value / span)
            colour = PALETTE[(i + first_colour) % len(PALETTE)]
            out.append(
                f'<rect class="bar" x="{x0:.1f}" y="{y + 2}" width="{max(w, 0.5):.1f}" '
                f'height="{ROW - 4}" fill="{colour}"><title>{escape(name)}: '
                f"{escape(category)} {_fmt(value)} {escape(unit)}</title></rect>"
            )
            out.append(f'<text x="{x0 + w + 4:.1f}" y="{y + ROW - 7}">{_fmt(value)}</text>')
            y += ROW
        y += 10
    out.append(
        f'<line x1="{zero_x:.1f}" y1="{36 + legend_h}" x2="{zero_x:.1f}" y2="{y}" stroke="#333"/>'
    )
    out.append("</svg>")
    return "\n".join(out)
