"""The report as CSV rows, as SVG charts and as one self-contained HTML page."""

from __future__ import annotations

import csv
import io
from html import escape
from typing import Any

from workers.drawing.bars import grouped_bars

__all__ = ["charts", "to_csv", "to_html"]


def _rows(report: dict[str, Any]) -> list[tuple[str, str, str, str, Any]]:
    rows: list[tuple[str, str, str, str, Any]] = []
    for regime, r in report["regimes"].items():
        for label, n in r["duties"].items():
            rows.append(("duties", regime, "all", label, n["required"]))
            if n["exempted"]:
                rows.append(("duties_exempted", regime, "all", label, n["exempted"]))
        for dim in ("by_municipality", "by_target_group", "by_quarter"):
            for key, counts in r[dim].items():
                for label, n in counts.items():
                    rows.append((dim, regime, key, label, n))
        for cert, c in r["costs"]["by_certificate"].items():
            rows.append(("cost_dkk", regime, "all", cert, c["dkk"]))
            rows.append(("unpriced_certificates", regime, "all", cert, c["unpriced"]))
        for phase, p in r["phases"].items():
            rows.append(("phase_mean_days", regime, "all", phase, p["mean_days"]))
    for regime, d in report["differences"].items():
        for key in ("gross_saving_dkk", "spent_on_substitutes_dkk", "net_saving_dkk"):
            rows.append(("difference", regime, "all", key, d[key]))
        for label, n in d["duties_required"].items():
            rows.append(("difference_duties", regime, "all", label, n))
    return rows


def to_csv(report: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("section", "regime", "key", "item", "value"))
    writer.writerows(_rows(report))
    return buffer.getvalue()


def charts(report: dict[str, Any]) -> dict[str, str]:
    """name -> SVG: obligations per regime, cost difference per municipality, phase days."""
    regimes = report["regimes"]
    labels = sorted({label for r in regimes.values() for label in r["duties"]})
    out = {
        "obligations": grouped_bars(
            "Duties required, per regime",
            labels,
            {
                name: [float(r["duties"].get(label, {}).get("required", 0)) for label in labels]
                for name, r in regimes.items()
            },
            unit="duties",
        )
    }
    diffs = report["differences"]
    muns = sorted({m for d in diffs.values() for m in d["cost_change_by_municipality_dkk"]})
    if diffs:
        out["cost_by_municipality"] = grouped_bars(
            f"Certificate cost change vs {report['baseline']} (DKK, known prices)",
            muns,
            {
                name: [float(d["cost_change_by_municipality_dkk"].get(m, 0)) for m in muns]
                for name, d in diffs.items()
            },
            unit="DKK",
            first_colour=1,
        )
    phases = sorted({p for r in regimes.values() for p in r["phases"]})
    out["phase_days"] = grouped_bars(
        "Mean days in each phase, per regime",
        phases,
        {
            name: [float(r["phases"].get(p, {}).get("mean_days", 0)) for p in phases]
            for name, r in regimes.items()
        },
        unit="days",
    )
    return out


def _table(head: list[str], rows: list[list[Any]]) -> str:
    cells = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def _dkk(value: Any) -> str:
    return "unknown" if value is None else f"{value:,}".replace(",", ".")


def to_html(report: dict[str, Any]) -> str:
    regimes = report["regimes"]
    names = list(regimes)
    labels = sorted({label for r in regimes.values() for label in r["duties"]})
    duty_rows = [
        [label, *(regimes[n]["duties"].get(label, {}).get("required", 0) for n in names)]
        for label in labels
    ]
    cost_rows = [
        [
            n,
            _dkk(regimes[n]["costs"]["gross_dkk"]),
            regimes[n]["costs"]["unpriced_certificates"],
        ]
        for n in names
    ]
    diff_rows = [
        [
            n,
            _dkk(d["gross_saving_dkk"]),
            _dkk(d["spent_on_substitutes_dkk"]),
            _dkk(d["net_saving_dkk"]),
            d["unpriced_certificates_change"],
        ]
        for n, d in report["differences"].items()
    ]
    price_rows = [
        [p["certificate"], p["since"], _dkk(p["dkk"]), "; ".join(p["citations"]), p["reason"]]
        for p in report["prices"].values()
    ]
    reform_rows = [
        [n, key, status] for n in names for key, status in regimes[n].get("reform_keys", {}).items()
    ]
    svgs = "\n".join(f'<figure id="chart-{k}">{v}</figure>' for k, v in charts(report).items())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>What-if: {escape(report["cohort"])}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; max-width: 70em; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
td, th {{ border: 1px solid #bbb; padding: 0.2em 0.6em; text-align: right; }}
td:first-child, th:first-child {{ text-align: left; }}
figure {{ margin: 1em 0; }}
</style></head><body>
<h1>What-if: {escape(report["cohort"])}</h1>
<p>Regimes: {escape(", ".join(names))}. Baseline: {escape(report["baseline"])}.
Prices at: {escape(report["price_date"])}. A price the rulebook marks unknown is reported
as unknown (the count of unpriced certificates), never as 0.</p>
<h2>Duties required</h2>
{_table(["duty", *names], duty_rows)}
<h2>Certificate costs (DKK, gross)</h2>
{_table(["regime", "known DKK", "unpriced certificates"], cost_rows)}
<h2>Difference from {escape(report["baseline"])}</h2>
{
        _table(
            ["regime", "gross saving", "spent on substitutes", "net saving", "unpriced change"],
            diff_rows,
        )
    }
<h2>Charts</h2>
{svgs}
<h2>Reform keys</h2>
{_table(["regime", "key", "in this run"], reform_rows) if reform_rows else "<p>No reform.</p>"}
<h2>Prices used</h2>
{_table(["certificate", "since", "DKK", "citation", "reason"], price_rows)}
</body></html>
"""
