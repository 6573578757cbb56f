"""The regime under which an event happened, for its timeline line (issue 17 item 7).

A held conversation carries the regime of the forms rule that permitted it, so the record
says which trial allowed a phone or group conversation; any other event carries the most
specific regime in force for the case that day.
"""

from __future__ import annotations

from domain.case.events import CaseEvent, MeetingHeld
from domain.case.model import CaseState, PhaseName
from domain.case.rules_view import RuleView
from domain.rulebook import RuleNotInForce, UnknownRule

__all__ = ["FORMS_RULES", "event_regime", "forms_rule"]

FORMS_RULES: dict[tuple[PhaseName, str], str] = {
    (PhaseName.JOBAFKLARINGSFORLOEB, "contact_conversation"): "jaf.conversations.forms",
    (PhaseName.RESSOURCEFORLOEB, "contact_conversation"): "rf.conversations.forms",
    (PhaseName.FLEKSJOB, "jobsamtale"): "ly.contact.forms",
}
"""(phase, meeting kind) -> the rule on the forms a conversation may take there."""
_READ_SINCE_PATCH: dict[tuple[PhaseName, str], str] = {
    (PhaseName.REVALIDERING, "jobsamtale"): "reval.jobsamtale.forms",
    (PhaseName.SYGEDAGPENGE, "followup_conversation"): "sdp.followup.forms",
}
"""Forms rules checked only by runs started under `conversations-by-their-rules`."""


def forms_rule(state: CaseState, meeting: str) -> str | None:
    """The rule on the forms a conversation of this kind may take in the case's phase."""
    rule_id = FORMS_RULES.get((state.phase, meeting))
    if rule_id is None and not state.memo.conversation_rules_unread:
        rule_id = _READ_SINCE_PATCH.get((state.phase, meeting))
    return rule_id


def event_regime(state: CaseState, event: CaseEvent, view: RuleView) -> str | None:
    if state.memo.decisions_without_preconditions:
        return None  # runs recorded before wrote no regime on event lines
    if isinstance(event, MeetingHeld):
        rule_id = forms_rule(state, event.meeting)
        if rule_id is not None:
            try:
                return view.resolve_on(rule_id, event.effective_date).regime
            except (RuleNotInForce, UnknownRule):
                pass
    trials = [r for r in state.regimes if r.startswith("TRIAL:")]
    if trials:
        return trials[0]
    return state.regimes[0] if state.regimes else None
