"""Psykologbehandling under FK-2.b (DOMAIN §3.2): referral gate, eligibility, sessions,
consent, independence from benefit changes, relapse checks."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.case.engine import CaseStart, EventRefused
from domain.case.model import ObligationStatus, PhaseName
from domain.rulebook import Rulebook
from tests.domain.conftest import CaseDriver

D = date
ON_SDP = {"psyk.on_sygedagpenge_at_referral": True}


def referral(
    rulebook: Rulebook,
    municipality: str,
    on: date,
    entry: dict[str, Any] | None = None,
    /,
    **facts: Any,
) -> CaseDriver:
    return CaseDriver(
        rulebook,
        CaseStart(
            case_id="T-PSYK",
            municipality=municipality,
            opened_on=on,
            phase=PhaseName.PSYKOLOGBEHANDLING,
            facts={**ON_SDP, **facts},
            entry=entry or {"referred_by": "gp"},
        ),
    )


def eligible(case: CaseDriver, on: date) -> CaseDriver:
    return case.event(on, "assessment_recorded", fact="psyk.eligible_condition", value=True)


@pytest.mark.parametrize(
    ("municipality", "on", "status"),
    [
        ("aalborg", D(2019, 3, 1), "does not cover Aalborg"),
        ("thisted", D(2017, 12, 31), "starts in Thisted on 2018-01-01"),
        ("rebild", D(2023, 1, 1), "ended in Rebild on 2023-01-01"),
    ],
)
def test_referral_outside_the_trial_is_refused(
    rulebook: Rulebook, municipality: str, on: date, status: str
) -> None:
    with pytest.raises(EventRefused) as refused:
        referral(rulebook, municipality, on)
    assert status in refused.value.reason
    assert "FK-2.b" in refused.value.reason


@pytest.mark.parametrize(
    ("municipality", "on"),
    [("thisted", D(2018, 1, 1)), ("jammerbugt", D(2022, 12, 31)), ("rebild", D(2021, 12, 31))],
)
def test_referral_inside_the_trial_and_its_extension(
    rulebook: Rulebook, municipality: str, on: date
) -> None:
    case = referral(rulebook, municipality, on)
    assert case.state.phase is PhaseName.PSYKOLOGBEHANDLING
    assert "TRIAL:FK-2.b" in case.state.regimes


def test_referral_needs_sygedagpenge_and_no_earlier_course(rulebook: Rulebook) -> None:
    with pytest.raises(EventRefused, match="on sygedagpenge at referral"):
        referral(rulebook, "thisted", D(2019, 3, 1), **{"psyk.on_sygedagpenge_at_referral": False})
    with pytest.raises(EventRefused, match="no re-referral"):
        referral(rulebook, "thisted", D(2019, 3, 1), {"previously_referred": True})
    with pytest.raises(EventRefused) as bad:
        referral(rulebook, "thisted", D(2019, 3, 1), {"referred_by": "employer"})
    assert bad.value.field == "referred_by"


@pytest.mark.parametrize(
    ("facts", "why"),
    [
        ({}, "psyk.eligible_condition is not assessed true"),
        ({"psyk.eligible_condition": True, "psyk.severe_comorbidity": True}, "severe comorbidity"),
        ({"psyk.eligible_condition": True, "psyk.regional_subsidy_eligible": True}, "regional"),
    ],
)
def test_assessment_refused_when_not_eligible(
    rulebook: Rulebook, facts: dict[str, Any], why: str
) -> None:
    case = referral(rulebook, "thisted", D(2019, 3, 1), **facts)
    refused = case.refused(D(2019, 3, 8), "decision_made", decision="psyk_assessed")
    assert why in refused.reason
    case.event(D(2019, 3, 8), "decision_made", decision="psyk_not_eligible")
    assert case.state.closed


def test_full_course_with_twelve_sessions_and_relapse_checks(rulebook: Rulebook) -> None:
    case = eligible(referral(rulebook, "jammerbugt", D(2019, 3, 1)), D(2019, 3, 5))
    case.refused(D(2019, 3, 6), "meeting_held", meeting="psyk_session")  # not started
    case.event(D(2019, 3, 6), "decision_made", decision="psyk_assessed")
    case.event(D(2019, 3, 11), "decision_made", decision="treatment_started")
    for week in range(12):
        case.event(D(2019, 3, 12 + week), "meeting_held", meeting="psyk_session")
    refused = case.refused(D(2019, 3, 30), "meeting_held", meeting="psyk_session")
    assert "at most 12 sessions" in refused.reason and "TRIAL:FK-2.b" in refused.reason
    # A benefit change (e.g. sygedagpenge ended, raskmelding) does not stop the course.
    case.event(D(2019, 4, 1), "decision_made", decision="benefit_changed")
    case.event(D(2019, 5, 1), "decision_made", decision="treatment_completed")
    assert case.obligation("psyk.relapse.3").due_on == D(2019, 8, 1)
    assert case.obligation("psyk.relapse.3").regime == "TRIAL:FK-2.b"
    refused = case.refused(D(2019, 5, 2), "decision_made", decision="psyk_referred")
    assert "no re-referral" in refused.reason
    case.event(D(2019, 7, 30), "meeting_held", meeting="relapse_check")
    case.until(D(2019, 8, 1))
    assert case.obligation("psyk.relapse.6").due_on == D(2019, 11, 1)
    case.event(D(2019, 10, 30), "meeting_held", meeting="relapse_check")
    case.until(D(2019, 11, 1))
    assert case.obligation("psyk.relapse.9").due_on == D(2020, 2, 1)
    assert not case.state.closed
    case.event(D(2020, 1, 30), "meeting_held", meeting="relapse_check")
    assert case.state.closed
    assert all(
        case.obligation(f"psyk.relapse.{m}").status is ObligationStatus.MET for m in (3, 6, 9)
    )


def test_course_started_before_the_trial_ends_runs_to_its_end(rulebook: Rulebook) -> None:
    case = eligible(referral(rulebook, "rebild", D(2022, 11, 1)), D(2022, 11, 2))
    case.event(D(2022, 11, 3), "decision_made", decision="psyk_assessed")
    case.event(D(2022, 11, 7), "decision_made", decision="treatment_started")
    case.event(D(2023, 1, 10), "meeting_held", meeting="psyk_session")
    case.event(D(2023, 2, 1), "decision_made", decision="treatment_completed")
    assert case.obligation("psyk.relapse.3").due_on == D(2023, 5, 1)


def test_assessment_after_the_trial_ended_is_refused(rulebook: Rulebook) -> None:
    case = eligible(referral(rulebook, "rebild", D(2022, 12, 20)), D(2022, 12, 21))
    refused = case.refused(D(2023, 1, 2), "decision_made", decision="psyk_assessed")
    assert "STANDARD_2020" in refused.reason


def test_gp_note_and_caseworker_only_with_consent(rulebook: Rulebook) -> None:
    case = referral(rulebook, "thisted", D(2019, 3, 1))
    refused = case.refused(D(2019, 3, 2), "decision_made", decision="gp_note_sent")
    assert "consent.psyk_note_to_gp" in refused.reason
    case.refused(D(2019, 3, 2), "decision_made", decision="caseworker_involved")
    case.event(D(2019, 3, 2), "consent_given", consent="consent.psyk_note_to_gp")
    case.event(D(2019, 3, 2), "decision_made", decision="gp_note_sent")
    case.event(D(2019, 3, 3), "consent_given", consent="consent.psyk_caseworker_involvement")
    case.event(D(2019, 3, 3), "decision_made", decision="caseworker_involved")
    case.event(D(2019, 3, 4), "consent_withdrawn", consent="consent.psyk_note_to_gp")
    case.refused(D(2019, 3, 5), "decision_made", decision="gp_note_sent")
