"""FK-1.c: graduate entrepreneurship in Aalborg and Frederikshavn; while the graduate works
on the idea, no availability or joblog duty [001:L3483, L3669]. The trial ends on
2022-01-01 (the network's period end, DOMAIN §8.1, as in [001:L4948]) and was not
continued [003:L37-41]. DOMAIN §8.15 as corrected: a
course started under the trial stood while it ran; the duties follow the law of the day
they fall due, so the phase (which only the trial provides) ends with the trial and the
ordinary dagpenge rules apply again -- not "missed", not left in a trial-only phase."""

from __future__ import annotations

from datetime import date as D

import pytest

from domain.case import engine
from domain.case.engine import CaseStart, EventRefused
from domain.case.model import ObligationStatus, PhaseName, TimelineKind
from domain.rulebook import Rulebook
from tests.domain.conftest import CaseDriver, make_event

DUTIES = ("ivaerk.raadighed", "ivaerk.joblog")


def _graduate(rulebook: Rulebook, municipality: str, on: D) -> CaseDriver:
    return CaseDriver(
        rulebook,
        CaseStart(
            case_id="G-2101",
            municipality=municipality,
            opened_on=on,
            phase=PhaseName.IVAERKSAETTERI,
            target_group="2.1",
            facts={"dimittend.graduate": True},
        ),
    )


def _closing(c: CaseDriver) -> str:
    return next(e.summary for e in c.state.timeline if e.subject == "closing_reason")


@pytest.mark.parametrize("municipality", ["aalborg", "frederikshavn"])
def test_on_the_trials_last_day_the_duties_are_still_lifted(
    rulebook: Rulebook, municipality: str
) -> None:
    c = _graduate(rulebook, municipality, D(2021, 10, 1))
    c.event(D(2021, 10, 4), "decision_made", decision="screening_passed")
    c.until(D(2021, 12, 31))
    assert c.state.phase is PhaseName.IVAERKSAETTERI
    for duty in DUTIES:
        assert c.obligation(duty).status is ObligationStatus.EXEMPTED
        assert c.obligation(duty).regime == "TRIAL:FK-1.c"


@pytest.mark.parametrize("municipality", ["aalborg", "frederikshavn"])
def test_on_the_day_it_ends_the_duties_return_and_the_phase_ends(
    rulebook: Rulebook, municipality: str
) -> None:
    c = _graduate(rulebook, municipality, D(2021, 10, 1))
    c.event(D(2021, 10, 4), "decision_made", decision="screening_passed")
    c.until(D(2022, 1, 1))
    assert c.state.closed
    assert c.state.phase_history[-1] == (PhaseName.CLOSED, D(2022, 1, 1))
    # Nothing of the trial is held against the citizen: no duty is marked missed.
    assert not [o for o in c.state.obligations.values() if o.status is ObligationStatus.MISSED]
    reason = _closing(c)
    assert "FK-1.c ended" in reason and "on 2022-01-01" in reason
    assert "[003:L37-41]" in reason
    assert "Availability duty (rådighed) for dagpenge recipients: yes" in reason
    assert "Job-search log (joblog)" in reason and "STANDARD_2020" in reason
    line = next(e for e in c.state.timeline if e.subject == "closing_reason")
    assert line.regime == "STANDARD_2020"
    withdrawn = [
        e
        for e in c.state.timeline
        if e.kind is TimelineKind.OBLIGATION_WITHDRAWN and e.on == D(2022, 1, 1)
    ]
    assert {e.subject for e in withdrawn} == {
        "ivaerk.course.end",
        "ivaerk.plan.min_ivaerksaetterplan",
    }
    assert all("by the end of FK-1.c on 2022-01-01" in e.summary for e in withdrawn)


def test_a_screening_still_running_at_the_end_ends_too(rulebook: Rulebook) -> None:
    c = _graduate(rulebook, "aalborg", D(2021, 12, 1)).until(D(2021, 12, 31))
    assert c.obligation("ivaerk.raadighed").status is ObligationStatus.OPEN
    c.until(D(2022, 1, 1))
    assert c.state.closed
    assert c.obligation("ivaerk.screening").status is ObligationStatus.WITHDRAWN
    assert "the screening stage ends" in _closing(c)


def test_a_run_recorded_before_the_change_keeps_the_phase(rulebook: Rulebook) -> None:
    # What a workflow replaying an older history does (the patch is not set there).
    rules = Rulebook.from_slice(rulebook.slice_for("aalborg"))
    state = engine.open_case(
        CaseStart(
            case_id="G-2101",
            municipality="aalborg",
            opened_on=D(2021, 12, 1),
            phase=PhaseName.IVAERKSAETTERI,
            target_group="2.1",
            facts={"dimittend.graduate": True},
        ),
        rules,
        phases_outlive_their_law=True,
    )
    engine.advance(state, rules, D(2022, 1, 10))
    assert state.phase is PhaseName.IVAERKSAETTERI
    # There the course still cannot start after the trial: the gate on the event's day.
    late = make_event(D(2022, 1, 10), "decision_made", event_id="e1", decision="screening_passed")
    with pytest.raises(EventRefused) as refused:
        engine.handle_event(state, late, rules, D(2022, 1, 10))
    assert refused.value.field == "effective_date"
    assert "ended in Aalborg on 2022-01-01" in refused.value.reason
