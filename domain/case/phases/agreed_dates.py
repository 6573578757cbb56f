"""A cadence agreed at each conversation (FK-1.d, with a documented assessment).

FK-1.d lets the next conversation of a JAF, RF, LY or revalidering course be placed where
it serves the citizen instead of on the law's rhythm [001:L1118, L1160-1162, L1178-1182,
L1214-1216; 001:L913 for the documented assessment]. Where the rule in force says so, the
date agreed at a held conversation is kept with that conversation's day; it replaces the
statutory due date of the next instance only, so a missed agreed date leaves the law's
schedule to run on. Runs recorded before `conversations-by-their-rules` read no cadence.
"""

from __future__ import annotations

from datetime import date

from domain.case.events import CaseEvent, MeetingHeld
from domain.case.model import CaseState
from domain.case.rules_view import RuleView
from domain.rulebook import Resolution

__all__ = ["agreed_after", "agreed_cadence", "note_agreed"]

STATUTORY = "statutory"
_KEY = "next_agreed"


def agreed_cadence(
    state: CaseState, view: RuleView, rule_id: str, on: date | None = None
) -> Resolution | None:
    """The cadence answer when it lets the next date be agreed, else None."""
    if state.memo.conversation_rules_unread:
        return None
    cadence = view.resolve(rule_id) if on is None else view.resolve_on(rule_id, on)
    if not cadence.applicable or cadence.value in (None, STATUTORY):
        return None
    return cadence


def note_agreed(
    state: CaseState, event: CaseEvent, view: RuleView, rule_id: str, meeting: str
) -> None:
    """Keep the next date agreed at a held `meeting`, where the cadence on its day allows."""
    if not isinstance(event, MeetingHeld) or event.meeting != meeting:
        return
    if event.next_agreed_on is None:
        return
    if agreed_cadence(state, view, rule_id, event.effective_date) is None:
        return
    state.phase_data[_KEY] = [
        event.effective_date.isoformat(),
        event.next_agreed_on.isoformat(),
    ]


def agreed_after(state: CaseState, held: date) -> date | None:
    """The date agreed at the conversation held on `held`, if one was and it is later."""
    stored = state.phase_data.get(_KEY)
    if not stored:
        return None
    on, agreed = (d if isinstance(d, date) else date.fromisoformat(d) for d in stored)
    return agreed if on == held and agreed > held else None
