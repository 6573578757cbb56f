"""Graduate entrepreneurship (FK-1.c, Aalborg and Frederikshavn): both sides of the duties."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.case.engine import CaseStart, EventRefused
from domain.case.model import ObligationStatus, PhaseName
from domain.rulebook import Rulebook
from tests.domain.conftest import CaseDriver

D = date
GRADUATE = {"dimittend.graduate": True}


def referral(
    rulebook: Rulebook,
    municipality: str,
    on: date,
    facts: dict[str, Any] | None = None,
    group: str = "2.1",
) -> CaseDriver:
    return CaseDriver(
        rulebook,
        CaseStart(
            case_id="G-2001",
            municipality=municipality,
            opened_on=on,
            phase=PhaseName.IVAERKSAETTERI,
            target_group=group,
            facts=GRADUATE if facts is None else facts,
        ),
    )


def closing_reason(c: CaseDriver) -> str:
    return next(e.summary for e in c.state.timeline if e.subject == "closing_reason")


@pytest.mark.parametrize("municipality", ["aalborg", "frederikshavn"])
def test_standard_duties_until_the_idea_work_starts_then_the_trial_lifts_them(
    rulebook: Rulebook, municipality: str
) -> None:
    c = referral(rulebook, municipality, D(2019, 2, 1))
    # Standard side: Min Plan, availability and joblog are duties.
    plan = c.obligation("ivaerk.plan.min_plan")
    assert plan.title == "Min Plan"
    assert plan.regime.startswith("STANDARD")
    for duty in ("ivaerk.raadighed", "ivaerk.joblog"):
        assert c.obligation(duty).status is ObligationStatus.OPEN
        assert c.obligation(duty).regime == "STANDARD_2015"
    c.event(D(2019, 2, 11), "decision_made", decision="screening_passed")
    assert c.state.facts["dimittend.working_on_business_idea"] is True
    # Trial side: Min Iværksætterplan, no availability or job-search duty.
    assert c.obligation("ivaerk.plan.min_plan").status is ObligationStatus.WITHDRAWN
    plan = c.obligation("ivaerk.plan.min_ivaerksaetterplan")
    assert plan.title == "Min Iværksætterplan"
    assert plan.regime == "TRIAL:FK-1.c"
    for duty in ("ivaerk.raadighed", "ivaerk.joblog"):
        record = c.obligation(duty)
        assert record.status is ObligationStatus.EXEMPTED
        assert record.regime == "TRIAL:FK-1.c"
        assert "while working on the idea" in record.reason
    course = c.obligation("ivaerk.course.end")
    assert course.due_on == D(2019, 8, 11)  # 26 weeks, last day
    assert "No 6-week course cap" in course.reason
    c.event(D(2019, 3, 1), "decision_made", decision="plan_made")
    assert c.obligation("ivaerk.plan.min_ivaerksaetterplan").status is ObligationStatus.MET


def test_cvr_registration_stops_dagpenge(rulebook: Rulebook) -> None:
    c = referral(rulebook, "aalborg", D(2019, 2, 1))
    early = c.refused(D(2019, 2, 5), "decision_made", decision="cvr_registered")
    assert "none is running" in early.reason
    c.event(D(2019, 2, 11), "decision_made", decision="screening_passed")
    c.event(D(2019, 6, 3), "decision_made", decision="cvr_registered")
    assert c.state.closed
    assert "dagpenge stop" in closing_reason(c)
    assert c.obligation("ivaerk.course.end").status is ObligationStatus.MET


def test_an_idea_not_viable_ends_the_course(rulebook: Rulebook) -> None:
    c = referral(rulebook, "frederikshavn", D(2019, 2, 1))
    c.event(D(2019, 2, 11), "decision_made", decision="screening_passed")
    c.event(D(2019, 4, 1), "decision_made", decision="idea_not_viable")
    assert c.state.closed
    assert "ordinary dagpenge rules" in closing_reason(c)


@pytest.mark.parametrize(
    ("municipality", "on", "facts", "group", "field", "words"),
    [
        ("jammerbugt", D(2019, 2, 1), GRADUATE, "2.1", "municipality", "does not cover"),
        ("thisted", D(2019, 2, 1), GRADUATE, "2.1", "municipality", "does not cover"),
        ("aalborg", D(2017, 6, 30), GRADUATE, "2.1", "effective_date", "starts in Aalborg"),
        ("aalborg", D(2022, 1, 1), GRADUATE, "2.1", "effective_date", "ended in Aalborg"),
        ("aalborg", D(2019, 2, 1), {}, "2.1", "facts", "graduates (dimittender) only"),
        ("aalborg", D(2019, 2, 1), {"dimittend.graduate": False}, "2.1", "facts", "only"),
        # The integrationsydelse part of the application was refused.
        ("aalborg", D(2019, 2, 1), {}, "2.2", "type", "was refused"),
    ],
)
def test_outside_the_trial_the_referral_is_refused(
    rulebook: Rulebook,
    municipality: str,
    on: date,
    facts: dict[str, Any],
    group: str,
    field: str,
    words: str,
) -> None:
    with pytest.raises(EventRefused) as refused:
        referral(rulebook, municipality, on, facts, group)
    assert refused.value.field == field
    assert words in refused.value.reason
    assert "FK-1.c" in refused.value.reason
    assert "[001:L3483" in refused.value.reason


@pytest.mark.parametrize(("on", "ok"), [(D(2017, 7, 1), True), (D(2021, 12, 31), True)])
def test_first_and_last_trial_day_admit(rulebook: Rulebook, on: date, ok: bool) -> None:
    assert referral(rulebook, "aalborg", on).state.phase is PhaseName.IVAERKSAETTERI


def test_the_course_cannot_start_after_the_trial_ended(rulebook: Rulebook) -> None:
    c = referral(rulebook, "aalborg", D(2021, 12, 20))
    # The case closes on the trial's end (DOMAIN §8.15 as corrected), so the course
    # cannot start on it or after.
    c.until(D(2022, 1, 1))
    assert c.state.closed
    refused = c.refused(D(2022, 1, 1), "decision_made", decision="screening_passed")
    assert refused.field == "type" and "closed" in refused.reason


def test_a_course_running_when_the_trial_ends_ends_with_it(rulebook: Rulebook) -> None:
    # DOMAIN §8.15 as corrected: the exemptions do not outlive FK-1.c (see
    # tests/domain/trials/test_fk_1c.py for both sides of the end).
    c = referral(rulebook, "aalborg", D(2021, 10, 1))
    c.event(D(2021, 10, 4), "decision_made", decision="screening_passed")
    c.until(D(2022, 1, 10))
    assert c.state.closed
    assert c.obligation("ivaerk.course.end").status is ObligationStatus.WITHDRAWN
