"""The same SVG charts as PNG, for slides and documents that take no SVG.

resvg renders the SVG text that `bars.py` and `timeline.py` draw, so a PNG never differs
from its SVG in anything but format. resvg ships inside its wheel (no system library, no
browser); text takes the machine's fonts, and a machine with none still gets the bars.
"""

from __future__ import annotations

import resvg_py

__all__ = ["SCALE", "svg_to_png"]

# Twice the SVG's own size, so the 12 px labels stay sharp on a slide or in print.
SCALE = 2


def svg_to_png(svg: str) -> bytes:
    """PNG bytes of `svg` at SCALE times its width and height, on a white background."""
    return bytes(resvg_py.svg_to_bytes(svg_string=svg, background="#ffffff", zoom=SCALE))
