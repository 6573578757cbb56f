"""`caseflow report fk1d --scenario-dir DIR`: FK-1.d's average-based volume condition,
computed over scenario files run through the pure core (DOMAIN §3.9, §8.14)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
import yaml
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from domain.case.model import CaseState
from domain.case.scenario import load_scenario, run_scenario
from domain.reports.fk1d import Fk1dRow, fk1d_report
from domain.rulebook import Rulebook, RulebookError, load_rulebook
from workers.cli import case as cli_case
from workers.cli.output import console as make_console

app = typer.Typer(help="Reports over many cases, computed by the pure core.", no_args_is_help=True)

CAPTION = (
    "FK-1.d: the statutory number of contacts is an average per target group, not a minimum "
    "per citizen [001:L945, L3471]; required = the standard schedule from each course's "
    "start (restarts after a short job not re-anchored). Reported, not enforced."
)


@app.callback()
def reports() -> None:
    """Reports over many cases (kept a command group, so more reports can join)."""


@app.command("fk1d")
def report_fk1d(
    scenario_dir: Annotated[
        Path, typer.Option("--scenario-dir", exists=True, file_okay=False, readable=True)
    ],
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Count up to this date (default: each case's last day)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable rows.")] = False,
) -> None:
    """Held vs standard-required conversations per municipality × target group × quarter."""
    err = make_console(stderr=True)
    rulebook = _rulebook(err)
    states: list[CaseState] = []
    for path in sorted(scenario_dir.glob("*.yaml")):
        try:
            states.append(run_scenario(load_scenario(path), rulebook).state)
        except (ValidationError, yaml.YAMLError) as error:
            err.print(f"[red]{path}: invalid scenario[/red]\n{error}")
            raise typer.Exit(2) from None
    until = date.fromisoformat(as_of) if as_of else date.max
    rows = fk1d_report(states, rulebook, until)
    if as_json:
        typer.echo(json.dumps([_row(r) for r in rows], indent=2, ensure_ascii=False))
        return
    table = Table(title="FK-1.d follow-up level", caption=CAPTION)
    for column in (
        "municipality",
        "group",
        "quarter",
        "cases",
        "held",
        "required",
        "FK-1.d",
        "level",
    ):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r.municipality,
            r.target_group,
            r.quarter,
            str(r.cases),
            str(r.held),
            str(r.required),
            "yes" if r.fk1d_in_force else "no",
            "ok" if r.meets_standard else "[red]below[/red]",
        )
    make_console().print(table)


def _rulebook(err: Console) -> Rulebook:
    try:
        return load_rulebook()
    except RulebookError as error:
        err.print(f"[red]rulebook: {error}[/red]")
        raise typer.Exit(2) from None


def _row(row: Fk1dRow) -> dict[str, object]:
    return {
        "municipality": row.municipality,
        "target_group": row.target_group,
        "quarter": row.quarter,
        "cases": row.cases,
        "held": row.held,
        "required": row.required,
        "fk1d_in_force": row.fk1d_in_force,
        "meets_standard": row.meets_standard,
    }


@app.command("cost")
def report_cost(
    url: cli_case.Url = cli_case.DEFAULT_URL,
    token: cli_case.Token = None,
    municipality: Annotated[str | None, typer.Option(help="Id, name or code")] = None,
    price_date: Annotated[
        str | None, typer.Option("--price-date", help="Price every count at this date.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the API's JSON answer.")] = False,
) -> None:
    """Duties and certificate costs of the open cases on the stack (GET /v1/reports/cost)."""
    params = {
        k: v for k, v in {"municipality": municipality, "price_date": price_date}.items() if v
    }
    body = cli_case.call_gateway("GET", url, token, "/v1/reports/cost", params=params)
    if as_json:
        typer.echo(json.dumps(body, indent=2, ensure_ascii=False))
        return
    out = Console()
    table = Table(title=f"Open cases: {body['cases']} (prices at {body['price_date']})")
    table.add_column("duty")
    table.add_column("required", justify="right")
    table.add_column("exempted", justify="right")
    for label, n in body["duties"].items():
        table.add_row(label, str(n["required"]), str(n["exempted"]))
    out.print(table)
    costs = body["costs"]
    out.print(
        f"certificates: {costs['gross_dkk']:,} DKK at known prices; "
        f"{costs['unpriced_certificates']} with a price the rulebook does not know"
    )
