"""PLACEHOLDER (h13-rollout): replaced by the real re-plan from branch h13-knownon.

Same signature as the real one, so the roll-out is built against it: swap the rules and
recompute the obligations through the engine; the entries the step adds are returned.
"""

from __future__ import annotations

from datetime import date

from domain.case import engine
from domain.case.model import CaseState, TimelineEntry
from domain.rulebook import Rulebook

__all__ = ["replan"]


def replan(state: CaseState, rules: Rulebook, today: date, cause: str) -> list[TimelineEntry]:
    before = len(state.timeline)
    state.memo.forget_changes()
    state.memo.rulebook_hash = None
    engine.advance(state, rules, max(today, state.today))
    return state.timeline[before:]
