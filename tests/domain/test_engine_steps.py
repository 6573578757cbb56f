"""The engine's step contract: between two wake-ups nothing can happen without an event.

`advance` relies on it to skip the work on days that are not wake-ups (most of them), and
the workflow relies on it to sleep. Checked against a reference that forgets every cached
answer and recomputes the whole case on every single day.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from domain.case import engine, rules_view
from domain.case.dates import ONE_DAY, day_after
from domain.case.model import CaseState, Obligation, ObligationStatus, TimelineKind
from domain.case.phase import Phase
from domain.case.phases import phase_for
from domain.case.rules_view import RuleView
from domain.case.scenario import (
    Scenario,
    load_scenario,
    rules_for,
    run_scenario,
    run_scenario_every_day,
)
from domain.rulebook import Rulebook
from tests.bench.bench_engine import year_scenario
from tests.domain.conftest import assert_reused_obligations_are_current

SCENARIO_DIR = Path(__file__).parent.parent / "scenarios"
SCENARIOS = sorted(SCENARIO_DIR.glob("*.yaml"))
# The step tests need a case whose first wake-ups stay in one rule window (no decision day).
FIRST = SCENARIO_DIR / "aalborg_rf_without_fk3h.yaml"


def _year(path: Path) -> Scenario:
    scenario = load_scenario(path)
    return scenario.model_copy(update={"until": scenario.case.opened_on + timedelta(days=365)})


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_waking_only_at_wakeups_tells_the_same_story_as_looking_every_day(
    path: Path, rulebook: Rulebook
) -> None:
    _assert_same_story_as_every_day(_year(path), rulebook)


def _assert_same_story_as_every_day(scenario: Scenario, rulebook: Rulebook) -> list[str]:
    fast = run_scenario(scenario, rulebook)
    reference = run_scenario_every_day(scenario, rulebook)
    assert fast.refusals == reference.refusals
    fast_state, reference_state = fast.state, reference.state
    assert fast_state.timeline == reference_state.timeline
    assert fast_state.obligations == reference_state.obligations
    assert fast_state.regimes == reference_state.regimes
    assert fast_state.phase_data == reference_state.phase_data
    return fast.refusals


def test_a_day_before_the_next_wakeup_only_moves_the_clock(rulebook: Rulebook) -> None:
    scenario = _year(FIRST)
    rules = rules_for(scenario, rulebook)
    state = engine.open_case(scenario.case, rules)
    wake = engine.next_wakeup(state, rules)
    assert wake is not None and wake > state.today + ONE_DAY
    before = state.dump(exclude={"today"})

    engine.advance(state, rules, wake - ONE_DAY)

    assert state.today == wake - ONE_DAY
    assert state.dump(exclude={"today"}) == before


def test_a_wakeup_cached_for_other_rules_is_not_reused(
    rulebook: Rulebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = _year(FIRST)
    rules = rules_for(scenario, rulebook)
    state = engine.open_case(scenario.case, rules)
    state.memo.rulebook_hash = "computed-with-other-rules"
    steps: list[date] = []
    original = engine._next_wakeup

    def counting(case: CaseState, *args: Any) -> date | None:
        steps.append(case.today)
        return original(case, *args)

    monkeypatch.setattr(engine, "_next_wakeup", counting)
    engine.advance(state, rules, state.today + ONE_DAY)

    assert steps == [state.today]  # a full step, although the day is before the wake-up
    assert state.memo.rulebook_hash == rules.content_hash


def _counting_obligations(monkeypatch: pytest.MonkeyPatch, phase: Phase) -> list[date]:
    calls: list[date] = []
    original = phase.obligations

    def counting(case: CaseState, view: RuleView) -> list[Obligation]:
        calls.append(view.on)
        return original(case, view)

    monkeypatch.setattr(phase, "obligations", counting)
    return calls


def test_a_wakeup_reuses_the_obligations_until_an_event_comes(
    rulebook: Rulebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Sygedagpenge: a phase whose answers move only with events (and with a missed
    # deadline, which the first wake-up here is not).
    scenario = _year(SCENARIO_DIR / "thisted_sdp_standard_to_jaf.yaml")
    rules = rules_for(scenario, rulebook)
    state = engine.open_case(scenario.case, rules)
    engine.handle_event(state, scenario.events[0], rules, scenario.events[0].effective_date)
    calls = _counting_obligations(monkeypatch, phase_for(state.phase))
    wake = engine.next_wakeup(state, rules)
    assert wake is not None

    engine.advance(state, rules, wake)
    # Only time passed, in the same rule window; but the follow-up was missed that day,
    # so the phase is asked once more, for the schedule's next instance.
    assert state.obligations["sdp.followup.1"].status is ObligationStatus.MISSED
    assert calls == [wake]
    assert state.obligations["sdp.followup.2"].status is ObligationStatus.OPEN

    event = scenario.events[4]
    engine.advance(state, rules, event.effective_date)
    calls.clear()
    engine.handle_event(state, event, rules, event.effective_date)
    assert calls == [event.effective_date]


def test_a_phase_that_changes_between_events_is_asked_again_at_every_wakeup(
    rulebook: Rulebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = _year(FIRST)
    rules = rules_for(scenario, rulebook)
    state = engine.open_case(scenario.case, rules)
    phase = phase_for(state.phase)
    monkeypatch.setattr(phase, "changes_between_events", True)
    monkeypatch.setattr(phase, "holds_until", None)  # no horizon: asked at every step
    engine.handle_event(state, scenario.events[0], rules, scenario.events[0].effective_date)
    assert phase_for(state.phase) is phase
    calls = _counting_obligations(monkeypatch, phase)
    # Wake-ups before the plan's deadline (a decision day among them) ask once each.
    plan_missed = day_after(state.obligations["rf.plan.1"].due_on)
    while (wake := engine.next_wakeup(state, rules)) is not None and wake < plan_missed:
        calls.clear()
        engine.advance(state, rules, wake)
        assert calls == [wake]
    assert wake == plan_missed

    calls.clear()
    engine.advance(state, rules, wake)
    # Once for the step, once more for the next instance of the plan missed that day.
    assert state.obligations["rf.plan.1"].status is ObligationStatus.MISSED
    assert calls == [wake, wake]


def test_a_count_window_phase_is_asked_again_only_when_its_window_or_rules_move(
    rulebook: Rulebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ressourceforløb reads the date only through its conversation count window: between
    # events its answer is reused until the window ends (or the rules answer otherwise).
    scenario = _year(FIRST)
    rules = rules_for(scenario, rulebook)
    state = engine.open_case(scenario.case, rules)
    engine.handle_event(state, scenario.events[0], rules, scenario.events[0].effective_date)
    phase = phase_for(state.phase)
    window_ends = phase.holds_until(state, RuleView(rules, state, state.today))  # type: ignore[attr-defined]
    calls = _counting_obligations(monkeypatch, phase)
    asked: list[date] = []
    reused: list[date] = []
    while (wake := engine.next_wakeup(state, rules)) is not None and wake < window_ends:
        calls.clear()
        window = state.memo.rules_window
        engine.advance(state, rules, wake)
        (asked if calls else reused).append(wake)
        if not calls:
            assert state.memo.rules_window is window or state.memo.rules_window.continues
        assert_reused_obligations_are_current(state, rules)
    assert reused, "no wake-up inside the count window reused the answer"
    assert wake == window_ends or wake is None or wake > window_ends
    if wake == window_ends:
        calls.clear()
        engine.advance(state, rules, wake)
        assert calls and calls[0] == wake  # the next window: asked again


def test_a_probe_never_shares_cached_rule_answers_with_the_case(rulebook: Rulebook) -> None:
    scenario = _year(FIRST)
    rules = rules_for(scenario, rulebook)
    state = engine.open_case(scenario.case, rules)
    window = state.memo.rules_window
    copy = engine.probe(state)

    engine.advance(copy, rules, date(2030, 1, 1))

    assert state.memo.rules_window is window
    assert copy.memo is not state.memo
    assert state.today == scenario.case.opened_on


def test_an_event_line_names_what_the_event_says_and_skips_what_it_leaves_out(
    rulebook: Rulebook,
) -> None:
    scenario = load_scenario(SCENARIO_DIR.joinpath("thisted_sdp_standard_to_jaf.yaml"))
    timeline = run_scenario(scenario, rulebook).timeline
    lines = [entry.summary for entry in timeline if entry.kind is TimelineKind.EVENT]
    assert lines == [
        "screened: category=2",
        "Certificate received: LAE285",
        "Meeting held: followup_conversation (personal)",
        "Meeting held: followup_conversation (phone)",
        "Meeting held: followup_conversation",
        "Meeting held: followup_conversation",
        "decision_made: decision=jaf_granted",
        "Certificate received: LAE265",
        "Meeting held: rt_meeting, indstilling ressourceforloeb",
        "decision_made: decision=rf_granted, end_on=2022-09-01",
    ]


def test_cases_in_the_same_rule_context_share_their_rule_answers(rulebook: Rulebook) -> None:
    scenario = _year(FIRST)
    rules = rules_for(scenario, rulebook)
    first = engine.open_case(scenario.case, rules)
    second = engine.open_case(scenario.case.model_copy(update={"case_id": "SIM-OTHER"}), rules)
    assert second.memo.rules_window is not first.memo.rules_window
    assert second.memo.rules_window.shared is first.memo.rules_window.shared

    other_facts = scenario.case.model_copy(
        update={"case_id": "SIM-FACTS", "facts": {"jaf.first_course": True}}
    )
    third = engine.open_case(other_facts, rules)
    assert third.memo.rules_window.shared is not first.memo.rules_window.shared


def test_the_shared_rule_answers_are_bounded(
    rulebook: Rulebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rules_view, "_SHARED", {})
    monkeypatch.setattr(rules_view, "_SHARED_LIMIT", 2)
    for case in range(5):
        rules_view.shared_answers(("context", case))
        assert len(rules_view._SHARED) <= 2


def _jaf_granted_three_days_late(rulebook: Rulebook, *, replaying_old_run: bool) -> CaseState:
    scenario = load_scenario(SCENARIO_DIR.joinpath("jammerbugt_fk2c_fk2a_across_2020.yaml"))
    rules = rules_for(scenario, rulebook)
    state = engine.open_case(scenario.case, rules)
    state.memo.regimes_on_window_start_only = replaying_old_run
    for event in scenario.events[:-1]:
        reported = event.effective_date + timedelta(days=3 if event.type == "decision_made" else 0)
        engine.advance(state, rules, reported)
        engine.handle_event(state, event, rules, reported)
    return state


def test_a_phase_change_reported_days_late_notes_the_regimes_of_the_new_phase(
    rulebook: Rulebook,
) -> None:
    """Trials are scoped by target group, so entering jobafklaring changes the trials in
    scope even when the decision reaches the case after its effective date."""
    scenario = load_scenario(SCENARIO_DIR.joinpath("jammerbugt_fk2c_fk2a_across_2020.yaml"))
    on_time = run_scenario(scenario.model_copy(update={"until": None}), rulebook).state

    state = _jaf_granted_three_days_late(rulebook, replaying_old_run=False)

    assert state.phase is on_time.phase
    assert state.regimes == on_time.regimes
    assert "TRIAL:FK-2.a.1" in state.regimes


def test_a_workflow_replaying_an_old_run_keeps_the_regimes_it_recorded(
    rulebook: Rulebook,
) -> None:
    """Runs recorded before the fix compared regimes only on a window's first day; their
    replay must issue the same search-attribute updates (see REGIMES_FOLLOW_RULE_WINDOW)."""
    fixed = _jaf_granted_three_days_late(rulebook, replaying_old_run=False)
    old = _jaf_granted_three_days_late(rulebook, replaying_old_run=True)

    assert old.phase is fixed.phase
    assert "TRIAL:FK-2.a.1" not in old.regimes
    assert old.regimes != fixed.regimes


def _run_to(scenario: Scenario, rules: Rulebook, day: date) -> CaseState:
    state = engine.open_case(scenario.case, rules)
    for event in scenario.events:
        if event.effective_date > day:
            break
        engine.advance(state, rules, event.effective_date)
        engine.handle_event(state, event, rules, event.effective_date)
    engine.advance(state, rules, day)
    return state


def test_derived_parts_are_carried_into_a_period_where_every_answer_is_the_same(
    rulebook: Rulebook,
) -> None:
    """Thisted's ressourceforløb rules answer alike before and after 2020-04-01 (another
    rule's boundary), but not across 2020-01-01, where the standard regime changes."""
    scenario = year_scenario(300)  # a ressourceforløb from 2019-10-22 (bench case 300)
    rules = rules_for(scenario, rulebook)
    state = _run_to(scenario, rules, date(2019, 12, 31))
    before_2020 = state.memo.rules_window
    assert state.phase.value == "ressourceforloeb" and before_2020.derived

    engine.advance(state, rules, date(2020, 1, 1))
    new_year = state.memo.rules_window
    assert new_year is not before_2020
    assert not set(map(id, new_year.derived.values())) & set(map(id, before_2020.derived.values()))

    engine.advance(state, rules, date(2020, 4, 1))
    april = state.memo.rules_window
    assert april is not new_year and april.since == date(2020, 4, 1)
    assert all(april.derived[key] is part for key, part in new_year.derived.items())


