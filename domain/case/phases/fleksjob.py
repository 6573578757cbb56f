"""Fleksjob and ledighedsydelse (LY), DOMAIN §3.7 (target group 2.7).

Entered when fleksjob is granted (always after the rehabiliteringsteam). From then on the
citizen is either unemployed with a right to LY or employed in a fleksjob, and the duties
follow that status:

- on LY: a CV conversation soon after the right to LY, contact at a fixed interval, a
  follow-up after some months, and the reassessment of the fleksjob conditions once
  enough months of LY have been received within a sliding window (waived by FK-3.b,
  whose content then moves into the contact conversations);
- employed: a fleksjob follow-up at a fixed interval.

Every LY or job spell gets its own obligation ids, so duties withdrawn when the status
changed come back fresh when it changes back. LY spells are kept in the phase data: the
reassessment counts months *received*, so time in a job does not count.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from domain.case.dates import add_months, add_weeks
from domain.case.events import CaseEvent, DecisionMade, MeetingHeld
from domain.case.model import (
    CaseState,
    Obligation,
    ObligationKind,
    ObligationRecord,
    ObligationStatus,
    PhaseName,
)
from domain.case.obligations import MET, PENDING, meet_obligation
from domain.case.phase import EventRefused, Transition
from domain.case.phases.agreed_dates import agreed_after, agreed_cadence, note_agreed
from domain.case.phases.base import as_date, booking, check_decision, recurring, refuse_screening
from domain.case.phases.preconditions import check_form
from domain.case.rules_view import RuleView, make_obligation

__all__ = ["FleksjobPhase", "ly_months_received", "reassessment_trigger"]

CV, CONTACT, FOLLOWUP = "cv_conversation", "jobsamtale", "followup_conversation"
JOB_FOLLOWUP = "fleksjob_followup"
GRANTED, ON_LY, EMPLOYED = "granted", "ly", "employed"
LY_STARTED, REASSESSED = "ly_started", "ly_reassessed"
JOB_STARTED, JOB_ENDED, ENDED = (
    "fleksjob_employment_started",
    "fleksjob_employment_ended",
    "fleksjob_ended",
)
MONTHS_FACT = "ly.months_on_ly"
CADENCE_RULE = "ly.contact.cadence"
WAIVER_RULE = "ly.revurdering.required"
_DONE = (ObligationStatus.MET, ObligationStatus.EXEMPTED)
# A day of LY is at least 1/28 of a month (February), so a shortfall of d months cannot
# close in fewer than d * 28 days: the trigger search may jump that far.
_SHORTEST_MONTH_DAYS = 28
# Month fractions are summed as floats; equal in months must compare equal.
_EPSILON = 1e-9

Span = tuple[date, date | None]
"""[start, end) of an LY spell or a job; end None while it lasts."""


def _spans(raw: list[Any], field: str) -> list[Span]:
    return [
        (as_date(start, field), None if end is None else as_date(end, field)) for start, end in raw
    ]


def _months(start: date, end: date) -> float:
    """Calendar months in [start, end): whole months, plus the part of the next one.

    LY is counted in months as the law does (6 months and another 6 make 12, whatever the
    month lengths), not in days.
    """
    if end <= start:
        return 0.0
    whole = (end.year - start.year) * 12 + end.month - start.month
    if add_months(start, whole) > end:
        whole -= 1
    base, following = add_months(start, whole), add_months(start, whole + 1)
    return whole + (end - base).days / (following - base).days


def _received(spans: list[Span], start: date, end: date) -> float:
    """Months of LY received in [start, end)."""
    total = 0.0
    for span_start, span_end in spans:
        low = max(span_start, start)
        high = end if span_end is None else min(span_end, end)
        total += _months(low, high)
    return total


def ly_months_received(raw: list[Any], on: date) -> int:
    """Whole months of LY received before `on`."""
    spans = _spans(raw, "ly_periods")
    if not spans:
        return 0
    return int(_received(spans, spans[0][0], on) + _EPSILON)


def reassessment_trigger(
    raw: list[Any], since: date, trigger_months: int, window_months: int
) -> date | None:
    """First day on which `trigger_months` of LY received from `since` fall within the last
    `window_months`; None if the spells recorded so far never get there."""
    spans = _spans(raw, "ly_periods")
    if not spans or window_months < trigger_months:
        return None
    last_start, last_end = spans[-1]
    # Received LY only grows while a spell lasts: an open spell reaches the trigger at the
    # latest `trigger_months` after it starts, a closed history never after its last day.
    limit = last_end or add_months(max(since, last_start), trigger_months)
    day = add_months(max(since, spans[0][0]), trigger_months)
    while day <= limit:
        counted_from = max(since, add_months(day, -window_months))
        shortfall = trigger_months - _received(spans, counted_from, day)
        if shortfall <= _EPSILON:
            return day
        day += timedelta(days=max(1, int(shortfall * _SHORTEST_MONTH_DAYS)))
    return None


def _reach(spans: list[Span], start: date, amount: int) -> date | None:
    """The day by which `amount` days of LY from `start` are received (an open spell is
    taken to continue); None if a closed history never gets there."""
    left = amount
    for span_start, span_end in spans:
        low = max(span_start, start)
        if span_end is None:
            return low + timedelta(days=left)
        if span_end > low:
            got = (span_end - low).days
            if got >= left:
                return low + timedelta(days=left)
            left -= got
    return None


class FleksjobPhase:
    name = PhaseName.FLEKSJOB
    changes_between_events = True
    target_group = "2.7"
    meeting_kinds = frozenset({CV, CONTACT, FOLLOWUP, JOB_FOLLOWUP})
    decisions = frozenset({LY_STARTED, REASSESSED, JOB_STARTED, JOB_ENDED, ENDED})

    def enter(self, state: CaseState, view: RuleView, transition: Transition) -> None:
        state.phase_data = {
            "status": GRANTED,
            "changed_on": transition.on,
            "ly_periods": [],
            "jobs": [],
        }
        ly_from = transition.data.get("ly_started_on")
        if ly_from is not None:
            self._start_ly(state, as_date(ly_from, "ly_started_on"))

    def validate(self, state: CaseState, event: CaseEvent, view: RuleView) -> None:
        refuse_screening(self.name, event)
        if isinstance(event, MeetingHeld) and event.meeting == CONTACT:
            check_form(state, event, view, "ly.contact.forms")
        if not isinstance(event, DecisionMade):
            return
        check_decision(self.name, self.decisions, event)
        data = state.phase_data
        status = data["status"]
        changed_on = as_date(data["changed_on"], "changed_on")
        if event.decision in (LY_STARTED, JOB_STARTED, JOB_ENDED) and (
            event.effective_date < changed_on
        ):
            raise EventRefused(
                "effective_date",
                f"{event.effective_date.isoformat()} is before the last change of LY or "
                f"employment status ({changed_on.isoformat()})",
            )
        if event.decision == LY_STARTED and status != GRANTED:
            raise EventRefused(
                "decision",
                "already on ledighedsydelse"
                if status == ON_LY
                else f"employed in a fleksjob: record {JOB_ENDED} first",
            )
        if event.decision == JOB_STARTED and status == EMPLOYED:
            raise EventRefused("decision", "already employed in a fleksjob")
        if event.decision == JOB_ENDED and status != EMPLOYED:
            raise EventRefused("decision", "not employed in a fleksjob")
        if event.decision == REASSESSED and _current_reassessment(state) is None:
            raise EventRefused("decision", "no reassessment of the fleksjob conditions is due")

    def apply(self, state: CaseState, event: CaseEvent, view: RuleView) -> Transition | None:
        note_agreed(state, event, view, CADENCE_RULE, CONTACT)
        if not isinstance(event, DecisionMade):
            return None
        data = state.phase_data
        on = event.effective_date
        match event.decision:
            case "ly_started":
                self._start_ly(state, on)
            case "fleksjob_employment_started":
                self._end_ly(state, on)
                data["jobs"].append([on, None])
                data["status"], data["changed_on"] = EMPLOYED, on
            case "fleksjob_employment_ended":
                data["jobs"][-1][1] = on
                data["status"], data["changed_on"] = GRANTED, on
            case "ly_reassessed":
                current = _current_reassessment(state)
                if current is not None:
                    meet_obligation(state, current, on)
            case "fleksjob_ended":
                self._end_ly(state, on)
                state.facts[MONTHS_FACT] = ly_months_received(data["ly_periods"], on)
                return Transition(to=PhaseName.CLOSED, on=on)
        return None

    def _start_ly(self, state: CaseState, on: date) -> None:
        data = state.phase_data
        data["ly_periods"].append([on, None])
        data["status"], data["changed_on"] = ON_LY, on

    def _end_ly(self, state: CaseState, on: date) -> None:
        data = state.phase_data
        if data["status"] == ON_LY:
            data["ly_periods"][-1][1] = on

    def obligations(self, state: CaseState, view: RuleView) -> list[Obligation]:
        data = state.phase_data
        # A system fact trial conditions read (FK-3.k, FK-1.e); refreshed at every step the
        # case takes, because months accrue with time, not with events. No duty of this
        # phase depends on it (only the forholdstal rules of company offers do), so it
        # needs no wake-up of its own.
        state.facts[MONTHS_FACT] = ly_months_received(data["ly_periods"], view.on)
        if data["status"] == ON_LY:
            return self._ly_obligations(state, view)
        if data["status"] == EMPLOYED:
            return [self._job_followup(state, view)]
        return []

    def _ly_obligations(self, state: CaseState, view: RuleView) -> list[Obligation]:
        data = state.phase_data
        spell = len(data["ly_periods"])
        start = as_date(data["ly_periods"][-1][0], "ly_periods")
        prefix = f"ly.{spell}"
        within = view.resolve("ly.cv_conversation.within_weeks")
        cv_due = add_weeks(view.anchor(start, within), int(within.value))
        after = view.resolve("ly.followup.after_months")
        followup_due = add_months(view.anchor(start, after), int(after.value))
        result = [
            make_obligation(
                obligation_id=f"{prefix}.cv",
                kind=ObligationKind.CONVERSATION,
                title="CV conversation",
                opens_on=start,
                due_on=cv_due,
                basis=[within],
                reason=f"CV conversation within {within.value} weeks of the right to LY",
                action=booking(CV, start, cv_due),
                met_by=(f"meeting:{CV}",),
            ),
            self._contact(state, view, prefix, start),
            # The law names the point ("after N months"), not a window: it is due then and
            # may be held in the run-up.
            make_obligation(
                obligation_id=f"{prefix}.followup",
                kind=ObligationKind.FOLLOW_UP,
                title="Follow-up on LY: payment conditions, work options, other help",
                opens_on=start,
                due_on=followup_due,
                basis=[after],
                reason=f"Follow-up after {after.value} months of ledighedsydelse",
                action=booking(FOLLOWUP, start, followup_due),
                met_by=(f"meeting:{FOLLOWUP}",),
            ),
        ]
        reassessment = self._reassessment(state, view, prefix, start)
        if reassessment is not None:
            result.append(reassessment)
        return result

    def _contact(self, state: CaseState, view: RuleView, prefix: str, start: date) -> Obligation:
        interval = view.resolve("ly.contact.interval_months")
        months = int(interval.value)
        # Under FK-3.b the waived reassessment's content moves into these conversations.
        moved = view.resolve("ly.revurdering.content_in_contact_conversations")
        reason = f"Contact at the latest every {interval.value} months while on LY"
        if moved.value is True:
            reason += f"; they also cover the reassessment's content ({moved.reason})"
        cadence = agreed_cadence(state, view, CADENCE_RULE)
        basis = [interval, moved] if moved.value is True else [interval]
        if cadence is not None:
            basis.append(cadence)
            reason += f"; or on the date agreed at the last one ({cadence.reason})"

        def on_calendar(number: int) -> date:
            # "senest hver gang borger har modtaget ledighedsydelse i 3 mdr." [001:L1162]:
            # counted in months of LY from the spell's start, not from the last held;
            # under FK-1.d's individual cadence the date agreed at the last one instead.
            before = state.obligations.get(f"{prefix}.contact.{number - 1}")
            if cadence is not None and before is not None and before.status is MET:
                agreed = before.met_on and agreed_after(state, before.met_on)
                if agreed:
                    return agreed
            return add_months(view.anchor(start, interval), number * months)

        return recurring(
            state,
            prefix=f"{prefix}.contact",
            kind=ObligationKind.CONVERSATION,
            title="Jobsamtale (contact course)",
            first_opens=start,
            first_due=add_months(view.anchor(start, interval), months),
            next_due=lambda held: add_months(view.anchor(held, interval), months),
            basis=basis,
            reason=reason,
            meeting=CONTACT,
            calendar=on_calendar,
        )

    def _reassessment(
        self, state: CaseState, view: RuleView, prefix: str, spell_start: date
    ) -> Obligation | None:
        """The current reassessment of the fleksjob conditions, if one is triggered.

        Each is triggered afresh by LY received after the previous one was done (met, or
        waived on its trigger day), and is due by the time the deadline's months of LY have
        been received.
        """
        data = state.phase_data
        trigger = view.resolve("ly.revurdering.trigger_months")
        window = view.resolve("ly.revurdering.window_months")
        deadline = view.resolve("ly.revurdering.deadline_months")
        since = as_date(data["ly_periods"][0][0], "ly_periods")
        number = 1
        while True:
            triggered = reassessment_trigger(
                data["ly_periods"], since, int(trigger.value), int(window.value)
            )
            if triggered is None:
                return None
            done = _reassessment_done(state, number)
            if done is None:
                break
            since = done.met_on or triggered
            number += 1
        obligation_id = f"{prefix}.revurdering.{number}"
        duty = view.duty(obligation_id, WAIVER_RULE)
        spans = _spans(data["ly_periods"], "ly_periods")
        extra = add_months(triggered, int(deadline.value) - int(trigger.value))
        due = _reach(spans, triggered, (extra - triggered).days) or extra
        lead = int(state.settings["ly_reassessment_preparation_weeks"])
        # A waived duty needs no preparation: it appears on its trigger day, as exempted.
        opens = max(spell_start, add_weeks(triggered, -lead)) if duty.required else triggered
        return make_obligation(
            obligation_id=obligation_id,
            kind=ObligationKind.REASSESSMENT,
            title="Reassessment: are the fleksjob conditions still met?",
            opens_on=opens,
            due_on=due,
            basis=[duty.resolution, trigger, window, deadline],
            reason=duty.locked_reason
            or (
                f"{trigger.value} months of LY within {window.value} months reached on "
                f"{triggered.isoformat()}; finish by {deadline.value} months of LY"
                if duty.required
                else duty.resolution.reason
            ),
            exempted=not duty.required,
        )

    def _job_followup(self, state: CaseState, view: RuleView) -> Obligation:
        data = state.phase_data
        start = as_date(data["jobs"][-1][0], "jobs")
        interval = view.resolve("fleksjob.followup_interval_months")
        months = int(interval.value)
        return recurring(
            state,
            prefix=f"fleksjob.{len(data['jobs'])}.followup",
            kind=ObligationKind.FOLLOW_UP,
            title="Fleksjob follow-up",
            first_opens=start,
            first_due=add_months(view.anchor(start, interval), months),
            next_due=lambda held: add_months(view.anchor(held, interval), months),
            basis=[interval],
            reason=f"Follow-up of the fleksjob every {interval.value} months",
            meeting=JOB_FOLLOWUP,
        )

    def wakeups(self, state: CaseState, view: RuleView) -> list[date]:
        return []


def _reassessment_done(state: CaseState, number: int) -> ObligationRecord | None:
    """The met or waived record of the `number`-th reassessment, from whichever LY spell."""
    suffix = f".revurdering.{number}"
    for record in state.obligations.values():
        if record.id.startswith("ly.") and record.id.endswith(suffix) and record.status in _DONE:
            return record
    return None


def _current_reassessment(state: CaseState) -> str | None:
    """The reassessment a `ly_reassessed` decision fulfils: open, or missed and done late."""
    for record in state.obligations.values():
        reassessment = record.id.startswith("ly.") and ".revurdering." in record.id
        if reassessment and record.status in PENDING and record.phase is PhaseName.FLEKSJOB:
            return record.id
    return None
