"""`caseflow rules ...`: validate and explain the rulebook."""

from __future__ import annotations

import typer

app = typer.Typer(help="Validate and explain the rulebook (law as dated data).", no_args_is_help=True)
