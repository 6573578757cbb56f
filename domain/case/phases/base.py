"""Helpers shared by phase modules: refusing foreign events, recurring duties."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import lru_cache

from domain.case.dates import ONE_DAY, add_months
from domain.case.events import CaseEvent, DecisionMade, Screened
from domain.case.identifiers import quoted
from domain.case.model import (
    ActionKind,
    ActionRequest,
    CaseState,
    Obligation,
    ObligationKind,
    ObligationStatus,
    PhaseName,
)
from domain.case.obligations import EXEMPTED, MET, MISSED
from domain.case.phase import EventRefused
from domain.case.phases.agreed_dates import agreed_cadence
from domain.case.phases.occasions import settled_on
from domain.case.rules_view import RuleView, basis_of, make_obligation
from domain.rulebook import Resolution

__all__ = [
    "as_date",
    "booking",
    "certificate_request",
    "check_decision",
    "conversation_window_ends",
    "recurring",
    "refuse_screening",
    "status_of",
]


def as_date(value: object, field: str) -> date:
    """A date kept in `phase_data` or given as entry data. `phase_data` is free-form, so
    after a JSON round trip (continue-as-new, a stored snapshot) a date is an ISO string."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise EventRefused(field, "must be an ISO date (YYYY-MM-DD)")


def check_decision(phase: PhaseName, decisions: frozenset[str], event: DecisionMade) -> None:
    if event.decision not in decisions:
        raise EventRefused(
            "decision",
            f"decision {quoted(event.decision)} does not belong to phase {phase.value} "
            f"(expected one of: {', '.join(sorted(decisions))})",
        )


def refuse_screening(phase: PhaseName, event: CaseEvent) -> None:
    if isinstance(event, Screened):
        raise EventRefused("type", f"screening belongs to sygedagpenge, not {phase.value}")


def status_of(state: CaseState, obligation_id: str) -> ObligationStatus | None:
    record = state.obligations.get(obligation_id)
    return None if record is None else record.status


def met_on(state: CaseState, obligation_id: str) -> date | None:
    record = state.obligations.get(obligation_id)
    if record is None or record.status is not MET:
        return None
    return record.met_on


# Phases describe the same action on every step until it is done; the requests are frozen,
# so one object per distinct request saves rebuilding (and re-validating) it each time.
@lru_cache(maxsize=4096)
def booking(
    meeting: str, earliest: date, latest: date, capacity: int | None = None
) -> ActionRequest:
    return ActionRequest(
        kind=ActionKind.BOOK_MEETING,
        meeting=meeting,
        earliest=earliest,
        latest=max(earliest, latest),
        capacity_per_meeting=capacity,
    )


@lru_cache(maxsize=4096)
def certificate_request(certificate: str, latest: date) -> ActionRequest:
    return ActionRequest(
        kind=ActionKind.REQUEST_CERTIFICATE, certificate=certificate, latest=latest
    )


def recurring(
    state: CaseState,
    *,
    prefix: str,
    kind: ObligationKind,
    title: str,
    first_opens: date,
    first_due: date,
    next_due: Callable[[date], date],
    basis: list[Resolution],
    reason: str,
    meeting: str | None,
    capacity: int | None = None,
    calendar: Callable[[int], date] | None = None,
) -> Obligation:
    """The current instance of a repeating duty ("at least every 4 weeks").

    The law fixes one of two anchors, and the phase says which:
    - from the last held (default): instance k+1 is due `next_due(held_k)`;
    - a fixed calendar (`calendar(n)` = instance n's due date), e.g. "each time 3 months of
      benefit have been received" [001:L1162]: holding one early or late moves nothing.

    An instance a per-occasion fact settled (a journal note for this horizon only, see
    `phases.occasions`) is done on the note's day, like one held then.

    A missed instance stays missed and the schedule goes on: its successor opens the day
    after the miss and is due `next_due(due_k)` (the day the conversation should have been
    held) or on the calendar. Met late, the missed one anchors its successor again (a
    from-the-last-held schedule counts from the conversation actually held).
    """
    if state.memo.schedules_stop_at_a_miss:
        return _recurring_until_a_miss(
            state,
            prefix=prefix,
            kind=kind,
            title=title,
            first_opens=first_opens,
            first_due=first_due,
            next_due=next_due,
            basis=basis,
            reason=reason,
            meeting=meeting,
            capacity=capacity,
        )
    number, opens, due = 1, first_opens, first_due
    anchor: date | None = None
    records = state.obligations
    while (record := records.get(f"{prefix}.{number}")) is not None:
        if record.status is MET and record.met_on is not None:
            opens, anchor = record.met_on, record.met_on
        elif record.status is MISSED and record.missed_on is not None:
            opens, anchor = record.missed_on, record.due_on
        elif record.status is EXEMPTED and (noted := settled_on(state, record.id)) is not None:
            opens, anchor = noted, noted  # a note for this instance only: counted from it
        else:
            break
        number += 1
    if anchor is not None:
        # Only the current instance's due date is asked for: the settled ones are on record.
        due = max(calendar(number) if calendar is not None else next_due(anchor), opens)
    return _instance(prefix, number, kind, title, opens, due, basis, reason, meeting, capacity)


