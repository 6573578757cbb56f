"""Repeating duties keep the law's schedule whatever happened to the last instance.

Per duty, the anchor the law implies:
- sygedagpenge follow-up, "herefter mindst hver 4. uge" (SDL § 13b; sequence [001:L1142]):
  from the last held; after a miss, from the day the missed one was due;
- LY jobsamtale, "senest hver gang borger har modtaget ledighedsydelse i 3 mdr." [001:L1162]:
  a fixed calendar counted from the start of LY;
- JAF and RF conversations, "mindst 6 gange indenfor 12 kalender måneder" [001:L1216;
  RF § 18 stk. 3-4, 001:L1182]: a count in each 12-month window, not a cadence;
- the first dagpenge conversation is the fællessamtale [001:L1069-1071]: one deadline, the
  joint window's end [001:L5874].
"""

from __future__ import annotations

from datetime import date as D

from domain.case import engine
from domain.case.engine import CaseStart
from domain.case.model import ObligationStatus, PhaseName
from domain.rulebook import Rulebook
from tests.domain.conftest import CaseDriver, CaseFactory

MET, MISSED, OPEN = ObligationStatus.MET, ObligationStatus.MISSED, ObligationStatus.OPEN


def _jaf(rulebook: Rulebook, municipality: str, opened_on: D) -> CaseDriver:
    return CaseDriver(
        rulebook,
        CaseStart(
            case_id="T-0001",
            municipality=municipality,
            opened_on=opened_on,
            phase=PhaseName.JOBAFKLARINGSFORLOEB,
        ),
    )


def _statuses(case: CaseDriver, prefix: str, numbers: range) -> list[ObligationStatus]:
    return [case.obligation(f"{prefix}{n}").status for n in numbers]


def test_sygedagpenge_follow_ups_go_on_after_each_miss(case: CaseFactory) -> None:
    c = case("thisted", D(2019, 3, 4), first_absence_day=D(2019, 3, 1))
    c.event(D(2019, 3, 5), "screened", category=2).until(D(2019, 7, 1))
    # Nothing held: every 4 weeks one more is missed, none is ever left out.
    dues = [c.obligation(f"sdp.followup.{n}").due_on for n in range(1, 5)]
    assert dues == [D(2019, 4, 25), D(2019, 5, 23), D(2019, 6, 20), D(2019, 7, 18)]
    assert _statuses(c, "sdp.followup.", range(1, 5)) == [MISSED, MISSED, MISSED, OPEN]
    missed_lines = [e for e in c.state.timeline if e.kind.value == "obligation_missed"]
    assert {e.subject for e in missed_lines} >= {"sdp.followup.1", "sdp.followup.2"}


def test_sygedagpenge_follow_up_counts_from_the_last_held(case: CaseFactory) -> None:
    c = case("thisted", D(2019, 3, 4), first_absence_day=D(2019, 3, 1))
    c.event(D(2019, 3, 5), "screened", category=2).until(D(2019, 6, 1))
    c.event(D(2019, 6, 3), "meeting_held", meeting="followup_conversation")
    held = next(r for r in c.state.obligations.values() if r.met_on == D(2019, 6, 3))
    number = int(held.id.rsplit(".", 1)[1])
    assert _statuses(c, "sdp.followup.", range(1, number)) == [MISSED] * (number - 1)
    assert c.obligation(f"sdp.followup.{number + 1}").due_on == D(2019, 7, 1)


def test_ly_contacts_keep_the_calendar_of_months_of_ly(case: CaseFactory) -> None:
    c = case("frederikshavn", D(2019, 1, 1), phase=PhaseName.FLEKSJOB)
    c.event(D(2019, 1, 1), "decision_made", decision="ly_started")
    c.event(D(2019, 1, 15), "meeting_held", meeting="cv_conversation")
    c.until(D(2019, 7, 15))
    assert _statuses(c, "ly.1.contact.", range(1, 3)) == [MISSED, MISSED]
    third = c.obligation("ly.1.contact.3")
    assert (third.status, third.due_on) == (OPEN, D(2019, 10, 1))
    # Held late: the calendar does not move.
    c.event(D(2019, 8, 1), "meeting_held", meeting="jobsamtale")
    assert c.obligation("ly.1.contact.3").met_on == D(2019, 8, 1)
    assert c.obligation("ly.1.contact.4").due_on == D(2020, 1, 1)


