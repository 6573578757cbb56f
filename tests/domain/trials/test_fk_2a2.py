"""FK-2.a.2: LÆ265 optional before the team where health information is sufficient.

Its override of `rt.lae265.required` is read where the decision it serves is taken (a
grant of RF, fleksjob or FØP), judged on that decision's day [001:L3551, L1932; DOMAIN
§8.15]. In force 2018-01-01 to 2021-12-31 in the municipalities that ran it [001:L7546].
"""

from __future__ import annotations

from datetime import date as D

from domain.case.engine import CaseStart
from domain.case.model import PhaseName, TimelineKind
from domain.rulebook import Rulebook
from tests.domain.conftest import CaseDriver

SUFFICIENT = "assessment.health_information_sufficient"


def _jaf(rulebook: Rulebook, municipality: str, opened_on: D) -> CaseDriver:
    return CaseDriver(
        rulebook,
        CaseStart(
            case_id="T-0001",
            municipality=municipality,
            opened_on=opened_on,
            phase=PhaseName.JOBAFKLARINGSFORLOEB,
            facts={"jaf.first_course": False},
        ),
    )


def _team_without_lae265(c: CaseDriver, on: D) -> None:
    c.event(on, "assessment_recorded", fact=SUFFICIENT, value=True)
    c.event(on, "meeting_held", meeting="rt_meeting", recommendation="foertidspension")


def test_inside_the_trial_foep_is_granted_without_lae265(rulebook: Rulebook) -> None:
    c = _jaf(rulebook, "aalborg", D(2019, 3, 1))
    _team_without_lae265(c, D(2019, 3, 20))
    c.event(D(2019, 3, 25), "decision_made", decision="foep_granted")
    assert c.state.phase is PhaseName.FOERTIDSPENSION


def test_outside_its_municipalities_the_grant_needs_a_current_lae265(rulebook: Rulebook) -> None:
    # Thisted ran no LÆ265 trial: without a LÆ265 the team's indstilling and the decision
    # on it are as a rule invalid [001:L1932]; the grant is refused, nothing is withdrawn.
    c = _jaf(rulebook, "thisted", D(2019, 3, 1))
    c.event(D(2019, 3, 20), "meeting_held", meeting="rt_meeting", recommendation="foertidspension")
    refused = c.refused(D(2019, 3, 25), "decision_made", decision="foep_granted")
    assert refused.field == "decision"
    assert "rt.lae265.required" in refused.reason and "STANDARD_2015" in refused.reason
    assert "no LÆ265 was received before the team meeting on 2019-03-20" in refused.reason
    assert c.state.phase is PhaseName.JOBAFKLARINGSFORLOEB


def test_before_the_trial_began_its_assessment_and_the_grant_are_refused(
    rulebook: Rulebook,
) -> None:
    c = _jaf(rulebook, "aalborg", D(2017, 11, 1))
    refused = c.refused(D(2017, 12, 20), "assessment_recorded", fact=SUFFICIENT, value=True)
    assert "FK-2.a.2" in refused.reason and "2018-01-01" in refused.reason
    c.event(D(2017, 12, 20), "meeting_held", meeting="rt_meeting", recommendation="foertidspension")
    assert c.refused(D(2017, 12, 28), "decision_made", decision="foep_granted")


def test_outside_the_trial_its_assessment_is_refused_naming_where_it_applies(
    rulebook: Rulebook,
) -> None:
    c = _jaf(rulebook, "thisted", D(2019, 3, 1))
    refused = c.refused(D(2019, 3, 2), "assessment_recorded", fact=SUFFICIENT, value=True)
    assert refused.field == "fact"
    assert "FK-2.a.2 from 2018-01-01 up to 2022-01-01" in refused.reason
    assert "not run in thisted" in refused.reason and "thisted on 2019-03-02" in refused.reason


def test_at_the_trials_end_the_grant_is_judged_on_its_own_day(rulebook: Rulebook) -> None:
    before = _jaf(rulebook, "aalborg", D(2021, 11, 1))
    _team_without_lae265(before, D(2021, 12, 20))
    before.event(D(2021, 12, 31), "decision_made", decision="foep_granted")
    assert before.state.phase is PhaseName.FOERTIDSPENSION

    after = _jaf(rulebook, "aalborg", D(2021, 11, 1))
    _team_without_lae265(after, D(2021, 12, 20))  # noted under the trial: allowed
    refused = after.refused(D(2022, 1, 3), "decision_made", decision="foep_granted")
    assert "rt.lae265.required" in refused.reason and "STANDARD_2020" in refused.reason


def test_an_old_lae265_is_not_a_current_one(rulebook: Rulebook) -> None:
    c = _jaf(rulebook, "thisted", D(2019, 1, 2))
    c.event(D(2019, 1, 3), "certificate_received", certificate="LAE265")
    c.event(D(2019, 6, 20), "meeting_held", meeting="rt_meeting", recommendation="foertidspension")
    refused = c.refused(D(2019, 6, 25), "decision_made", decision="foep_granted")
    assert "received 2019-01-03, was 168 days old" in refused.reason
    assert "certificate.lae265.current_max_days" in refused.reason
    c.event(D(2019, 6, 26), "certificate_received", certificate="LAE265")
    c.event(D(2019, 7, 1), "meeting_held", meeting="rt_meeting", recommendation="foertidspension")
    c.event(D(2019, 7, 2), "decision_made", decision="foep_granted")
    assert c.state.phase is PhaseName.FOERTIDSPENSION


def test_a_grant_against_the_indstilling_is_accepted_and_flagged(rulebook: Rulebook) -> None:
    c = _jaf(rulebook, "thisted", D(2019, 3, 1))
    c.event(D(2019, 3, 10), "certificate_received", certificate="LAE265")
    c.event(D(2019, 3, 20), "meeting_held", meeting="rt_meeting", recommendation="ressourceforloeb")
    c.event(D(2019, 3, 25), "decision_made", decision="foep_granted")
    flagged = [e for e in c.state.timeline if e.kind is TimelineKind.DECISION_FLAGGED]
    assert [e.subject for e in flagged] == ["foep_granted"]
    assert "against the rehabiliteringsteam's indstilling (ressourceforloeb)" in flagged[0].summary
    assert flagged[0].regime == "STANDARD_2015" and flagged[0].citations
