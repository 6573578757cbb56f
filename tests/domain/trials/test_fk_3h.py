"""FK-3.h: an RF extended without the team, with the citizen's consent [001:L3587], up to
12 months per RF (DOMAIN §8.10) [001:L3271, L4938]; Frederikshavn and Jammerbugt,
2018-07-01 to 2021-12-31. Its consent is a trial-only event: refused elsewhere and after."""

from __future__ import annotations

from datetime import date as D

from domain.case.engine import CaseStart
from domain.case.model import ObligationStatus, PhaseName
from domain.rulebook import Rulebook
from tests.domain.conftest import CaseDriver

CONSENT = "consent.rf_extension_without_rt"


def _rf(rulebook: Rulebook, municipality: str, opened_on: D, end_on: D) -> CaseDriver:
    return CaseDriver(
        rulebook,
        CaseStart(
            case_id="T-0001",
            municipality=municipality,
            opened_on=opened_on,
            phase=PhaseName.RESSOURCEFORLOEB,
            entry={"end_on": end_on},
        ),
    )


def _conditions(c: CaseDriver, on: D) -> None:
    c.event(on, "assessment_recorded", fact="rf.efforts_interrupted", value=True)
    c.event(on, "assessment_recorded", fact="rf.basis_for_fleksjob_or_foep", value=False)
    c.event(on, "consent_given", consent=CONSENT)


def test_inside_the_trial_the_rf_is_extended_without_the_team(rulebook: Rulebook) -> None:
    c = _rf(rulebook, "frederikshavn", D(2019, 1, 7), D(2020, 6, 30))
    _conditions(c, D(2020, 4, 1))
    c.event(
        D(2020, 4, 15), "decision_made", decision="rf_extended", route="administrative", months=6
    )
    assert c.state.phase_data["end_on"] == D(2020, 12, 30)


def test_the_consent_is_refused_where_the_trial_does_not_run(rulebook: Rulebook) -> None:
    c = _rf(rulebook, "aalborg", D(2019, 1, 7), D(2020, 6, 30))
    refused = c.refused(D(2020, 4, 2), "consent_given", consent=CONSENT)
    assert refused.field == "fact"
    assert "FK-3.h from 2018-07-01 up to 2022-01-01" in refused.reason
    assert "not run in aalborg" in refused.reason


def test_the_consent_counts_on_the_trials_last_day_and_is_refused_after_it(
    rulebook: Rulebook,
) -> None:
    c = _rf(rulebook, "jammerbugt", D(2021, 1, 4), D(2022, 6, 30))
    c.event(D(2021, 12, 31), "consent_given", consent=CONSENT)
    after = _rf(rulebook, "jammerbugt", D(2021, 1, 4), D(2022, 6, 30))
    refused = after.refused(D(2022, 1, 3), "consent_given", consent=CONSENT)
    assert "jammerbugt on 2022-01-03" in refused.reason
    # A withdrawal is always taken.
    c.event(D(2022, 1, 3), "consent_withdrawn", consent=CONSENT)


def test_the_twelve_month_cap_counts_every_route_without_the_team(rulebook: Rulebook) -> None:
    c = _rf(rulebook, "frederikshavn", D(2019, 1, 7), D(2020, 6, 30))
    _conditions(c, D(2020, 4, 1))
    c.event(
        D(2020, 4, 15), "decision_made", decision="rf_extended", route="administrative", months=8
    )
    # Each extension without the team needs its own consent [001:L8077-8081].
    c.event(D(2021, 1, 15), "consent_given", consent=CONSENT)
    c.until(D(2021, 2, 1))
    assert c.obligation("rf.end.2.rt").status is ObligationStatus.EXEMPTED
    # Naming the team route while the team was waived is no side door past the cap.
    refused = c.refused(
        D(2021, 2, 2), "decision_made", decision="rf_extended", route="rt", end_on=D(2022, 2, 28)
    )
    assert refused.field == "route" and "counts against its cap" in refused.reason
    refused = c.refused(
        D(2021, 2, 2), "decision_made", decision="rf_extended", route="administrative", months=6
    )
    assert "4 left" in refused.reason


def test_one_consent_extends_once_and_the_next_extension_needs_its_own(
    rulebook: Rulebook,
) -> None:
    c = _rf(rulebook, "frederikshavn", D(2019, 1, 7), D(2020, 6, 30))
    _conditions(c, D(2020, 4, 1))
    c.event(
        D(2020, 4, 15), "decision_made", decision="rf_extended", route="administrative", months=4
    )
    assert CONSENT not in c.state.facts
    used = [e for e in c.state.timeline if e.subject == CONSENT and "used by" in e.summary]
    assert "of 2020-04-01 used by rf_extended on 2020-04-15 (extension 1)" in used[0].summary
    assert used[0].regime == "TRIAL:FK-3.h"
    # The consent is spent: the team comes back for the next end date.
    c.until(D(2020, 10, 1))
    assert c.obligation("rf.end.2.rt").status is ObligationStatus.OPEN
    refused = c.refused(
        D(2020, 10, 2), "decision_made", decision="rf_extended", route="administrative", months=4
    )
    assert refused.field == "route"
    assert "was used by extension 1 on 2020-04-15" in refused.reason
    assert "each extension without the team needs its own" in refused.reason
    c.event(D(2020, 10, 3), "consent_given", consent=CONSENT)
    assert c.obligation("rf.end.2.rt").status is ObligationStatus.EXEMPTED
    c.event(
        D(2020, 10, 5), "decision_made", decision="rf_extended", route="administrative", months=4
    )
    assert c.state.phase_data["end_on"] == D(2021, 2, 28)


def test_a_consent_given_before_the_ressourceforloeb_is_refused(rulebook: Rulebook) -> None:
    c = CaseDriver(
        rulebook,
        CaseStart(
            case_id="T-0002",
            municipality="frederikshavn",
            opened_on=D(2019, 1, 7),
            phase=PhaseName.JOBAFKLARINGSFORLOEB,
        ),
    )
    refused = c.refused(D(2019, 2, 1), "consent_given", consent=CONSENT)
    assert refused.field == "consent"
    assert "one occasion in a ressourceforloeb" in refused.reason
    assert "the case is in jobafklaringsforloeb" in refused.reason


def test_after_the_trial_a_spent_consent_cannot_be_renewed(rulebook: Rulebook) -> None:
    c = _rf(rulebook, "jammerbugt", D(2021, 1, 4), D(2021, 12, 20))
    _conditions(c, D(2021, 11, 1))
    c.event(
        D(2021, 11, 15), "decision_made", decision="rf_extended", route="administrative", months=3
    )
    # The extension decided under the trial stands after it (DOMAIN §8.15) ...
    c.until(D(2022, 1, 10))
    assert c.state.phase_data["end_on"] == D(2022, 3, 20)
    # ... but the next one goes through the team: no new consent counts after the trial.
    refused = c.refused(D(2022, 1, 10), "consent_given", consent=CONSENT)
    assert "jammerbugt on 2022-01-10" in refused.reason
    assert c.obligation("rf.end.2.rt").status is ObligationStatus.OPEN