def test_jaf_six_conversations_are_counted_in_their_twelve_months(rulebook: Rulebook) -> None:
    c = _jaf(rulebook, "thisted", D(2019, 1, 7))
    window = [f"jaf.1.conversation.w1.{n}" for n in range(1, 7)]
    assert {c.obligation(i).due_on for i in window} == {D(2020, 1, 6)}
    # Seven held in the first three months: the count is met, nothing is missed later.
    for day in (8, 9, 10, 11, 14, 15, 16):
        c.event(D(2019, 2, day), "meeting_held", meeting="contact_conversation")
    assert [c.obligation(i).status for i in window] == [MET] * 6
    c.until(D(2020, 1, 6))
    assert not [r for r in c.state.obligations.values() if r.status is MISSED and "conv" in r.id]
    # The next window opens on its first day.
    c.until(D(2020, 1, 7))
    assert c.obligation("jaf.1.conversation.w2.1").status is OPEN


def test_jaf_fewer_than_six_are_missed_when_the_window_closes(rulebook: Rulebook) -> None:
    c = _jaf(rulebook, "thisted", D(2019, 1, 7))
    c.event(D(2019, 3, 1), "meeting_held", meeting="contact_conversation")
    c.event(D(2019, 9, 1), "meeting_held", meeting="contact_conversation")
    c.until(D(2020, 1, 6))
    assert _statuses(c, "jaf.1.conversation.w1.", range(1, 7)) == [MET, MET, *[OPEN] * 4]
    c.until(D(2020, 1, 7))
    assert _statuses(c, "jaf.1.conversation.w1.", range(1, 7)) == [MET, MET, *[MISSED] * 4]


def test_jaf_conversation_bookings_are_spread_though_all_are_due_at_the_window_end(
    rulebook: Rulebook,
) -> None:
    c = _jaf(rulebook, "thisted", D(2019, 1, 7))
    spans = []
    for n in range(1, 7):
        action = c.obligation(f"jaf.1.conversation.w1.{n}").action
        assert action is not None
        spans.append((action.earliest, action.latest))
    assert spans[0] == (D(2019, 1, 7), D(2019, 3, 7))
    assert spans[-1] == (D(2019, 11, 7), D(2020, 1, 6))


def test_rf_conversations_are_a_count_per_twelve_months(case: CaseFactory) -> None:
    c = case("aalborg", D(2019, 3, 1), phase=PhaseName.RESSOURCEFORLOEB, end_on=D(2022, 3, 1))
    c.until(D(2020, 3, 1))
    assert _statuses(c, "rf.conversation.w1.", range(1, 7)) == [MISSED] * 6
    assert c.obligation("rf.conversation.w2.1").due_on == D(2021, 2, 28)
    # The 6-monthly plan's schedule goes on too [001:L3321].
    assert c.obligation("rf.plan.1").status is MISSED
    assert (c.obligation("rf.plan.2").status, c.obligation("rf.plan.2").due_on) == (
        OPEN,
        D(2020, 3, 1),
    )


def test_the_first_dagpenge_conversation_has_one_deadline(case: CaseFactory) -> None:
    c = case("morsoe", D(2019, 1, 7), phase=PhaseName.KONTAKTFORLOEB)
    first = c.obligation("kontakt.1.jobsamtale.1")
    assert first.due_on == c.obligation("kontakt.faellessamtale").due_on == D(2019, 2, 18)


