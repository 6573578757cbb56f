"""Førtidspension in løntilskud: follow-ups from the first subsidy payment, FK-3.j."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.case.engine import CaseStart
from domain.case.model import ObligationStatus, PhaseName
from domain.rulebook import Rulebook
from tests.domain.conftest import CaseDriver

D = date
NOTE = "journalnotat.fk3j_order_cited"


@pytest.fixture
def start(rulebook: Rulebook) -> Any:
    def make(municipality: str, opened_on: date, note: bool = False) -> CaseDriver:
        c = CaseDriver(
            rulebook,
            CaseStart(
                case_id="C-1001",
                municipality=municipality,
                opened_on=opened_on,
                phase=PhaseName.FOERTIDSPENSION,
            ),
        )
        if note:
            c.event(opened_on, "assessment_recorded", fact=NOTE, value=True)
        return c

    return make


def hired(c: CaseDriver, on: date, hired_on: date | None = None) -> CaseDriver:
    extra = {} if hired_on is None else {"hired_on": hired_on}
    c.event(on, "decision_made", decision="loentilskud_started", **extra)
    return c


def test_no_duties_before_loentilskud(start: Any) -> None:
    c = start("rebild", D(2019, 1, 1))
    assert c.state.target_group == "2.6"
    assert c.state.obligations == {}


def test_standard_follow_ups_in_rebild(start: Any) -> None:
    c = hired(start("rebild", D(2019, 1, 1)), D(2019, 3, 1))
    first = c.obligation("foep.loentilskud.1.followup.1")
    assert (first.due_on, first.regime) == (D(2019, 9, 1), "STANDARD_2015")
    assert first.citations
    assert first.action is not None and first.action.meeting == "loentilskud_followup"
    c.event(D(2019, 8, 15), "meeting_held", meeting="loentilskud_followup")
    second = c.obligation("foep.loentilskud.1.followup.2")
    assert second.due_on == D(2020, 8, 15)  # 12 months after the last assessment
    c.until(D(2020, 1, 2))
    # 2020-01-01 changes the regime label, not the interval: the deadline stays put
    second = c.obligation("foep.loentilskud.1.followup.2")
    assert (second.due_on, second.regime) == (D(2020, 8, 15), "STANDARD_2020")


def test_fk_3j_stretches_both_follow_ups_in_vesthimmerland(start: Any) -> None:
    c = hired(start("vesthimmerland", D(2019, 1, 1), note=True), D(2019, 3, 1), D(2019, 3, 1))
    first = c.obligation("foep.loentilskud.1.followup.1")
    assert (first.due_on, first.regime) == (D(2021, 9, 1), "TRIAL:FK-3.j")
    assert "FK-3.j in Vesthimmerland" in first.reason
    c.event(D(2021, 6, 1), "meeting_held", meeting="loentilskud_followup")
    assert c.obligation("foep.loentilskud.1.followup.2").due_on == D(2023, 12, 1)
    c.until(D(2022, 1, 1))  # FK-3.j ended: 12 months, counted from the boundary
    second = c.obligation("foep.loentilskud.1.followup.2")
    assert (second.due_on, second.regime) == (D(2023, 1, 1), "STANDARD_2020")


def test_fk_3j_needs_the_journal_note(start: Any) -> None:
    c = hired(start("vesthimmerland", D(2019, 1, 1)), D(2019, 3, 1))
    first = c.obligation("foep.loentilskud.1.followup.1")
    assert (first.due_on, first.regime) == (D(2019, 9, 1), "STANDARD_2015")
    c.event(D(2019, 4, 1), "assessment_recorded", fact=NOTE, value=True)
    assert c.obligation("foep.loentilskud.1.followup.1").due_on == D(2021, 9, 1)


def test_fk_3j_does_not_apply_in_rebild(start: Any) -> None:
    c = hired(start("rebild", D(2019, 1, 1)), D(2019, 3, 1))
    refused = c.refused(D(2019, 3, 2), "assessment_recorded", fact=NOTE, value=True)
    assert "FK-3.j" in refused.reason and "not run in rebild" in refused.reason
    assert c.obligation("foep.loentilskud.1.followup.1").due_on == D(2019, 9, 1)


def test_fk_3j_starts_on_2018_07_01(start: Any) -> None:
    """A pending follow-up is recounted from the trial's first day (DOMAIN §8.15)."""
    c = hired(start("vesthimmerland", D(2018, 5, 1)), D(2018, 6, 1))
    # Before the trial there is no order to cite: the note is refused, naming FK-3.j.
    refused = c.refused(D(2018, 6, 30), "assessment_recorded", fact=NOTE, value=True)
    assert "FK-3.j" in refused.reason and "2018-07-01" in refused.reason
    first = c.obligation("foep.loentilskud.1.followup.1")
    assert (first.due_on, first.regime) == (D(2018, 12, 1), "STANDARD_2015")
    c.event(D(2018, 7, 1), "assessment_recorded", fact=NOTE, value=True)
    first = c.obligation("foep.loentilskud.1.followup.1")
    assert (first.due_on, first.regime) == (D(2021, 1, 1), "TRIAL:FK-3.j")


