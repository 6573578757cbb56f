"""FK-3.g: fewer than the 4 integration conversations per 12 months [001:L3230] are allowed
for the named subgroups [001:L3183-3199], Vesthimmerland, from 2018-08-01 [001:L4846].
Outside it, a minimum not reached is missed when its year closes, never withdrawn, so the
trial's exemption from it is visible."""

from __future__ import annotations

from datetime import date as D

from domain.case.model import ObligationStatus, TimelineKind
from domain.rulebook import Rulebook
from tests.domain.test_kontaktforloeb import FEWER, INTEGRATION, NOTE, course

ILL = {"integration.fixed_raskmelding_or_in_treatment": True}


def test_without_the_trial_too_few_conversations_are_missed(rulebook: Rulebook) -> None:
    c = course(rulebook, "morsoe", D(2019, 1, 7), "2.3", **INTEGRATION)
    c.event(D(2019, 3, 1), "meeting_held", meeting="jobsamtale")
    c.until(D(2020, 1, 7))
    year = c.obligation("kontakt.integration.1")
    assert year.status is ObligationStatus.MISSED
    assert year.missed_on == D(2020, 1, 7)
    withdrawn = [e for e in c.state.timeline if e.kind is TimelineKind.OBLIGATION_WITHDRAWN]
    assert not [e for e in withdrawn if e.subject == "kontakt.integration.1"]
    assert c.obligation("kontakt.integration.2").status is ObligationStatus.OPEN


def test_inside_the_trial_the_named_subgroup_is_exempt(rulebook: Rulebook) -> None:
    c = course(rulebook, "vesthimmerland", D(2019, 1, 7), "2.3", **INTEGRATION, **NOTE, **ILL)
    c.event(D(2019, 2, 4), "assessment_recorded", fact=FEWER, value=True)
    c.until(D(2020, 1, 7))
    year = c.obligation("kontakt.integration.1")
    assert (year.status, year.regime) == (ObligationStatus.EXEMPTED, "TRIAL:FK-3.g")


def test_the_fewer_conversations_note_on_both_sides_of_the_trials_end(rulebook: Rulebook) -> None:
    # FK-3.g was not extended [003:L65]: it ends 2022-01-01.
    before = course(rulebook, "vesthimmerland", D(2021, 3, 1), "2.3", **INTEGRATION, **ILL)
    before.event(D(2021, 12, 31), "assessment_recorded", fact=FEWER, value=True)
    assert before.obligation("kontakt.integration.1").status is ObligationStatus.EXEMPTED
    after = course(rulebook, "vesthimmerland", D(2021, 3, 1), "2.3", **INTEGRATION, **ILL)
    refused = after.refused(D(2022, 1, 3), "assessment_recorded", fact=FEWER, value=True)
    assert "FK-3.g" in refused.reason
    after.until(D(2022, 3, 2))
    assert after.obligation("kontakt.integration.1").status is ObligationStatus.MISSED
