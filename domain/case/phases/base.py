"""Helpers shared by phase modules: refusing foreign events, recurring duties."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import lru_cache

from domain.case.dates import add_months
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
from domain.case.obligations import MET
from domain.case.phase import EventRefused
from domain.case.rules_view import RuleView, make_obligation
from domain.rulebook import Resolution

__all__ = [
    "as_date",
    "booking",
    "certificate_request",
    "check_decision",
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
) -> Obligation:
    """The current instance of a repeating duty ("every 4 weeks", "6 per 12 months").

    Instance k+1 opens the day instance k is met and is due `next_due(met_on)`; an unmet
    instance stays the current one (open, or missed until it is met late).
    """
    number, opens = 1, first_opens
    while (done := met_on(state, f"{prefix}.{number}")) is not None:
        number, opens = number + 1, done
    due = first_due if number == 1 else next_due(opens)  # only the last instance counts
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
) -> Obligation:
    """ "At least N conversations per M months" (`<area>.conversations.min_count` /
    `.period_months`), spread evenly: each is due M/N months after the previous one."""
    spacing, basis, reason = view.derived(
        ("conversations", area, title), lambda: _conversation_rules(view, area, title)
    )
    return recurring(
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
    )


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
