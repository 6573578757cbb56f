"""`caseflow simulate ...`: run scenarios through the pure domain core."""

from __future__ import annotations

import typer

app = typer.Typer(help="Run scenario files through the pure trajectory core.", no_args_is_help=True)
