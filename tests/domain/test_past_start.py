"""Cases that start in the past (migrated from an earlier system): a real-clock case opened
with an earlier start date is brought to today one past wake-up at a time, each on the law
of its day as known then; no action is asked for a duty already past, and past-due duties
show as missed on their own dates."""

from __future__ import annotations

from datetime import date

from domain.case import engine
from domain.case.engine import CaseStart
from domain.case.model import ObligationStatus, PhaseName, TimelineKind
from domain.case.scenario import Scenario, run_scenario, sliced
from domain.rulebook import Rulebook

D = date
TODAY = D(2026, 12, 3)


def _start(phase: PhaseName, opened_on: date, **entry: str) -> CaseStart:
    return CaseStart(
        case_id="MIG-0001", municipality="jammerbugt", opened_on=opened_on, phase=phase, entry=entry
    )


def test_a_case_opened_in_2018_keeps_the_2018_regime_on_its_2018_duties(
    rulebook: Rulebook,
) -> None:
    rules = sliced(rulebook, "jammerbugt")
    state = engine.open_case(
        _start(PhaseName.SYGEDAGPENGE, D(2018, 3, 5), first_absence_day="2018-03-01"), rules
    )

    engine.advance(state, rules, TODAY)  # the real clock: one call, eight years later

    screening = state.obligations["sdp.screening"]
    assert screening.status is ObligationStatus.MISSED
    assert screening.missed_on == D(2018, 3, 6)
    assert screening.regime == "STANDARD_2015"
    changes = [(e.on, e.summary) for e in state.timeline if e.kind is TimelineKind.REGIME_CHANGED]
    assert [on for on, _ in changes][:1] == [D(2020, 1, 1)]  # walked, not jumped over
    assert state.regimes == ("STANDARD_2020",)
    assert state.today == TODAY
    assert state.pending_actions == []


def test_no_meeting_or_certificate_is_asked_for_in_the_past(rulebook: Rulebook) -> None:
    rules = sliced(rulebook, "jammerbugt")
    state = engine.open_case(_start(PhaseName.JOBAFKLARINGSFORLOEB, D(2018, 5, 1)), rules)
    asked_at_opening = list(state.pending_actions)
    assert asked_at_opening, "a JAF case opens with a team meeting or certificate to ask for"

    engine.advance(state, rules, TODAY)

    # What is asked for now belongs to duties still ahead (the current window's
    # conversations: a schedule never goes silent), never to one that fell due in the past.
    for obligation_id in state.pending_actions:
        pending = state.obligations[obligation_id]
        assert pending.status is ObligationStatus.OPEN
        assert pending.due_on >= TODAY
        assert obligation_id not in asked_at_opening
    for obligation_id in asked_at_opening:
        record = state.obligations[obligation_id]
        assert record.status is not ObligationStatus.OPEN
        assert record.receipt is None
        if record.status is ObligationStatus.MISSED:
            # Missed on its own date under the law of then (a window's conversations fall
            # due at the window's end, 2019-05-01), before the 2020 law took over.
            assert record.missed_on is not None and record.missed_on < D(2020, 1, 1)
            assert record.regime != "STANDARD_2020"


def test_jumping_to_today_tells_the_story_of_waking_at_every_wakeup(rulebook: Rulebook) -> None:
    start = _start(PhaseName.SYGEDAGPENGE, D(2019, 9, 2), first_absence_day="2019-08-29")
    rules = sliced(rulebook, "jammerbugt")
    jumped = engine.open_case(start, rules)
    engine.note_rulebook(jumped, rules.content_hash, start.opened_on)
    engine.advance(jumped, rules, D(2022, 6, 1))

    walked = run_scenario(Scenario(name="walked", case=start, until=D(2022, 6, 1)), rulebook)

    assert jumped.timeline == walked.state.timeline
    assert jumped.obligations == walked.state.obligations
    assert jumped.regimes == walked.state.regimes
