"""`caseflow simulate case SCENARIO`: run a scenario through the pure core, print its story."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
import yaml
from pydantic import TypeAdapter, ValidationError
from rich.console import Console
from rich.table import Table

from domain.case import engine
from domain.case.engine import EventRefused
from domain.case.events import LATEST_DAY
from domain.case.model import PhaseName, TimelineEntry
from domain.case.scenario import Scenario, ScenarioResult, load_scenario, rules_for, run_scenario
from domain.rulebook import Rulebook, RulebookError, citation_text, load_rulebook
from domain.rulebook.errors import RuleNotInForce, UnknownMunicipality, UnknownTargetGroup
from workers.cli.output import console as make_console

OPENING_REFUSED = 3
"""Exit code when the law refuses to open the scenario's case (1: an event was refused,
2: the scenario or the rulebook is invalid)."""

app = typer.Typer(help="Run scenario files through the pure trajectory core.", no_args_is_help=True)


@app.command("case")
def simulate_case(
    scenario: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable timeline.")] = False,
    provenance: Annotated[
        bool, typer.Option("--provenance", help="Show each act's source line (seed references).")
    ] = False,
) -> None:
    """Run SCENARIO (YAML: case facts + dated events) and print the resulting timeline."""
    err = make_console(stderr=True)
    try:
        loaded, rulebook = load_scenario(scenario), load_rulebook()
        refusal = opening_refusal(loaded, rulebook)
        if refusal is not None:
            _refuse_opening(loaded, refusal, as_json, err)
        result = run_scenario(loaded, rulebook)
    except (ValidationError, yaml.YAMLError) as error:
        err.print(f"[red]{scenario}: invalid scenario[/red]\n{error}")
        raise typer.Exit(2) from None
    except RulebookError as error:
        err.print(f"[red]rulebook: {error}[/red]")
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(_as_json(result, rulebook), indent=2, ensure_ascii=False))
    else:
        _print(result, rulebook, provenance=provenance)
    if result.refusals:
        raise typer.Exit(1)


def opening_refusal(scenario: Scenario, rulebook: Rulebook) -> tuple[str, str] | None:
    """(field, reason) if the law refuses to open the scenario's case, else None.

    The case is opened on a scratch copy first, as the gateway does before it starts a
    workflow, so a refusal is an answer and not a traceback.
    """
    start = scenario.case
    # The gateway's edge checks, so the refusal names the field at fault and not `entry`.
    if start.phase is PhaseName.CLOSED:
        return "phase", "a case cannot be opened in this phase"
    first = min(regime.valid_from for regime in rulebook.law.regimes)
    if not first <= start.opened_on <= LATEST_DAY:
        return "opened_on", (
            f"is outside the rulebook's coverage ({first.isoformat()} to {LATEST_DAY.isoformat()})"
        )
    try:
        engine.open_case(start, rules_for(scenario, rulebook))
    except EventRefused as refused:
        return refused.field, citation_text.reader(rulebook).in_text(refused.reason)
    except RuleNotInForce:
        return "opened_on", "the opening day is outside the rulebook's coverage"
    except UnknownMunicipality:
        return "municipality", "unknown municipality"
    except UnknownTargetGroup:
        return "target_group", "unknown target group"
    except (LookupError, TypeError, ValueError, OverflowError) as error:
        # Phase entry data the phase could not use; the type, never the value.
        return "entry", f"phase entry data not usable ({type(error).__name__})"
    return None


def _refuse_opening(
    scenario: Scenario, refusal: tuple[str, str], as_json: bool, err: Console
) -> None:
    field, reason = refusal
    if as_json:
        body = {
            "scenario": scenario.name,
            "opened": False,
            "refusal": {"field": field, "reason": reason},
        }
        typer.echo(json.dumps(body, indent=2, ensure_ascii=False))
    else:
        err.print(f"[red]{scenario.name}: the case cannot be opened[/red]: {field}: {reason}")
    raise typer.Exit(OPENING_REFUSED)


_TIMELINE = TypeAdapter(list[TimelineEntry])


def _as_json(result: ScenarioResult, rulebook: Rulebook) -> dict[str, object]:
    cite = citation_text.reader(rulebook)
    return {
        "scenario": result.scenario,
        "phase": result.state.phase.value,
        "today": result.state.today.isoformat(),
        "regimes": list(result.state.regimes),
        "refusals": [cite.in_text(refusal) for refusal in result.refusals],
        "timeline": _TIMELINE.dump_python(result.timeline, mode="json"),
    }


def _print(result: ScenarioResult, rulebook: Rulebook, *, provenance: bool = False) -> None:
    console = make_console()
    cite = citation_text.reader(rulebook)
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
            cite.readable(entry.citations, entry.regime, provenance=provenance),
        )
    console.print(table)
    console.print(
        f"Ends in [bold]{result.state.phase.value}[/bold] on {result.state.today.isoformat()}, "
        f"regimes {', '.join(result.state.regimes)}"
    )
    for refusal in result.refusals:
        console.print(f"[red]refused[/red] {cite.in_text(refusal)}")
