"""`caseflow simulate case SCENARIO`: run a scenario through the pure core, print its story."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
import yaml
from pydantic import TypeAdapter, ValidationError
from rich.table import Table

from domain.case.model import TimelineEntry
from domain.case.scenario import ScenarioResult, load_scenario, run_scenario
from domain.rulebook import RulebookError, load_rulebook
from workers.cli_output import console as make_console

app = typer.Typer(help="Run scenario files through the pure trajectory core.", no_args_is_help=True)


@app.command("case")
def simulate_case(
    scenario: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable timeline.")] = False,
) -> None:
    """Run SCENARIO (YAML: case facts + dated events) and print the resulting timeline."""
    err = make_console(stderr=True)
    try:
        result = run_scenario(load_scenario(scenario), load_rulebook())
    except (ValidationError, yaml.YAMLError) as error:
        err.print(f"[red]{scenario}: invalid scenario[/red]\n{error}")
        raise typer.Exit(2) from None
    except RulebookError as error:
        err.print(f"[red]rulebook: {error}[/red]")
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(_as_json(result), indent=2, ensure_ascii=False))
    else:
        _print(result)
    if result.refusals:
        raise typer.Exit(1)


_TIMELINE = TypeAdapter(list[TimelineEntry])


def _as_json(result: ScenarioResult) -> dict[str, object]:
    return {
        "scenario": result.scenario,
        "phase": result.state.phase.value,
        "today": result.state.today.isoformat(),
        "regimes": list(result.state.regimes),
        "refusals": result.refusals,
        "timeline": _TIMELINE.dump_python(result.timeline, mode="json"),
    }


def _print(result: ScenarioResult) -> None:
    console = make_console()
    table = Table(title=result.scenario, show_lines=False)
    for column in ("date", "what", "subject", "summary", "regime", "citation"):
        table.add_column(column, overflow="fold")
    for entry in result.timeline:
        table.add_row(
            entry.on.isoformat(),
            entry.kind.value,
            entry.subject,
            entry.summary,
            entry.regime or "",
            "; ".join(entry.citations),
        )
    console.print(table)
    console.print(
        f"Ends in [bold]{result.state.phase.value}[/bold] on {result.state.today.isoformat()}, "
        f"regimes {', '.join(result.state.regimes)}"
    )
    for refusal in result.refusals:
        console.print(f"[red]refused[/red] {refusal}")
