"""Re-planning a case on changed law: the one function a decision day and a roll-out share.

`replan(state, rules, today, cause)` swaps the case onto `rules` (a new rulebook version, or
the same one when a decision day is the cause), re-plans every obligation on `today` with
the law as known then, and returns the timeline lines it added: one per obligation that
moved (old due date -> new due date), appeared or was cancelled, each with the rule's
reason and citation, the cause's citation and the rulebook hash, plus the regime changes.

The rules (DOMAIN §8.15 and the law-changes issue): a fulfilled obligation stays fulfilled;
one whose new due date has passed is due today and marked overdue because of the change,
never back-dated as missed; an action already performed (a certificate requested, a
meeting booked) is not asked again; a cancelled obligation says why; regime boundaries are
derived again. Pure and deterministic like the engine, and it mutates `state` as the
engine does.
"""

from __future__ import annotations

from datetime import date

from domain.case import engine
from domain.case.law_change import ReplanCause
from domain.case.model import CaseState, TimelineEntry
from domain.rulebook import Rulebook

__all__ = ["ReplanCause", "replan"]


def replan(
    state: CaseState, rules: Rulebook, today: date, cause: ReplanCause
) -> list[TimelineEntry]:
    """Move the case onto `rules` and re-plan it on `today`; the lines added, in order.

    Bring the case up to `today` on its old rules first (`engine.advance`), so what fell
    due before is judged by the law it fell due under; `today` is never before the
    case's own day."""
    before = len(state.timeline)
    engine.note_rulebook(state, rules.content_hash, max(today, state.today))
    engine.replan_step(state, rules, today, cause)
    return state.timeline[before:]
