"""The trajectory engine: events and the passing of time in, obligations and actions out.

Pure and deterministic: no clock (the caller says what day it is), no I/O, no
randomness. The workflow shell and the scenario runner call the same three entry
points in the same order, which is why their timelines are identical:

- `advance(state, rulebook, today)`: time has passed; recompute obligations, note regime
  changes, mark missed deadlines, queue actions.
- `handle_event(state, event, rulebook, today)`: advance, validate, apply, advance.
- `record_action(state, obligation_id, receipt)`: the outside world did what was asked.

A case plans on the law as known on its own today. When its calendar passes a decision day
(every one is a wake-up) it re-plans on that day, and each obligation that moved, appeared
or was cancelled gets a line naming the decision (`domain.case.law_change`); a late step
(a case opened with a start date in the past) walks the wake-ups in between, so each past
day is planned on the law known then and no action is asked for a duty already past.

For speed the functions update the state they are given (a case-year is thousands of
small steps); `validate_event` never does, so a refused event leaves no trace.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from copy import copy, deepcopy
from dataclasses import replace
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from domain.case.dates import day_after
from domain.case.events import (
    AssessmentRecorded,
    CaseEvent,
    CertificateReceived,
    ConsentGiven,
    ConsentWithdrawn,
    DecisionMade,
    MeetingHeld,
)
from domain.case.facts import accepts, declared_fact
from domain.case.identifiers import check_reference, quoted
from domain.case.law_change import ReplanCause, decisions_learned
from domain.case.model import (
    CLOSED,
    ActionReceipt,
    CaseState,
    EngineMemo,
    EventReceipt,
    ExemptionLock,
    FactValue,
    Obligation,
    ObligationRecord,
    PhaseName,
    TimelineEntry,
    TimelineKind,
)
from domain.case.obligations import (
    EXEMPTED,
    MISSED,
    OPEN,
    PENDING,
    WITHDRAWN,
    mark_met,
    note,
)
from domain.case.operations import OperationalSettings, load_operational_settings
from domain.case.phase import EventRefused, Transition
from domain.case.phases import phase_for
from domain.case.phases.occasions import check_occasion, check_start_facts, record_fact
from domain.case.phases.regimes import event_regime
from domain.case.phases.trial_events import check_trial_only_fact
from domain.case.reforms import refuse_if_abolished
from domain.case.rules_view import RuleView, window_regimes
from domain.rulebook import Rulebook, citation_text

__all__ = [
    "CaseStart",
    "EventRefused",
    "advance",
    "event_fingerprint",
    "handle_event",
    "next_wakeup",
    "note_rulebook",
    "open_case",
    "probe",
    "record_action",
    "record_action_failure",
    "validate_event",
]


class CaseStart(BaseModel):
    """How a case begins: where, for whom (target group), in which phase, on which day."""

    case_id: str
    municipality: str
    opened_on: date
    phase: PhaseName = PhaseName.SYGEDAGPENGE
    target_group: str | None = None
    facts: dict[str, FactValue] = Field(default_factory=dict)
    entry: dict[str, Any] = Field(default_factory=dict)
    """Phase entry data, e.g. {"first_absence_day": "2019-03-04"} for sygedagpenge."""
    reform: str | None = None
    settings: OperationalSettings | None = None
    """Operational practice; None takes the packaged defaults (domain/case/operations.yaml)."""


def open_case(
    start: CaseStart,
    rulebook: Rulebook,
    *,
    plans_on_all_law: bool = False,
    schedules_stop_at_a_miss: bool = False,
    decisions_without_preconditions: bool = False,
    phases_outlive_their_law: bool = False,
    facts_outlive_their_occasion: bool = False,
    conversation_rules_unread: bool = False,
) -> CaseState:
    """A new case, advanced to its opening day. Raises EventRefused on bad input.

    `plans_on_all_law`, `schedules_stop_at_a_miss`, `decisions_without_preconditions` and
    `phases_outlive_their_law` (and `facts_outlive_their_occasion`,
    `conversation_rules_unread`) only for a workflow
    replaying a run recorded before
    those changes (see `EngineMemo`): they must hold from the first step, which already
    plans the opening phase's duties."""
    try:
        check_reference(start.case_id, "case_id")
    except ValueError as error:
        raise EventRefused("case_id", str(error)) from None
    try:
        municipality = rulebook.municipality(start.municipality).id
    except LookupError:
        raise EventRefused("municipality", "unknown municipality") from None
    phase = phase_for(start.phase)
    target_group = start.target_group or phase.target_group
    try:
        target_group = rulebook.target_group(target_group).code
    except LookupError:
        raise EventRefused("target_group", "unknown target group") from None
    refuse_if_abolished(
        rulebook,
        start.reform,
        municipality=municipality,
        target_group=target_group,
        phase=start.phase,
        on=start.opened_on,
        field="phase",
    )
    state = CaseState(
        case_id=start.case_id,
        municipality=municipality,
        target_group=target_group,
        phase=start.phase,
        phase_started_on=start.opened_on,
        opened_on=start.opened_on,
        today=start.opened_on,
        reform=start.reform,
        settings=(start.settings or load_operational_settings()).model_dump(),
        phase_history=[(start.phase, start.opened_on)],
    )
    state.memo.plans_on_all_law = plans_on_all_law
    state.memo.schedules_stop_at_a_miss = schedules_stop_at_a_miss
    state.memo.decisions_without_preconditions = decisions_without_preconditions
    state.memo.phases_outlive_their_law = phases_outlive_their_law
    state.memo.facts_outlive_their_occasion = facts_outlive_their_occasion
    state.memo.conversation_rules_unread = conversation_rules_unread
    _check_facts(rulebook, start.facts, allowed_sources=None)
    check_start_facts(state, RuleView(rulebook, state, start.opened_on), start.facts)
    state.facts.update(start.facts)
    state.timeline.append(
        TimelineEntry(
            on=start.opened_on,
            kind=TimelineKind.CASE_OPENED,
            subject=start.phase.value,
            summary=f"Case opened in {start.phase.value} (target group {target_group})",
            phase=start.phase,
        )
    )
    view = RuleView(rulebook, state, start.opened_on)
    phase.enter(state, view, Transition(to=start.phase, on=start.opened_on, data=start.entry))
    advance(state, rulebook, start.opened_on)
    return state