def test_when_fk_3j_ends_the_follow_up_comes_back_from_the_boundary(start: Any) -> None:
    c = hired(start("vesthimmerland", D(2020, 5, 1), note=True), D(2020, 6, 1), D(2020, 6, 1))
    c.until(D(2021, 12, 31))
    assert c.obligation("foep.loentilskud.1.followup.1").due_on == D(2022, 12, 1)
    c.until(D(2022, 1, 1))
    first = c.obligation("foep.loentilskud.1.followup.1")
    assert (first.due_on, first.regime) == (D(2022, 7, 1), "STANDARD_2020")
    other = hired(start("rebild", D(2020, 5, 1)), D(2020, 6, 1))
    assert other.obligation("foep.loentilskud.1.followup.1").due_on == D(2020, 12, 1)


def test_a_new_job_starts_a_new_series(start: Any) -> None:
    c = hired(start("rebild", D(2019, 1, 1)), D(2019, 3, 1))
    assert (
        "already in"
        in c.refused(D(2019, 3, 2), "decision_made", decision="loentilskud_started").reason
    )
    c.event(D(2019, 5, 1), "decision_made", decision="loentilskud_ended")
    assert c.obligation("foep.loentilskud.1.followup.1").status is ObligationStatus.WITHDRAWN
    assert (
        "not in" in c.refused(D(2019, 5, 2), "decision_made", decision="loentilskud_ended").reason
    )
    early = c.refused(D(2019, 4, 1), "decision_made", decision="loentilskud_started")
    assert early.field == "effective_date"
    hired(c, D(2019, 6, 1))
    assert c.obligation("foep.loentilskud.2.followup.1").due_on == D(2019, 12, 1)
    c.event(D(2019, 7, 1), "decision_made", decision="foep_case_closed")
    assert c.state.closed


def test_entry_from_rf_needs_the_rehabiliteringsteam(rulebook: Rulebook) -> None:
    c = CaseDriver(
        rulebook,
        CaseStart(
            case_id="C-1001",
            municipality="rebild",
            opened_on=D(2019, 3, 1),
            phase=PhaseName.RESSOURCEFORLOEB,
            entry={"end_on": D(2022, 3, 1)},
        ),
    )
    refused = c.refused(D(2019, 4, 1), "decision_made", decision="foep_granted")
    assert "rehabiliteringsteam" in refused.reason
    c.event(D(2019, 4, 2), "certificate_received", certificate="LAE265")
    c.event(D(2019, 4, 10), "meeting_held", meeting="rt_meeting", recommendation="foertidspension")
    c.event(D(2019, 4, 20), "decision_made", decision="foep_granted")
    assert (c.state.phase, c.state.target_group) == (PhaseName.FOERTIDSPENSION, "2.6")
    assert c.refused(D(2019, 4, 21), "screened", category=2).field == "type"
