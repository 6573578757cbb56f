"""`caseflow whatif` end to end: outputs, refusals, and the HTML page in a real browser."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from workers.cli_app import app

COHORT = """
name: Small CLI cohort
seed: 9
members: [{members}]
generate:
  - {{count: 24, phase: sygedagpenge, municipalities: {{jammerbugt: 1, aalborg: 1}},
     opened: {{from: 2018-03-01, to: 2019-06-30}}}}
  - {{count: 8, phase: jobafklaringsforloeb, municipalities: {{jammerbugt: 1}},
     opened: {{from: 2018-03-01, to: 2019-06-30}}}}
"""
SCENARIO = Path(__file__).parents[1] / "scenarios" / "thisted_sdp_standard_to_jaf.yaml"


def write_cohort(tmp_path: Path) -> Path:
    path = tmp_path / "cohort.yaml"
    path.write_text(COHORT.format(members=SCENARIO))
    return path


def test_json_csv_html_and_charts(tmp_path: Path) -> None:
    cohort = write_cohort(tmp_path)
    runner = CliRunner()
    args = ["whatif", str(cohort), "--regime", "standard", "--regime", "trials"]
    html, charts = tmp_path / "report.html", tmp_path / "charts"
    as_json = runner.invoke(
        app, [*args, "--processes", "1", "--json", "--html", str(html), "--charts", str(charts)]
    )
    assert as_json.exit_code == 0, as_json.output
    report = json.loads(as_json.stdout)
    assert report["regimes"]["standard"]["cases"] == 33
    assert set(report["differences"]) == {"trials"}
    page = html.read_text()
    assert page.count("<svg") == 3
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert sorted(p.name for p in charts.iterdir()) == [
        "cost_by_municipality.svg",
        "obligations.svg",
        "phase_days.svg",
    ]
    as_csv = runner.invoke(app, [*args, "--processes", "2", "--csv"])
    assert as_csv.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    required = {
        r["item"]: int(r["value"])
        for r in rows
        if r["section"] == "duties" and r["regime"] == "standard"
    }
    assert required == {
        k: v["required"] for k, v in report["regimes"]["standard"]["duties"].items()
    }
    table = runner.invoke(app, args)
    assert table.exit_code == 0, table.output
    assert "Mean days in each phase" in table.stdout


def test_bad_regime_and_bad_cohort_exit_2_with_the_reason(tmp_path: Path) -> None:
    cohort = write_cohort(tmp_path)
    runner = CliRunner()
    bad = runner.invoke(app, ["whatif", str(cohort), "--regime", "someday"])
    assert bad.exit_code == 2
    assert "unknown regime 'someday'" in bad.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\ngenerate:\n  - {count: 1, municipalities: {}, opened: {}}\n")
    answer = runner.invoke(app, ["whatif", str(broken)])
    assert answer.exit_code == 2
    assert "broken.yaml:3: generate.0" in answer.output
    assert "Traceback" not in answer.output
    missing = runner.invoke(app, ["whatif", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2
    assert "cannot read" in missing.output