def event_fingerprint(event: CaseEvent) -> str:
    """Content hash of an event, so a reused event id with other content is caught."""
    # Field order is the model's declaration order, so the JSON is canonical for a type.
    # The model's own serializer, called directly: the same bytes as `model_dump_json`
    # (receipts already stored keep matching) without its keyword handling and re-encoding.
    return hashlib.sha256(type(event).__pydantic_serializer__.to_json(event)).hexdigest()[:16]


def validate_event(
    state: CaseState,
    event: CaseEvent,
    rulebook: Rulebook,
    today: date,
    view: RuleView | None = None,
) -> None:
    """Raise EventRefused if `event` cannot be applied on `today`. Never changes `state`.

    `view` is the case's rule view on `today`, when the caller already has it."""
    if state.closed:
        raise EventRefused("type", "the case is closed")
    if event.effective_date > today:
        raise EventRefused(
            "effective_date",
            f"{event.effective_date.isoformat()} is in the future (case date {today.isoformat()})",
        )
    if event.effective_date < state.opened_on:
        raise EventRefused(
            "effective_date",
            f"{event.effective_date.isoformat()} is before the case was opened "
            f"({state.opened_on.isoformat()})",
        )
    if view is None:
        view = RuleView(rulebook, state, today)
    phase = phase_for(state.phase)
    if isinstance(event, AssessmentRecorded):
        _check_facts(
            rulebook, {event.fact: event.value}, allowed_sources={"assessment", "journal_note"}
        )
        check_trial_only_fact(state, rulebook, event.fact, event.effective_date)
        check_occasion(state, view, event.fact, event.value, event.effective_date)
        return
    if isinstance(event, ConsentGiven | ConsentWithdrawn):
        _check_facts(rulebook, {event.consent: True}, allowed_sources={"consent"}, field="consent")
        if isinstance(event, ConsentGiven):  # a withdrawal is always taken
            check_trial_only_fact(state, rulebook, event.consent, event.effective_date)
            check_occasion(state, view, event.consent, True, event.effective_date, field="consent")
        return
    if event.effective_date < state.phase_started_on:
        raise EventRefused(
            "effective_date",
            f"{event.effective_date.isoformat()} is before the current phase "
            f"({state.phase.value}) began on {state.phase_started_on.isoformat()}",
        )
    if isinstance(event, CertificateReceived):
        known = view.value("certificate.types")
        if event.certificate not in known:
            raise EventRefused(
                "certificate",
                f"unknown certificate type {quoted(event.certificate)} (known: {', '.join(known)})",
            )
    elif isinstance(event, MeetingHeld) and event.meeting not in phase.meeting_kinds:
        raise EventRefused(
            "meeting",
            f"a {quoted(event.meeting)} meeting does not belong to phase {state.phase.value} "
            f"(expected one of: {', '.join(sorted(phase.meeting_kinds))})",
        )
    phase.validate(state, event, view)


