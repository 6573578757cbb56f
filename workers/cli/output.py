"""Consoles for the CLI: full width when the output is piped, so tables are not cut at 80.

rich falls back to 80 columns when stdout is not a terminal; a script or `| less -S`
then gets wrapped, truncated cells. Off a terminal we give rich a very wide page (tables
do not expand, so they use only the width their cells need); `COLUMNS` still wins.
"""

from __future__ import annotations

import os
import sys

from rich.console import Console

PIPED_WIDTH = 1000


def _width(stderr: bool) -> int | None:
    stream = sys.stderr if stderr else sys.stdout
    if os.environ.get("COLUMNS") or (hasattr(stream, "isatty") and stream.isatty()):
        return None
    return PIPED_WIDTH


def console(*, stderr: bool = False) -> Console:
    return Console(stderr=stderr, width=_width(stderr))
