"""FK-3.c: public løntilskud and jobrotation without the prior-unemployment requirement in
Jammerbugt and Frederikshavn, from 2018-07-01 [001:L3597, L3607] to 2021-12-31
[001:L4948]. Public løntilskud covers dagpenge, job- and aktivitetsparate kontanthjælp,
selvforsørgende, sygemeldte, ressourceforløbsydelse and job- and aktivitetsparate
uddannelseshjælp [001:L4725], on one of four grounds [001:L4726-4730], the last of them
(graduate, or after sygedagpenge/jobafklaring) for § 2, nr. 1 only [001:L4730]. Jobrotation
covers fewer groups [001:L4731]."""

from __future__ import annotations

from datetime import date as D

import pytest

from domain.offers import Citizen, may_subsidise
from domain.rulebook import Rulebook

ON, END = D(2019, 3, 1), D(2022, 1, 1)
SKAANE = {"citizen.has_skaanehensyn": True}
GRADUATE = {"citizen.graduate_or_post_sdp_jaf": True}


def _public(rulebook: Rulebook, group: str, facts: dict[str, bool], on: D = ON) -> bool:
    citizen = Citizen(target_group=group, weeks_unemployed=1, facts=facts)
    return may_subsidise(rulebook, "loentilskud_public", citizen, on, "jammerbugt").allowed


@pytest.mark.parametrize(
    ("group", "who"),
    [("2.5", "sygemeldte"), ("2.11", "ressourceforløbsydelse"), ("2.10", "selvforsørgende")],
)
def test_the_groups_the_grant_names_get_public_loentilskud_without_waiting(
    rulebook: Rulebook, group: str, who: str
) -> None:
    assert _public(rulebook, group, SKAANE), who
    assert not _public(rulebook, group, {}), f"{who} without a ground waits"
    assert not _public(rulebook, group, SKAANE, on=END), f"{who} after the trial waits"
    assert _public(rulebook, group, SKAANE, on=D(2021, 12, 31))


def test_the_graduate_ground_holds_for_dagpenge_only(rulebook: Rulebook) -> None:
    assert _public(rulebook, "2.1", GRADUATE)
    for group in ("2.2", "2.3", "2.5", "2.12"):
        assert not _public(rulebook, group, GRADUATE), group


@pytest.mark.parametrize("group", ["2.5", "2.10", "2.11"])
def test_jobrotation_does_not_cover_the_groups_only_loentilskud_names(
    rulebook: Rulebook, group: str
) -> None:
    citizen = Citizen(target_group=group, weeks_unemployed=1, facts=SKAANE)
    answer = may_subsidise(rulebook, "jobrotation", citizen, ON, "jammerbugt")
    assert answer.regime != "TRIAL:FK-3.c"