def probe(state: CaseState) -> CaseState:
    """A copy of the case that `advance` may change without touching the original.

    The update validator advances it; validators do not run when a workflow replays, so
    anything they changed in the real case would make the replay diverge. Cheaper than a
    deep copy (tens of milliseconds on a long case): the timeline entries and event
    receipts, which `advance` never changes, are shared.
    """
    twin = replace(
        state,
        obligations={k: copy(r) for k, r in state.obligations.items()},
        timeline=list(state.timeline),
        pending_actions=list(state.pending_actions),
        exemption_locks=dict(state.exemption_locks),
        facts=dict(state.facts),
        phase_data=deepcopy(state.phase_data),
    )
    # The wake-up is shared; the rule window (with the parts phases derived) is not. Its
    # rule answers are shared by all cases in the same rule context anyway.
    memo = state.memo
    twin.memo = EngineMemo(
        next_wakeup=memo.next_wakeup,
        rulebook_hash=memo.rulebook_hash,
        regimes_on_window_start_only=memo.regimes_on_window_start_only,
        plans_on_all_law=memo.plans_on_all_law,
        schedules_stop_at_a_miss=memo.schedules_stop_at_a_miss,
        decisions_without_preconditions=memo.decisions_without_preconditions,
        phases_outlive_their_law=memo.phases_outlive_their_law,
        facts_outlive_their_occasion=memo.facts_outlive_their_occasion,
        conversation_rules_unread=memo.conversation_rules_unread,
        end_decisions_withdrawn=memo.end_decisions_withdrawn,
    )
    return twin


def handle_event(
    state: CaseState, event: CaseEvent, rulebook: Rulebook, today: date
) -> EventReceipt:
    """Apply one event on `today`. A repeated event id returns its first receipt unchanged."""
    first = state.events.get(event.event_id)
    if first is not None:
        if first.fingerprint != event_fingerprint(event):
            raise EventRefused("event_id", "this event id was already used for a different event")
        return first
    advance(state, rulebook, today)
    view = RuleView(rulebook, state, today)
    validate_event(state, event, rulebook, today, view)
    if state.reform is not None and isinstance(event, DecisionMade):
        _refuse_abolished_move(state, event, rulebook, today)
    state.memo.forget_changes()
    phase = phase_for(state.phase)
    summary = _describe(event)
    state.timeline.append(
        TimelineEntry(  # positional, as in `obligations.note`: one line per event
            event.effective_date,
            TimelineKind.EVENT,
            event.type,
            summary,
            event_regime(state, event, view),
            (),
            state.phase,
        )
    )
    transition: Transition | None = None
    if isinstance(event, AssessmentRecorded):
        record_fact(state, view, event.fact, event.value, event.effective_date)
    elif isinstance(event, ConsentGiven):
        record_fact(state, view, event.consent, True, event.effective_date)
    elif isinstance(event, ConsentWithdrawn):
        state.facts[event.consent] = False
    else:
        if isinstance(event, MeetingHeld):
            _meet(state, f"meeting:{event.meeting}", event.effective_date)
        elif isinstance(event, CertificateReceived):
            _meet(state, f"certificate:{event.certificate}", event.effective_date)
        transition = phase.apply(state, event, view)
    if transition is not None:
        _change_phase(state, transition, rulebook, cause=summary)
        advance(state, rulebook, today)
    elif view.on == state.today and state.facts == view.window.facts:
        # Same day, same phase, same facts: the view that validated the event still holds.
        _step(state, rulebook, today, view)
    else:
        advance(state, rulebook, today)
    receipt = EventReceipt(
        event_id=event.event_id,
        event_type=event.type,
        applied_on=event.effective_date,
        phase=state.phase,
        summary=summary,
        fingerprint=event_fingerprint(event),
    )
    state.events[event.event_id] = receipt
    return receipt


def _refuse_abolished_move(
    state: CaseState, event: DecisionMade, rulebook: Rulebook, today: date
) -> None:
    """Under a what-if reform, a decision may not move the case into a phase the reform
    abolishes. The decision is tried on a copy: only the phase knows where it leads."""
    twin = probe(state)
    transition = phase_for(twin.phase).apply(twin, event, RuleView(rulebook, twin, today))
    if transition is not None:
        refuse_if_abolished(
            rulebook,
            state.reform,
            municipality=state.municipality,
            target_group=state.target_group,
            phase=transition.to,
            on=transition.on,
            field="decision",
        )


