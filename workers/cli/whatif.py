"""`caseflow whatif COHORT --regime A --regime B ...`: a cohort under several regimes.

Runs every case of the cohort under each regime through the pure core, over all cores,
and reports duties, costs (from the rulebook's price table) and days in each phase, per
regime and as the difference from the first regime. `--counts FILE` prices counts someone
already has instead (e.g. the evaluation's Bilag 13), with no simulation.
"""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from domain.rulebook import RulebookError, load_rulebook
from domain.whatif.cohort import CohortError
from domain.whatif.counts import parse_counts, price_counts
from domain.whatif.regimes import RegimeError, reform_keys
from domain.whatif.report import build_report
from workers.drawing.png import svg_to_png
from workers.whatif.pool import load_cohort, run_cohort
from workers.whatif.render import charts, to_csv, to_html

__all__ = ["whatif"]

BAD_INPUT = 2


class ChartFormat(StrEnum):
    svg = "svg"
    png = "png"
    both = "both"


def _fail(err: Console, message: str) -> typer.Exit:
    err.print(f"[red]caseflow whatif: {escape(message)}[/red]", highlight=False, soft_wrap=True)
    return typer.Exit(BAD_INPUT)


app = typer.Typer(pretty_exceptions_show_locals=False)


@app.command("whatif")
def whatif(  # noqa: PLR0917 - one CLI command, its options
    cohort: Annotated[Path, typer.Argument(help="Cohort file (YAML or CSV).")],
    regime: Annotated[
        list[str] | None,
        typer.Option(
            "--regime",
            help="standard | trials | known-on:DATE | reform:ID | dir:PATH (repeat; "
            "the first is the baseline). Default: standard and trials.",
        ),
    ] = None,
    price_date: Annotated[
        str | None,
        typer.Option("--price-date", help="Price every count at this date's table."),
    ] = None,
    processes: Annotated[
        int | None, typer.Option("--processes", min=1, help="Worker processes (default: cores).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print the report as CSV.")] = False,
    html: Annotated[
        Path | None, typer.Option("--html", help="Write one self-contained HTML page.")
    ] = None,
    charts_dir: Annotated[
        Path | None,
        typer.Option(
            "--charts", help="Write each chart here as NAME.svg and NAME.png (see --chart-format)."
        ),
    ] = None,
    chart_format: Annotated[
        ChartFormat,
        typer.Option(
            "--chart-format",
            help="Files --charts writes: svg, png (twice the SVG's size, white background) "
            "or both.",
        ),
    ] = ChartFormat.both,
    counts: Annotated[
        bool, typer.Option("--counts", help="COHORT is a counts file: price it, no simulation.")
    ] = False,
) -> None:
    """Run COHORT under each --regime; report duties, DKK and phase days, and the difference."""
    err = Console(stderr=True)
    day: date | None = None
    if price_date is not None:
        try:
            day = date.fromisoformat(price_date)
        except ValueError:
            raise _fail(err, "--price-date: expected YYYY-MM-DD") from None
    if counts:
        _priced_counts(cohort, as_json, err)
        return
    specs = regime or ["standard", "trials"]
    try:
        loaded = load_cohort(cohort)
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task(f"{loaded.size} cases x {len(specs)} regimes", total=loaded.size)
            tallies = run_cohort(
                loaded,
                specs,
                processes=processes,
                price_date=day,
                progress=lambda n: bar.advance(task, n),
            )
    except (CohortError, RegimeError) as error:
        raise _fail(err, str(error)) from None
    except RulebookError as error:
        raise _fail(err, f"rulebook: {error}") from None
    report = build_report(loaded.name, tallies, price_date, reform_keys(specs))
    if html is not None:
        html.write_text(to_html(report), encoding="utf-8")
        err.print(f"wrote {html}")
    if charts_dir is not None:
        _write_charts(report, charts_dir, chart_format, err)
    if as_json:
        typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
    elif as_csv:
        typer.echo(to_csv(report), nl=False)
    else:
        _print(report)