def test_a_run_recorded_before_keeps_its_silent_schedule(rulebook: Rulebook) -> None:
    """Only a workflow replaying an old run sets the flag; it must plan as it did then."""
    rules = Rulebook.from_slice(rulebook.slice_for("thisted"))
    start = CaseStart(
        case_id="T-0001",
        municipality="thisted",
        opened_on=D(2019, 1, 7),
        phase=PhaseName.JOBAFKLARINGSFORLOEB,
    )
    state = engine.open_case(start, rules, schedules_stop_at_a_miss=True)
    assert state.obligations["jaf.1.conversation.1"].due_on == D(2019, 3, 7)
    engine.advance(state, rules, D(2019, 6, 1))
    assert state.obligations["jaf.1.conversation.1"].status is MISSED
    assert "jaf.1.conversation.2" not in state.obligations


def test_jaf_conversations_must_be_personal_under_standard_law(rulebook: Rulebook) -> None:
    # "individuelle personlige samtaler" [001:L1208]: jaf.conversations.forms is read.
    c = _jaf(rulebook, "thisted", D(2019, 1, 7))
    refused = c.refused(D(2019, 2, 1), "meeting_held", meeting="contact_conversation", form="phone")
    assert refused.field == "form" and "jaf.conversations.forms" in refused.reason


def test_rf_and_ly_conversation_forms_are_read(case: CaseFactory) -> None:
    rf = case("aalborg", D(2019, 3, 1), phase=PhaseName.RESSOURCEFORLOEB, end_on=D(2022, 3, 1))
    refused = rf.refused(
        D(2019, 4, 1), "meeting_held", meeting="contact_conversation", form="group"
    )
    assert "rf.conversations.forms" in refused.reason
    ly = case("frederikshavn", D(2019, 1, 1), phase=PhaseName.FLEKSJOB)
    ly.event(D(2019, 1, 1), "decision_made", decision="ly_started")
    refused = ly.refused(D(2019, 2, 1), "meeting_held", meeting="jobsamtale", form="phone")
    assert "ly.contact.forms" in refused.reason
    ly.event(D(2019, 2, 2), "meeting_held", meeting="jobsamtale", form="phone_in_offer")


def test_a_sickness_benefit_extension_needs_a_return_within_134_weeks(case: CaseFactory) -> None:
    c = case("thisted", D(2019, 3, 4), first_absence_day=D(2019, 3, 1))
    c.event(D(2019, 3, 5), "screened", category=2)
    refused = c.refused(
        D(2019, 7, 1), "decision_made", decision="sdp_extended", expected_recovery_on=D(2022, 6, 1)
    )
    assert "sdp.extension.back_at_work_within_weeks" in refused.reason
    assert "2021-09-24" in refused.reason and "jobafklaring" in refused.reason
    assert c.refused(D(2019, 7, 1), "decision_made", decision="sdp_extended")
    c.event(
        D(2019, 7, 1), "decision_made", decision="sdp_extended", expected_recovery_on=D(2019, 12, 1)
    )
    assert c.obligation("sdp.reassessment").status.value == "met"


def test_a_duty_withdrawn_at_a_phase_change_names_the_decision_and_its_law(
    rulebook: Rulebook,
) -> None:
    c = _jaf(rulebook, "thisted", D(2019, 1, 7))
    c.event(D(2019, 1, 20), "certificate_received", certificate="LAE265")
    c.event(D(2019, 2, 1), "meeting_held", meeting="rt_meeting", recommendation="foertidspension")
    c.event(D(2019, 2, 5), "decision_made", decision="foep_granted")
    record = c.obligation("jaf.1.conversation.w1.1")
    assert record.status is ObligationStatus.WITHDRAWN
    (line,) = [
        e
        for e in c.state.timeline
        if e.subject == record.id and e.kind.value == "obligation_withdrawn"
    ]
    assert "by decision_made: decision=foep_granted on 2019-02-05" in line.summary
    assert "LAB § 16 stk. 8" in line.summary