def advance(state: CaseState, rulebook: Rulebook, today: date) -> None:
    """Bring the case up to `today`: regimes, obligations, missed deadlines, actions."""
    today = max(today, state.today)
    memo = state.memo
    cached = memo.next_wakeup
    if cached is not None and memo.rulebook_hash == rulebook.content_hash:
        # Nothing changed since the last step, and nothing can happen before the next
        # wake-up without an event: that is what the wake-up means (phases whose answers
        # move with time report those dates as wake-ups). Most steps end here.
        wake = cached[0]
        if today == state.today:
            return
        if wake is None or today < wake:
            state.today = today
            return
    if state.phase is CLOSED:
        state.today = today
        return
    if not memo.plans_on_all_law and cached is not None and (today - state.today).days > 1:
        _catch_up(state, rulebook, today)
        if state.phase is CLOSED:
            state.today = today
            return
    _step(state, rulebook, today, RuleView(rulebook, state, today))


def _catch_up(state: CaseState, rulebook: Rulebook, today: date) -> None:
    """Step through the wake-ups before `today` that a late step would jump over (a case
    opened with a start date in the past, a timer that fired late), each on the law known
    on its day. What fell due on the way is missed on its own date; no action is asked in
    the past for an obligation that is no longer open when the case reaches today."""
    memo = state.memo
    stepped = False
    while state.phase is not CLOSED:
        cached = memo.wakeup_under(rulebook.content_hash)
        wake = None if cached is None else cached[0]
        if wake is None or wake >= today:
            break
        _step(state, rulebook, wake, RuleView(rulebook, state, wake))
        stepped = True
    if stepped:
        obligations = state.obligations
        state.pending_actions = [i for i in state.pending_actions if obligations[i].status is OPEN]


def _step(
    state: CaseState,
    rulebook: Rulebook,
    today: date,
    view: RuleView,
    cause: ReplanCause | None = None,
) -> None:
    """A full step on `today` with the case's rule view for that day.

    A step that passes a decision day re-plans with that decision as its cause (so does one
    given a `cause`, see `domain.case.replan`)."""
    memo = state.memo
    if cause is None and not memo.plans_on_all_law and today > state.today:
        cause = decisions_learned(rulebook, state.today, today)
    if not memo.phases_outlive_their_law and _ended_by_law(state, rulebook, today, view):
        return
    _note_regimes(state, view.rulebook, view, today)
    obligations = _phase_obligations(state, view, memo)
    due_change = _reconcile(state, obligations, today, cause, rulebook.content_hash)
    # A missed instance of a repeating duty brings its next one (schedules never go silent),
    # so the phase is asked again; each round can only move a schedule forward. The rounds
    # add instances by the law's schedule, not by a law change: they carry no cause.
    while state.memo.missed_in_step and not memo.schedules_stop_at_a_miss:
        state.memo.missed_in_step = False
        obligations = _fresh_obligations(state, view, memo)
        due_change = _reconcile(state, obligations, today, None, rulebook.content_hash)
    memo.missed_in_step = False
    state.today = today
    memo.next_wakeup = (_next_wakeup(state, view, due_change),)
    memo.rulebook_hash = rulebook.content_hash


def _ended_by_law(state: CaseState, rulebook: Rulebook, today: date, view: RuleView) -> bool:
    """A phase that only a trial provides ends when the trial does (DOMAIN §8.15 as
    corrected): the case is not left in it with the trial's exemptions. True when the step
    closed the case; a move to another phase has already stepped it there."""
    ended_by_law = getattr(phase_for(state.phase), "ended_by_law", None)
    ending = None if ended_by_law is None else ended_by_law(state, view)
    if ending is None:
        return False
    transition, cause = ending
    _change_phase(state, transition, rulebook, cause=cause)
    state.memo.forget_changes()
    if state.phase is CLOSED:
        state.today = today
        state.memo.next_wakeup = (None,)
        state.memo.rulebook_hash = rulebook.content_hash
    else:
        _step(state, rulebook, today, RuleView(rulebook, state, today))
    return True


def replan_step(state: CaseState, rulebook: Rulebook, today: date, cause: ReplanCause) -> None:
    """A full step on `today` that re-plans every obligation with `cause` (for
    `domain.case.replan`): nothing cached about the case is reused."""
    state.memo.forget_everything()
    today = max(today, state.today)
    if state.phase is CLOSED:
        state.today = today
        return
    _step(state, rulebook, today, RuleView(rulebook, state, today), cause)


def record_action(state: CaseState, obligation_id: str, receipt: ActionReceipt) -> None:
    """The shell performed an obligation's action (certificate requested, meeting booked)."""
    if obligation_id in state.pending_actions:
        state.pending_actions.remove(obligation_id)
    record = state.obligations.get(obligation_id)
    if record is None or record.receipt is not None:
        return
    record.receipt = receipt
    action = record.action
    what = "action"
    if action is not None:
        what = (
            f"{action.certificate} requested"
            if action.certificate
            else f"{action.meeting} booked"
            if action.meeting
            else "citizen notified"
        )
    state.timeline.append(
        TimelineEntry(  # positional, as in `obligations.note`: one line per action
            receipt.performed_on,
            TimelineKind.ACTION_PERFORMED,
            obligation_id,
            f"{record.title}: {what}",
            record.regime,
            record.citations,
            record.phase,
        )
    )