def _recurring_until_a_miss(
    state: CaseState,
    *,
    prefix: str,
    kind: ObligationKind,
    title: str,
    first_opens: date,
    first_due: date,
    next_due: Callable[[date], date],
    basis: list[Resolution],
    reason: str,
    meeting: str | None,
    capacity: int | None,
) -> Obligation:
    """The schedule as runs recorded before `schedules-never-go-silent` planned it: the
    next instance appears only once the current one is met (kept only so they replay)."""
    number, opens = 1, first_opens
    while (done := met_on(state, f"{prefix}.{number}")) is not None:
        number, opens = number + 1, done
    due = first_due if number == 1 else next_due(opens)  # only the last instance counts
    return _instance(prefix, number, kind, title, opens, due, basis, reason, meeting, capacity)


def _instance(  # noqa: PLR0917 - one instance of a repeating duty, in the callers' order
    prefix: str,
    number: int,
    kind: ObligationKind,
    title: str,
    opens: date,
    due: date,
    basis: list[Resolution],
    reason: str,
    meeting: str | None,
    capacity: int | None,
) -> Obligation:
    """Instance `number` of a repeating duty, booked as a meeting where it is one."""
    return make_obligation(
        obligation_id=f"{prefix}.{number}",
        kind=kind,
        title=f"{title} {number}",
        opens_on=opens,
        due_on=due,
        basis=basis,
        reason=reason,
        action=booking(meeting, opens, due, capacity) if meeting else None,
        met_by=(f"meeting:{meeting}",) if meeting else (),
    )


def conversations_per_period(
    state: CaseState,
    view: RuleView,
    *,
    area: str,
    prefix: str,
    title: str,
    start: date,
    meeting: str,
) -> list[Obligation]:
    """ "At least N conversations within M calendar months" (`<area>.conversations.min_count`
    / `.period_months`, e.g. [001:L1216]): a count in a window, not a cadence.

    The windows are consecutive M-month periods from the course start. Each window holds
    N instances, all open from its first day and all due on its last: any N conversations
    held in it meet them, however they fall, and a further one held early leaves nothing
    missed. Only the bookings are spread (one per M/N months, practice, not law), so the
    caseworker is not asked to book N meetings on one day.
    """
    if state.memo.schedules_stop_at_a_miss:
        spacing, basis, reason = view.derived(
            ("conversations", area, title), lambda: _conversation_rules(view, area, title)
        )
        return [
            _recurring_until_a_miss(
                state,
                prefix=prefix,
                kind=ObligationKind.CONVERSATION,
                title=title,
                first_opens=start,
                first_due=add_months(start, spacing),
                next_due=lambda held: add_months(held, spacing),
                basis=basis,
                reason=reason,
                meeting=meeting,
                capacity=None,
            )
        ]
    count, months, basis, agreed = _window_rules_of(view, area)
    window = _window_number(start, months, view.on)
    # The window just closed too (its unmet instances are missed, not withdrawn, on the
    # day after it), and the next one (the day it opens is a wake-up).
    regime, citations = basis_of(basis)
    return [
        ob
        for number in range(max(1, window - 1), window + 2)
        for ob in _window_instances(
            prefix,
            title,
            start,
            meeting,
            number,
            count,
            months,
            regime,
            citations,
            None if agreed is None else agreed.reason,
        )
    ]


