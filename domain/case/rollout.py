"""A new rulebook version reaching a running case: the one pure core behind both the
roll-out (the workflow applies it) and its preview (applied to a copy, then compared).

`apply_version` is what the case workflow runs when a roll-out reaches it; `impact`
answers "what would move" from a case's recorded state without changing it, by running
the very same function on a copy and comparing the obligations before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.case import engine
from domain.case.law_change import ReplanCause
from domain.case.model import CaseState, ObligationStatus, TimelineEntry
from domain.case.replan import replan
from domain.rulebook import Rulebook

__all__ = ["ObligationChange", "apply_version", "cause_for", "impact"]


def cause_for(rollout_id: str, version: str) -> str:
    return f"roll-out {rollout_id} of rulebook {version[:12]}"


def apply_version(
    state: CaseState, rules: Rulebook, today: date, rollout_id: str, version: str
) -> list[TimelineEntry]:
    """Switch the case to `rules` (a slice of `version`) on `today` and re-plan at once.

    Returns the timeline entries added (the rules line first). A case already on these
    rules is left as it is (an empty list)."""
    if state.rulebook_hash == rules.content_hash or state.closed:
        return []
    cause = ReplanCause.rollout(
        rules.content_hash, max(today, state.today), cause_for(rollout_id, version)
    )
    return replan(state, rules, today, cause)


@dataclass(frozen=True, slots=True)
class ObligationChange:
    obligation_id: str
    title: str
    change: str
    """"moved", "appeared" or "disappeared"."""
    old_due_on: date | None
    new_due_on: date | None
    regime: str | None


def _open_dues(state: CaseState) -> dict[str, tuple[str, date, str]]:
    return {
        o.id: (o.title, o.due_on, o.regime)
        for o in state.obligations.values()
        if o.status in (ObligationStatus.OPEN, ObligationStatus.MISSED)
    }


def impact(state: CaseState, rules: Rulebook, today: date) -> list[ObligationChange]:
    """What `apply_version` would change in the case's open duties, on a copy."""
    if state.rulebook_hash == rules.content_hash or state.closed:
        return []
    twin = engine.probe(state)
    before = _open_dues(twin)
    apply_version(twin, rules, today, "preview", rules.content_hash)
    after = _open_dues(twin)
    changes: list[ObligationChange] = []
    for oid in sorted(before.keys() | after.keys()):
        old, new = before.get(oid), after.get(oid)
        if old is not None and new is not None:
            if old[1] != new[1]:
                changes.append(ObligationChange(oid, new[0], "moved", old[1], new[1], new[2]))
        elif new is not None:
            changes.append(ObligationChange(oid, new[0], "appeared", None, new[1], new[2]))
        elif old is not None:
            changes.append(ObligationChange(oid, old[0], "disappeared", old[1], None, old[2]))
    return changes