def record_action_failure(state: CaseState, obligation_id: str, reason: str, on: date) -> None:
    """The outside world refused an action for good; the obligation stays open for a person."""
    if obligation_id in state.pending_actions:
        state.pending_actions.remove(obligation_id)
    record = state.obligations.get(obligation_id)
    if record is None:
        return
    state.timeline.append(
        TimelineEntry(
            on=on,
            kind=TimelineKind.ACTION_FAILED,
            subject=obligation_id,
            summary=f"{record.title}: action refused by the receiving system ({reason})",
            regime=record.regime,
            citations=record.citations,
            phase=record.phase,
        )
    )


def note_rulebook(state: CaseState, content_hash: str, on: date) -> None:
    """Record which rules the case runs on; a new rulebook reaches a case at a run start."""
    if state.rulebook_hash == content_hash:
        return
    previous = state.rulebook_hash
    state.rulebook_hash = content_hash
    state.timeline.append(
        TimelineEntry(
            on=on,
            kind=TimelineKind.RULES_LOADED,
            subject=content_hash[:12],
            summary=(
                f"Rulebook {content_hash[:12]} in use"
                + (f" (was {previous[:12]})" if previous else "")
            ),
            phase=state.phase,
        )
    )


def next_wakeup(state: CaseState, rulebook: Rulebook) -> date | None:
    """The next day on which something can happen without an event, or None."""
    if state.closed:
        return None
    cached = state.memo.wakeup_under(rulebook.content_hash)
    if cached is not None:
        return cached[0]
    # Rare (a case read back without its memo): the answer a step on the case's own day
    # gives, worked out on a copy so that asking changes nothing.
    twin = probe(state)
    _step(twin, rulebook, twin.today, RuleView(rulebook, twin, twin.today))
    cached = twin.memo.next_wakeup
    assert cached is not None  # a step always leaves its answer
    return cached[0]


def _next_wakeup(state: CaseState, view: RuleView, due_change: date | None) -> date | None:
    """The earliest of: the step's own `due_change` (an obligation opens or a deadline is
    missed), a day the phase asks to be woken, the rule window's end."""
    if state.phase is CLOSED:
        return None
    today = state.today
    candidates = [d for d in phase_for(state.phase).wakeups(state, view) if d > today]
    if view.window.until is not None:
        candidates.append(view.window.until)
    if due_change is not None:
        candidates.append(due_change)
    return min(candidates) if candidates else None


# --- internals -------------------------------------------------------------------------


def _phase_obligations(state: CaseState, view: RuleView, memo: EngineMemo) -> list[Obligation]:
    """The phase's obligations, reused from the last full step when no event came since,
    the rule window is the same one (or continues it with the same answers) and the day is
    before the one on which the phase's answer can change with time (never, for a phase
    that does not change between events; see `Phase.changes_between_events`).

    Between events only time passes, so such a phase gives the same answer; the step still
    reconciles it against the new day (an obligation opens, a deadline is missed). This is
    what a wake-up costs: the step contract's check (`run_scenario_every_day`) forgets it.
    """
    last = memo.obligations
    if last is not None and last[0] is state.phase and (last[3] is None or view.on < last[3]):
        window = view.window
        if last[1] is window:
            return last[2]
        if window.continues is last[1]:
            # A boundary or decision day passed that answers every rule the same: the
            # phase's answer is the same too (the step still reconciles it with its cause).
            memo.obligations = (state.phase, window, last[2], last[3])
            return last[2]
    return _fresh_obligations(state, view, memo)


def _fresh_obligations(state: CaseState, view: RuleView, memo: EngineMemo) -> list[Obligation]:
    """The phase's obligations computed now, remembered with the day they hold until."""
    phase = phase_for(state.phase)
    obligations = phase.obligations(state, view)
    holds: date | None = None
    if phase.changes_between_events:
        horizon = getattr(phase, "holds_until", None)
        holds = view.on if horizon is None else horizon(state, view)
    memo.obligations = (state.phase, view.window, obligations, holds)
    return obligations


def _check_facts(
    rulebook: Rulebook,
    facts: Mapping[str, FactValue],
    *,
    allowed_sources: set[str] | None,
    field: str = "fact",
) -> None:
    for name, value in facts.items():
        try:
            declared = declared_fact(rulebook, name)
        except LookupError:
            raise EventRefused(field, f"unknown fact {quoted(name)}") from None
        if allowed_sources is not None and declared.recorded_by not in allowed_sources:
            raise EventRefused(
                field,
                f"{name!r} is recorded by {declared.recorded_by}, not by this event",
            )
        if not accepts(declared, value):
            raise EventRefused("value", f"{name!r} takes a {declared.type} value")


