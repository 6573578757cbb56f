"""Where an operator or analyst reads a citation on the command line (rules diff, the
what-if price table, the cost of counts, simulate's refusals), it names the act or the
trial with its grant letter; the rulebook's own wording and seed lines stay in `sources_*`."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from domain.rulebook import load_rulebook
from workers.cli.app import app

TESTS = Path(__file__).resolve().parents[1]
SEED_LINE = re.compile(r"\[\d{3}:")
LAW = load_rulebook().law
# The acts a trial's own citations carry ("Tilsagnsskrivelse 26-06-2017 (round 2): ..."):
# people cite the trial and its grant letter instead.
TRIAL_ACTS = {
    c.act for t in LAW.trials.values() for c in (t.decision, t.period_citation) if c is not None
}


def raw(text: str) -> list[str]:
    """What of the rulebook's raw citation wording `text` shows."""
    found = SEED_LINE.findall(text)
    return found + [act for act in TRIAL_ACTS if act in text]


def shown(node: Any) -> str:
    """Every string of a JSON answer a person reads, not its provenance fields (`sources*`,
    and a count's own `source`)."""
    if isinstance(node, dict):
        return " ".join(shown(v) for k, v in node.items() if "source" not in k)
    if isinstance(node, list):
        return " ".join(shown(v) for v in node)
    return node if isinstance(node, str) else ""


def _run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "400"})
    assert result.exit_code == code, result.output
    return result.stdout


def test_rules_diff_names_trials_by_their_grant_letter_and_keeps_the_sources() -> None:
    days = ("rules", "diff", "-k", "2020-01-01", "-k", "2021-09-01")
    table = _run(*days)
    assert "Frikommuneforsøg II, FK-2.b (bevilling 26-06-2017, sagsnr. 2017-2328)" in table
    assert not raw(table), raw(table)
    answer = json.loads(_run(*days, "--json"))
    assert not raw(shown(answer)), raw(shown(answer))
    trial = next(d for d in answer["differences"] if d["id"] == "FK-2.b")
    assert trial["citations_before"][0].startswith("Frikommuneforsøg II, FK-2.b")
    assert {s["cited_as"] for s in trial["sources_after"]} == set(trial["citations_after"])
    assert all(SEED_LINE.search(s["provenance"]) for s in trial["sources_after"])
    assert any(s["act"] in TRIAL_ACTS for s in trial["sources_before"])


def test_the_cost_of_counts_cites_the_price_table_by_its_act() -> None:
    counts = str(TESTS / "cohorts" / "bilag13_counts.yaml")
    table = _run("whatif", counts, "--counts")
    assert "Attesttakster pr. 1. april 2020" in table
    assert not raw(table), raw(table)
    priced = json.loads(_run("whatif", counts, "--counts", "--json"))
    assert not raw(shown(priced)), raw(shown(priced))
    row = priced["items"][0]
    assert row["price_sources"] and all(s["provenance"] for s in row["price_sources"])
    assert {s["cited_as"] for s in row["price_sources"]} == set(row["price_citations"])


def test_the_what_if_report_cites_prices_by_their_act(tmp_path: Path) -> None:
    cohort = tmp_path / "cohort.yaml"
    cohort.write_text(
        "name: leak check\nseed: 3\ngenerate:\n"
        "  - {count: 6, phase: sygedagpenge, municipalities: {thisted: 1},\n"
        "     opened: {from: 2019-01-01, to: 2020-12-31}}\n"
    )
    html = tmp_path / "report.html"
    args = ("whatif", str(cohort), "--regime", "trials", "--processes", "1")
    report = json.loads(_run(*args, "--json", "--html", str(html)))
    assert report["prices"], "the cohort requests priced certificates"
    assert not raw(shown(report)), raw(shown(report))
    assert all(p["sources"] for p in report["prices"].values() if p["citations"])
    assert not raw(html.read_text()), raw(html.read_text())
    assert not raw(_run(*args)), raw(_run(*args))


def test_simulate_names_the_trial_in_a_refusal(tmp_path: Path) -> None:
    scenario = tmp_path / "refused.yaml"
    scenario.write_text(
        "name: entrepreneurship outside FK-1.c\n"
        "case: {case_id: leak-1, municipality: thisted, target_group: '2.3',\n"
        "       phase: ivaerksaetteri, opened_on: 2019-03-01}\n"
        "events: []\n"
    )
    as_json = json.loads(_run("simulate", "case", str(scenario), "--json", code=3))
    reason = as_json["refusal"]["reason"]
    assert "Frikommuneforsøg II, FK-1.c (bevilling 01-02-2017" in reason, reason
    assert not raw(reason), raw(reason)
