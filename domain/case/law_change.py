"""Why a case re-plans: a decision it has just learned of, or a roll-out of new rules.

Shared by the engine (which re-plans when a case's calendar passes a decision day) and by
`domain.case.replan` (which also swaps a case onto another rulebook), so both write the same
timeline lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from domain.rulebook import Rulebook

__all__ = ["ReplanCause", "decisions_learned"]


@dataclass(frozen=True, slots=True)
class ReplanCause:
    """Why obligations move: ``kind`` "decision" (law decided on ``on``) or "rollout" (the
    case moved onto the rulebook ``rulebook_hash`` on ``on``)."""

    kind: Literal["decision", "rollout"]
    on: date
    """The decision day, or the day of the roll-out."""
    title: str
    """What was decided (the decision's title), or what the roll-out brings."""
    citation: str
    """The decision's citation (act + provenance), or the roll-out's reference."""
    rulebook_hash: str | None = None
    """For a roll-out: the rulebook the case moves onto."""

    @classmethod
    def decision(cls, day: date, title: str, citation: str) -> ReplanCause:
        return cls("decision", day, title, citation)

    @classmethod
    def rollout(cls, content_hash: str, on: date, title: str = "") -> ReplanCause:
        """`title` names the roll-out for people (e.g. its id or what it changes)."""
        return cls("rollout", on, title, f"rulebook {content_hash[:12]}", content_hash)

    @property
    def when(self) -> str:
        """'the law changed on D' / 'the rules were rolled out on D', for a timeline line."""
        if self.kind == "decision":
            return f"the law changed on {self.on.isoformat()}"
        return f"the rules were rolled out on {self.on.isoformat()}"

    def because(self, content_hash: str) -> str:
        """The clause every re-planned line ends with: the cause, its citation, the rules."""
        if self.kind == "rollout":
            named = f"{self.title}; " if self.title else ""
            return f"{self.when} ({named}rulebook {content_hash[:12]})"
        return f"{self.when} ({self.title}; {self.citation}); rulebook {content_hash[:12]}"


def decisions_learned(rulebook: Rulebook, after: date, until: date) -> ReplanCause | None:
    """The decisions a case learns of when its calendar moves from ``after`` to ``until``
    (days ``after < d <= until``), as one cause; ``None`` if there are none."""
    day = rulebook.next_decision(after)
    if day is None or day > until:
        return None
    learned = []
    while day is not None and day <= until:
        decision = rulebook.decision_on(day)
        if decision is not None:
            learned.append(decision)
        day = rulebook.next_decision(day)
    if not learned:
        return None
    last = learned[-1]
    title = "; ".join(d.title for d in learned)
    citation = "; ".join(d.citation.text for d in learned)
    return ReplanCause.decision(last.day, title, citation)
