"""Per-citizen limits decided from the citizen's claims, not from what a caller reports."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.offers.citizen_limits import LimitClaim, decide
from domain.rulebook import Rulebook, load_rulebook

D = date


@pytest.fixture(scope="module")
def rulebook() -> Rulebook:
    return load_rulebook()


def _claim(n: int, kind: str, municipality: str, group: str, on: date, **more: Any) -> LimitClaim:
    return LimitClaim.model_validate(
        {
            "claim_id": f"c{n}",
            "kind": kind,
            "case_workflow_id": f"case-000-C{n}",
            "municipality": municipality,
            "target_group": group,
            "on": on,
            **more,
        }
    )


def test_a_second_upskilling_course_under_another_case_counts_against_the_six_weeks(
    rulebook: Rulebook,
) -> None:
    spell = {"unemployment_start": D(2019, 1, 7)}
    first = _claim(1, "upskilling_weeks", "aalborg", "2.1", D(2019, 2, 4), weeks=4, **spell)
    assert decide(rulebook, [], first).granted
    second = _claim(2, "upskilling_weeks", "aalborg", "2.1", D(2019, 3, 4), weeks=3, **spell)
    refused = decide(rulebook, [first], second)
    assert not refused.granted
    assert "7 weeks would exceed the cap of 6" in refused.reason
    assert "1 earlier course(s)" in refused.reason
    assert refused.rule == "vejledning.max_weeks_in_first_26"
    assert any("L690" in c for c in refused.citations)
    fits = _claim(3, "upskilling_weeks", "aalborg", "2.1", D(2019, 3, 4), weeks=2, **spell)
    assert decide(rulebook, [first], fits).granted


def test_upskilling_weeks_of_another_unemployment_spell_are_not_counted(
    rulebook: Rulebook,
) -> None:
    old = _claim(
        1, "upskilling_weeks", "aalborg", "2.1", D(2018, 2, 5),
        weeks=6, unemployment_start=D(2018, 1, 8),
    )  # fmt: skip
    new = _claim(
        2, "upskilling_weeks", "aalborg", "2.1", D(2019, 2, 4),
        weeks=6, unemployment_start=D(2019, 1, 7),
    )  # fmt: skip
    assert decide(rulebook, [old], new).granted


def test_a_re_referral_under_fk2b_is_refused_naming_the_rule_and_its_citation(
    rulebook: Rulebook,
) -> None:
    first = _claim(1, "psyk_referral", "thisted", "2.5", D(2019, 3, 1))
    assert decide(rulebook, [], first).granted
    again = _claim(2, "psyk_referral", "jammerbugt", "2.5", D(2020, 5, 1))
    refused = decide(rulebook, [first], again)
    assert not refused.granted
    assert refused.rule == "psyk.re_referral.allowed"
    assert "no re-referral" in refused.reason
    assert "[001:L2231" in refused.reason and "FK-2.b" in refused.regime


def test_a_second_microloan_place_for_the_same_citizen_is_refused(rulebook: Rulebook) -> None:
    first = _claim(1, "microloan", "aalborg", "2.2", D(2018, 3, 1))
    assert decide(rulebook, [], first).granted
    refused = decide(rulebook, [first], _claim(2, "microloan", "aalborg", "2.2", D(2019, 3, 1)))
    assert not refused.granted
    assert refused.rule == "mikrolaan.places_per_citizen.max"
    assert "[001:L3470]" in refused.reason


def test_a_claim_asked_again_is_not_counted_against_itself(rulebook: Rulebook) -> None:
    first = _claim(1, "microloan", "aalborg", "2.2", D(2018, 3, 1))
    assert decide(rulebook, [first], first).granted
