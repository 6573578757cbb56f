"""FK-3.a: revalidering granted without LÆ265 where the case is sufficiently documented and
no tvivlsag [001:L3584]; decisions from 2018-07-01 [001:L4588] to 2021-12-31, not continued
[003:L43]. The grant's LÆ265 is a garantiforskrift [001:L2543]: after the trial a grant
needs it, whatever was noted under the trial (DOMAIN §8.15 as corrected).
"""

from __future__ import annotations

from datetime import date as D

from domain.case.engine import CaseStart
from domain.case.model import ObligationStatus, PhaseName
from domain.rulebook import Rulebook
from tests.domain.conftest import CaseDriver

DOCUMENTED = {"reval.tvivlsag": False, "reval.medically_documented": True}


def _reval(rulebook: Rulebook, municipality: str, opened_on: D) -> CaseDriver:
    return CaseDriver(
        rulebook,
        CaseStart(
            case_id="T-0001",
            municipality=municipality,
            opened_on=opened_on,
            phase=PhaseName.REVALIDERING,
        ),
    )


def _documented(c: CaseDriver, on: D) -> None:
    for fact, value in DOCUMENTED.items():
        c.event(on, "assessment_recorded", fact=fact, value=value)


def test_inside_the_trial_the_grant_needs_no_lae265(rulebook: Rulebook) -> None:
    c = _reval(rulebook, "jammerbugt", D(2021, 3, 1))
    _documented(c, D(2021, 3, 2))
    c.event(D(2021, 3, 3), "decision_made", decision="reval_granted")
    assert c.state.phase_data["granted_on"] == D(2021, 3, 3)


def test_outside_its_municipalities_the_grant_needs_lae265(rulebook: Rulebook) -> None:
    c = _reval(rulebook, "mariagerfjord", D(2021, 3, 1))
    refused = c.refused(D(2021, 3, 2), "assessment_recorded", fact="reval.tvivlsag", value=False)
    assert "FK-3.a from 2018-07-01" in refused.reason and "mariagerfjord" in refused.reason
    refused = c.refused(D(2021, 3, 3), "decision_made", decision="reval_granted")
    assert "reval.lae265.required_for_grant" in refused.reason


def test_an_exemption_noted_in_2021_does_not_carry_a_2022_grant(rulebook: Rulebook) -> None:
    c = _reval(rulebook, "jammerbugt", D(2021, 12, 1))
    _documented(c, D(2021, 12, 2))
    # The request duty fell due under the trial: its exemption stands for it.
    c.until(D(2022, 1, 10))
    assert c.obligation("reval.grant.lae265").status is ObligationStatus.EXEMPTED
    # The grant is a later decision: judged on its own day, after the trial.
    refused = c.refused(D(2022, 1, 10), "decision_made", decision="reval_granted")
    assert "STANDARD_2020" in refused.reason and "LÆ265" in refused.reason
    refused = c.refused(D(2022, 11, 15), "decision_made", decision="reval_granted")
    assert "STANDARD_2020" in refused.reason
    c.event(D(2022, 11, 16), "certificate_received", certificate="LAE265")
    c.event(D(2022, 11, 17), "decision_made", decision="reval_granted")
    assert c.state.phase_data["granted_on"] == D(2022, 11, 17)


def test_on_the_trials_last_day_the_exemption_still_applies(rulebook: Rulebook) -> None:
    c = _reval(rulebook, "jammerbugt", D(2021, 12, 1))
    _documented(c, D(2021, 12, 2))
    c.event(D(2021, 12, 31), "decision_made", decision="reval_granted")
    assert c.state.phase_data["granted_on"] == D(2021, 12, 31)


def test_a_lae265_from_long_before_is_not_current(rulebook: Rulebook) -> None:
    c = _reval(rulebook, "mariagerfjord", D(2019, 3, 1))
    c.event(D(2019, 3, 2), "certificate_received", certificate="LAE265")
    refused = c.refused(D(2019, 9, 2), "decision_made", decision="reval_granted")
    assert "was 184 days old at the decision" in refused.reason


def test_after_the_trial_the_grant_asks_for_a_current_lae265_again(rulebook: Rulebook) -> None:
    c = _reval(rulebook, "jammerbugt", D(2021, 12, 1))
    _documented(c, D(2021, 12, 2))
    c.until(D(2022, 1, 10))
    assert c.obligation("reval.grant.lae265").status is ObligationStatus.EXEMPTED
    # The exemption stood for the request that fell due under the trial; a grant now needs
    # a current LÆ265, so the duty to obtain one stands from the trial's end.
    renewed = c.obligation("reval.grant.lae265.2022-01-01")
    assert renewed.status is ObligationStatus.OPEN and renewed.regime == "STANDARD_2020"
    assert renewed.due_on == D(2022, 1, 31) and renewed.receipt is not None
    assert "asked again because the exemption" in renewed.reason
    c.refused(D(2022, 1, 10), "decision_made", decision="reval_granted")
    c.until(D(2022, 2, 1))
    assert c.obligation("reval.grant.lae265.2022-01-01").status is ObligationStatus.MISSED
    c.event(D(2022, 2, 3), "certificate_received", certificate="LAE265")
    assert c.obligation("reval.grant.lae265.2022-01-01").status is ObligationStatus.MET
    c.event(D(2022, 2, 4), "decision_made", decision="reval_granted")


def test_inside_the_trial_no_second_request_is_made(rulebook: Rulebook) -> None:
    c = _reval(rulebook, "jammerbugt", D(2021, 3, 1))
    _documented(c, D(2021, 3, 2))
    c.until(D(2021, 12, 31))
    assert [i for i in c.state.obligations if i.startswith("reval.grant.lae265")] == [
        "reval.grant.lae265"
    ]


def test_a_lae265_grown_old_is_asked_for_again(rulebook: Rulebook) -> None:
    c = _reval(rulebook, "mariagerfjord", D(2019, 3, 1))
    c.event(D(2019, 3, 2), "certificate_received", certificate="LAE265")
    assert c.obligation("reval.grant.lae265").status is ObligationStatus.MET
    c.until(D(2019, 6, 2))
    assert "reval.grant.lae265.2019-06-03" not in c.state.obligations
    c.until(D(2019, 6, 3))
    renewed = c.obligation("reval.grant.lae265.2019-06-03")
    assert renewed.status is ObligationStatus.OPEN
    assert "no longer current" in renewed.reason
    c.refused(D(2019, 9, 2), "decision_made", decision="reval_granted")
    c.event(D(2019, 9, 3), "certificate_received", certificate="LAE265")
    assert c.obligation("reval.grant.lae265.2019-06-03").status is ObligationStatus.MET
    c.event(D(2019, 9, 4), "decision_made", decision="reval_granted")
    assert c.state.phase_data["granted_on"] == D(2019, 9, 4)