def _write_charts(
    report: dict[str, Any], folder: Path, chart_format: ChartFormat, err: Console
) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, svg in charts(report).items():
            if chart_format is not ChartFormat.png:
                (folder / f"{name}.svg").write_text(svg, encoding="utf-8")
            if chart_format is not ChartFormat.svg:
                (folder / f"{name}.png").write_bytes(svg_to_png(svg))
    except OSError as error:
        raise _fail(err, f"--charts: cannot write ({type(error).__name__})") from None
    err.print(f"wrote charts to {folder}")


def _priced_counts(path: Path, as_json: bool, err: Console) -> None:
    try:
        priced = price_counts(
            parse_counts(path.read_text(encoding="utf-8"), str(path)), load_rulebook()
        )
    except OSError as error:
        raise _fail(err, f"{path}: cannot read ({type(error).__name__})") from None
    except CohortError as error:
        raise _fail(err, str(error)) from None
    if as_json:
        typer.echo(json.dumps(priced, indent=2, ensure_ascii=False))
        return
    table = Table(title=f"{priced['name']} (prices at {priced['price_date']})")
    for head in ("item", "count", "unit DKK", "gross DKK", "substitutes", "net DKK", "price"):
        table.add_column(head)
    for row in priced["items"]:
        table.add_row(
            row["label"],
            str(row["count"]),
            _dkk(row["unit_price_dkk"]),
            _dkk(row["gross_dkk"]),
            _dkk(row["substitutes_dkk"]),
            _dkk(row["net_dkk"]),
            "; ".join(row["price_citations"]),
        )
    table.add_row("total", "", "", _dkk(priced["gross_dkk"]), "", _dkk(priced["net_dkk"]), "")
    Console().print(table)


def _dkk(value: Any) -> str:
    return "unknown" if value is None else f"{value:,}"


def _print(report: dict[str, Any]) -> None:
    out = Console()
    regimes = report["regimes"]
    names = list(regimes)
    base = report["baseline"]
    table = Table(title=f"{report['cohort']}: duties required")
    table.add_column("duty")
    for name in names:
        table.add_column(name, justify="right")
    for name in names[1:]:
        table.add_column(f"{name} - {base}", justify="right")
    labels = sorted({label for r in regimes.values() for label in r["duties"]})
    for label in labels:
        counts = [regimes[n]["duties"].get(label, {}).get("required", 0) for n in names]
        table.add_row(label, *map(str, counts), *(f"{c - counts[0]:+d}" for c in counts[1:]))
    out.print(table)
    costs = Table(title=f"Certificate costs, DKK (prices at {report['price_date']})")
    for head in ("regime", "gross DKK (known prices)", "unpriced certificates", "cases", "refused"):
        costs.add_column(head, justify="right")
    for name in names:
        r = regimes[name]
        costs.add_row(
            name,
            _dkk(r["costs"]["gross_dkk"]),
            str(r["costs"]["unpriced_certificates"]),
            str(r["cases"]),
            str(sum(r["refused"].values())),
        )
    out.print(costs)
    for name, d in report["differences"].items():
        out.print(
            f"{name} vs {base}: gross saving {_dkk(d['gross_saving_dkk'])} DKK, spent on "
            f"substitutes {_dkk(d['spent_on_substitutes_dkk'])} DKK, net "
            f"{_dkk(d['net_saving_dkk'])} DKK"
            + ("" if d["complete"] else " (known prices only: some certificates are unpriced)")
        )
    phases = Table(title="Mean days in each phase")
    phases.add_column("phase")
    for name in names:
        phases.add_column(name, justify="right")
    for phase in sorted({p for r in regimes.values() for p in r["phases"]}):
        phases.add_row(
            phase, *(str(regimes[n]["phases"].get(phase, {}).get("mean_days", "-")) for n in names)
        )
    out.print(phases)
    for name in names:
        keys = regimes[name].get("reform_keys")
        if keys:
            unread = [k for k, v in keys.items() if v != "read by the core"]
            out.print(
                f"{name}: {len(keys) - len(unread)} of {len(keys)} reform keys read by the core"
                + (f"; not modelled here: {', '.join(unread)}" if unread else "")
            )
