"""FK-3.j: for a førtidspensionist in løntilskud, the first follow-up "senest 2½ år efter
ansættelsen" and then every 2½ years [001:L4978]; Vesthimmerland with the journal note
citing the order, 2018-07-01 until 1 January 2022. Standard law counts the first follow-up
from the first subsidy payment [001:L3349-3351]; the trial counts it from hiring."""

from __future__ import annotations

from datetime import date as D

from domain.case.engine import CaseStart
from domain.case.model import PhaseName
from domain.rulebook import Rulebook
from tests.domain.conftest import CaseDriver

NOTE = "journalnotat.fk3j_order_cited"
FIRST = "foep.loentilskud.1.followup.1"


def _foep(rulebook: Rulebook, municipality: str, opened_on: D) -> CaseDriver:
    return CaseDriver(
        rulebook,
        CaseStart(
            case_id="C-1001",
            municipality=municipality,
            opened_on=opened_on,
            phase=PhaseName.FOERTIDSPENSION,
        ),
    )


def test_inside_the_trial_the_first_follow_up_counts_from_hiring(rulebook: Rulebook) -> None:
    c = _foep(rulebook, "vesthimmerland", D(2019, 1, 1))
    c.event(D(2019, 1, 1), "assessment_recorded", fact=NOTE, value=True)
    c.event(D(2019, 3, 1), "decision_made", decision="loentilskud_started", hired_on=D(2019, 1, 15))
    first = c.obligation(FIRST)
    assert (first.due_on, first.regime) == (D(2021, 7, 15), "TRIAL:FK-3.j")
    assert "hiring on 2019-01-15" in first.reason


def test_inside_the_trial_the_hiring_day_is_required(rulebook: Rulebook) -> None:
    c = _foep(rulebook, "vesthimmerland", D(2019, 1, 1))
    c.event(D(2019, 1, 1), "assessment_recorded", fact=NOTE, value=True)
    refused = c.refused(D(2019, 3, 1), "decision_made", decision="loentilskud_started")
    assert refused.field == "hired_on"
    assert "foep.loentilskud.first_followup_reference" in refused.reason
    assert "TRIAL:FK-3.j" in refused.reason
    later = c.refused(
        D(2019, 3, 1), "decision_made", decision="loentilskud_started", hired_on=D(2019, 3, 2)
    )
    assert later.field == "hired_on" and "on or before the first subsidy payment" in later.reason


def test_outside_the_trial_the_first_payment_counts_and_hiring_is_optional(
    rulebook: Rulebook,
) -> None:
    c = _foep(rulebook, "rebild", D(2019, 1, 1))
    c.event(D(2019, 3, 1), "decision_made", decision="loentilskud_started", hired_on=D(2019, 1, 15))
    first = c.obligation(FIRST)
    assert (first.due_on, first.regime) == (D(2019, 9, 1), "STANDARD_2015")
    assert "of the first subsidy payment" in first.reason


def test_a_note_after_the_hiring_counts_from_the_payment_and_says_so(rulebook: Rulebook) -> None:
    c = _foep(rulebook, "vesthimmerland", D(2019, 1, 1))
    c.event(D(2019, 3, 1), "decision_made", decision="loentilskud_started")
    c.event(D(2019, 4, 1), "assessment_recorded", fact=NOTE, value=True)
    first = c.obligation(FIRST)
    assert first.due_on == D(2021, 9, 1)
    assert "was not reported" in first.reason


def test_on_both_sides_of_the_trials_end(rulebook: Rulebook) -> None:
    c = _foep(rulebook, "vesthimmerland", D(2021, 6, 1))
    c.event(D(2021, 6, 1), "assessment_recorded", fact=NOTE, value=True)
    c.event(
        D(2021, 12, 31), "decision_made", decision="loentilskud_started", hired_on=D(2021, 12, 1)
    )
    assert c.obligation(FIRST).due_on == D(2024, 6, 1)  # 30 months from hiring
    c.until(D(2022, 1, 1))
    # After the trial the standard 6 months run again, from the first payment and the
    # boundary (DOMAIN §8.15), not from hiring.
    first = c.obligation(FIRST)
    assert first.regime == "STANDARD_2020" and first.due_on == D(2022, 7, 1)
    assert "of the first subsidy payment" in first.reason
    after = _foep(rulebook, "vesthimmerland", D(2022, 1, 3))
    after.event(D(2022, 1, 3), "decision_made", decision="loentilskud_started")
    assert after.obligation(FIRST).due_on == D(2022, 7, 3)
