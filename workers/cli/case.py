"""`caseflow case …`: start cases, report events, show cases and timelines, via the gateway.

A thin client of the HTTP API (not of Temporal): it needs only the gateway's URL and a
token, so operators use the same access rules as the caseworker systems. Output is a rich
table for people, or the API's JSON with `--json` for scripts. Errors print the API's
`error`/`field`/`reason` and exit with the code of `workers.cli.exit` for the HTTP status
(3 refused, 4 not found, 5 unavailable).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.table import Table

from workers.cli import exit as cli_exit
from workers.cli.output import console as make_console

app = typer.Typer(
    help="Cases through the gateway: start, event, show, timeline, list (advance on `up`).",
    no_args_is_help=True,
)

EXIT_FAILURE = cli_exit.FAILURE
console = make_console()
errors = make_console(stderr=True)

Url = Annotated[
    str,
    typer.Option(
        "--url", envvar="CASEFLOW_GATEWAY_URL", help="Gateway base URL (env CASEFLOW_GATEWAY_URL)"
    ),
]
Token = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar="CASEFLOW_GATEWAY_TOKEN",
        help="Bearer token (env CASEFLOW_GATEWAY_TOKEN; `caseflow up` prints where its dev "
        "token is)",
        show_default=False,
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print the API's JSON answer")]
Provenance = Annotated[
    bool, typer.Option("--provenance", help="Show each act's source line (seed references)")
]
Municipality = Annotated[str, typer.Argument(help="Municipality id, name or kommune code")]
CaseId = Annotated[str, typer.Argument(help="The case system's reference (never a CPR number)")]
DEFAULT_URL = "http://127.0.0.1:8080"


def call_gateway(
    method: str,
    url: str,
    token: str | None,
    path: str,
    *,
    body: Any = None,
    params: dict[str, Any] | None = None,
    busy: str | None = None,
) -> Any:
    return _request(method, url, token, path, body=body, params=params, busy=busy)[1]


def _request(
    method: str,
    url: str,
    token: str | None,
    path: str,
    *,
    body: Any = None,
    params: dict[str, Any] | None = None,
    busy: str | None = None,
) -> tuple[int, Any]:
    """(status, JSON answer) of a successful call; an error answer exits with its reason."""
    if not token:
        errors.print("caseflow: no token: pass --token or set CASEFLOW_GATEWAY_TOKEN")
        raise typer.Exit(cli_exit.USAGE)
    import httpx  # here, not at the top: `caseflow case --help` need not load it

    headers = {"Authorization": f"Bearer {token}"}
    with _spinner(busy), httpx.Client(base_url=url, headers=headers, timeout=120) as http:
        try:
            answer = http.request(method, path, json=body, params=params)
        except httpx.HTTPError as error:
            errors.print(f"caseflow: cannot reach the gateway at {url}: {type(error).__name__}")
            raise typer.Exit(cli_exit.UNAVAILABLE) from None
    try:
        payload = answer.json()
    except ValueError:
        payload = {"error": "http_error", "reason": answer.text[:200]}
    if answer.is_error:
        field = f" [{payload.get('field')}]" if payload.get("field") else ""
        errors.print(
            f"caseflow: {answer.status_code} {payload.get('error', 'error')}{field}: "
            f"{payload.get('reason', '')}",
            markup=False,
        )
        raise typer.Exit(cli_exit.for_http_status(answer.status_code))
    return answer.status_code, payload


_call = call_gateway


@contextmanager
def _spinner(message: str | None) -> Iterator[None]:
    # Only on a terminal: scripts reading --json must get clean output.
    if message and errors.is_terminal:
        with errors.status(message):
            yield
    else:
        yield


def _value(text: str) -> Any:
    """`key=value` values: JSON where it parses (2, true, null), else the string."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _pairs(items: list[str] | None, what: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            errors.print(f"caseflow: {what} must be key=value")
            raise typer.Exit(cli_exit.USAGE)
        result[key] = _value(value)
    return result


def _print_json(payload: Any) -> None:
    console.print_json(json.dumps(payload))


def _cited(item: dict[str, Any], *, provenance: bool) -> str:
    """The API's citations as one line; with `provenance` each followed by the seed lines
    of the rulebook citations behind it (`sources`), each once."""
    lines: dict[str, list[str]] = {c: [] for c in item["citations"]}
    if provenance:
        for source in item.get("sources", []):
            seen = lines.setdefault(source["cited_as"], [])
            if source["provenance"] and source["provenance"] not in seen:
                seen.append(source["provenance"])
    return "; ".join(" ".join([c, *seen]) for c, seen in lines.items())


