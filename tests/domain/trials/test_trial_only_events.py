"""Every trial-only event, refused outside its trial: the map the slices carry agrees with
the clauses of the full rulebook, and each listed fact is refused where no trial of it runs."""

from __future__ import annotations

from datetime import date as D

import pytest

from domain.case import engine
from domain.case.engine import CaseStart
from domain.case.events import EVENT_ADAPTER
from domain.case.facts import declared_fact
from domain.case.phases.trial_events import TRIAL_ONLY_RULE, derived_trial_only_facts
from domain.rulebook import ResolutionContext, Rulebook


def _table(rulebook: Rulebook) -> dict[str, list[str]]:
    context = ResolutionContext(municipality="aalborg", target_group="2.1", on=D(2020, 1, 1))
    value = rulebook.resolve(TRIAL_ONLY_RULE, context).value
    assert isinstance(value, dict)
    return value


def test_the_trial_only_map_matches_the_trials_clauses(rulebook: Rulebook) -> None:
    assert _table(rulebook) == derived_trial_only_facts(rulebook)


def test_a_fact_read_by_a_phase_is_never_trial_only(rulebook: Rulebook) -> None:
    assert "dagpenge.seasonal_unemployed" not in _table(rulebook)


def test_every_trial_only_fact_is_refused_outside_its_trials(rulebook: Rulebook) -> None:
    table = _table(rulebook)
    assert len(table) >= 20
    for fact, trials in sorted(table.items()):
        municipality, day = "morsoe", D(2023, 6, 1)  # every trial has ended by then
        rules = Rulebook.from_slice(rulebook.slice_for(municipality))
        state = engine.open_case(
            CaseStart(case_id="T-0001", municipality=municipality, opened_on=day), rules
        )
        source = declared_fact(rulebook, fact).recorded_by
        body = (
            {"type": "consent_given", "consent": fact}
            if source == "consent"
            else {"type": "assessment_recorded", "fact": fact, "value": True}
        )
        event = EVENT_ADAPTER.validate_python({"event_id": "e1", "effective_date": day, **body})
        with pytest.raises(engine.EventRefused) as refused:
            engine.validate_event(state, event, rules, day)
        assert refused.value.field == "fact", fact
        for trial in trials:
            assert trial in refused.value.reason, (fact, trial)
