"""Phase 3, indstilling til mikrolån: will the plan and budget bring self-support?

Viable: a loan (interest-free) or grant of an amount inside the rulebook's range, and the
start-up period begins. Not viable: a joint conversation of citizen, caseworker and
project worker (a plan for self-support, the new skills written into the CV), after which
the case goes back to the standard track [001:L261-263].
"""

from __future__ import annotations

from datetime import date

from domain.case.events import CaseEvent, DecisionMade, MeetingHeld
from domain.case.model import CaseState, Obligation, ObligationKind, PhaseName
from domain.case.obligations import meet_obligation
from domain.case.phase import EventRefused, Transition
from domain.case.phases.base import booking, check_decision, refuse_screening
from domain.case.phases.mikrolaan.common import (
    SURVEY,
    carry,
    close,
    enter_with,
    gate,
    status_registrations,
    survey_target,
    trial_last_day,
)
from domain.case.rules_view import RuleView, make_obligation

__all__ = ["MikrolaanDecisionPhase"]

GRANTED, REFUSED = "loan_granted", "loan_refused"
JOINT = "joint_meeting"
LOAN_KINDS = ("loan", "grant")
"""An interest-free loan or a grant (LAS §§ 65-67 help to start a business) [001:L172]."""
AMOUNT_RULE = "mikrolaan.loan.amount_dkk"
DECISION_ID, JOINT_ID = "mikrolaan.decision", "mikrolaan.decision.joint_conversation"


class MikrolaanDecisionPhase:
    name = PhaseName.MIKROLAAN_DECISION
    changes_between_events = True
    target_group = "2.2"
    meeting_kinds = frozenset({JOINT})
    decisions = frozenset({GRANTED, REFUSED, SURVEY})

    def enter(self, state: CaseState, view: RuleView, transition: Transition) -> None:
        enter_with(state, transition.data, 3)
        state.phase_data["refused_on"] = None

    def validate(self, state: CaseState, event: CaseEvent, view: RuleView) -> None:
        refuse_screening(self.name, event)
        refused = state.phase_data["refused_on"]
        if isinstance(event, MeetingHeld) and refused is None:
            raise EventRefused("meeting", "the joint conversation follows a refused loan")
        if not isinstance(event, DecisionMade):
            return
        check_decision(self.name, self.decisions, event)
        if event.decision == SURVEY:
            survey_target(state, event, {}, self.name)
            return
        if refused is not None:
            raise EventRefused("decision", f"the loan was already refused on {refused}")
        if event.decision == GRANTED:
            gate(view, event.effective_date, "a microloan decision")
            self._check_amount(event, view)

    def _check_amount(self, event: DecisionMade, view: RuleView) -> None:
        if event.kind not in LOAN_KINDS:
            raise EventRefused("kind", f"kind must be one of: {', '.join(LOAN_KINDS)}")
        amount = view.resolve(AMOUNT_RULE)
        bounds = amount.value if isinstance(amount.value, dict) else {}
        low, high = bounds.get("min"), bounds.get("max")
        if event.amount_dkk is None or low is None or high is None:
            raise EventRefused(
                "amount_dkk", f"a granted microloan states amount_dkk ({AMOUNT_RULE})"
            )
        if not low <= event.amount_dkk <= high:
            raise EventRefused(
                "amount_dkk",
                f"amount_dkk {event.amount_dkk} is outside {low}-{high} DKK "
                f"({AMOUNT_RULE}: {'; '.join(amount.citations)}; {amount.regime})",
            )

    def apply(self, state: CaseState, event: CaseEvent, view: RuleView) -> Transition | None:
        on = event.effective_date
        if isinstance(event, MeetingHeld):
            return close(
                state,
                on,
                "Loan not granted; joint conversation held (plan for self-support, new skills "
                "into the CV); back to the standard track",
                view.resolve("mikrolaan.not_viable.joint_conversation"),
            )
        if not isinstance(event, DecisionMade):
            return None
        if event.decision == SURVEY:
            meet_obligation(state, survey_target(state, event, {}, self.name), on)
            return None
        meet_obligation(state, DECISION_ID, on)
        if event.decision == REFUSED:
            state.phase_data["refused_on"] = on
            return None
        return Transition(
            to=PhaseName.MIKROLAAN_STARTUP,
            on=on,
            data=carry(
                state, amount_dkk=event.amount_dkk, loan_kind=event.kind, startup_started_on=on
            ),
            target_group=state.target_group,
        )

    def obligations(self, state: CaseState, view: RuleView) -> list[Obligation]:
        result = status_registrations(state, view, "decision")
        last = trial_last_day(view)
        if last is None:
            return result
        start = state.phase_started_on
        due = max(last, start)
        result.append(
            make_obligation(
                obligation_id=DECISION_ID,
                kind=ObligationKind.DECISION,
                title="Indstilling til mikrolån: loan or grant decision",
                opens_on=start,
                due_on=due,
                basis=[view.resolve(AMOUNT_RULE)],
                reason=(
                    "Jobcentre and project worker decide whether the business plan and budget "
                    f"bring the citizen to self-support, while the trial runs (last day {last})"
                ),
            )
        )
        refused = state.phase_data["refused_on"]
        if refused is not None:
            joint = view.resolve("mikrolaan.not_viable.joint_conversation")
            result.append(
                make_obligation(
                    obligation_id=JOINT_ID,
                    kind=ObligationKind.CONVERSATION,
                    title="Joint conversation: citizen, caseworker and project worker",
                    opens_on=refused,
                    due_on=max(due, refused),
                    basis=[joint],
                    reason=f"The plan is not viable: {joint.reason}",
                    action=booking(JOINT, refused, max(due, refused)),
                    met_by=(f"meeting:{JOINT}",),
                )
            )
        return result

    def wakeups(self, state: CaseState, view: RuleView) -> list[date]:
        return []
