"""FK-1.a: mikrolån in Aalborg; phase 4 (the start-up period) lifts availability, job search,
jobsamtaler, the duty to take offers and referral to another provider [001:L3470, L3704].
2017-07-01 to 2021-12-31, extended one year by the decision of 2021-08-26 [003:L29]. A case
plans on the law as known on its own day: before the decision on the old end, after it on
the new one; both sides of both ends are tried here."""

from __future__ import annotations

from datetime import date as D

from domain.case import engine
from domain.case.engine import CaseStart
from domain.case.model import ObligationStatus, PhaseName
from domain.rulebook import Rulebook
from tests.domain.conftest import CaseDriver

DECIDED = D(2021, 8, 26)
RAADIGHED = "mikrolaan.startup.duty.las_raadighed"


def _in_startup(rulebook: Rulebook, admitted_on: D, completed_on: D, loan_on: D) -> CaseDriver:
    c = CaseDriver(
        rulebook,
        CaseStart(
            case_id="M-2102",
            municipality="aalborg",
            opened_on=admitted_on,
            phase=PhaseName.MIKROLAAN_SCREENING,
            target_group="2.2",
        ),
    )
    c.event(admitted_on, "decision_made", decision="screening_passed")
    c.event(admitted_on, "decision_made", decision="mikrolaan_admitted", seat=41)
    c.event(completed_on, "decision_made", decision="course_completed")
    c.event(loan_on, "decision_made", decision="loan_granted", amount_dkk=20000, kind="loan")
    return c


def test_before_the_decision_a_start_up_period_plans_the_old_end(rulebook: Rulebook) -> None:
    c = _in_startup(rulebook, D(2021, 5, 3), D(2021, 8, 1), D(2021, 8, 2)).until(D(2021, 8, 25))
    assert c.obligation(RAADIGHED).status is ObligationStatus.EXEMPTED
    assert c.rules.trial_period("FK-1.a", "aalborg", known_on=c.state.today) == (
        D(2017, 7, 1),
        D(2022, 1, 1),
    )
    # The case looks again on the decision day: it cannot know the new end before.
    assert engine.next_wakeup(c.state, c.rules) == DECIDED


def test_after_the_decision_the_exemption_runs_past_the_old_end(rulebook: Rulebook) -> None:
    c = _in_startup(rulebook, D(2021, 5, 3), D(2021, 8, 1), D(2021, 8, 2)).until(DECIDED)
    assert c.rules.trial_period("FK-1.a", "aalborg", known_on=c.state.today) == (
        D(2017, 7, 1),
        D(2023, 1, 1),
    )
    c.until(D(2021, 12, 31))
    assert c.obligation(RAADIGHED).status is ObligationStatus.EXEMPTED
    c.until(D(2022, 1, 3))
    record = c.obligation(RAADIGHED)
    assert record.status is ObligationStatus.EXEMPTED
    assert record.regime == "TRIAL:FK-1.a"
    assert "TRIAL:FK-1.a" in c.state.regimes


def test_on_both_sides_of_the_extended_end(rulebook: Rulebook) -> None:
    c = _in_startup(rulebook, D(2022, 6, 6), D(2022, 9, 4), D(2022, 9, 5))
    c.until(D(2022, 12, 31))
    assert c.obligation(RAADIGHED).status is ObligationStatus.EXEMPTED
    c.until(D(2023, 1, 2))
    record = c.obligation(RAADIGHED)
    assert record.status is ObligationStatus.OPEN
    assert record.reason.startswith("Standard law (STANDARD_2020)")
    # Created after the trial ended, it is labelled by the law that imposes it.
    assert record.regime == "STANDARD_2020"
    assert record.created_on == D(2023, 1, 1)
    created = [
        e
        for e in c.state.timeline
        if e.subject == RAADIGHED and e.kind.value == "obligation_created"
    ]
    assert [e.regime for e in created] == ["STANDARD_2020"]
