"""Company-oriented offers (DOMAIN §3.11): ratio, waiting time and upskilling cap, with
FK-1.e, FK-3.k, FK-3.c and FK-1.f on both sides of their boundaries."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

import pytest

from domain.offers import Citizen, Company, Placement, may_place, may_subsidise, may_upskill
from domain.rulebook import Rulebook, load_rulebook

D = date
FK1E = {"journalnotat.fk1e_ratio_flexibility": True, "assessment.small_safe_workplace_best": True}
FULL = Company(ordinary_staff=10, subsidised_in_use=2)


@pytest.fixture(scope="module")
def rulebook() -> Rulebook:
    return load_rulebook()


@pytest.mark.parametrize(
    ("staff", "in_use", "allowed"),
    [(4, 0, False), (5, 0, True), (50, 9, True), (50, 10, False), (70, 11, True), (70, 12, False)],
)
def test_ratio_one_per_five_then_one_per_ten(
    rulebook: Rulebook, staff: int, in_use: int, allowed: bool
) -> None:
    answer = may_place(
        rulebook,
        Company(ordinary_staff=staff, subsidised_in_use=in_use),
        Placement(kind="praktik"),
        Citizen(target_group="2.2"),
        D(2019, 6, 1),
        "aalborg",
    )
    assert answer.allowed is allowed
    assert answer.regime == "STANDARD_2015"
    assert any("LAB § 48" in c for c in answer.citations)


def test_from_2020_counted_by_hours_and_shared(rulebook: Rulebook) -> None:
    company = Company(ordinary_staff=10, subsidised_in_use=1.5)
    half = Placement(kind="loentilskud", share_of_full_time=0.5)
    before = may_place(
        rulebook, company, half, Citizen(target_group="2.2"), D(2019, 12, 31), "aalborg"
    )
    after = may_place(
        rulebook, company, half, Citizen(target_group="2.2"), D(2020, 1, 1), "aalborg"
    )
    assert (before.allowed, after.allowed) == (False, True)
    assert after.regime == "STANDARD_2020" and "hours" in after.reason


@pytest.mark.parametrize(
    ("municipality", "on", "group", "facts", "kind", "waived"),
    [
        ("thisted", D(2019, 1, 1), "2.3", FK1E, "praktik", True),
        ("thisted", D(2019, 1, 1), "2.3", FK1E, "loentilskud", False),  # praktik only
        ("thisted", D(2017, 6, 30), "2.3", FK1E, "praktik", False),  # before the trial
        ("jammerbugt", D(2017, 7, 1), "2.13", FK1E, "praktik", True),
        ("vesthimmerland", D(2021, 12, 31), "2.11", FK1E, "praktik", True),
        ("vesthimmerland", D(2022, 1, 1), "2.11", FK1E, "praktik", False),  # after the trial
        ("aalborg", D(2019, 1, 1), "2.3", FK1E, "praktik", False),  # not in the trial
        ("thisted", D(2019, 1, 1), "2.2", FK1E, "praktik", False),  # not a trial group
        (
            "thisted",
            D(2019, 1, 1),
            "2.3",
            {"assessment.small_safe_workplace_best": True},
            "praktik",
            False,
        ),
        ("thisted", D(2019, 1, 1), "2.7", {**FK1E, "ly.months_on_ly": 19}, "praktik", True),
        ("thisted", D(2019, 1, 1), "2.7", {**FK1E, "ly.months_on_ly": 18}, "praktik", False),
    ],
)
def test_fk1e_ratio_waiver(
    rulebook: Rulebook,
    municipality: str,
    on: date,
    group: str,
    facts: dict[str, Any],
    kind: str,
    waived: bool,
) -> None:
    placement = Placement(kind="praktik" if kind == "praktik" else "loentilskud")
    answer = may_place(
        rulebook, FULL, placement, Citizen(target_group=group, facts=facts), on, municipality
    )
    assert answer.allowed is waived
    assert (answer.regime == "TRIAL:FK-1.e") is waived


def test_fk3k_short_praktik_before_a_concrete_fleksjob(rulebook: Rulebook) -> None:
    facts = {
        "ly.months_on_ly": 6,
        "ly.praktik_precedes_concrete_fleksjob": True,
        "journalnotat.fk3k_recorded": True,
    }
    citizen = Citizen(target_group="2.7", facts=facts)
    placement = Placement(kind="praktik", weeks=3)
    inside = may_place(rulebook, FULL, placement, citizen, D(2018, 7, 1), "vesthimmerland")
    assert inside.allowed and inside.regime == "TRIAL:FK-3.k"
    assert not may_place(
        rulebook, FULL, placement, citizen, D(2018, 6, 30), "vesthimmerland"
    ).allowed
    assert not may_place(rulebook, FULL, placement, citizen, D(2019, 1, 1), "thisted").allowed
    no_job = Citizen(
        target_group="2.7", facts={**facts, "ly.praktik_precedes_concrete_fleksjob": False}
    )
    assert not may_place(rulebook, FULL, placement, no_job, D(2019, 1, 1), "vesthimmerland").allowed


def test_long_praktik_note_is_never_waived(rulebook: Rulebook) -> None:
    answer = may_place(
        rulebook,
        FULL,
        Placement(kind="praktik", weeks=14),
        Citizen(target_group="2.3", facts=FK1E),
        D(2019, 1, 1),
        "thisted",
    )
    assert answer.allowed and "employee representatives" in answer.notes[0]


# --- løntilskud and jobrotation --------------------------------------------------------


@pytest.mark.parametrize(
    ("weeks", "exceptions", "allowed"),
    [(25, frozenset(), False), (26, frozenset(), True), (2, frozenset({"over_50"}), True)],
)
def test_waiting_time_and_its_exceptions(
    rulebook: Rulebook, weeks: int, exceptions: frozenset[str], allowed: bool
) -> None:
    citizen = Citizen(target_group="2.2", weeks_unemployed=weeks, waiting_exceptions=exceptions)
    kinds: tuple[Literal["loentilskud_public", "loentilskud_private", "jobrotation"], ...] = (
        "loentilskud_public",
        "loentilskud_private",
        "jobrotation",
    )
    for kind in kinds:
        answer = may_subsidise(rulebook, kind, citizen, D(2019, 1, 1), "aalborg")
        assert answer.allowed is allowed, kind


def test_no_waiting_time_before_2015(rulebook: Rulebook) -> None:
    answer = may_subsidise(
        rulebook, "jobrotation", Citizen(target_group="2.1"), D(2014, 12, 31), "aalborg"
    )
    assert answer.allowed


def test_fk3c_public_loentilskud_needs_a_named_ground(rulebook: Rulebook) -> None:
    plain = Citizen(target_group="2.3", weeks_unemployed=1)
    ground = Citizen(
        target_group="2.3", weeks_unemployed=1, facts={"citizen.has_skaanehensyn": True}
    )
    on = D(2018, 7, 1)
    assert not may_subsidise(rulebook, "loentilskud_public", plain, on, "jammerbugt").allowed
    answer = may_subsidise(rulebook, "loentilskud_public", ground, on, "jammerbugt")
    assert answer.allowed and answer.regime == "TRIAL:FK-3.c"
    # Private løntilskud is not in the grant.
    assert not may_subsidise(rulebook, "loentilskud_private", ground, on, "jammerbugt").allowed
    assert not may_subsidise(
        rulebook, "loentilskud_public", ground, D(2018, 6, 30), "jammerbugt"
    ).allowed
    assert not may_subsidise(rulebook, "loentilskud_public", ground, on, "thisted").allowed


@pytest.mark.parametrize(
    ("municipality", "on", "group", "allowed"),
    [
        ("frederikshavn", D(2018, 7, 1), "2.1", True),
        ("frederikshavn", D(2021, 12, 31), "2.13", True),
        ("frederikshavn", D(2022, 1, 1), "2.1", False),
        ("jammerbugt", D(2019, 1, 1), "2.7", False),  # not a trial group
        ("aalborg", D(2019, 1, 1), "2.1", False),
    ],
)
def test_fk3c_jobrotation_without_waiting(
    rulebook: Rulebook, municipality: str, on: date, group: str, allowed: bool
) -> None:
    answer = may_subsidise(rulebook, "jobrotation", Citizen(target_group=group), on, municipality)
    assert answer.allowed is allowed


# --- vejledning og opkvalificering -----------------------------------------------------


def test_six_weeks_in_the_first_26(rulebook: Rulebook) -> None:
    citizen = Citizen(target_group="2.1", weeks_unemployed=10)
    on = D(2019, 1, 1)
    assert may_upskill(rulebook, citizen, on, "aalborg", weeks_requested=6).allowed
    refused = may_upskill(
        rulebook, citizen, on, "aalborg", weeks_requested=2, weeks_used_in_window=5
    )
    assert not refused.allowed and "cap of 6 weeks" in refused.reason
    later = Citizen(target_group="2.1", weeks_unemployed=26)
    assert may_upskill(rulebook, later, on, "aalborg", weeks_requested=10).allowed
    young = may_upskill(
        rulebook, citizen, on, "aalborg", weeks_requested=10, under_30_unqualified=True
    )
    assert young.allowed


@pytest.mark.parametrize(
    ("municipality", "on", "facts", "allowed"),
    [
        ("jammerbugt", D(2019, 1, 1), {"citizen.unskilled_or_outdated_education": True}, True),
        ("frederikshavn", D(2017, 7, 1), {"citizen.has_skaanehensyn": True}, True),
        ("frederikshavn", D(2017, 6, 30), {"citizen.has_skaanehensyn": True}, False),
        ("jammerbugt", D(2019, 1, 1), {}, False),  # no trial condition
        ("aalborg", D(2019, 1, 1), {"citizen.has_skaanehensyn": True}, False),
    ],
)
def test_fk1f_lifts_the_cap(
    rulebook: Rulebook, municipality: str, on: date, facts: dict[str, Any], allowed: bool
) -> None:
    citizen = Citizen(target_group="2.1", weeks_unemployed=4, facts=facts)
    answer = may_upskill(rulebook, citizen, on, municipality, weeks_requested=10)
    assert answer.allowed is allowed
    assert (answer.regime == "TRIAL:FK-1.f") is allowed


def test_section_37_ban_stays_under_fk1f_by_default(rulebook: Rulebook) -> None:
    citizen = Citizen(
        target_group="2.1", weeks_unemployed=4, facts={"citizen.has_skaanehensyn": True}
    )
    answer = may_upskill(
        rulebook,
        citizen,
        D(2019, 1, 1),
        "jammerbugt",
        weeks_requested=2,
        competence_giving=True,
        under_30=True,
    )
    assert not answer.allowed and answer.regime == "TRIAL:FK-1.f"
