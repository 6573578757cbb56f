"""What the Web UI shows of a case: nothing personal, legal dates, acts not seed lines."""

from __future__ import annotations

from pathlib import Path

from domain.case import engine
from domain.case.scenario import load_scenario, run_scenario
from domain.rulebook import load_rulebook
from workflows import case_details
from workflows.case_models import CaseClock

SCENARIO = (
    Path(__file__).resolve().parents[1] / "scenarios" / "jammerbugt_fk2c_fk2a_across_2020.yaml"
)


def test_start_metadata_names_case_place_trajectory_and_regime_only() -> None:
    scenario = load_scenario(SCENARIO)
    start = scenario.case
    shown = case_details.start_metadata(
        start, load_rulebook(), CaseClock(legal_anchor=start.opened_on)
    )
    assert shown.summary == (
        "Case SIM-JAM-0001 · Jammerbugt · sygedagpenge · opened 2019-08-05 (simulated calendar)"
    )
    assert "TRIAL:FK-2.c" in shown.details or "STANDARD" in shown.details
    assert "Simulated calendar" in shown.details
    assert "first_absence_day" not in shown.details  # entry data stays out
    real = case_details.start_metadata(start, load_rulebook(), CaseClock())
    assert "Simulated calendar" not in real.details
    assert real.summary.endswith("opened 2019-08-05")


def test_current_details_name_the_next_deadline_with_its_act() -> None:
    scenario = load_scenario(SCENARIO)
    rules = load_rulebook()
    state = engine.open_case(scenario.case, rules)
    engine.advance(state, rules, scenario.case.opened_on)
    text = case_details.current_details(state, CaseClock(legal_anchor=state.opened_on), None, rules)
    nearest = state.open_obligations()[0]
    assert f"**Next deadline** {nearest.due_on.isoformat()}: {nearest.title}" in text
    assert "(simulated calendar)" in text
    assert f"**Opened** {state.opened_on.isoformat()} (legal date;" in text
    real = case_details.current_details(state, CaseClock(), None, rules)
    assert "**Opened**" not in real and "(real calendar)" in real
    assert "[001:" not in text
    for fact in state.facts:
        assert fact not in text


def test_timer_summary_of_a_due_deadline() -> None:
    scenario = load_scenario(SCENARIO)
    rules = load_rulebook()
    state = engine.open_case(scenario.case, rules)
    engine.advance(state, rules, scenario.case.opened_on)
    wake = engine.next_wakeup(state, rules)
    assert wake is not None
    summary = case_details.wake_summary(state, wake, CaseClock(), rules)
    assert summary.startswith(("Deadline ", "Next review on legal date"))
    assert len(summary) <= case_details.SUMMARY_LIMIT


def test_a_trial_duty_cites_the_trial_and_its_grant_letter_not_the_yaml_wording() -> None:
    rules = load_rulebook()
    state = run_scenario(load_scenario(SCENARIO), rules).state
    trial_duties = [o for o in state.obligations.values() if o.regime == "TRIAL:FK-2.c"]
    assert trial_duties, "the scenario's documentation duty runs under FK-2.c"
    shown = case_details.obligation_summary(trial_duties[0], rules)
    assert "Frikommuneforsøg II, FK-2.c (bevilling 26-06-2017, sagsnr. 2017-2328)" in shown
    assert "Tilsagnsskrivelse" not in shown and "Used 2018-19" not in shown
    # a slice (what the workflow holds) reads the same as the whole rulebook
    piece = rules.from_slice(rules.slice_for("jammerbugt"))
    assert case_details.obligation_summary(trial_duties[0], piece) == shown
