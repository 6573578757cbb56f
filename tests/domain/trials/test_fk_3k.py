"""FK-3.k: the ratio is waived for a praktik of 2-4 weeks before a concrete fleksjob, for
LY of under 18 months, with a journal note [001:L3590, L5004-5010]; Vesthimmerland,
2018-07-01 to 2021-12-31. The 2-4 weeks condition is enforced where the decision is taken."""

from __future__ import annotations

from datetime import date as D

from domain.case.engine import CaseStart
from domain.case.model import PhaseName
from domain.offers import Citizen, Company, Placement, may_place
from domain.rulebook import Rulebook
from tests.domain.conftest import CaseDriver

FULL = Company(ordinary_staff=10, subsidised_in_use=2)
FACTS = {
    "ly.months_on_ly": 6,
    "ly.praktik_precedes_concrete_fleksjob": True,
    "journalnotat.fk3k_recorded": True,
}
CITIZEN = Citizen(target_group="2.7", facts=FACTS)


def test_a_three_week_praktik_is_waived_inside_the_trial(rulebook: Rulebook) -> None:
    answer = may_place(
        rulebook, FULL, Placement(kind="praktik", weeks=3), CITIZEN, D(2019, 1, 1), "vesthimmerland"
    )
    assert answer.allowed and answer.regime == "TRIAL:FK-3.k"


def test_a_longer_or_unstated_praktik_meets_the_ratio(rulebook: Rulebook) -> None:
    for placement in (Placement(kind="praktik", weeks=8), Placement(kind="praktik")):
        answer = may_place(rulebook, FULL, placement, CITIZEN, D(2019, 1, 1), "vesthimmerland")
        assert not answer.allowed
        assert any("only for a praktik of 2-4 weeks" in note for note in answer.notes)


def test_on_both_sides_of_the_trials_end(rulebook: Rulebook) -> None:
    placement = Placement(kind="praktik", weeks=2)
    last = may_place(rulebook, FULL, placement, CITIZEN, D(2021, 12, 31), "vesthimmerland")
    after = may_place(rulebook, FULL, placement, CITIZEN, D(2022, 1, 1), "vesthimmerland")
    assert last.allowed and not after.allowed


def test_the_praktik_note_is_per_placement_and_no_case_keeps_it(rulebook: Rulebook) -> None:
    """One note per praktik ("journalnotat når der oprettes virksomhedspraktik"
    [001:L5006]): it travels with its placement question; a case refuses to keep it, so
    one note cannot stand for every later praktik."""
    c = CaseDriver(
        rulebook,
        CaseStart(
            case_id="T-0001",
            municipality="vesthimmerland",
            opened_on=D(2019, 1, 7),
            phase=PhaseName.FLEKSJOB,
        ),
    )
    refused = c.refused(
        D(2019, 2, 1), "assessment_recorded", fact="journalnotat.fk3k_recorded", value=True
    )
    assert "recorded for one placement" in refused.reason
    assert "POST /v1/offers/placement" in refused.reason
