"""Fleksjob and ledighedsydelse: LY duties per spell, the § 74c reassessment and FK-3.b."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.case.engine import CaseStart
from domain.case.model import ObligationStatus, PhaseName
from domain.case.phases.fleksjob import ly_months_received, reassessment_trigger
from domain.rulebook import Rulebook
from tests.domain.conftest import CaseDriver

D = date


@pytest.fixture
def start(rulebook: Rulebook) -> Any:
    def make(municipality: str, opened_on: date, **entry: Any) -> CaseDriver:
        return CaseDriver(
            rulebook,
            CaseStart(
                case_id="C-1001",
                municipality=municipality,
                opened_on=opened_on,
                phase=PhaseName.FLEKSJOB,
                entry=entry,
            ),
        )

    return make


def ids(c: CaseDriver, status: ObligationStatus) -> set[str]:
    return {o.id for o in c.state.obligations.values() if o.status is status}


# --- counting LY months -------------------------------------------------------------------


def test_continuous_ly_triggers_after_twelve_months() -> None:
    assert reassessment_trigger([[D(2019, 1, 1), None]], D(2019, 1, 1), 12, 18) == D(2020, 1, 1)


def test_months_in_a_job_do_not_count() -> None:
    spells = [[D(2019, 1, 1), D(2019, 7, 1)], [D(2019, 10, 1), None]]
    assert reassessment_trigger(spells, D(2019, 1, 1), 12, 18) == D(2020, 4, 1)
    assert ly_months_received(spells, D(2019, 12, 31)) == 8
    assert ly_months_received(spells, D(2020, 1, 1)) == 9


def test_ly_older_than_the_window_falls_out() -> None:
    """6 months, 8 months in a job, then LY again: the old months slide out of the 18-month
    window as fast as new ones come in, so only the new spell reaches 12."""
    spells = [[D(2019, 1, 1), D(2019, 7, 1)], [D(2020, 3, 1), None]]
    assert reassessment_trigger(spells, D(2019, 1, 1), 12, 18) == D(2021, 3, 1)


def test_a_closed_history_short_of_the_trigger_never_triggers() -> None:
    assert reassessment_trigger([[D(2019, 1, 1), D(2019, 12, 1)]], D(2019, 1, 1), 12, 18) is None


# --- duties on LY -------------------------------------------------------------------------


def test_standard_ly_duties_in_frederikshavn(start: Any) -> None:
    c = start("frederikshavn", D(2019, 1, 1))
    assert c.state.obligations == {}
    c.event(D(2019, 1, 1), "decision_made", decision="ly_started")
    cv = c.obligation("ly.1.cv")
    assert (cv.due_on, cv.regime) == (D(2019, 1, 22), "STANDARD_2015")
    assert cv.citations and cv.action is not None and cv.action.meeting == "cv_conversation"
    contact = c.obligation("ly.1.contact.1")
    assert contact.due_on == D(2019, 4, 1)
    assert "reassessment" not in contact.reason
    assert c.obligation("ly.1.followup").due_on == D(2019, 7, 1)
    c.event(D(2019, 1, 15), "meeting_held", meeting="cv_conversation")
    c.event(D(2019, 3, 20), "meeting_held", meeting="jobsamtale")
    # Each time 3 months of LY have been received [001:L1162]: a fixed calendar from the
    # start of LY, which a conversation held early does not move.
    assert c.obligation("ly.1.contact.2").due_on == D(2019, 7, 1)
    # the reassessment: prepared 8 weeks ahead (operational), triggered at 12 in 18 months
    c.until(D(2019, 11, 5))
    assert "ly.1.revurdering.1" not in c.state.obligations
    c.until(D(2019, 11, 6))
    reassessment = c.obligation("ly.1.revurdering.1")
    assert reassessment.status is ObligationStatus.OPEN
    assert reassessment.due_on == D(2020, 7, 1)  # finished by 18 months of LY
    assert reassessment.citations
    assert "LAS § 74c stk. 1" in reassessment.citations[0]
    c.event(D(2020, 2, 1), "decision_made", decision="ly_reassessed")
    assert c.obligation("ly.1.revurdering.1").status is ObligationStatus.MET
    # the next one counts LY received after the last reassessment
    c.until(D(2021, 2, 1))
    assert c.obligation("ly.1.revurdering.2").due_on == D(2021, 8, 1)
    assert c.obligation("ly.1.revurdering.2").regime == "STANDARD_2020"


def test_fk_3b_waives_the_reassessment_in_aalborg(start: Any) -> None:
    c = start("aalborg", D(2019, 1, 1), ly_started_on=D(2019, 1, 1))
    c.until(D(2019, 12, 31))
    assert "ly.1.revurdering.1" not in c.state.obligations  # a waived duty needs no preparation
    c.until(D(2020, 1, 1))
    waived = c.obligation("ly.1.revurdering.1")
    assert waived.status is ObligationStatus.EXEMPTED
    assert waived.regime == "TRIAL:FK-3.b"
    assert "FK-3.b in Aalborg" in waived.reason
    assert waived.citations
    contact = c.obligation("ly.1.contact.1")
    assert contact.regime == "TRIAL:FK-3.b"
    assert "reassessment's content" in contact.reason
    assert c.refused(D(2020, 1, 2), "decision_made", decision="ly_reassessed")


def test_fk_3b_covers_unfinished_reassessments_from_2018_07_01(start: Any) -> None:
    """DOMAIN §8.8: a reassessment still open on 2018-07-01 is exempted that day."""
    c = start("aalborg", D(2017, 5, 1), ly_started_on=D(2017, 5, 1))
    c.until(D(2018, 6, 30))
    open_one = c.obligation("ly.1.revurdering.1")
    assert (open_one.status, open_one.regime) == (ObligationStatus.OPEN, "STANDARD_2015")
    c.until(D(2018, 7, 1))
    assert c.obligation("ly.1.revurdering.1").status is ObligationStatus.EXEMPTED
    assert c.obligation("ly.1.revurdering.1").regime == "TRIAL:FK-3.b"
    other = start("frederikshavn", D(2017, 5, 1), ly_started_on=D(2017, 5, 1))
    other.until(D(2018, 7, 1))
    assert other.obligation("ly.1.revurdering.1").status is ObligationStatus.OPEN


def test_fk_3b_end_an_exemption_stands_and_the_next_reassessment_is_due(start: Any) -> None:
    c = start("aalborg", D(2020, 12, 1), ly_started_on=D(2020, 12, 1))
    c.until(D(2021, 12, 1))
    assert c.obligation("ly.1.revurdering.1").status is ObligationStatus.EXEMPTED
    # No contact held in 2021: the four due on the calendar were missed, one by one.
    c.until(D(2021, 12, 14))
    missed = [c.obligation(f"ly.1.contact.{n}") for n in (1, 2, 3, 4)]
    assert [m.status for m in missed] == [ObligationStatus.MISSED] * 4
    assert [m.due_on for m in missed] == [D(2021, m, 1) for m in (3, 6, 9, 12)]
    c.event(D(2021, 12, 15), "meeting_held", meeting="jobsamtale")
    contact = c.obligation("ly.1.contact.5")
    assert contact.met_on == D(2021, 12, 15)
    assert contact.regime == "TRIAL:FK-3.b"
    assert "reassessment's content" in contact.reason
    c.until(D(2022, 1, 1))
    assert c.obligation("ly.1.revurdering.1").status is ObligationStatus.EXEMPTED
    assert "stands" not in c.obligation("ly.1.revurdering.1").reason
    contact = c.obligation("ly.1.contact.6")
    assert (contact.status, contact.due_on) == (ObligationStatus.OPEN, D(2022, 6, 1))
    assert contact.regime == "STANDARD_2020"
    assert "reassessment's content" not in contact.reason
    c.until(D(2022, 12, 1))
    again = c.obligation("ly.1.revurdering.2")
    assert (again.status, again.regime) == (ObligationStatus.OPEN, "STANDARD_2020")
    assert again.due_on == D(2023, 6, 1)


def test_fk_3b_end_a_reassessment_triggered_after_the_trial_comes_back(start: Any) -> None:
    c = start("aalborg", D(2021, 3, 1), ly_started_on=D(2021, 3, 1))
    c.until(D(2021, 12, 31))
    assert "ly.1.revurdering.1" not in c.state.obligations
    c.until(D(2022, 1, 4))  # prepared 8 weeks before the trigger on 2022-03-01
    back = c.obligation("ly.1.revurdering.1")
    assert (back.status, back.regime) == (ObligationStatus.OPEN, "STANDARD_2020")
    assert back.due_on == D(2022, 9, 1)


# --- LY and employment --------------------------------------------------------------------


def test_a_job_withdraws_ly_duties_and_a_new_spell_brings_them_back(start: Any) -> None:
    c = start("frederikshavn", D(2019, 1, 1), ly_started_on=D(2019, 1, 1))
    c.event(D(2019, 1, 10), "meeting_held", meeting="cv_conversation")
    c.event(D(2019, 3, 15), "meeting_held", meeting="jobsamtale")
    c.event(D(2019, 6, 1), "meeting_held", meeting="followup_conversation")
    c.event(D(2019, 6, 10), "meeting_held", meeting="jobsamtale")
    c.event(D(2019, 7, 1), "decision_made", decision="fleksjob_employment_started")
    assert c.obligation("ly.1.followup").status is ObligationStatus.MET
    assert c.obligation("ly.1.contact.3").status is ObligationStatus.WITHDRAWN
    job = c.obligation("fleksjob.1.followup.1")
    assert (job.due_on, job.regime) == (D(2022, 1, 1), "STANDARD_2015")
    assert job.citations
    c.event(D(2019, 10, 1), "decision_made", decision="fleksjob_employment_ended")
    assert c.obligation("fleksjob.1.followup.1").status is ObligationStatus.WITHDRAWN
    c.event(D(2019, 10, 1), "decision_made", decision="ly_started")
    assert c.obligation("ly.2.cv").due_on == D(2019, 10, 22)
    assert c.obligation("ly.2.contact.1").status is ObligationStatus.OPEN
    assert c.state.facts["ly.months_on_ly"] == 6
    c.until(D(2020, 2, 5))  # 8 weeks before the trigger on 2020-04-01
    assert c.obligation("ly.2.revurdering.1").due_on == D(2020, 10, 1)
    assert c.state.facts["ly.months_on_ly"] == 10


def test_fleksjob_follow_up_recurs_while_employed(start: Any) -> None:
    c = start("thisted", D(2019, 1, 1))
    c.event(D(2019, 2, 1), "decision_made", decision="fleksjob_employment_started")
    assert c.obligation("fleksjob.1.followup.1").due_on == D(2021, 8, 1)
    c.event(D(2021, 6, 1), "meeting_held", meeting="fleksjob_followup")
    assert c.obligation("fleksjob.1.followup.2").due_on == D(2023, 12, 1)
    assert c.state.facts["ly.months_on_ly"] == 0


def test_status_changes_are_checked(start: Any) -> None:
    c = start("thisted", D(2019, 1, 1))
    assert (
        "not employed"
        in c.refused(D(2019, 1, 2), "decision_made", decision="fleksjob_employment_ended").reason
    )
    c.event(D(2019, 1, 2), "decision_made", decision="ly_started")
    assert "already on" in c.refused(D(2019, 1, 3), "decision_made", decision="ly_started").reason
    c.event(D(2019, 2, 1), "decision_made", decision="fleksjob_employment_started")
    refused = c.refused(D(2019, 2, 2), "decision_made", decision="ly_started")
    assert "fleksjob_employment_ended" in refused.reason
    assert c.refused(D(2019, 2, 2), "decision_made", decision="fleksjob_employment_started")
    refused = c.refused(D(2019, 2, 2), "decision_made", decision="ly_reassessed")
    assert "no reassessment" in refused.reason
    early = c.refused(D(2019, 1, 20), "decision_made", decision="fleksjob_employment_ended")
    assert early.field == "effective_date"


def test_fleksjob_ended_closes_the_case(start: Any) -> None:
    c = start("thisted", D(2019, 1, 1), ly_started_on=D(2019, 1, 1))
    c.event(D(2019, 3, 1), "decision_made", decision="fleksjob_ended")
    assert c.state.closed
    assert c.state.facts["ly.months_on_ly"] == 2


def test_entry_from_jaf_needs_the_rehabiliteringsteam(rulebook: Rulebook) -> None:
    c = CaseDriver(
        rulebook,
        CaseStart(
            case_id="C-1001",
            municipality="thisted",
            opened_on=D(2019, 3, 1),
            phase=PhaseName.JOBAFKLARINGSFORLOEB,
            facts={"jaf.first_course": False},
        ),
    )
    refused = c.refused(D(2019, 3, 5), "decision_made", decision="fleksjob_granted")
    assert "rehabiliteringsteam" in refused.reason
    c.event(D(2019, 3, 20), "meeting_held", meeting="rt_meeting", recommendation="fleksjob")
    # No LÆ265 before the team: its indstilling and the decision on it are as a rule
    # invalid [001:L1932].
    refused = c.refused(D(2019, 3, 25), "decision_made", decision="fleksjob_granted")
    assert "rt.lae265.required" in refused.reason and "no LÆ265" in refused.reason
    c.event(D(2019, 3, 26), "certificate_received", certificate="LAE265")
    c.event(D(2019, 3, 27), "meeting_held", meeting="rt_meeting", recommendation="fleksjob")
    c.event(D(2019, 3, 28), "decision_made", decision="fleksjob_granted")
    assert (c.state.phase, c.state.target_group) == (PhaseName.FLEKSJOB, "2.7")
    c.event(D(2019, 4, 1), "decision_made", decision="ly_started")
    assert c.obligation("ly.1.cv").due_on == D(2019, 4, 22)
