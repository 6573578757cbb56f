"""`caseflow rules ...`: validate and explain the rulebook.

`check` loads and validates the law directory (exit 1 with FILE: ENTRY: REASON on error).
`explain` shows, for one municipality, target group and date, every rule that applies:
value, regime, citation, reason and next change, with the law as known on a day
(`--known-on`; a rich table, or JSON for scripts). `diff` lists what differs between two
knowledge days, two rulebook directories or two published versions (`--version A
--version B`, content hashes in the data dir's store), rule by rule with citations.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from activities.rulebook_store import RulebookStore, UnknownVersion
from domain.rulebook import (
    Rulebook,
    RulebookError,
    citation_text,
    load_rulebook,
)
from domain.rulebook.diff import diff_rulebooks
from domain.rulebook.explain import ExplainRefused, parse_day, parse_fact, view_known_on
from domain.rulebook.explain import explain as explain_rules
from domain.rulebook.resolver import fmt_value
from workers.cli.output import console as make_console
from workers.rule_usage import UNREAD, rule_usage
from workers.version_diff import diff_versions

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
    usage = rule_usage(law)
    if not usage.ok:
        err = make_console(stderr=True)
        for key in usage.unread:
            err.print(f"[red]dead law:[/red] {key}: read by no consumer and not listed in UNREAD")
        for key in usage.stale_exceptions:
            err.print(f"[red]stale exception:[/red] {key}: read after all, or names no key")
        for key in usage.unused_parameters:
            err.print(f"[red]unused parameter:[/red] {key}: used by no override")
        raise typer.Exit(1)
    make_console().print(f"every rule and override key is read ({len(UNREAD)} listed exceptions)")


KnownOnOption = Annotated[
    str | None,
    typer.Option(
        "--known-on",
        "-k",
        help="Answer with the law as known on this day, YYYY-MM-DD (default: all decided law).",
    ),
]


def _refused(exc: ExplainRefused, option: str) -> typer.BadParameter:
    return typer.BadParameter(f"{option}: {exc.reason}")


_OPTION = {
    "municipality": "--municipality",
    "target_group": "--target-group",
    "reform": "--reform",
    "known_on": "--known-on",
    "date": "--date",
    "fact": "--fact",
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
    known_on: KnownOnOption = None,
    all_rules: Annotated[
        bool, typer.Option("--all", help="Also rules scoped to other target groups.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON for scripts.")] = False,
    provenance: Annotated[
        bool, typer.Option("--provenance", help="Show each act's source line (seed references).")
    ] = False,
    root: RootOption = None,
    parameters: ParamsOption = None,
) -> None:
    """Every rule that applies to a case: value, regime, citation, reason, next change."""
    rb = _load(root, parameters)
    try:
        day = parse_day(on, "date")
        known = parse_day(known_on, "known_on") if known_on is not None else None
        facts = dict(parse_fact(rb, raw) for raw in fact or [])
        payload = explain_rules(
            rb,
            municipality=municipality,
            target_group=target_group,
            on=day,
            facts=facts,
            reform=reform,
            known_on=known,
            all_rules=all_rules,
        )
    except ExplainRefused as exc:
        raise _refused(exc, _OPTION.get(exc.field, exc.field)) from None
    if as_json:
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    console = make_console()
    knowledge = f" · as known on {payload['known_on']}" if payload["known_on"] else ""
    table = Table(
        title=(
            f"{payload['municipality_name']} ({payload['municipality_code']}) · target group "
            f"{payload['target_group']} {payload['target_group_name']} · {day}{knowledge} · "
            f"{payload['standard_regime']}{' · what-if ' + reform if reform else ''}"
        ),
        show_lines=False,
    )
    for col in ("rule", "value", "regime", "reason", "citation", "decided", "next change"):
        table.add_column(col, overflow="fold")
    cite = citation_text.reader(rb)
    for r in payload["rules"]:
        value = fmt_value(r["value"]) if r["applicable"] else "[dim]not applicable[/dim]"
        decided = r["decided"] or "-"
        if r["retroactive"]:
            decided = f"[yellow]{decided} retroactive[/yellow]"
        table.add_row(
            r["rule_id"],
            f"{value} {r['unit']}"
            if r["applicable"] and r["unit"] not in ("bool", "text")
            else value,
            r["regime"],
            r["reason"],
            cite.readable(r["citations"], r["regime"], provenance=provenance),
            decided,
            r["next_change"] or "-",
        )
    console.print(table)
    trials = payload["trials_in_scope"]
    nxt = f" · next decision {payload['next_decision']}" if payload["next_decision"] else ""
    console.print(
        f"trials in scope: {', '.join(trials) or 'none'} · rulebook "
        f"{payload['rulebook_hash'][:16]}{nxt}"
    )
    retro = [r for r in payload["rules"] if r["retroactive"]]
    for r in retro:
        console.print(f"[yellow]retroactive:[/yellow] {r['rule_id']} {r['retroactive']}")


@app.command()
def diff(  # noqa: PLR0917 - one typer option each
    known_on: Annotated[
        list[str] | None,
        typer.Option(
            "--known-on",
            "-k",
            help="Knowledge day(s), YYYY-MM-DD: two days compare one rulebook as known on "
            "each; one day applies to both sides.",
        ),
    ] = None,
    root: RootOption = None,
    other: Annotated[
        Path | None,
        typer.Option("--other", help="A second law directory to compare the first with."),
    ] = None,
    parameters: ParamsOption = None,
    version: Annotated[
        list[str] | None,
        typer.Option(
            "--version",
            "-v",
            help="Two published rulebook versions (content hash or unique prefix) to compare, "
            "from the store in --data-dir.",
        ),
    ] = None,
    data_dir: Annotated[
        Path,
        typer.Option("--data-dir", envvar="CASEFLOW_DATA_DIR", help="Holds the version store."),
    ] = Path(".caseflow"),
    as_json: Annotated[bool, typer.Option("--json", help="JSON for scripts.")] = False,
) -> None:
    """What differs between two readings of the law, rule by rule with citations."""
    if version:
        if len(version) != 2 or known_on or other is not None:
            raise typer.BadParameter("--version: give two versions (and no --known-on/--other)")
        _diff_versions(RulebookStore.in_data_dir(data_dir), version[0], version[1], as_json)
        return
    days = known_on or []
    if len(days) > 2:
        raise typer.BadParameter("--known-on: give one or two days")
    if other is None and len(days) != 2:
        raise typer.BadParameter(
            "--known-on: give two days, or --other DIR to compare two rulebooks"
        )
    a = _load(root, parameters)
    b = _load(other, parameters) if other is not None else a
    try:
        parsed = [parse_day(d, "known_on") for d in days]
        a_on = parsed[0] if parsed else None
        b_on = parsed[-1] if parsed else None
        view_known_on(a, a_on)
        view_known_on(b, b_on)
    except ExplainRefused as exc:
        raise _refused(exc, "--known-on") from None
    changes = diff_rulebooks(a, b, a_known_on=a_on, b_known_on=b_on)
    sides = {
        "before": {"rulebook_hash": a.content_hash, "known_on": a_on.isoformat() if a_on else None},
        "after": {"rulebook_hash": b.content_hash, "known_on": b_on.isoformat() if b_on else None},
    }
    cites = citation_text.reader(a), citation_text.reader(b)
    if as_json:
        payload = {**sides, "differences": [c.as_json(*cites) for c in changes]}
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    console = make_console()

    def side(s: dict[str, Any]) -> str:
        return f"{s['rulebook_hash'][:12]}" + (
            f" as known on {s['known_on']}" if s["known_on"] else ""
        )

    table = Table(title=f"{side(sides['before'])} -> {side(sides['after'])}")
    for col in ("kind", "id", "change", "citations before", "citations after"):
        table.add_column(col, overflow="fold")
    for c in changes:
        table.add_row(c.kind, c.id, c.change, *c.readable(*cites))
    console.print(table)
    console.print(f"{len(changes)} difference(s)")


def _diff_versions(store: RulebookStore, a: str, b: str, as_json: bool) -> None:
    try:
        found = diff_versions(store, a, b)
    except UnknownVersion as exc:
        raise typer.BadParameter(f"--version: {exc.reason}") from None
    sides = {
        "before": {"rulebook_hash": found.before.content_hash, "known_on": None},
        "after": {"rulebook_hash": found.after.content_hash, "known_on": None},
    }
    if as_json:
        readers = found.readers or (None, None)
        differences = [
            {**d.as_json(*readers), "municipalities": list(ms)} for d, ms in found.differences
        ]
        typer.echo(json.dumps({**sides, "differences": differences}, ensure_ascii=False, indent=2))
        return
    console = make_console()
    title = f"{found.before.content_hash[:12]} -> {found.after.content_hash[:12]}"
    table = Table(title=title)
    for col in ("kind", "id", "change", "municipalities", "citations before", "citations after"):
        table.add_column(col, overflow="fold")
    for d, ms in found.differences:
        cited = (
            d.readable(*found.readers)
            if found.readers
            else ("; ".join(d.before), "; ".join(d.after))
        )
        table.add_row(d.kind, d.id, d.change, ", ".join(ms), *cited)
    console.print(table)
    console.print(f"{len(found.differences)} difference(s)")
