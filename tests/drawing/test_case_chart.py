"""The case chart from a scenario's real timeline: rows, lanes, overdue marks, valid SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

from domain.case.model import ObligationStatus
from domain.case.scenario import ScenarioResult, load_scenario, run_scenario
from domain.rulebook import load_rulebook
from workers.drawing.case_chart import case_chart, regime_spans
from workers.drawing.timeline import svg

SCENARIO = (
    Path(__file__).resolve().parents[1] / "scenarios" / "jammerbugt_fk2c_fk2a_across_2020.yaml"
)
NS = "{http://www.w3.org/2000/svg}"


def _result() -> ScenarioResult:
    return run_scenario(load_scenario(SCENARIO), load_rulebook())


def test_regimes_follow_the_timeline_across_2020() -> None:
    result = _result()
    state = result.state
    spans = regime_spans(result.timeline, state.regimes, state.opened_on, date(2020, 7, 1))
    assert spans["STANDARD_2015"] == [(state.opened_on, date(2020, 1, 1))]
    assert spans["TRIAL:FK-2.c"] == [(state.opened_on, date(2020, 1, 1))]
    assert spans["STANDARD_2020"] == [(date(2020, 1, 1), date(2020, 7, 1))]
    assert spans["TRIAL:FK-3.m"] == [(date(2020, 1, 6), date(2020, 7, 1))]
    assert next(iter(spans)).startswith("STANDARD")


def test_chart_is_valid_svg_with_overdue_marks_and_acts_in_tooltips() -> None:
    result = _result()
    state = result.state
    missed = [o for o in state.obligations.values() if o.status is ObligationStatus.MISSED]
    chart = case_chart(
        title="SIM-JAM-0001",
        entries=result.timeline,
        opened_on=state.opened_on,
        today=state.today,
        regimes=state.regimes,
        open_obligations=state.open_obligations(),
        overdue=missed,
    )
    drawn = svg(chart)
    root = ET.fromstring(drawn)  # well-formed XML, nothing external
    assert root.tag == f"{NS}svg"
    labels = {g.get("data-label") for g in root.iter(f"{NS}g") if g.get("data-label")}
    assert {"phase", "STANDARD_2015", "TRIAL:FK-2.c", "events", "deadlines"} <= labels
    overdue = [g for g in root.iter(f"{NS}g") if g.get("class") == "mark overdue"]
    assert len(overdue) >= len(missed)
    titles = [t.text or "" for t in root.iter(f"{NS}title")]
    assert any("SDL § 11a" in t for t in titles)
    assert not any("[001:" in t for t in titles)
    assert "href" not in drawn