def conversation_window_ends(view: RuleView, *, area: str, start: date) -> date:
    """The day the count window in force on `view.on` ends: until then the instances
    `conversations_per_period` lists are the same on every day (see `Phase.holds_until`)."""
    months = _window_rules_of(view, area)[1]
    return add_months(start, _window_number(start, months, view.on) * months)


def _window_rules_of(
    view: RuleView, area: str
) -> tuple[int, int, list[Resolution], Resolution | None]:
    return view.derived(("conversations.window", area), lambda: _window_rules(view, area))


def _window_number(start: date, months: int, on: date) -> int:
    """The count window (1, 2, ...) that `on` falls in."""
    window = 1
    while add_months(start, window * months) <= on:
        window += 1  # earlier windows are settled: their records hold the outcome
    return window


@lru_cache(maxsize=8192)
def _window_instances(  # noqa: PLR0917 - the cache key's parts
    prefix: str,
    title: str,
    start: date,
    meeting: str,
    number: int,
    count: int,
    months: int,
    regime: str,
    citations: tuple[str, ...],
    agreed: str | None,
) -> tuple[Obligation, ...]:
    """The N instances of conversation window `number` (see `conversations_per_period`).

    They depend on nothing but these immutable inputs (two rule values and what the answers
    cite), so they are built once for every case that shares them, not on each step: a
    cohort has many cases opened on the same day under the same law. `agreed` is the
    reason of a cadence agreed at each conversation (FK-1.d), if one is in force."""
    opens = add_months(start, (number - 1) * months)
    closes = add_months(start, number * months)
    due = closes - ONE_DAY
    reason = (
        f"At least {count} {title.lower()}s within the {months} months "
        f"{opens.isoformat()} to {due.isoformat()}"
    )
    met_by = (f"meeting:{meeting}",)
    if agreed is not None:
        # The count stays (the trial keeps the level of follow-up [001:L844, L3471]); the
        # date of each is agreed at the one before, so the law's spacing books nothing.
        reason += f"; each on the date agreed at the one before ({agreed})"
    return tuple(
        Obligation(
            id=f"{prefix}.w{number}.{index}",
            kind=ObligationKind.CONVERSATION,
            title=f"{title} {index} of {count} ({opens.isoformat()} to {due.isoformat()})",
            opens_on=opens,
            due_on=due,
            regime=regime,
            citations=citations,
            reason=reason,
            action=None
            if agreed is not None
            else booking(
                meeting,
                add_months(opens, ((index - 1) * months) // count),
                min(due, add_months(opens, (index * months) // count)),
            ),
            met_by=met_by,
        )
        for index in range(1, count + 1)
    )


def _window_rules(
    view: RuleView, area: str
) -> tuple[int, int, list[Resolution], Resolution | None]:
    """The count, the months, the answers behind them, and a cadence agreed at each
    conversation (FK-1.d) if the rules in force allow one."""
    count = view.resolve(f"{area}.conversations.min_count")
    months = view.resolve(f"{area}.conversations.period_months")
    agreed = agreed_cadence(view.state, view, f"{area}.conversations.cadence")
    basis = [count, months] if agreed is None else [count, months, agreed]
    return int(count.value), int(months.value), basis, agreed


def _conversation_rules(view: RuleView, area: str, title: str) -> tuple[int, list[Resolution], str]:
    """Months between conversations, the answers that say so, and the reason to show."""
    count = view.resolve(f"{area}.conversations.min_count")
    months = view.resolve(f"{area}.conversations.period_months")
    spacing = max(1, int(months.value) // int(count.value))
    return (
        spacing,
        [count, months],
        f"At least {count.value} {title.lower()}s per {months.value} months",
    )
