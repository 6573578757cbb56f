"""Refused and never-started trials (DOMAIN §3.14) can never apply, and say why."""

from __future__ import annotations

from datetime import date

import pytest

from domain.case.engine import EventRefused
from domain.case.phases.trial_gate import require_trial
from domain.rulebook import ResolutionContext, Rulebook, load_rulebook

D = date

# trial, an applicant municipality, a group it asked for, the grant letter's seed line
REFUSED = [
    ("FK-1.b", "aalborg", "2.2", "[001:L3481]"),
    ("FK-1.g", "jammerbugt", "2.3", "[001:L3485]"),
    ("FK-2.a.3", "rebild", "2.11", "[001:L3525]"),
    ("FK-2.a.4", "morsoe", "2.14", "[001:L3525"),
    ("FK-3.d", "thisted", "2.2", "[001:L3601]"),
    ("FK-3.f", "vesthimmerland", "2.2", "[001:L3599]"),
    ("FK-3.l", "aalborg", "2.11", "[001:L3599"),
]


@pytest.mark.parametrize(("trial", "municipality", "group", "cite"), REFUSED)
@pytest.mark.parametrize("on", [D(2017, 7, 1), D(2018, 7, 1), D(2020, 6, 1), D(2022, 6, 1)])
def test_a_refused_trial_is_refused_for_its_applicants_on_any_date(
    rulebook: Rulebook, trial: str, municipality: str, group: str, cite: str, on: date
) -> None:
    status = rulebook.trial_status(trial, municipality, group, on)
    assert status.status == "refused"
    assert not status.in_force
    assert any(cite in c for c in status.citations)
    with pytest.raises(EventRefused) as refused:
        require_trial(
            rulebook, trial, municipality=municipality, target_group=group, on=on, what="a decision"
        )
    assert refused.value.reason.startswith("a decision refused: ")
    assert f"{trial} was refused" in refused.value.reason
    assert cite in refused.value.reason
    assert trial not in rulebook.trials_in_scope(municipality, group, on)


def test_fk_2d_was_granted_but_never_started(rulebook: Rulebook) -> None:
    status = rulebook.trial_status("FK-2.d", "aalborg", "2.12", D(2019, 1, 1))
    assert status.status == "not_started"
    with pytest.raises(EventRefused) as refused:
        require_trial(
            rulebook,
            "FK-2.d",
            municipality="aalborg",
            target_group="2.12",
            on=D(2019, 1, 1),
            what="exemption from the uddannelsespålæg",
        )
    assert "granted but never started" in refused.value.reason
    assert "[001:L3550, L4366; 003:L66]" in refused.value.reason
    # ... so the standard duty stands for a young person in Aalborg.
    duty = rulebook.resolve(
        "uddannelsespaalaeg.required", ResolutionContext("aalborg", "2.12", D(2019, 1, 1))
    )
    assert duty.value is True
    assert not duty.regime.startswith("TRIAL:")


def test_the_refused_integration_part_of_fk_1c(rulebook: Rulebook) -> None:
    status = rulebook.trial_status("FK-1.c", "aalborg", "2.2", D(2019, 1, 1))
    assert status.status == "refused"
    assert "integrationsydelse" in status.reason
    assert any("[001:L598-606, L3483]" in c for c in status.citations)


@pytest.mark.parametrize(
    ("rule", "municipality", "group", "on", "value"),
    [
        # FK-1.b asked for 85 DKK per hour: the standard disregard stands.
        ("las.earnings_disregard_dkk_per_hour", "aalborg", "2.2", D(2016, 6, 1), 25.74),
        # FK-3.f asked for IGU over 40: the standard band stands.
        ("igu.age", "jammerbugt", "2.2", D(2018, 8, 1), {"min": 18, "max_exclusive": 40}),
        # FK-2.a.4 / FK-3.l: the team is lawful only with all members present.
        ("rt.all_members_required", "rebild", "2.11", D(2019, 1, 1), True),
        ("rt.all_members_required", "aalborg", "2.14", D(2019, 1, 1), True),
    ],
)
def test_rules_a_refused_trial_would_have_changed_stay_standard(
    rulebook: Rulebook, rule: str, municipality: str, group: str, on: date, value: object
) -> None:
    resolution = rulebook.resolve(rule, ResolutionContext(municipality, group, on))
    assert resolution.value == value
    assert not resolution.regime.startswith("TRIAL:")


def test_parameters_cannot_revive_a_refused_trial() -> None:
    rules = load_rulebook(
        parameters={"trials": {"FK-3.f": {"valid_from": "2018-07-01", "valid_to": "2030-01-01"}}}
    )
    status = rules.trial_status("FK-3.f", "jammerbugt", "2.2", D(2019, 1, 1))
    assert status.status == "refused"
    assert rules.trial_period("FK-3.f", "jammerbugt") is None