def _describe(event: CaseEvent) -> str:
    match event:
        case AssessmentRecorded():
            return f"Assessment recorded: {event.fact} = {event.value}"
        case ConsentGiven():
            return f"Consent given: {event.consent}"
        case ConsentWithdrawn():
            return f"Consent withdrawn: {event.consent}"
        case MeetingHeld():
            extra = f", indstilling {event.recommendation}" if event.recommendation else ""
            form = f" ({event.form})" if event.form else ""
            return f"Meeting held: {event.meeting}{form}{extra}"
        case CertificateReceived():
            return f"Certificate received: {event.certificate}"
        case _:
            details = ", ".join(
                f"{name}={value.isoformat() if isinstance(value, date) else value}"
                for name in _details_of(type(event))
                if (value := getattr(event, name)) is not None
            )
            return f"{event.type}: {details}" if details else event.type


_DETAILS: dict[type[BaseModel], tuple[str, ...]] = {}


def _details_of(event_type: type[BaseModel]) -> tuple[str, ...]:
    """The fields an event's description lists: all but its envelope (id, date, sender)."""
    names = _DETAILS.get(event_type)
    if names is None:
        envelope = {"event_id", "effective_date", "reported_by", "type"}
        names = _DETAILS[event_type] = tuple(
            name for name in event_type.model_fields if name not in envelope
        )
    return names


def _meet(state: CaseState, key: str, on: date) -> None:
    """Mark the earliest-due open or missed obligation that `key` fulfils as met."""
    earliest: ObligationRecord | None = None
    # A meeting held now is the current instance of its schedule: an open one comes before
    # one already missed, which stays missed (runs recorded before kept the plain order).
    legacy = state.memo.schedules_stop_at_a_miss
    for r in _phase_records(state).values():
        if (
            key in r.met_by
            and r.status in PENDING
            and (earliest is None or _meet_order(r, legacy) < _meet_order(earliest, legacy))
        ):
            earliest = r
    if earliest is not None:
        mark_met(state, earliest, on)


def _meet_order(record: ObligationRecord, legacy: bool) -> tuple[bool, date, str]:
    return (not legacy and record.status is MISSED, record.due_on, record.id)


def _phase_records(state: CaseState) -> dict[str, ObligationRecord]:
    memo = state.memo
    records = memo.phase_records
    if records is None:
        phase = state.phase
        records = {i: r for i, r in state.obligations.items() if r.phase is phase}
        memo.phase_records = records
    return records


def _change_phase(
    state: CaseState, transition: Transition, rulebook: Rulebook, cause: str = ""
) -> None:
    old = state.phase
    on = transition.on
    for record in _phase_records(state).values():
        if record.status is OPEN:
            record.status = WITHDRAWN
            # Never silently: the line names the decision that ended the phase and the law
            # the duty belonged to (its own citations, on the record).
            why = f"{record.title} withdrawn: {old.value} ended"
            if cause and not state.memo.decisions_without_preconditions:
                # What people look up (acts, a trial by its grant letter); the seed lines
                # stay on the record's citations.
                cited = citation_text.reader(rulebook).acts(record.citations, record.regime)
                basis = "; ".join(cited) or record.regime
                why += f" by {cause} on {on.isoformat()}; a duty of that phase ({basis})"
            note(state, on, TimelineKind.OBLIGATION_WITHDRAWN, record, why, phase=old)
    state.pending_actions = [
        i for i in state.pending_actions if state.obligations[i].phase is not old
    ]
    state.phase = transition.to
    state.memo.phase_records = None
    state.phase_started_on = on
    state.phase_history.append((transition.to, on))
    state.phase_data = {}
    state.facts.update(transition.facts)
    if transition.to is CLOSED:
        state.timeline.append(
            TimelineEntry(
                on=on,
                kind=TimelineKind.CASE_CLOSED,
                subject=old.value,
                summary=f"Case closed after {old.value}",
                phase=old,
            )
        )
        return
    new_phase = phase_for(transition.to)
    target_group = transition.target_group or new_phase.target_group
    state.target_group = rulebook.target_group(target_group).code
    state.timeline.append(
        TimelineEntry(
            on=on,
            kind=TimelineKind.PHASE_CHANGED,
            subject=transition.to.value,
            summary=f"{old.value} -> {transition.to.value} (target group {state.target_group})",
            phase=transition.to,
        )
    )
    new_phase.enter(state, RuleView(rulebook, state, on), transition)


