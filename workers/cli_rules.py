"""`caseflow rules ...`: validate and explain the rulebook.

`check` loads and validates the law directory (exit 1 with FILE: ENTRY: REASON on error).
`explain` shows, for one municipality, target group and date, every rule that applies:
value, regime, citation, reason and next change (a rich table, or JSON for scripts).
"""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from domain.rulebook import (
    FactValue,
    Resolution,
    ResolutionContext,
    Rulebook,
    RulebookError,
    UnknownMunicipality,
    UnknownReform,
    UnknownTargetGroup,
    load_rulebook,
)
from domain.rulebook.resolver import fmt_value
from workers.cli_output import console as make_console

app = typer.Typer(
    help="Validate and explain the rulebook (law as dated data).", no_args_is_help=True
)

RootOption = Annotated[
    Path | None, typer.Option("--root", help="Law directory (default: the packaged law).")
]
ParamsOption = Annotated[
    Path | None,
    typer.Option(
        "--parameters",
        help="Parameters YAML (default: $CASEFLOW_RULEBOOK_PARAMETERS, else DOMAIN §8 defaults).",
    ),
]


def _load(root: Path | None, parameters: Path | None) -> Rulebook:
    try:
        return load_rulebook(root, parameters=parameters)
    except RulebookError as exc:
        make_console(stderr=True).print(f"[red]rulebook invalid:[/red] {exc}")
        raise typer.Exit(1) from None


@app.command()
def check(root: RootOption = None, parameters: ParamsOption = None) -> None:
    """Validate the law data; print counts on success, the error on failure (exit 1)."""
    started = time.perf_counter()
    rb = _load(root, parameters)
    elapsed = time.perf_counter() - started
    law = rb.law
    statuses: dict[str, int] = {}
    for trial in law.trials.values():
        statuses[trial.status] = statuses.get(trial.status, 0) + 1
    clauses = sum(len(t.clauses) for t in law.trials.values())
    values = sum(len(r.values) for r in law.rules.values())
    make_console().print(
        f"rulebook OK: {len(law.rules)} rules ({values} dated values), "
        f"{len(law.trials)} trials ({', '.join(f'{n} {s}' for s, n in sorted(statuses.items()))}; "
        f"{clauses} clauses), {len(law.reforms)} reform(s), {len(law.municipalities)} "
        f"municipalities, {len(law.target_groups)} target groups, {len(law.facts)} facts, "
        f"{len(law.regimes)} standard regimes; hash {rb.content_hash[:16]}; "
        f"loaded in {elapsed * 1000:.0f} ms"
    )


def _parse_fact(rb: Rulebook, raw: str) -> tuple[str, FactValue]:
    name, sep, text = raw.partition("=")
    if not sep:
        raise typer.BadParameter(f"--fact {raw!r}: expected name=value")
    declared = {f.name: f.type for f in rb.law.facts}
    kind = declared.get(name)
    if kind is None:
        raise typer.BadParameter(f"--fact {name!r} is not declared in facts.yaml")
    if kind == "bool":
        if text.lower() not in ("true", "false", "yes", "no", "1", "0"):
            raise typer.BadParameter(f"--fact {name}: expected true or false")
        return name, text.lower() in ("true", "yes", "1")
    if kind == "int":
        try:
            return name, int(text)
        except ValueError:
            raise typer.BadParameter(f"--fact {name}: expected an integer") from None
    if kind == "date":
        try:
            return name, date.fromisoformat(text)
        except ValueError:
            raise typer.BadParameter(f"--fact {name}: expected YYYY-MM-DD") from None
    return name, text


def _as_json(res: Resolution) -> dict[str, Any]:
    return {
        "rule_id": res.rule_id,
        "value": res.value,
        "applicable": res.applicable,
        "unit": res.unit,
        "regime": res.regime,
        "citations": list(res.citations),
        "reason": res.reason,
        "since": res.since.isoformat() if res.since else None,
        "next_change": res.next_change.isoformat() if res.next_change else None,
    }


