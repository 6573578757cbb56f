"""The small interface every trajectory phase implements.

A new phase is a new module plus rulebook entries, never a change to the engine or the
workflow: the engine only talks to phases through this protocol.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from domain.case.events import CaseEvent
from domain.case.model import CaseState, FactValue, Obligation, PhaseName
from domain.case.rules_view import RuleView

__all__ = ["AnswerHorizon", "EndedByLaw", "EventRefused", "Phase", "Transition"]


class EventRefused(Exception):
    """An event the case cannot accept, with the field at fault and a readable reason.

    The reason is shown to caseworkers and stored nowhere in Temporal unencrypted, but it
    still never quotes personal data: it names fields, rules and dates only.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Transition:
    """A phase change decided by an event."""

    to: PhaseName
    on: date
    data: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, FactValue] = field(default_factory=dict)
    target_group: str | None = None


class Phase(Protocol):
    name: PhaseName
    target_group: str
    """LAB § 2 target group of citizens in this phase (rules resolve for it)."""
    meeting_kinds: frozenset[str]
    """Meeting kinds this phase knows; others are refused as the wrong phase."""
    decisions: frozenset[str]
    """Decision names this phase accepts."""
    changes_between_events: bool
    """True when `obligations` can answer differently although no event came: it reads the
    date itself (`view.on`: a period counted from today, a fact that accrues with time) or
    a status the engine sets as days pass (exempted, missed). Otherwise its answer depends
    only on what events changed and on the rules in force, and the engine reuses it at a
    wake-up. A phase that reads the date only in steps says until when (`AnswerHorizon`),
    and is reused until then."""

    def enter(self, state: CaseState, view: RuleView, transition: Transition) -> None:
        """Initialise `state.phase_data` on entry (the state is already in this phase)."""

    def validate(self, state: CaseState, event: CaseEvent, view: RuleView) -> None:
        """Raise EventRefused when the event cannot be applied now. Must not change `state`."""

    def apply(self, state: CaseState, event: CaseEvent, view: RuleView) -> Transition | None:
        """Record the event in `state.phase_data`; return a Transition to change phase."""

    def obligations(self, state: CaseState, view: RuleView) -> list[Obligation]:
        """Every obligation of this phase as of `view.on`, including future ones."""

    def wakeups(self, state: CaseState, view: RuleView) -> list[date]:
        """Dates (besides obligation dates) when the phase must be looked at again."""


class AnswerHorizon(Protocol):
    """Optional part of a phase that `changes_between_events` only because its answer reads
    the date in steps (a count window): the day its answer next changes with time alone."""

    def holds_until(self, state: CaseState, view: RuleView) -> date | None:
        """The first day after `view.on` on which `obligations` may answer differently
        although no event came and no status changed (None: never)."""


class EndedByLaw(Protocol):
    """Optional part of a phase that only a trial provides: at each step the engine asks
    whether the law ended it (the trial is over), and if so makes the transition, with the
    cause naming the law, before it plans anything in the phase."""

    def ended_by_law(self, state: CaseState, view: RuleView) -> tuple[Transition, str] | None:
        """The transition and its cause once the phase's law has ended, else None."""