def _note_regimes(state: CaseState, rulebook: Rulebook, view: RuleView, today: date) -> None:
    window = view.window
    memo = state.memo
    if memo.regimes_on_window_start_only:
        if window.since < today and state.regimes:
            return
    elif memo.regimes_noted_in is window:
        return  # regimes change only with the rule window (a boundary, a new target group)
    memo.regimes_noted_in = window
    regimes = window_regimes(window, rulebook, state)
    if regimes == state.regimes:
        return
    if state.regimes:
        added = [r for r in regimes if r not in state.regimes]
        removed = [r for r in state.regimes if r not in regimes]
        parts = [f"+{r}" for r in added] + [f"-{r}" for r in removed]
        state.timeline.append(
            TimelineEntry(
                on=today,
                kind=TimelineKind.REGIME_CHANGED,
                subject=",".join(regimes),
                summary="Regimes in force changed: " + " ".join(parts),
                regime=regimes[0],
                phase=state.phase,
            )
        )
    state.regimes = regimes


def _reconcile(
    state: CaseState,
    obligations: list[Obligation],
    today: date,
    cause: ReplanCause | None = None,
    content_hash: str = "",
) -> date | None:
    """Bring the phase's records in line with its obligations on `today`. Returns the next
    day on which they change with time alone: an obligation opens, or the earliest open
    deadline is missed (the day after it).

    With a `cause` (the law changed) each change says so: a fulfilled obligation stays
    fulfilled, one whose new due date has passed is due today and marked overdue because of
    the change (never back-dated as missed), an action already performed is not asked again,
    and a cancelled obligation says why."""
    records = _phase_records(state)
    current: set[str] = set()
    opens: date | None = None
    because = "" if cause is None else cause.because(content_hash)
    for ob in obligations:
        if ob.opens_on > today:
            if opens is None or ob.opens_on < opens:
                opens = ob.opens_on
            continue
        current.add(ob.id)
        record = state.obligations.get(ob.id)
        if record is None:
            _add(state, ob, today, records, cause, because)
            continue
        if record.status is OPEN:
            due_on = ob.due_on
            floor = record.law_changed_on
            if floor is not None and due_on < floor:
                due_on = floor  # made due at once by a change in the law: stays so
            if ob.exempted:
                _exempt(state, record, ob, today, because)
            elif due_on != record.due_on or ob.regime != record.regime:
                if cause is None:
                    record.due_on, record.regime = due_on, ob.regime
                    record.citations, record.reason = ob.citations, ob.reason
                    note(
                        state,
                        today,
                        TimelineKind.OBLIGATION_RECOMPUTED,
                        ob,
                        f"{ob.title} now due {due_on.isoformat()}: {ob.reason}",
                        phase=state.phase,
                    )
                else:
                    _move(state, record, ob, due_on, today, cause, because)
        elif record.status is EXEMPTED and not ob.exempted:
            del state.obligations[ob.id]
            _add(state, ob, today, records, cause, because)
            if cause is not None and record.receipt is not None:
                # asked for before the exemption: not asked again
                state.obligations[ob.id].receipt = record.receipt
                if ob.id in state.pending_actions:
                    state.pending_actions.remove(ob.id)
    due: date | None = None
    for record in records.values():
        if record.status is not OPEN:
            continue
        if record.id not in current:
            _withdraw(state, record, today, cause, because)
        elif record.due_on < today:
            record.status = MISSED
            record.missed_on = day_after(record.due_on)
            state.memo.missed_in_step = True
            note(
                state,
                record.missed_on,
                TimelineKind.OBLIGATION_MISSED,
                record,
                f"{record.title} missed (due {record.due_on.isoformat()})",
                phase=record.phase,
            )
        elif due is None or record.due_on < due:
            due = record.due_on
    missed = None if due is None else day_after(due)
    if opens is None or (missed is not None and missed < opens):
        return missed
    return opens


def _add(  # noqa: PLR0917 - internal helper of _reconcile
    state: CaseState,
    ob: Obligation,
    today: date,
    records: dict[str, ObligationRecord],
    cause: ReplanCause | None,
    because: str,
) -> None:
    if cause is None:
        _create(state, ob, today, records)
    else:
        _create_replanned(state, ob, today, records, cause, because)


def _withdraw(
    state: CaseState,
    record: ObligationRecord,
    today: date,
    cause: ReplanCause | None,
    because: str,
) -> None:
    record.status = WITHDRAWN
    if record.id in state.pending_actions:
        state.pending_actions.remove(record.id)
    summary = f"{record.title} no longer required"
    citations = record.citations
    if cause is not None:
        summary = (
            f"{record.title} cancelled (was due {record.due_on.isoformat()}): "
            f"not required under the new law: {because}"
        )
        citations = (*citations, cause.citation)
    state.timeline.append(
        TimelineEntry(
            today,
            TimelineKind.OBLIGATION_WITHDRAWN,
            record.id,
            summary,
            record.regime,
            citations,
            record.phase,
        )
    )


