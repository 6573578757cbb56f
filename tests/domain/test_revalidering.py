"""Revalidering: LÆ265 before the grant (FK-3.a), before later decisions until 2020, jobsamtale."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.case.engine import CaseStart
from domain.case.model import ObligationStatus, PhaseName
from domain.rulebook import Rulebook
from tests.domain.conftest import CaseDriver

D = date
DOCUMENTED = {"reval.tvivlsag": False, "reval.medically_documented": True}


@pytest.fixture
def start(rulebook: Rulebook) -> Any:
    def make(
        municipality: str,
        opened_on: date,
        phase: PhaseName = PhaseName.REVALIDERING,
        facts: dict[str, Any] | None = None,
        **entry: Any,
    ) -> CaseDriver:
        return CaseDriver(
            rulebook,
            CaseStart(
                case_id="C-1001",
                municipality=municipality,
                opened_on=opened_on,
                phase=phase,
                facts=facts or {},
                entry=entry,
            ),
        )

    return make


def assess(c: CaseDriver, on: date, facts: dict[str, Any]) -> None:
    for fact, value in facts.items():
        c.event(on, "assessment_recorded", fact=fact, value=value)


# --- the grant, decided inside revalidering ----------------------------------------------


def test_standard_grant_needs_the_lae265_first(start: Any) -> None:
    c = start("mariagerfjord", D(2019, 3, 1))
    lae265 = c.obligation("reval.grant.lae265")
    assert lae265.status is ObligationStatus.OPEN
    assert lae265.due_on == D(2019, 3, 31)  # 30 days after the request
    assert lae265.regime == "STANDARD_2015"
    assert lae265.citations
    assert lae265.action is not None and lae265.action.certificate == "LAE265"
    refused = c.refused(D(2019, 3, 10), "decision_made", decision="reval_granted")
    assert refused.field == "decision"
    assert "reval.lae265.required_for_grant" in refused.reason
    assert "STANDARD_2015" in refused.reason
    assert "LAB § 46" in refused.reason
    c.event(D(2019, 3, 20), "certificate_received", certificate="LAE265")
    assert c.obligation("reval.grant.lae265").status is ObligationStatus.MET
    c.event(D(2019, 3, 25), "decision_made", decision="reval_granted")
    talk = c.obligation("reval.jobsamtale.1")
    assert talk.due_on == D(2019, 6, 25)
    assert talk.citations


def test_fk_3a_grants_without_lae265_in_jammerbugt(start: Any) -> None:
    c = start("jammerbugt", D(2019, 3, 1))
    assess(c, D(2019, 3, 2), DOCUMENTED)
    lae265 = c.obligation("reval.grant.lae265")
    assert lae265.status is ObligationStatus.EXEMPTED
    assert lae265.regime == "TRIAL:FK-3.a"
    assert "FK-3.a in Jammerbugt" in lae265.reason
    assert "reval.grant.lae265" not in c.state.pending_actions
    c.event(D(2019, 3, 3), "decision_made", decision="reval_granted")
    assert c.state.phase_data["granted_on"] == D(2019, 3, 3)


def test_fk_3a_still_needs_lae265_in_a_tvivlsag(start: Any) -> None:
    c = start("jammerbugt", D(2019, 3, 1))
    assess(c, D(2019, 3, 2), {**DOCUMENTED, "reval.tvivlsag": True})
    assert c.obligation("reval.grant.lae265").status is ObligationStatus.OPEN
    refused = c.refused(D(2019, 3, 3), "decision_made", decision="reval_granted")
    assert "LÆ265" in refused.reason and "reval.lae265.required_for_grant" in refused.reason


def test_fk_3a_needs_the_medical_documentation_assessed(start: Any) -> None:
    c = start("jammerbugt", D(2019, 3, 1))
    assess(c, D(2019, 3, 2), {"reval.tvivlsag": False})
    assert c.refused(D(2019, 3, 3), "decision_made", decision="reval_granted")


def test_fk_3a_does_not_apply_in_mariagerfjord(start: Any) -> None:
    c = start("mariagerfjord", D(2019, 3, 1))
    refused = c.refused(D(2019, 3, 2), "assessment_recorded", fact="reval.tvivlsag", value=False)
    assert "FK-3.a" in refused.reason and "not run in mariagerfjord" in refused.reason
    assert c.obligation("reval.grant.lae265").status is ObligationStatus.OPEN
    refused = c.refused(D(2019, 3, 3), "decision_made", decision="reval_granted")
    assert "STANDARD_2015" in refused.reason


def test_after_fk_3a_ended_an_undecided_grant_needs_lae265_again(start: Any) -> None:
    c = start("jammerbugt", D(2022, 1, 3))
    # FK-3.a's assessments have no effect after the trial: refused, naming it.
    refused = c.refused(D(2022, 1, 3), "assessment_recorded", fact="reval.tvivlsag", value=False)
    assert "FK-3.a" in refused.reason and "2022-01-01" in refused.reason
    lae265 = c.obligation("reval.grant.lae265")
    assert lae265.status is ObligationStatus.OPEN
    assert lae265.regime == "STANDARD_2020"
    assert c.refused(D(2022, 1, 4), "decision_made", decision="reval_granted")


# --- the grant, decided in jobafklaring or ressourceforløb --------------------------------


def jaf(start: Any, municipality: str, opened_on: date) -> CaseDriver:
    driver: CaseDriver = start(
        municipality,
        opened_on,
        phase=PhaseName.JOBAFKLARINGSFORLOEB,
        facts={"jaf.first_course": False},
    )
    return driver


def test_jaf_refuses_the_grant_without_lae265(start: Any) -> None:
    c = jaf(start, "mariagerfjord", D(2019, 3, 1))
    refused = c.refused(D(2019, 3, 5), "decision_made", decision="reval_granted")
    assert refused.field == "decision"
    assert "reval.lae265.required_for_grant" in refused.reason
    c.event(D(2019, 3, 10), "certificate_received", certificate="LAE265")
    c.event(D(2019, 3, 12), "decision_made", decision="reval_granted")
    assert c.state.phase is PhaseName.REVALIDERING
    assert c.state.target_group == "2.4"
    assert "reval.grant.lae265" not in c.state.obligations  # decided before entry
    assert c.obligation("reval.jobsamtale.1").due_on == D(2019, 6, 12)


def test_a_lae265_no_obligation_asked_for_still_counts(start: Any) -> None:
    """FK-2.a.2 may exempt the LÆ265 before the team; one received anyway counts for the grant."""
    c = jaf(start, "jammerbugt", D(2019, 3, 1))
    c.event(
        D(2019, 3, 2),
        "assessment_recorded",
        fact="assessment.health_information_sufficient",
        value=True,
    )
    assert c.obligation("jaf.1.lae265").status is ObligationStatus.EXEMPTED
    assert c.refused(D(2019, 3, 5), "decision_made", decision="reval_granted")
    c.event(D(2019, 3, 10), "certificate_received", certificate="LAE265")
    c.event(D(2019, 3, 12), "decision_made", decision="reval_granted")
    assert c.state.phase is PhaseName.REVALIDERING


def test_fk_3a_is_resolved_for_target_group_2_4_and_starts_2018_07_01(start: Any) -> None:
    """The JAF case is in target group 2.14, which FK-3.a does not cover; the grant is still
    judged under the rules for 2.4. The day before the trial it is refused, on its first day
    it is not."""
    before = jaf(start, "jammerbugt", D(2018, 6, 1))
    assert before.refused(D(2018, 6, 2), "assessment_recorded", fact="reval.tvivlsag", value=False)
    refused = before.refused(D(2018, 6, 30), "decision_made", decision="reval_granted")
    assert "STANDARD_2015" in refused.reason
    on = jaf(start, "jammerbugt", D(2018, 6, 1))
    assess(on, D(2018, 7, 1), DOCUMENTED)
    on.event(D(2018, 7, 1), "decision_made", decision="reval_granted")
    assert on.state.phase is PhaseName.REVALIDERING


def test_fk_3a_ends_with_2021(start: Any) -> None:
    last = jaf(start, "aalborg", D(2021, 12, 1))
    assess(last, D(2021, 12, 2), DOCUMENTED)
    last.event(D(2021, 12, 31), "decision_made", decision="reval_granted")
    assert last.state.phase is PhaseName.REVALIDERING
    after = jaf(start, "aalborg", D(2021, 12, 1))
    assess(after, D(2021, 12, 2), DOCUMENTED)
    refused = after.refused(D(2022, 1, 1), "decision_made", decision="reval_granted")
    assert "STANDARD_2020" in refused.reason


def test_rf_refuses_the_grant_without_lae265(start: Any) -> None:
    c = start(
        "mariagerfjord", D(2019, 3, 1), phase=PhaseName.RESSOURCEFORLOEB, end_on=D(2022, 3, 1)
    )
    refused = c.refused(D(2019, 4, 1), "decision_made", decision="reval_granted")
    assert "reval.lae265.required_for_grant" in refused.reason
    c.event(D(2019, 4, 2), "certificate_received", certificate="LAE265")
    c.event(D(2019, 4, 3), "decision_made", decision="reval_granted")
    assert c.state.phase is PhaseName.REVALIDERING


# --- change, extension, stop --------------------------------------------------------------


def granted(start: Any, municipality: str, on: date) -> CaseDriver:
    driver: CaseDriver = start(municipality, on, granted_on=on)
    return driver


def test_before_2020_a_change_needs_a_new_lae265(start: Any) -> None:
    c = granted(start, "mariagerfjord", D(2019, 3, 1))
    refused = c.refused(D(2019, 5, 1), "decision_made", decision="reval_changed")
    assert "reval_change_proposed" in refused.reason
    assert "reval.lae265.required_for_later_decisions" in refused.reason
    c.event(D(2019, 6, 1), "decision_made", decision="reval_change_proposed")
    lae265 = c.obligation("reval.change.1.lae265")
    assert lae265.status is ObligationStatus.OPEN
    assert lae265.due_on == D(2019, 7, 1)
    assert lae265.regime == "STANDARD_2015"
    assert lae265.citations
    refused = c.refused(D(2019, 6, 10), "decision_made", decision="reval_changed")
    assert refused.field == "decision"
    assert "reval.lae265.required_for_later_decisions" in refused.reason
    assert "STANDARD_2015" in refused.reason
    assert "LAB § 46" in refused.reason
    c.event(D(2019, 6, 20), "certificate_received", certificate="LAE265")
    assert c.obligation("reval.change.1.lae265").status is ObligationStatus.MET
    c.event(D(2019, 6, 21), "decision_made", decision="reval_changed")
    assert c.state.phase_data["proposals"] == {}


def test_a_stop_needs_the_lae265_too_and_closes_the_case(start: Any) -> None:
    c = granted(start, "mariagerfjord", D(2019, 3, 1))
    c.event(D(2019, 6, 1), "decision_made", decision="reval_stop_proposed")
    assert c.refused(D(2019, 6, 2), "decision_made", decision="reval_stopped")
    c.event(D(2019, 6, 20), "certificate_received", certificate="LAE265")
    c.event(D(2019, 6, 21), "decision_made", decision="reval_stopped")
    assert c.state.closed


def test_a_proposal_of_the_same_kind_is_refused_while_pending(start: Any) -> None:
    c = granted(start, "mariagerfjord", D(2019, 3, 1))
    c.event(D(2019, 6, 1), "decision_made", decision="reval_extension_proposed")
    assert c.refused(D(2019, 6, 2), "decision_made", decision="reval_extension_proposed")
    c.event(D(2019, 6, 2), "decision_made", decision="reval_change_proposed")
    assert c.obligation("reval.extension.1.lae265").status is ObligationStatus.OPEN
    assert c.obligation("reval.change.2.lae265").status is ObligationStatus.OPEN


def test_the_lae265_for_a_later_decision_can_be_missed(start: Any) -> None:
    c = granted(start, "mariagerfjord", D(2019, 3, 1))
    c.event(D(2019, 6, 1), "decision_made", decision="reval_extension_proposed")
    c.until(D(2019, 7, 2))
    assert c.obligation("reval.extension.1.lae265").status is ObligationStatus.MISSED
    assert c.refused(D(2019, 7, 2), "decision_made", decision="reval_extended")


def test_from_2020_change_extension_and_stop_need_no_lae265(start: Any) -> None:
    """The day before 2020 a stop without LÆ265 is refused; on 2020-01-01 it is accepted."""
    before = granted(start, "mariagerfjord", D(2019, 3, 1))
    assert before.refused(D(2019, 12, 31), "decision_made", decision="reval_stopped")
    on = granted(start, "mariagerfjord", D(2019, 3, 1))
    on.event(D(2020, 1, 1), "decision_made", decision="reval_stopped")
    assert on.state.closed


def test_a_pending_lae265_is_released_on_2020_01_01(start: Any) -> None:
    c = granted(start, "mariagerfjord", D(2019, 3, 1))
    c.event(D(2019, 12, 15), "decision_made", decision="reval_extension_proposed")
    assert c.refused(D(2019, 12, 31), "decision_made", decision="reval_extended")
    c.until(D(2020, 1, 1))
    lae265 = c.obligation("reval.extension.1.lae265")
    assert lae265.status is ObligationStatus.EXEMPTED
    assert lae265.regime == "STANDARD_2020"
    assert "LAB-forenkling" in lae265.reason
    c.event(D(2020, 1, 1), "decision_made", decision="reval_extended")


def test_a_proposal_from_2020_gets_an_exempted_lae265(start: Any) -> None:
    c = granted(start, "thisted", D(2020, 2, 1))
    c.event(D(2020, 3, 1), "decision_made", decision="reval_change_proposed")
    assert c.obligation("reval.change.1.lae265").status is ObligationStatus.EXEMPTED
    c.event(D(2020, 3, 1), "decision_made", decision="reval_changed")


def test_fk_3a_waives_the_lae265_for_later_decisions_before_2020(start: Any) -> None:
    c = granted(start, "jammerbugt", D(2019, 3, 1))
    assess(c, D(2019, 3, 2), DOCUMENTED)
    c.event(D(2019, 6, 1), "decision_made", decision="reval_change_proposed")
    lae265 = c.obligation("reval.change.1.lae265")
    assert lae265.status is ObligationStatus.EXEMPTED
    assert lae265.regime == "TRIAL:FK-3.a"
    c.event(D(2019, 6, 2), "decision_made", decision="reval_changed")
    # Mariagerfjord, same facts: standard law
    other = granted(start, "mariagerfjord", D(2019, 3, 1))
    other.event(D(2019, 6, 1), "decision_made", decision="reval_change_proposed")
    assert other.obligation("reval.change.1.lae265").status is ObligationStatus.OPEN


def test_decisions_before_the_grant_are_refused(start: Any) -> None:
    c = start("thisted", D(2019, 3, 1))
    refused = c.refused(D(2019, 3, 2), "decision_made", decision="reval_change_proposed")
    assert "needs a granted revalidering" in refused.reason
    g = granted(start, "thisted", D(2019, 3, 1))
    assert (
        "already granted"
        in g.refused(D(2019, 3, 2), "decision_made", decision="reval_granted").reason
    )


# --- jobsamtale ---------------------------------------------------------------------------


def test_jobsamtale_recurs_from_the_last_one_held(start: Any) -> None:
    c = granted(start, "thisted", D(2019, 3, 1))
    first = c.obligation("reval.jobsamtale.1")
    assert (first.due_on, first.regime) == (D(2019, 6, 1), "STANDARD_2015")
    assert first.action is not None and first.action.meeting == "jobsamtale"
    c.event(D(2019, 5, 15), "meeting_held", meeting="jobsamtale")
    assert c.obligation("reval.jobsamtale.1").status is ObligationStatus.MET
    assert c.obligation("reval.jobsamtale.2").due_on == D(2019, 8, 15)
    c.until(D(2019, 8, 16))
    assert c.obligation("reval.jobsamtale.2").status is ObligationStatus.MISSED
    refused = c.refused(D(2019, 8, 16), "meeting_held", meeting="cv_conversation")
    assert refused.field == "meeting"


def test_completion_closes_the_case(start: Any) -> None:
    c = granted(start, "thisted", D(2019, 3, 1))
    c.event(D(2019, 5, 1), "decision_made", decision="reval_completed")
    assert c.state.closed
    assert c.obligation("reval.jobsamtale.1").status is ObligationStatus.WITHDRAWN