@app.command()
def explain(  # noqa: PLR0917 - typer maps each option to a parameter
    municipality: Annotated[str, typer.Option("--municipality", "-m", help="Id, name or code.")],
    target_group: Annotated[
        str, typer.Option("--target-group", "-g", help="LAB § 2 code or alias.")
    ],
    on: Annotated[str, typer.Option("--date", "-d", help="Resolution date, YYYY-MM-DD.")],
    fact: Annotated[
        list[str] | None, typer.Option("--fact", "-f", help="name=value, repeatable.")
    ] = None,
    reform: Annotated[
        str | None, typer.Option("--reform", help="What-if reform, e.g. KL2023_HYPOTHETICAL.")
    ] = None,
    all_rules: Annotated[
        bool, typer.Option("--all", help="Also rules scoped to other target groups.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON for scripts.")] = False,
    root: RootOption = None,
    parameters: ParamsOption = None,
) -> None:
    """Every rule that applies to a case: value, regime, citation, reason, next change."""
    rb = _load(root, parameters)
    try:
        day = date.fromisoformat(on)
    except ValueError:
        raise typer.BadParameter(f"--date {on!r}: expected YYYY-MM-DD") from None
    try:
        mun = rb.municipality(municipality)
        group = rb.target_group(target_group)
    except (UnknownMunicipality, UnknownTargetGroup) as exc:
        raise typer.BadParameter(str(exc)) from None
    if reform is not None and reform not in rb.reform_ids():
        raise typer.BadParameter(str(UnknownReform(f"unknown reform {reform!r}")))
    facts = dict(_parse_fact(rb, raw) for raw in fact or [])
    ctx = ResolutionContext(mun.id, group.code, day, facts, reform)
    rows: list[Resolution] = []
    for rule_id in rb.rule_ids():
        scope = rb.rule(rule_id).applies_to
        if scope and group.code not in scope and not all_rules:
            continue
        try:
            rows.append(rb.resolve(rule_id, ctx))
        except LookupError as exc:  # RuleNotInForce: show it, never hide it
            rows.append(
                Resolution(
                    rule_id, None, False, rb.rule(rule_id).unit, "-", (), str(exc), None, None
                )
            )
    trials = rb.trials_in_scope(mun.id, group.code, day)
    if as_json:
        payload = {
            "municipality": mun.id,
            "target_group": group.code,
            "date": day.isoformat(),
            "facts": {k: (v.isoformat() if isinstance(v, date) else v) for k, v in facts.items()},
            "reform": reform,
            "standard_regime": rb.standard_regime(day),
            "trials_in_scope": list(trials),
            "next_boundary": (
                nb.isoformat() if (nb := rb.next_boundary(mun.id, group.code, day)) else None
            ),
            "rulebook_hash": rb.content_hash,
            "rules": [_as_json(r) for r in rows],
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    console = make_console()
    table = Table(
        title=(
            f"{mun.name} ({mun.code}) · target group {group.code} {group.name} · {day} · "
            f"{rb.standard_regime(day)}{' · what-if ' + reform if reform else ''}"
        ),
        show_lines=False,
    )
    for col in ("rule", "value", "regime", "reason", "citation", "next change"):
        table.add_column(col, overflow="fold")
    for r in rows:
        value = fmt_value(r.value) if r.applicable else "[dim]not applicable[/dim]"
        table.add_row(
            r.rule_id,
            f"{value} {r.unit}" if r.applicable and r.unit not in ("bool", "text") else value,
            r.regime,
            r.reason,
            "; ".join(r.citations),
            r.next_change.isoformat() if r.next_change else "-",
        )
    console.print(table)
    console.print(
        f"trials in scope: {', '.join(trials) or 'none'} · rulebook {rb.content_hash[:16]}"
    )
