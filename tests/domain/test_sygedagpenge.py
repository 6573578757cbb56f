"""Sygedagpenge: screening, LÆ285 per regime (FK-2.c, 2020), follow-ups, reassessment."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from domain.case import engine
from domain.case.events import EVENT_ADAPTER
from domain.case.model import ObligationStatus, PhaseName
from tests.domain.conftest import CaseFactory

D = date


def test_standard_2015_category_2_requires_lae285_by_week_8(case: CaseFactory) -> None:
    """Under standard law before 2020 a category-2 case gets LÆ285 for the 1st follow-up."""
    c = case("thisted", D(2019, 3, 4), first_absence_day=D(2019, 3, 1))
    c.event(D(2019, 3, 5), "screened", category=2)
    doc = c.obligation("sdp.documentation")
    assert doc.title.startswith("LAE285")
    assert doc.due_on == D(2019, 4, 25)  # end of week 8 counted from the first absence day
    assert doc.regime == "STANDARD_2015"
    assert doc.citations
    assert doc.action is not None and doc.action.certificate == "LAE285"
    assert c.obligation("sdp.followup.1").due_on == D(2019, 4, 25)
    assert c.obligation("sdp.reassessment").due_on == D(2019, 8, 1)  # end of week 22


def test_standard_2015_refuses_an_alternative_to_lae285(case: CaseFactory) -> None:
    c = case("thisted", D(2019, 3, 4), first_absence_day=D(2019, 3, 1))
    refused = c.refused(D(2019, 3, 5), "screened", category=2, documentation="STATUSATTEST")
    assert refused.field == "documentation"
    assert "not permitted under STANDARD_2015" in refused.reason
    assert "LAE285" in refused.reason


def test_fk_2c_lets_jammerbugt_choose_a_statusattest(case: CaseFactory) -> None:
    c = case("jammerbugt", D(2019, 3, 4), first_absence_day=D(2019, 3, 1))
    c.event(D(2019, 3, 5), "screened", category=3, documentation="STATUSATTEST")
    doc = c.obligation("sdp.documentation")
    assert doc.regime == "TRIAL:FK-2.c"
    assert doc.action is not None and doc.action.certificate == "STATUSATTEST"


def test_fk_2c_starts_on_2018_01_01(case: CaseFactory) -> None:
    """The day before the trial the alternative is refused; on its first day it is accepted."""
    before = case("jammerbugt", D(2017, 12, 20))
    assert before.refused(D(2017, 12, 31), "screened", category=2, documentation="NONE")
    on = case("jammerbugt", D(2017, 12, 20))
    on.event(D(2018, 1, 1), "screened", category=2, documentation="NONE")
    assert "sdp.documentation" not in on.state.obligations


def test_fk_2c_does_not_apply_outside_its_municipalities(case: CaseFactory) -> None:
    c = case("aalborg", D(2019, 3, 4))
    refused = c.refused(D(2019, 3, 5), "screened", category=2, documentation="NONE")
    assert "STANDARD_2015" in refused.reason


def test_from_2020_lae285_is_a_choice_the_caseworker_must_make(case: CaseFactory) -> None:
    c = case("thisted", D(2020, 1, 6))
    refused = c.refused(D(2020, 1, 6), "screened", category=2)
    assert refused.field == "documentation"
    assert "LAE285" in refused.reason and "NONE" in refused.reason
    c.event(D(2020, 1, 7), "screened", category=2, documentation="NONE")
    assert "sdp.documentation" not in c.state.obligations
    assert c.obligation("sdp.followup.1").regime == "STANDARD_2020"


def test_follow_ups_every_four_weeks_after_the_last_one(case: CaseFactory) -> None:
    c = case("thisted", D(2019, 3, 4), first_absence_day=D(2019, 3, 1))
    c.event(D(2019, 3, 5), "screened", category=2)
    c.event(D(2019, 4, 20), "meeting_held", meeting="followup_conversation")
    assert c.obligation("sdp.followup.1").status is ObligationStatus.MET
    assert c.obligation("sdp.followup.2").due_on == D(2019, 5, 18)


def test_a_missed_follow_up_is_recorded_the_day_after_its_deadline(case: CaseFactory) -> None:
    c = case("thisted", D(2019, 3, 4), first_absence_day=D(2019, 3, 1))
    c.event(D(2019, 3, 5), "screened", category=2).until(D(2019, 5, 1))
    record = c.obligation("sdp.followup.1")
    assert record.status is ObligationStatus.MISSED
    assert record.missed_on == D(2019, 4, 26)
    # The schedule goes on: the next is due 4 weeks after the day the missed one was due.
    assert c.obligation("sdp.followup.2").due_on == D(2019, 5, 23)
    c.event(D(2019, 5, 2), "meeting_held", meeting="followup_conversation")
    assert c.obligation("sdp.followup.1").status is ObligationStatus.MISSED
    assert c.obligation("sdp.followup.2").met_on == D(2019, 5, 2)
    assert c.obligation("sdp.followup.3").due_on == D(2019, 5, 30)


def test_a_follow_up_held_a_day_late_leaves_the_missed_one_missed(case: CaseFactory) -> None:
    c = case("thisted", D(2019, 3, 4), first_absence_day=D(2019, 3, 1))
    c.event(D(2019, 3, 5), "screened", category=2)
    # Held the day after the deadline: the deadline was missed, and the conversation held
    # is the schedule's next one; the one after counts from it (SDL § 13b, from the last held).
    c.event(D(2019, 4, 26), "meeting_held", meeting="followup_conversation")
    assert c.obligation("sdp.followup.1").status is ObligationStatus.MISSED
    assert c.obligation("sdp.followup.2").met_on == D(2019, 4, 26)
    assert c.obligation("sdp.followup.3").due_on == D(2019, 5, 24)


def test_category_1_gets_no_lae285_and_only_the_first_follow_up(case: CaseFactory) -> None:
    c = case("thisted", D(2019, 3, 4), first_absence_day=D(2019, 3, 1))
    c.event(D(2019, 3, 5), "screened", category=1)
    assert "sdp.documentation" not in c.state.obligations
    c.event(D(2019, 4, 20), "meeting_held", meeting="followup_conversation").until(D(2019, 8, 1))
    assert "sdp.followup.2" not in c.state.obligations


def test_jaf_decision_meets_the_reassessment_and_changes_phase(case: CaseFactory) -> None:
    c = case("thisted", D(2019, 3, 4), first_absence_day=D(2019, 3, 1))
    c.event(D(2019, 3, 5), "screened", category=2)
    c.event(D(2019, 7, 25), "decision_made", decision="jaf_granted")
    assert c.obligation("sdp.reassessment").status is ObligationStatus.MET
    assert c.state.phase is PhaseName.JOBAFKLARINGSFORLOEB
    assert c.state.target_group == "2.14"
    sdp = [o for o in c.state.obligations.values() if o.phase is PhaseName.SYGEDAGPENGE]
    assert ObligationStatus.OPEN not in {o.status for o in sdp}
    assert c.obligation("sdp.followup.1").status is ObligationStatus.MISSED  # stays on record


def test_recovery_closes_the_case(case: CaseFactory) -> None:
    c = case("thisted", D(2019, 3, 4))
    c.event(D(2019, 3, 5), "screened", category=2)
    c.event(D(2019, 4, 1), "decision_made", decision="recovered")
    assert c.state.closed


class TestRefusals:
    def test_event_dated_before_the_case_started(self, case: CaseFactory) -> None:
        c = case("thisted", D(2019, 3, 4))
        refused = c.refused(D(2019, 3, 1), "screened", category=2)
        assert refused.field == "effective_date"
        assert "before the case was opened (2019-03-04)" in refused.reason

    def test_unknown_certificate_type(self, case: CaseFactory) -> None:
        c = case("thisted", D(2019, 3, 4))
        refused = c.refused(D(2019, 3, 6), "certificate_received", certificate="LAE999")
        assert refused.field == "certificate"
        assert "unknown certificate type 'LAE999'" in refused.reason

    def test_wrong_phase_meeting(self, case: CaseFactory) -> None:
        c = case("thisted", D(2019, 3, 4))
        c.event(D(2019, 3, 5), "screened", category=2)
        refused = c.refused(D(2019, 3, 6), "meeting_held", meeting="rt_meeting")
        assert refused.field == "meeting"
        assert "does not belong to phase sygedagpenge" in refused.reason

    def test_decision_before_screening(self, case: CaseFactory) -> None:
        c = case("thisted", D(2019, 3, 4))
        refused = c.refused(D(2019, 3, 6), "decision_made", decision="jaf_granted")
        assert "screened" in refused.reason

    def test_unknown_assessment(self, case: CaseFactory) -> None:
        c = case("thisted", D(2019, 3, 4))
        refused = c.refused(D(2019, 3, 6), "assessment_recorded", fact="no.such.fact", value=True)
        assert refused.field == "fact"
        assert "unknown fact 'no.such.fact'" in refused.reason


def test_a_refusal_never_echoes_free_text_from_a_code_field(case: CaseFactory) -> None:
    """A caller who puts a CPR number or a diagnosis in a code field gets no echo of it."""
    c = case("thisted", D(2019, 3, 4))
    refused = c.refused(D(2019, 3, 6), "certificate_received", certificate="notes from Dr Hansen")
    assert "Hansen" not in refused.reason
    assert "withheld" in refused.reason
    # A CPR-shaped value does not even become an event (domain/case/events.py).
    with pytest.raises(ValidationError) as invalid:
        EVENT_ADAPTER.validate_python(
            {"type": "certificate_received", "event_id": "e", "effective_date": D(2019, 3, 6)}
            | {"certificate": "010190-1234"}
        )
    assert "010190" not in str(invalid.value).split("input_value")[0]
    c.event(D(2019, 3, 5), "screened", category=2)
    refused = c.refused(D(2019, 3, 6), "decision_made", decision="depression F32 severe")
    assert "F32" not in refused.reason


def test_advancing_a_probe_leaves_the_case_untouched(case: CaseFactory) -> None:
    """The update validator advances a probe copy; the real case must not change."""
    c = case("thisted", D(2019, 3, 4), first_absence_day=D(2019, 3, 1))
    c.event(D(2019, 3, 5), "screened", category=2)
    before = c.state.dump()
    copy = engine.probe(c.state)
    engine.advance(copy, c.rules, D(2019, 9, 1))
    assert copy.obligations["sdp.followup.1"].status is ObligationStatus.MISSED
    assert c.state.dump() == before
