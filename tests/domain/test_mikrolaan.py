"""Mikrolån (FK-1.a, Aalborg): referral, screening, admission, course, loan, start-up."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.case.engine import CaseStart, EventRefused
from domain.case.model import ObligationStatus, PhaseName, TimelineKind
from domain.case.phases.trial_gate import trial_refusal
from domain.rulebook import Rulebook, load_rulebook
from tests.domain.conftest import CaseDriver

D = date
COURSE_START = D(2019, 3, 18)  # a Monday, as the courses start


def referral(rulebook: Rulebook, municipality: str, on: date, group: str = "2.2") -> CaseDriver:
    return CaseDriver(
        rulebook,
        CaseStart(
            case_id="M-1001",
            municipality=municipality,
            opened_on=on,
            phase=PhaseName.MIKROLAAN_SCREENING,
            target_group=group,
        ),
    )


REFERRED_ON = D(2019, 3, 4)


def admitted(rulebook: Rulebook, group: str = "2.2", on: date = REFERRED_ON) -> CaseDriver:
    c = referral(rulebook, "aalborg", on, group)
    c.event(on, "decision_made", decision="screening_passed")
    c.event(COURSE_START, "decision_made", decision="mikrolaan_admitted", seat=7)
    return c


def through_course(c: CaseDriver) -> CaseDriver:
    for meeting, on in (
        ("pitch_1", D(2019, 4, 18)),
        ("pitch_2", D(2019, 5, 30)),
        ("closing", D(2019, 6, 7)),
        ("launch_preparation", D(2019, 6, 14)),
    ):
        c.event(on, "meeting_held", meeting=meeting)
    c.event(D(2019, 6, 16), "decision_made", decision="survey_recorded", kind="course_end")
    c.event(D(2019, 6, 16), "decision_made", decision="course_completed")
    return c


def closing_reason(c: CaseDriver) -> str:
    return next(e.summary for e in c.state.timeline if e.subject == "closing_reason")


# --- referral: only in Aalborg, only the granted groups, only in the trial period ---------


@pytest.mark.parametrize("group", ["2.2", "2.10", "2.12"])
def test_the_granted_groups_are_referred_in_aalborg(rulebook: Rulebook, group: str) -> None:
    c = referral(rulebook, "aalborg", D(2019, 3, 4), group)
    assert c.state.phase is PhaseName.MIKROLAAN_SCREENING
    assert c.state.target_group == group
    screening = c.obligation("mikrolaan.screening")
    assert screening.regime == "TRIAL:FK-1.a"
    # the trial's last day as known in 2019: the 2021 extension is decided only on 2021-08-26
    assert screening.due_on == D(2021, 12, 31)
    assert "TRIAL:FK-1.a" in c.state.regimes


@pytest.mark.parametrize(
    ("municipality", "group", "field", "words"),
    [
        ("jammerbugt", "2.2", "municipality", "FK-1.a does not cover Jammerbugt"),
        ("frederikshavn", "2.10", "municipality", "FK-1.a does not cover Frederikshavn"),
        ("aalborg", "2.3", "target_group", "does not cover target group 2.3"),
        ("aalborg", "2.4", "target_group", "does not cover target group 2.4"),
    ],
)
def test_a_referral_outside_the_grant_is_refused_with_the_trial_status(
    rulebook: Rulebook, municipality: str, group: str, field: str, words: str
) -> None:
    with pytest.raises(EventRefused) as refused:
        referral(rulebook, municipality, D(2019, 3, 4), group)
    assert refused.value.field == field
    assert words in refused.value.reason
    assert "[001:L3470]" in refused.value.reason  # the grant letter


def test_the_full_rulebook_names_where_the_trial_applies(rulebook: Rulebook) -> None:
    status = rulebook.trial_status("FK-1.a", "jammerbugt", "2.2", D(2019, 3, 4))
    refusal = trial_refusal(rulebook, status, "admission")
    assert "FK-1.a applies only in Aalborg" in refusal.reason
    assert "[001:L3470]" in refusal.reason


@pytest.mark.parametrize(
    ("on", "ok"),
    [
        (D(2017, 6, 30), False),  # the day before the trial
        (D(2017, 7, 1), True),  # its first day
        (D(2021, 12, 31), True),  # the original last day
        (D(2022, 1, 1), True),  # extended by one year in 2021 [003:L29]
        (D(2022, 12, 31), True),  # the extended last day
        (D(2023, 1, 1), False),  # the day after
    ],
)
def test_trial_period_boundaries(rulebook: Rulebook, on: date, ok: bool) -> None:
    if ok:
        assert referral(rulebook, "aalborg", on).state.phase is PhaseName.MIKROLAAN_SCREENING
        return
    with pytest.raises(EventRefused) as refused:
        referral(rulebook, "aalborg", on)
    assert refused.value.field == "effective_date"
    assert "FK-1.a" in refused.value.reason


def test_without_the_2021_extension_the_trial_ends_with_2021() -> None:
    rules = load_rulebook(parameters={"trials": {"FK-1.a": {"apply_extensions": False}}})
    assert referral(rules, "aalborg", D(2021, 12, 31)).obligation(
        "mikrolaan.screening"
    ).due_on == D(2021, 12, 31)
    with pytest.raises(EventRefused) as refused:
        referral(rules, "aalborg", D(2022, 1, 1))
    assert "ended in Aalborg on 2022-01-01" in refused.value.reason


def test_screening_cannot_pass_after_the_trial_ended(rulebook: Rulebook) -> None:
    c = referral(rulebook, "aalborg", D(2022, 12, 20))
    refused = c.refused(D(2023, 1, 2), "decision_made", decision="screening_passed")
    assert refused.field == "effective_date"
    assert "ended in Aalborg" in refused.reason


# --- screening and admission through the enrolment registry's seat ------------------------


def test_admission_needs_a_passed_screening_and_a_seat_within_the_cap(rulebook: Rulebook) -> None:
    c = referral(rulebook, "aalborg", D(2019, 3, 4))
    early = c.refused(D(2019, 3, 5), "decision_made", decision="mikrolaan_admitted", seat=1)
    assert "passed screening" in early.reason
    c.event(D(2019, 3, 6), "decision_made", decision="screening_passed")
    assert c.state.facts["mikrolaan.screening_passed"] is True
    assert c.obligation("mikrolaan.admission").status is ObligationStatus.OPEN
    no_seat = c.refused(D(2019, 3, 7), "decision_made", decision="mikrolaan_admitted")
    assert no_seat.field == "seat"
    beyond = c.refused(D(2019, 3, 7), "decision_made", decision="mikrolaan_admitted", seat=81)
    assert beyond.field == "seat"
    assert "cap of 80" in beyond.reason
    assert "mikrolaan.participants.max" in beyond.reason
    assert "[001:L3470]" in beyond.reason
    c.event(D(2019, 3, 18), "decision_made", decision="mikrolaan_admitted", seat=80)
    assert c.state.phase is PhaseName.MIKROLAAN_COURSE
    assert c.state.facts["mikrolaan.admitted"] is True
    assert c.state.facts["mikrolaan.participants_admitted"] == 79
    assert c.state.facts["mikrolaan.phase"] == 2


def test_a_rejected_screening_closes_the_case_back_to_the_standard_track(
    rulebook: Rulebook,
) -> None:
    c = referral(rulebook, "aalborg", D(2019, 3, 4))
    c.event(D(2019, 3, 8), "decision_made", decision="screening_rejected")
    assert c.state.closed
    assert "back to the standard track" in closing_reason(c)
    assert c.obligation("mikrolaan.screening").status is ObligationStatus.MET


def test_a_refused_enrolment_closes_the_case_naming_the_cap(rulebook: Rulebook) -> None:
    c = referral(rulebook, "aalborg", D(2019, 3, 4))
    c.event(D(2019, 3, 6), "decision_made", decision="screening_passed")
    c.event(D(2019, 3, 7), "decision_made", decision="mikrolaan_admission_refused")
    assert c.state.closed
    assert "at most 80 citizens" in closing_reason(c)


# --- the 13-week course --------------------------------------------------------------------


def test_course_milestones_fall_on_the_timetable_days(rulebook: Rulebook) -> None:
    c = admitted(rulebook, "2.12")
    assert c.state.target_group == "2.12"  # the group survives the phase change
    c.until(D(2019, 6, 10))
    due = {
        key: c.obligation(f"mikrolaan.course.{key}").due_on
        for key in ("pitch_1", "pitch_2", "closing", "launch_preparation")
    }
    assert due == {
        "pitch_1": D(2019, 4, 18),  # week 5, Thursday
        "pitch_2": D(2019, 5, 30),  # week 11, Thursday
        "closing": D(2019, 6, 7),  # week 12, Friday: loan-basis check and closing
        "launch_preparation": D(2019, 6, 16),  # week 13
    }
    assert c.obligation("mikrolaan.course.pitch_1").status is ObligationStatus.MISSED
    pitch = c.obligation("mikrolaan.course.pitch_2")
    assert pitch.regime == "TRIAL:FK-1.a"
    assert any("L9742-9761" in citation for citation in pitch.citations)


def test_the_course_cannot_complete_before_its_last_week_ends(rulebook: Rulebook) -> None:
    c = admitted(rulebook)
    refused = c.refused(D(2019, 6, 15), "decision_made", decision="course_completed")
    assert "13 weeks, to 2019-06-16" in refused.reason
    assert "mikrolaan.course.length_weeks" in refused.reason
    through_course(c)
    assert c.state.phase is PhaseName.MIKROLAAN_DECISION
    assert c.obligation("mikrolaan.survey.course_end").status is ObligationStatus.MET
    assert c.obligation("mikrolaan.course.pitch_1").status is ObligationStatus.MET


def test_leaving_the_course_closes_the_case(rulebook: Rulebook) -> None:
    c = admitted(rulebook)
    c.event(D(2019, 4, 1), "decision_made", decision="course_left")
    assert c.state.closed
    assert "left the course" in closing_reason(c)


def test_status_registrations_every_three_months_from_course_start(rulebook: Rulebook) -> None:
    c = admitted(rulebook)
    first = c.obligation("mikrolaan.course.status.1")
    assert first.due_on == D(2019, 6, 18)
    assert first.kind.value == "survey"
    c.event(D(2019, 6, 1), "decision_made", decision="survey_recorded", kind="status")
    assert c.obligation("mikrolaan.course.status.1").status is ObligationStatus.MET
    nothing = c.refused(D(2019, 6, 2), "decision_made", decision="survey_recorded", kind="status")
    assert "no status survey is pending" in nothing.reason


# --- the loan decision -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "ok"), [(999, False), (1000, True), (50000, True), (50001, False)]
)
def test_loan_amount_must_lie_in_the_rulebook_range(
    rulebook: Rulebook, amount: int, ok: bool
) -> None:
    c = through_course(admitted(rulebook))
    fields: dict[str, Any] = {"decision": "loan_granted", "amount_dkk": amount, "kind": "loan"}
    if not ok:
        refused = c.refused(D(2019, 6, 20), "decision_made", **fields)
        assert refused.field == "amount_dkk"
        assert "outside 1000-50000 DKK" in refused.reason
        assert "mikrolaan.loan.amount_dkk" in refused.reason
        assert "[001:L172, L261, L9818]" in refused.reason
        return
    c.event(D(2019, 6, 20), "decision_made", **fields)
    assert c.state.phase is PhaseName.MIKROLAAN_STARTUP


def test_a_loan_is_a_loan_or_a_grant(rulebook: Rulebook) -> None:
    c = through_course(admitted(rulebook))
    refused = c.refused(
        D(2019, 6, 20), "decision_made", decision="loan_granted", amount_dkk=5000, kind="gift"
    )
    assert refused.field == "kind"
    c.event(D(2019, 6, 20), "decision_made", decision="loan_granted", amount_dkk=5000, kind="grant")
    assert c.state.phase_data["loan_kind"] == "grant"
    assert c.state.phase_data["amount_dkk"] == 5000


def test_a_plan_not_viable_ends_with_the_joint_conversation(rulebook: Rulebook) -> None:
    c = through_course(admitted(rulebook))
    c.event(D(2019, 6, 20), "decision_made", decision="loan_refused")
    joint = c.obligation("mikrolaan.decision.joint_conversation")
    assert joint.status is ObligationStatus.OPEN
    assert joint.action is not None and joint.action.meeting == "joint_meeting"
    assert "joint conversation" in joint.reason
    again = c.refused(
        D(2019, 6, 21), "decision_made", decision="loan_granted", amount_dkk=5000, kind="loan"
    )
    assert "already refused" in again.reason
    c.event(D(2019, 6, 27), "meeting_held", meeting="joint_meeting")
    assert c.state.closed
    assert c.obligation("mikrolaan.decision.joint_conversation").status is ObligationStatus.MET
    assert "back to the standard track" in closing_reason(c)


# --- the start-up period -----------------------------------------------------------------


def test_start_up_period_exemptions_mentor_and_surveys(rulebook: Rulebook) -> None:
    c = through_course(admitted(rulebook))
    c.event(D(2019, 6, 20), "decision_made", decision="loan_granted", amount_dkk=25000, kind="loan")
    assert c.state.facts["mikrolaan.phase"] == 4
    end = c.obligation("mikrolaan.startup.end")
    assert end.due_on == D(2019, 12, 19)  # at most 6 months
    assert "at most 6 months" in end.reason
    exempted = {
        o.id: o for o in c.state.obligations.values() if o.status is ObligationStatus.EXEMPTED
    }
    assert set(exempted) == {
        "mikrolaan.startup.duty.las_raadighed",
        "mikrolaan.startup.duty.jobsamtaler",
        "mikrolaan.startup.duty.job_search_and_joblog",
        "mikrolaan.startup.duty.duty_to_take_offers",
        "mikrolaan.startup.duty.referral_to_anden_aktoer",
    }
    raadighed = exempted["mikrolaan.startup.duty.las_raadighed"]
    assert raadighed.regime == "TRIAL:FK-1.a"
    assert "No availability duty: FK-1.a phase 4 in Aalborg" in raadighed.reason
    mentor = c.obligation("mikrolaan.startup.mentor")
    assert mentor.action is not None and mentor.action.meeting == "followup_conversation"
    c.event(D(2019, 7, 15), "meeting_held", meeting="followup_conversation")
    assert c.obligation("mikrolaan.startup.mentor").status is ObligationStatus.MET
    c.until(D(2019, 12, 19))
    continuation = c.obligation("mikrolaan.survey.continuation")
    assert continuation.due_on == D(2019, 12, 18)  # 9 months after the course started
    assert c.obligation("mikrolaan.survey.loan_period_end").due_on == D(2019, 12, 19)
    for kind in ("continuation", "loan_period_end"):
        c.event(D(2019, 12, 19), "decision_made", decision="survey_recorded", kind=kind)
    wrong = c.refused(D(2019, 12, 19), "decision_made", decision="startup_ended", kind="rich")
    assert wrong.field == "kind"
    c.event(D(2019, 12, 19), "decision_made", decision="startup_ended", kind="self_supporting")
    assert c.state.closed
    assert "outcome self_supporting" in closing_reason(c)
    assert [p for p, _ in c.state.phase_history] == [
        PhaseName.MIKROLAAN_SCREENING,
        PhaseName.MIKROLAAN_COURSE,
        PhaseName.MIKROLAAN_DECISION,
        PhaseName.MIKROLAAN_STARTUP,
        PhaseName.CLOSED,
    ]


def test_start_up_duties_return_when_the_trial_ends_mid_period(rulebook: Rulebook) -> None:
    """DOMAIN §8.15 as corrected: the loan and its period stand; a duty follows the law of
    the day it falls due, so availability returns when FK-1.a ends."""
    c = referral(rulebook, "aalborg", D(2022, 6, 1))
    c.event(D(2022, 6, 1), "decision_made", decision="screening_passed")
    c.event(D(2022, 6, 6), "decision_made", decision="mikrolaan_admitted", seat=60)
    c.event(D(2022, 9, 4), "decision_made", decision="course_completed")
    c.event(D(2022, 9, 5), "decision_made", decision="loan_granted", amount_dkk=40000, kind="loan")
    c.until(D(2023, 1, 10))
    assert "TRIAL:FK-1.a" not in c.state.regimes
    duty = c.obligation("mikrolaan.startup.duty.las_raadighed")
    assert duty.status is ObligationStatus.OPEN
    assert duty.created_on == D(2023, 1, 1)
    assert c.obligation("mikrolaan.startup.end").due_on == D(2023, 3, 4)
    assert any(e.kind is TimelineKind.REGIME_CHANGED for e in c.state.timeline)