def _move(  # noqa: PLR0917 - internal helper of _reconcile
    state: CaseState,
    record: ObligationRecord,
    ob: Obligation,
    due_on: date,
    today: date,
    cause: ReplanCause,
    because: str,
) -> None:
    """An open obligation the law change moved: old due date -> new due date."""
    old = record.due_on
    text = f"due {old.isoformat()} -> {due_on.isoformat()}"
    if due_on < today:
        # The new date has passed already: due today, never silently back-dated.
        text = (
            f"due {old.isoformat()} -> {due_on.isoformat()} under the new law, so due now "
            f"({today.isoformat()}): overdue because {cause.when}"
        )
        record.law_changed_on = today
        due_on = today
    elif old == due_on:
        text = f"due {due_on.isoformat()}, now under {ob.regime} (was {record.regime})"
    record.due_on, record.regime = due_on, ob.regime
    record.citations, record.reason = ob.citations, ob.reason
    state.timeline.append(
        TimelineEntry(
            today,
            TimelineKind.OBLIGATION_RECOMPUTED,
            ob.id,
            f"{ob.title} re-planned, {text}; {ob.reason}; because {because}",
            ob.regime,
            (*ob.citations, cause.citation),
            state.phase,
        )
    )


def _create_replanned(  # noqa: PLR0917 - internal helper of _reconcile
    state: CaseState,
    ob: Obligation,
    today: date,
    phase_records: dict[str, ObligationRecord],
    cause: ReplanCause,
    because: str,
) -> None:
    """An obligation the law change brought: created with the cause; due today if the new
    law put its date in the past."""
    overdue = not ob.exempted and ob.due_on < today
    entries = len(state.timeline)
    _create(state, ob._replace(due_on=today) if overdue else ob, today, phase_records)
    record = state.obligations[ob.id]
    if overdue:
        record.law_changed_on = today
    line = state.timeline[entries]
    extra = (
        f" (the new law puts it at {ob.due_on.isoformat()}: overdue because {cause.when})"
        if overdue
        else ""
    )
    state.timeline[entries] = TimelineEntry(
        line.on,
        line.kind,
        line.subject,
        f"{line.summary}{extra}; appeared because {because}",
        line.regime,
        (*line.citations, cause.citation),
        line.phase,
    )


def _create(
    state: CaseState, ob: Obligation, today: date, phase_records: dict[str, ObligationRecord]
) -> None:
    phase = state.phase
    exempted = ob.exempted
    record = ObligationRecord(
        id=ob.id,
        kind=ob.kind,
        title=ob.title,
        status=EXEMPTED if exempted else OPEN,
        created_on=today,
        due_on=ob.due_on,
        regime=ob.regime,
        citations=ob.citations,
        reason=ob.reason,
        met_by=ob.met_by,
        action=ob.action,
        phase=phase,
    )
    state.obligations[ob.id] = record
    phase_records[ob.id] = record
    if exempted:
        _lock(state, ob, today)
        summary = f"{ob.title} not required: {ob.reason}"
        note(state, today, TimelineKind.OBLIGATION_EXEMPTED, ob, summary, phase=phase)
        return
    summary = f"{ob.title} due {ob.due_on.isoformat()}: {ob.reason}"
    note(state, today, TimelineKind.OBLIGATION_CREATED, ob, summary, phase=phase)
    if ob.action is not None:
        state.pending_actions.append(ob.id)


def _exempt(
    state: CaseState, record: ObligationRecord, ob: Obligation, today: date, because: str = ""
) -> None:
    record.status = EXEMPTED
    record.regime, record.citations, record.reason = ob.regime, ob.citations, ob.reason
    if record.id in state.pending_actions:
        state.pending_actions.remove(record.id)
    _lock(state, ob, today)
    note(
        state,
        today,
        TimelineKind.OBLIGATION_EXEMPTED,
        ob,
        f"{ob.title} no longer required: {ob.reason}"
        + (f"; cancelled because {because}" if because else ""),
        phase=state.phase,
    )


def _lock(state: CaseState, ob: Obligation, today: date) -> None:
    if ob.regime.startswith("TRIAL:") and ob.id not in state.exemption_locks:
        state.exemption_locks[ob.id] = ExemptionLock(
            obligation_id=ob.id, regime=ob.regime, reason=ob.reason, decided_on=today
        )