@pytest.mark.parametrize("case", [0, 300, 599])
def test_cases_crossing_boundaries_tell_the_same_story_as_looking_every_day(
    case: int, rulebook: Rulebook
) -> None:
    assert _assert_same_story_as_every_day(year_scenario(case), rulebook) == []


def test_the_wakeup_of_a_case_without_its_memo_is_the_same_and_asking_changes_nothing(
    rulebook: Rulebook,
) -> None:
    scenario = _year(SCENARIO_DIR.joinpath("thisted_sdp_standard_to_jaf.yaml"))
    rules = rules_for(scenario, rulebook)
    state = _run_to(scenario, rules, scenario.events[3].effective_date)
    remembered = engine.next_wakeup(state, rules)
    assert remembered is not None
    state.memo.forget_everything()  # as when a case is read back from JSON
    before = state.dump()

    assert engine.next_wakeup(state, rules) == remembered
    assert state.dump() == before


def test_cases_in_other_municipalities_never_share_rule_answers(rulebook: Rulebook) -> None:
    """With the whole rulebook (one content hash for every municipality) two municipalities
    with the same next boundary must still get their own answers and regimes."""
    start = _year(SCENARIO_DIR.joinpath("thisted_sdp_standard_to_jaf.yaml")).case
    cases = {
        municipality: engine.open_case(
            start.model_copy(update={"municipality": municipality}), rulebook
        )
        for municipality in ("jammerbugt", "thisted")
    }
    jammerbugt, thisted = cases["jammerbugt"], cases["thisted"]
    assert jammerbugt.memo.rules_window.until == thisted.memo.rules_window.until
    assert jammerbugt.memo.rules_window.shared is not thisted.memo.rules_window.shared
    for case in cases.values():
        assert case.regimes == rules_view.regimes_in_force(rulebook, case, case.today)
    assert jammerbugt.regimes != thisted.regimes
