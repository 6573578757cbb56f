"""Ret- og pligtmentor (DOMAIN §3.10): offer deadlines, mentor periods and contact, FK-3.e,
and the 2020-01-01 abolition."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.case.engine import CaseStart, EventRefused
from domain.case.model import ObligationStatus, PhaseName, TimelineKind
from domain.rulebook import Rulebook
from tests.domain.conftest import CaseDriver

D = date
FK3E_FACTS = {
    "mentor.other_legislation_effort": True,
    "mentor.citizen_seriously_ill_hospitalised_or_botilbud": True,
}


def mentor_case(
    rulebook: Rulebook, municipality: str, opened: date, group: str = "2.3", /, **facts: Any
) -> CaseDriver:
    return CaseDriver(
        rulebook,
        CaseStart(
            case_id="T-MENTOR",
            municipality=municipality,
            opened_on=opened,
            phase=PhaseName.MENTOR,
            target_group=group,
            facts=facts,
        ),
    )


@pytest.mark.parametrize(("group", "due"), [("2.3", D(2019, 5, 6)), ("2.13", D(2019, 3, 6))])
def test_offer_deadline_per_benefit(rulebook: Rulebook, group: str, due: date) -> None:
    case = mentor_case(rulebook, "thisted", D(2019, 2, 6), group)
    offer = case.obligation("mentor.offer.1")
    assert offer.due_on == due
    assert offer.regime == "STANDARD_2015"
    case.event(D(2019, 3, 1), "decision_made", decision="offer_started")
    assert case.obligation("mentor.offer.1").status is ObligationStatus.MET
    assert case.state.closed


def test_mentor_instead_of_offer_runs_in_periods_with_two_weekly_contact(
    rulebook: Rulebook,
) -> None:
    case = mentor_case(rulebook, "thisted", D(2018, 1, 8))
    case.event(D(2018, 2, 1), "decision_made", decision="mentor_assigned")
    assert case.obligation("mentor.offer.1").status is ObligationStatus.MET
    first = case.obligation("mentor.1.period.1.contact.1")
    assert first.due_on == D(2018, 2, 15)
    case.event(D(2018, 2, 14), "meeting_held", meeting="mentor_contact")
    assert case.obligation("mentor.1.period.1.contact.2").due_on == D(2018, 2, 28)
    # No offer after 6 months: a new period follows by itself.
    case.until(D(2018, 8, 2))
    assert "mentor.1.period.2.contact.1" in case.state.obligations
    assert case.obligation("mentor.1.period.2.contact.1").due_on == D(2018, 8, 15)
    refused = case.refused(D(2018, 8, 3), "decision_made", decision="citizen_ready")
    assert "only when an offer starts" in refused.reason and "STANDARD_2015" in refused.reason
    case.event(D(2018, 8, 10), "decision_made", decision="offer_started")
    assert case.state.closed


def test_contact_was_weekly_before_2016(rulebook: Rulebook) -> None:
    case = mentor_case(rulebook, "thisted", D(2015, 11, 2))
    case.event(D(2015, 12, 1), "decision_made", decision="mentor_assigned")
    assert case.obligation("mentor.1.period.1.contact.1").due_on == D(2015, 12, 8)
    # Three weekly contacts missed, each followed by the next on the weekly schedule; the
    # contact held on 29 December is the one due that day.
    case.event(D(2015, 12, 29), "meeting_held", meeting="mentor_contact")
    statuses = [case.obligation(f"mentor.1.period.1.contact.{n}").status for n in (1, 2, 3, 4)]
    assert statuses == [ObligationStatus.MISSED] * 3 + [ObligationStatus.MET]
    assert case.obligation("mentor.1.period.1.contact.5").due_on == D(2016, 1, 5)
    # The pending contact is recomputed from the boundary with the two-weekly interval
    # of Finansloven 2016 (DOMAIN §8.15).
    case.until(D(2016, 1, 2))
    nxt = case.obligation("mentor.1.period.1.contact.5")
    assert nxt.due_on == D(2016, 1, 15)
    assert nxt.status is ObligationStatus.OPEN


def test_abolished_on_2020_01_01(rulebook: Rulebook) -> None:
    case = mentor_case(rulebook, "thisted", D(2019, 10, 1))
    case.event(D(2019, 11, 1), "decision_made", decision="mentor_assigned")
    case.event(D(2019, 12, 20), "meeting_held", meeting="mentor_contact")
    case.until(D(2019, 12, 31))
    (open_contact,) = case.state.open_obligations()
    assert open_contact.due_on == D(2020, 1, 3)
    case.until(D(2020, 1, 2))
    assert case.obligation(open_contact.id).status is ObligationStatus.WITHDRAWN
    assert case.state.open_obligations() == []
    changes = [e for e in case.state.timeline if e.kind is TimelineKind.REGIME_CHANGED]
    assert changes and changes[-1].on == D(2020, 1, 1)
    assert "+STANDARD_2020" in changes[-1].summary


def test_no_mentor_duties_created_from_2020(rulebook: Rulebook) -> None:
    case = mentor_case(rulebook, "aalborg", D(2020, 1, 1))
    assert case.state.obligations == {}
    refused = case.refused(D(2020, 1, 2), "decision_made", decision="mentor_assigned")
    assert "STANDARD_2020" in refused.reason and "abolished" in refused.reason


def test_offer_deadline_withdrawn_at_the_boundary(rulebook: Rulebook) -> None:
    case = mentor_case(rulebook, "thisted", D(2019, 11, 15))
    assert case.obligation("mentor.offer.1").status is ObligationStatus.OPEN
    case.until(D(2019, 12, 31))
    assert case.obligation("mentor.offer.1").status is ObligationStatus.OPEN
    case.until(D(2020, 1, 1))
    assert case.obligation("mentor.offer.1").status is ObligationStatus.WITHDRAWN


@pytest.mark.parametrize(
    ("municipality", "opened", "trial"),
    [
        ("jammerbugt", D(2018, 7, 1), True),
        ("aalborg", D(2019, 12, 1), True),
        ("jammerbugt", D(2018, 6, 30), False),  # the day before the trial
        ("thisted", D(2019, 1, 2), False),  # outside the trial's municipalities
    ],
)
def test_fk3e_exemption_for_the_seriously_ill(
    rulebook: Rulebook, municipality: str, opened: date, trial: bool
) -> None:
    case = mentor_case(rulebook, municipality, opened, **FK3E_FACTS)
    offer = case.obligation("mentor.offer.1")
    if not trial:
        assert offer.status is ObligationStatus.OPEN
        assert not any(".coordinating." in o for o in case.state.obligations)
        return
    assert offer.status is ObligationStatus.EXEMPTED
    assert offer.regime == "TRIAL:FK-3.e"
    coordinating = case.obligation("mentor.1.coordinating.1")
    # 4 conversations per 12 months for kontanthjælp.
    assert coordinating.due_on.month == (opened.month + 2) % 12 + 1


def test_fk3e_needs_both_conditions(rulebook: Rulebook) -> None:
    case = mentor_case(
        rulebook, "jammerbugt", D(2019, 1, 7), **{"mentor.other_legislation_effort": True}
    )
    assert case.obligation("mentor.offer.1").status is ObligationStatus.OPEN
    case.event(
        D(2019, 1, 8),
        "assessment_recorded",
        fact="mentor.citizen_seriously_ill_hospitalised_or_botilbud",
        value=True,
    )
    assert case.obligation("mentor.offer.1").status is ObligationStatus.EXEMPTED


def test_fk3e_uddannelseshjaelp_coordinator_every_8_weeks(rulebook: Rulebook) -> None:
    case = mentor_case(rulebook, "aalborg", D(2019, 3, 4), "2.13", **FK3E_FACTS)
    assert case.obligation("mentor.1.coordinating.1").due_on == D(2019, 4, 29)


def test_fk3e_mentor_has_no_fixed_contact_and_ends_when_ready(rulebook: Rulebook) -> None:
    case = mentor_case(rulebook, "jammerbugt", D(2019, 2, 4))
    case.event(D(2019, 2, 11), "decision_made", decision="mentor_assigned")
    contact = case.obligation("mentor.1.period.1.contact")
    assert contact.status is ObligationStatus.EXEMPTED
    assert contact.regime == "TRIAL:FK-3.e"
    case.event(D(2019, 5, 2), "decision_made", decision="citizen_ready")
    # Ready for an offer: the offer deadline runs again from that day.
    assert case.obligation("mentor.offer.2").due_on == D(2019, 8, 2)
    case.event(D(2019, 6, 3), "decision_made", decision="offer_started")
    assert case.state.closed


def test_fk3e_ends_with_2019(rulebook: Rulebook) -> None:
    """The day after FK-3.e, standard law (and, that day, the abolition) applies."""
    case = mentor_case(rulebook, "jammerbugt", D(2019, 12, 2))
    case.event(D(2019, 12, 3), "decision_made", decision="mentor_assigned")
    assert case.refused(D(2020, 1, 1), "decision_made", decision="citizen_ready").reason


def test_mentor_refuses_other_target_groups(rulebook: Rulebook) -> None:
    with pytest.raises(EventRefused, match=r"not 2\.1"):
        mentor_case(rulebook, "thisted", D(2019, 1, 2), "2.1")
