"""`caseflow rollout …`: publish a rulebook version, preview its impact on the open cases,
roll it out, follow it with a progress bar, stop and resume it.

`publish` and `versions` work on the published-version store in the data dir (what
workers read); everything else goes through the gateway (`/v1/rollouts`, `rollout` scope),
like `caseflow case`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from activities.rulebook_store import RulebookStore
from domain.rulebook import RulebookError, load_rulebook
from workers.cli.case import DEFAULT_URL, AsJson, Token, Url, _call, _print_json, console, errors

app = typer.Typer(
    help="Roll a published rulebook version out to running cases: publish, preview, start, "
    "status, stop, resume.",
    no_args_is_help=True,
)

DataDir = Annotated[
    Path,
    typer.Option("--data-dir", envvar="CASEFLOW_DATA_DIR", help="Data dir holding the store"),
]
Version = Annotated[str, typer.Argument(help="Published rulebook hash (or a unique prefix)")]
RolloutId = Annotated[str, typer.Argument(help="Roll-out id (ro-...)")]
Muni = Annotated[
    list[str] | None, typer.Option("--municipality", "-m", help="Only these (repeatable)")
]
Phase = Annotated[str | None, typer.Option("--phase", help="Only cases in this phase")]
Trial = Annotated[str | None, typer.Option("--trial", help="Only cases in this trial (FK id)")]
Rps = Annotated[int, typer.Option("--rps", help="Cases signalled per second")]
Watch = Annotated[bool, typer.Option("--watch/--no-watch", help="Follow with a progress bar")]


@app.command()
def publish(
    data_dir: DataDir = Path(".caseflow"),
    law_dir: Annotated[
        Path | None, typer.Option("--law-dir", help="Law tree (default: the packaged one)")
    ] = None,
    parameters: Annotated[Path | None, typer.Option("--parameters")] = None,
) -> None:
    """Publish a rulebook (immutable, by content hash) so workers and roll-outs can name it."""
    try:
        rules = load_rulebook(law_dir, parameters=parameters)
    except RulebookError as error:
        errors.print(f"caseflow: {error}", markup=False)
        raise typer.Exit(1) from None
    version = RulebookStore.in_data_dir(data_dir).publish(rules)
    console.print(f"published {version.content_hash}")
    for municipality, slice_hash in sorted(version.slices.items()):
        console.print(f"  {municipality:<16} slice {slice_hash[:12]}")


@app.command()
def versions(data_dir: DataDir = Path(".caseflow")) -> None:
    """The published rulebook versions in the store."""
    store = RulebookStore.in_data_dir(data_dir)
    for content_hash in store.versions():
        published = store.version(content_hash)
        console.print(f"{content_hash}  {published.published_at:%Y-%m-%d %H:%M:%S}Z")


def _filters(
    municipality: list[str] | None, phase: str | None, trial: str | None
) -> dict[str, Any]:
    return {
        k: v
        for k, v in {"municipality": municipality or None, "phase": phase, "trial": trial}.items()
        if v is not None
    }


@app.command()
def preview(  # noqa: PLR0917 - one option per filter
    version: Version,
    municipality: Muni = None,
    phase: Phase = None,
    trial: Trial = None,
    limit: Annotated[int, typer.Option("--limit", help="Cases listed")] = 20,
    url: Url = DEFAULT_URL,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """What would move in every open case (changes nothing)."""
    params = {"version": version, "limit": limit, **_filters(municipality, phase, trial)}
    body = _call("GET", url, token, "/v1/rollouts/preview", params=params, busy="Previewing")
    if as_json:
        _print_json(body)
        return
    console.print(
        f"Rulebook {body['version'][:12]}: {body['cases_affected']} of {body['open_cases']} "
        f"open cases would change"
        + (f" ({body['without_snapshot']} without a snapshot)" if body["without_snapshot"] else "")
    )
    for title, key in (("Municipality", "by_municipality"), ("Trial", "by_trial")):
        table = Table(title=f"By {title.lower()}")
        counts = ("cases", "moved", "appeared", "disappeared")
        for column in (title, *counts):
            table.add_column(column)
        for name, tally in body[key].items():
            table.add_row(name, *(str(tally.get(c, 0)) for c in counts))
        console.print(table)
    cases = Table(title="Cases")
    for column in ("case", "municipality", "phase", "obligation", "change", "old due", "new due"):
        cases.add_column(column)
    for case in body["cases"]:
        for change in case["changes"]:
            cases.add_row(
                case["case_id"],
                case["municipality"],
                case["phase"],
                change["obligation_id"],
                change["change"],
                change["old_due_on"] or "-",
                change["new_due_on"] or "-",
            )
    console.print(cases)


def _show(body: dict[str, Any]) -> None:
    console.print(
        f"{body['rollout_id']}  {body['state']}  rulebook {body['version'][:12]}  "
        f"{body['replanned']}/{body['total']} re-planned, {body['remaining']} left, "
        f"{body['signalled']} signalled, {body['failed_signals']} failed signals  "
        f"({', '.join(body['municipalities'])})"
    )


def _watch(url: str, token: str | None, rollout_id: str) -> dict[str, Any]:
    body: dict[str, Any] = _call("GET", url, token, f"/v1/rollouts/{rollout_id}")
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[state]}"),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        task = bar.add_task(rollout_id, total=body["total"], state=body["state"])
        while True:
            bar.update(task, completed=body["replanned"], state=body["state"])
            if body["state"] not in ("running", "applying"):
                break
            time.sleep(1.0)
            body = _call("GET", url, token, f"/v1/rollouts/{rollout_id}")
    return body


@app.command()
def start(  # noqa: PLR0917 - one option per filter
    version: Version,
    municipality: Muni = None,
    phase: Phase = None,
    trial: Trial = None,
    rps: Rps = 50,
    watch: Watch = False,
    url: Url = DEFAULT_URL,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """Roll `version` out to the open cases whose slice differs from it."""
    body = {"version": version, "rps": rps, **_filters(municipality, phase, trial)}
    started = _call("POST", url, token, "/v1/rollouts", body=body, busy="Starting")
    if watch:
        started = _watch(url, token, started["rollout_id"])
    if as_json:
        _print_json(started)
        return
    _show(started)


@app.command()
def status(
    rollout_id: Annotated[str | None, typer.Argument(help="Roll-out id; none: list all")] = None,
    watch: Watch = False,
    url: Url = DEFAULT_URL,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """A roll-out's progress (with `--watch`, a progress bar until it ends), or all of them."""
    if rollout_id is None:
        found = _call("GET", url, token, "/v1/rollouts")
        if as_json:
            _print_json(found)
            return
        for body in found:
            _show(body)
        return
    body = (
        _watch(url, token, rollout_id)
        if watch
        else _call("GET", url, token, f"/v1/rollouts/{rollout_id}")
    )
    if as_json:
        _print_json(body)
        return
    _show(body)


@app.command()
def stop(rollout_id: RolloutId, url: Url = DEFAULT_URL, token: Token = None) -> None:
    """Stop signalling; cases already re-planned stay so. Resume picks up the rest."""
    _show(_call("POST", url, token, f"/v1/rollouts/{rollout_id}/stop"))


@app.command()
def resume(
    rollout_id: RolloutId,
    rps: Rps = 50,
    watch: Watch = False,
    url: Url = DEFAULT_URL,
    token: Token = None,
) -> None:
    """Continue a stopped or incomplete roll-out with the cases not yet re-planned."""
    body = _call("POST", url, token, f"/v1/rollouts/{rollout_id}/resume", body={"rps": rps})
    _show(_watch(url, token, rollout_id) if watch else body)
