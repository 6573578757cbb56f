"""The `caseflow` command line: one entry point, one sub-command module per concern."""

from __future__ import annotations

import typer

from workers import cli_rules, cli_simulate

app = typer.Typer(
    name="caseflow",
    help="Durable, auditable orchestrator for jobcentre case trajectories.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(cli_rules.app, name="rules")
app.add_typer(cli_simulate.app, name="simulate")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
