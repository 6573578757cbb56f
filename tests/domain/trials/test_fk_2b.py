"""FK-2.b: psychologist treatment in the jobcentre for sygedagpenge recipients (2.5) in
Jammerbugt, Thisted and Rebild [001:L3549]; 2018-01-01 to 2021-12-31, extended one year by
the decision of 2021-08-26 [003:L30]. Outside it the jobcentre offers no such treatment
(`psyk.municipal_treatment.allowed`). Both sides of both ends, with the law as the case
knows it on its own day."""

from __future__ import annotations

from datetime import date as D

import pytest

from domain.case.engine import CaseStart, EventRefused
from domain.case.model import PhaseName
from domain.case.rules_view import RuleView
from domain.rulebook import Rulebook
from tests.domain.conftest import CaseDriver

DECIDED = D(2021, 8, 26)


def _referral(rulebook: Rulebook, on: D) -> CaseDriver:
    return CaseDriver(
        rulebook,
        CaseStart(
            case_id="T-PSYK",
            municipality="rebild",
            opened_on=on,
            phase=PhaseName.PSYKOLOGBEHANDLING,
            facts={"psyk.on_sygedagpenge_at_referral": True},
            entry={"referred_by": "gp"},
        ),
    )


def _eligible(c: CaseDriver, on: D) -> CaseDriver:
    return c.event(on, "assessment_recorded", fact="psyk.eligible_condition", value=True)


def test_before_the_decision_the_case_knows_only_the_old_end(rulebook: Rulebook) -> None:
    c = _eligible(_referral(rulebook, D(2021, 8, 2)), D(2021, 8, 3)).until(D(2021, 8, 25))
    allowed = RuleView(c.rules, c.state, c.state.today).resolve("psyk.municipal_treatment.allowed")
    assert allowed.value is True and allowed.regime == "TRIAL:FK-2.b"
    assert allowed.next_change == DECIDED  # the day it learns more, not yet the end
    assert c.rules.trial_period("FK-2.b", "rebild", known_on=c.state.today) == (
        D(2018, 1, 1),
        D(2022, 1, 1),
    )
    c.until(DECIDED)
    allowed = RuleView(c.rules, c.state, c.state.today).resolve("psyk.municipal_treatment.allowed")
    assert allowed.next_change == D(2023, 1, 1)


@pytest.mark.parametrize("on", [D(2021, 12, 31), D(2022, 1, 3), D(2022, 12, 30)])
def test_an_assessment_on_either_side_of_the_old_end_is_under_the_trial(
    rulebook: Rulebook, on: D
) -> None:
    c = _eligible(_referral(rulebook, on), on)
    c.event(on, "decision_made", decision="psyk_assessed")
    assert "TRIAL:FK-2.b" in c.state.regimes


def test_after_the_extended_end_the_jobcentre_offers_no_treatment(rulebook: Rulebook) -> None:
    c = _eligible(_referral(rulebook, D(2022, 12, 20)), D(2022, 12, 21))
    refused = c.refused(D(2023, 1, 2), "decision_made", decision="psyk_assessed")
    assert "STANDARD_2020" in refused.reason
    with pytest.raises(EventRefused, match="ended in Rebild on 2023-01-01"):
        _referral(rulebook, D(2023, 1, 1))
