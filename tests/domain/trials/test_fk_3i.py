"""FK-3.i: the indsatsplan need not be fixed for 6 months at a time, with a journal note
"each time" it is not [001:L4948]; Vesthimmerland, 2018-07-01 until 1 January 2022. The
note is per occasion (facts.per_occasion): it settles the current horizon only, and the
next one needs its own note, or the plan fixed."""

from __future__ import annotations

from datetime import date as D

import pytest

from domain.case import engine
from domain.case.engine import CaseStart
from domain.case.model import ObligationStatus, PhaseName
from domain.rulebook import Rulebook
from tests.domain.conftest import CaseDriver, make_event

NOTE = "journalnotat.fk3i_plan_not_fixed"


def _rf(rulebook: Rulebook, municipality: str, opened_on: D, end_on: D) -> CaseDriver:
    return CaseDriver(
        rulebook,
        CaseStart(
            case_id="T-0001",
            municipality=municipality,
            opened_on=opened_on,
            phase=PhaseName.RESSOURCEFORLOEB,
            entry={"end_on": end_on},
        ),
    )


def _note(c: CaseDriver, on: D) -> None:
    c.event(on, "assessment_recorded", fact=NOTE, value=True)


def test_inside_the_trial_a_note_settles_the_current_horizon_only(rulebook: Rulebook) -> None:
    c = _rf(rulebook, "vesthimmerland", D(2019, 1, 7), D(2021, 6, 30))
    assert c.obligation("rf.plan.1").due_on == D(2019, 7, 7)
    _note(c, D(2019, 6, 1))
    first = c.obligation("rf.plan.1")
    assert first.status is ObligationStatus.EXEMPTED and first.regime == "TRIAL:FK-3.i"
    assert "journal note of 2019-06-01, for this instance only" in first.reason
    assert NOTE not in c.state.facts
    # The next horizon counts from the note and is required again.
    second = c.obligation("rf.plan.2")
    assert second.status is ObligationStatus.OPEN
    assert (second.created_on, second.due_on) == (D(2019, 6, 1), D(2019, 12, 1))
    assert not second.regime.startswith("TRIAL:")


def test_one_note_does_not_exempt_the_whole_course(rulebook: Rulebook) -> None:
    c = _rf(rulebook, "vesthimmerland", D(2019, 1, 7), D(2021, 6, 30))
    _note(c, D(2019, 6, 1))
    c.until(D(2019, 12, 5))
    assert c.obligation("rf.plan.2").status is ObligationStatus.MISSED
    # Each time the plan is not fixed, its own note: the third horizon is settled too.
    _note(c, D(2019, 12, 10))
    assert c.obligation("rf.plan.3").status is ObligationStatus.EXEMPTED
    assert c.obligation("rf.plan.4").due_on == D(2020, 6, 10)
    # Fixing the plan meets the duty as under standard law.
    c.event(D(2020, 5, 1), "decision_made", decision="indsatsplan_updated")
    assert c.obligation("rf.plan.4").status is ObligationStatus.MET
    assert c.obligation("rf.plan.5").due_on == D(2020, 11, 1)


def test_a_note_back_dated_into_an_earlier_horizon_is_refused(rulebook: Rulebook) -> None:
    c = _rf(rulebook, "vesthimmerland", D(2019, 1, 7), D(2021, 6, 30))
    c.event(D(2019, 5, 1), "decision_made", decision="indsatsplan_updated")
    c.until(D(2019, 6, 1))
    refused = c.refused(D(2019, 4, 20), "assessment_recorded", fact=NOTE, value=True)
    assert "dated before Indsatsplan offers fixed 2 began on 2019-05-01" in refused.reason


def test_the_note_is_refused_where_the_trial_does_not_run(rulebook: Rulebook) -> None:
    c = _rf(rulebook, "aalborg", D(2019, 1, 7), D(2021, 6, 30))
    refused = c.refused(D(2019, 6, 1), "assessment_recorded", fact=NOTE, value=True)
    assert "FK-3.i" in refused.reason and "not run in aalborg" in refused.reason


def test_on_the_trials_last_day_a_note_counts_and_after_it_none_does(rulebook: Rulebook) -> None:
    c = _rf(rulebook, "vesthimmerland", D(2021, 7, 5), D(2023, 6, 30))
    _note(c, D(2021, 12, 31))
    assert c.obligation("rf.plan.1").status is ObligationStatus.EXEMPTED
    # The horizon after the trial follows standard law: fixed for 6 months, no note counts.
    after = c.obligation("rf.plan.2")
    assert after.due_on == D(2022, 6, 30) and after.status is ObligationStatus.OPEN
    refused = c.refused(D(2022, 1, 3), "assessment_recorded", fact=NOTE, value=True)
    assert "vesthimmerland on 2022-01-03" in refused.reason
    c.until(D(2022, 7, 1))
    assert c.obligation("rf.plan.2").status is ObligationStatus.MISSED


def test_a_note_outside_a_ressourceforloeb_is_refused(rulebook: Rulebook) -> None:
    c = CaseDriver(
        rulebook,
        CaseStart(
            case_id="T-0002",
            municipality="vesthimmerland",
            opened_on=D(2019, 1, 7),
            phase=PhaseName.JOBAFKLARINGSFORLOEB,
        ),
    )
    refused = c.refused(D(2019, 2, 1), "assessment_recorded", fact=NOTE, value=True)
    assert "one occasion in a ressourceforloeb" in refused.reason


def test_a_note_is_no_opening_fact(rulebook: Rulebook) -> None:
    start = CaseStart(
        case_id="T-0003",
        municipality="vesthimmerland",
        opened_on=D(2019, 1, 7),
        phase=PhaseName.RESSOURCEFORLOEB,
        entry={"end_on": D(2021, 6, 30)},
        facts={NOTE: True},
    )
    rules = Rulebook.from_slice(rulebook.slice_for("vesthimmerland"))
    with pytest.raises(engine.EventRefused) as refused:
        engine.open_case(start, rules)
    assert refused.value.field == "facts" and "record it as an event on its day" in (
        refused.value.reason
    )


def test_runs_recorded_before_keep_one_note_for_the_course(rulebook: Rulebook) -> None:
    start = CaseStart(
        case_id="T-0004",
        municipality="vesthimmerland",
        opened_on=D(2019, 1, 7),
        phase=PhaseName.RESSOURCEFORLOEB,
        entry={"end_on": D(2021, 6, 30)},
    )
    rules = Rulebook.from_slice(rulebook.slice_for("vesthimmerland"))
    state = engine.open_case(start, rules, facts_outlive_their_occasion=True)
    note = make_event(D(2019, 6, 1), "assessment_recorded", event_id="e1", fact=NOTE, value=True)
    engine.handle_event(state, note, rules, D(2019, 6, 1))
    assert state.facts[NOTE] is True
    engine.advance(state, rules, D(2020, 6, 1))
    assert state.obligations["rf.plan.1"].status is ObligationStatus.EXEMPTED
    assert "rf.plan.2" not in state.obligations