def _show_case(case: dict[str, Any], title: str, *, provenance: bool = False) -> None:
    console.print(
        f"[bold]{title}[/bold]  {case['municipality']}  phase [cyan]{case['phase']}[/cyan] "
        f"since {case['phase_started_on']}  today {case['today']}"
        + ("  [red]closed[/red]" if case["closed"] else "")
    )
    console.print(f"regimes: {', '.join(case['regimes']) or '-'}")
    if case["facts"]:
        console.print("facts: " + ", ".join(f"{k}={v}" for k, v in case["facts"].items()))
    table = Table("due", "obligation", "regime", "citations", "why", title="Open obligations")
    for o in case["open_obligations"]:
        cited = _cited(o, provenance=provenance)
        table.add_row(o["due_on"], o["title"], o["regime"], cited, o["reason"])
    console.print(table)
    if case["overdue"]:
        late = Table("due", "obligation", "missed on", title="Overdue", style="red")
        for o in case["overdue"]:
            late.add_row(o["due_on"], o["title"], o.get("missed_on") or "")
        console.print(late)


@app.command()
def start(
    case_id: CaseId,
    *,
    municipality: Annotated[str, typer.Option(help="Municipality id, name or code")],
    opened_on: Annotated[str, typer.Option(help="First day of the case (YYYY-MM-DD)")],
    phase: Annotated[str, typer.Option(help="Phase to start in")] = "sygedagpenge",
    target_group: Annotated[str | None, typer.Option(help="Target group code/alias")] = None,
    entry: Annotated[
        list[str] | None, typer.Option(help="Phase entry data key=value (repeatable)")
    ] = None,
    fact: Annotated[
        list[str] | None, typer.Option(help="Known fact key=value (repeatable)")
    ] = None,
    simulated: Annotated[
        bool, typer.Option(help="Dev stack: simulated clock from --opened-on (can be advanced)")
    ] = False,
    url: Url = DEFAULT_URL,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """Start a case."""
    body: dict[str, Any] = {
        "case_id": case_id,
        "municipality": municipality,
        "opened_on": opened_on,
        "phase": phase,
        "entry": _pairs(entry, "--entry"),
        "facts": _pairs(fact, "--fact"),
    }
    if target_group:
        body["target_group"] = target_group
    if simulated:
        body["legal_anchor"] = opened_on
    busy = "Starting the case…"
    status, started = _request("POST", url, token, "/v1/cases", body=body, busy=busy)
    if as_json:
        _print_json(started)
        return
    if status == 202:
        # Accepted, not ready yet: the same command again waits for it (it is idempotent).
        console.print(
            f"Accepted {started['workflow_id']}; still starting. Run the same command again, "
            f"or `caseflow case show {municipality} {case_id}` in a moment."
        )
        return
    verb = "Started" if status == 201 else "Already open (same data)"
    _show_case(started["case"], f"{verb} {started['workflow_id']}")


@app.command()
def event(
    municipality: Municipality,
    case_id: CaseId,
    event_type: Annotated[str, typer.Argument(help="screened, meeting_held, decision_made, …")],
    fields: Annotated[
        list[str] | None, typer.Argument(help="Event fields as key=value (category=2 …)")
    ] = None,
    *,
    event_id: Annotated[str, typer.Option("--id", help="Your unique id for this event")],
    on: Annotated[str, typer.Option("--date", help="Effective date (YYYY-MM-DD)")],
    url: Url = DEFAULT_URL,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """Report an event (idempotent by --id)."""
    body = {
        "type": event_type,
        "event_id": event_id,
        "date": on,
        **_pairs(fields, "an event field"),
    }
    accepted = _call(
        "POST",
        url,
        token,
        f"/v1/cases/{municipality}/{case_id}/events",
        body=body,
        busy="Reporting the event…",
    )
    if as_json:
        _print_json(accepted)
        return
    receipt = accepted["receipt"]
    console.print(
        f"[green]accepted[/green] {receipt['event_id']} ({receipt['event_type']}) on "
        f"{receipt['applied_on']}: {receipt['summary']}"
    )
    _show_case(accepted["case"], accepted["workflow_id"])


@app.command()
def show(
    municipality: Municipality,
    case_id: CaseId,
    *,
    url: Url = DEFAULT_URL,
    token: Token = None,
    as_json: AsJson = False,
    provenance: Provenance = False,
) -> None:
    """Show a case: phase, facts, open and overdue obligations with their legal basis."""
    case = _call("GET", url, token, f"/v1/cases/{municipality}/{case_id}", busy="Asking the case…")
    if as_json:
        _print_json(case)
        return
    _show_case(case, case["case_id"], provenance=provenance)


@app.command("open")
def open_page(
    municipality: Municipality,
    case_id: CaseId,
    *,
    url: Url = DEFAULT_URL,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """Print a short-lived link to the case's page (its timeline drawn) for a browser."""
    link = _call("POST", url, token, f"/v1/cases/{municipality}/{case_id}/page-link")
    if as_json:
        _print_json(link)
        return
    # Plain print: the whole URL on one line, never wrapped, so it can be clicked or copied.
    print(link["url"])
    errors.print("The link works for a few minutes and is a credential: do not share it.")


@app.command()
def timeline(
    municipality: Municipality,
    case_id: CaseId,
    *,
    url: Url = DEFAULT_URL,
    token: Token = None,
    as_json: AsJson = False,
    provenance: Provenance = False,
) -> None:
    """A case's timeline with citations and regimes (closed cases too)."""
    answer = _call(
        "GET",
        url,
        token,
        f"/v1/cases/{municipality}/{case_id}/timeline",
        busy="Replaying the case's history…",
    )
    if as_json:
        _print_json(answer)
        return
    table = Table("date", "kind", "summary", "regime", "citations", title=answer["workflow_id"])
    for e in answer["entries"]:
        cited = _cited(e, provenance=provenance)
        table.add_row(e["date"], e["kind"], e["summary"], e["regime"] or "", cited)
    console.print(table)


@app.command("list")
def list_cases(
    *,
    municipality: Annotated[str | None, typer.Option(help="Municipality id, name or code")] = None,
    phase: Annotated[str | None, typer.Option(help="Phase")] = None,
    target_group: Annotated[str | None, typer.Option(help="Target group code/alias")] = None,
    regime: Annotated[str | None, typer.Option(help="Regime in force, e.g. TRIAL:FK-2.a.2")] = None,
    overdue: Annotated[
        bool | None, typer.Option("--overdue/--not-overdue", help="Only (not) overdue")
    ] = None,
    deadline_before: Annotated[
        str | None, typer.Option(help="Next deadline before this day (YYYY-MM-DD)")
    ] = None,
    page_size: Annotated[int, typer.Option(help="Cases per page")] = 50,
    all_pages: Annotated[bool, typer.Option("--all", help="Follow every page")] = False,
    url: Url = DEFAULT_URL,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """List cases by municipality, phase, regime, overdue flag or next deadline."""
    params: dict[str, Any] = {
        k: v
        for k, v in {
            "municipality": municipality,
            "phase": phase,
            "target_group": target_group,
            "regime": regime,
            "overdue": None if overdue is None else str(overdue).lower(),
            "deadline_before": deadline_before,
            "page_size": page_size,
        }.items()
        if v is not None
    }
    items: list[dict[str, Any]] = []
    next_token: str | None = None
    while True:
        if next_token:
            params["next_page_token"] = next_token
        page = _call("GET", url, token, "/v1/cases", params=params, busy="Listing cases…")
        items += page["items"]
        next_token = page["next_page_token"]
        if not all_pages or not next_token:
            break
    if as_json:
        _print_json({"items": items, "next_page_token": next_token})
        return
    table = Table(
        "municipality",
        "case",
        "phase",
        "next deadline",
        "kind",
        "overdue",
        "status",
        title=f"{len(items)} case(s)",
    )
    for i in items:
        table.add_row(
            i["municipality"] or "",
            i["case_id"],
            i["phase"] or "",
            i["next_deadline"] or "",
            i["next_deadline_kind"] or "",
            "[red]yes[/red]" if i["overdue"] else "",
            i["status"],
        )
    console.print(table)
    if next_token:
        console.print("more: --all, or pass --page-size")


@app.command()
def advance(
    municipality: Municipality,
    case_id: CaseId,
    days: Annotated[int, typer.Argument(help="Legal days to move forward")],
    *,
    url: Url = DEFAULT_URL,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """Dev stack only: fast-forward a simulated case by DAYS."""
    answer = _call(
        "POST",
        url,
        token,
        f"/v1/cases/{municipality}/{case_id}/advance",
        body={"days": days},
        busy=f"Fast-forwarding {days} day(s)…",
    )
    if as_json:
        _print_json(answer)
        return
    _show_case(answer["case"], f"{answer['from_day']} -> {answer['to_day']}")
