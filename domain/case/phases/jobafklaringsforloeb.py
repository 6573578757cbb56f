"""Jobafklaringsforløb (JAF), DOMAIN §3.3.

Present the case to the rehabiliteringsteam within 4 weeks (not needed when recovery is
expected within 8 weeks; FK-2.a.1 may exempt a first course), LÆ265 before the team
(FK-2.a.2 / FK-3.m may exempt it when health information is sufficient), at least 6
conversations per 12 months, and a decision before the grant period ends. A further
course always goes to the team: it is entered with `jaf.first_course` false.
"""

from __future__ import annotations

from datetime import date

from domain.case.dates import add_months, add_weeks
from domain.case.events import CaseEvent, DecisionMade, MeetingHeld
from domain.case.model import CaseState, Obligation, ObligationKind, PhaseName
from domain.case.obligations import meet_obligation
from domain.case.phase import Transition
from domain.case.phases.base import (
    check_decision,
    conversation_window_ends,
    conversations_per_period,
)
from domain.case.phases.preconditions import check_form, record_flags
from domain.case.phases.rehabiliteringsteam import (
    RT_MEETING,
    check_grant,
    check_rt_meeting,
    record_recommendation,
    rt_obligations,
)
from domain.case.phases.revalidering import check_reval_grant, record_lae265
from domain.case.rules_view import RuleView, make_obligation

__all__ = ["JobafklaringPhase"]

CONVERSATION = "contact_conversation"
DECISIONS = frozenset(
    {"jaf_extended", "rf_granted", "fleksjob_granted", "foep_granted", "reval_granted", "recovered"}
)


class JobafklaringPhase:
    name = PhaseName.JOBAFKLARINGSFORLOEB
    changes_between_events = True  # the count window in force moves with the date
    target_group = "2.14"
    meeting_kinds = frozenset({RT_MEETING, CONVERSATION})
    decisions = DECISIONS

    def enter(self, state: CaseState, view: RuleView, transition: Transition) -> None:
        state.phase_data = {
            "course": int(transition.data.get("course", 1)),
            "expected_recovery_on": transition.data.get("expected_recovery_on"),
        }

    def validate(self, state: CaseState, event: CaseEvent, view: RuleView) -> None:
        if isinstance(event, MeetingHeld):
            check_rt_meeting(event)
            if event.meeting == CONVERSATION:
                check_form(state, event, view, "jaf.conversations.forms")
        elif isinstance(event, DecisionMade):
            check_decision(self.name, self.decisions, event)
            check_grant(state, event, view)
            check_reval_grant(state, event, view)

    def apply(self, state: CaseState, event: CaseEvent, view: RuleView) -> Transition | None:
        record_lae265(state, event)
        if isinstance(event, MeetingHeld):
            record_recommendation(state, event)
            return None
        if not isinstance(event, DecisionMade):
            return None
        on = event.effective_date
        record_flags(state, event, view)
        course = state.phase_data["course"]
        meet_obligation(state, f"jaf.{course}.grant_end", on)
        match event.decision:
            case "recovered":
                return Transition(to=PhaseName.CLOSED, on=on)
            case "jaf_extended":
                # A further course is its own entry and always goes to the team.
                return Transition(
                    to=PhaseName.JOBAFKLARINGSFORLOEB,
                    on=on,
                    data={"course": course + 1},
                    facts={"jaf.first_course": False},
                )
            case "rf_granted":
                return Transition(
                    to=PhaseName.RESSOURCEFORLOEB, on=on, data={"end_on": event.end_on}
                )
            case "fleksjob_granted":
                return Transition(to=PhaseName.FLEKSJOB, on=on)
            case "foep_granted":
                return Transition(to=PhaseName.FOERTIDSPENSION, on=on)
            case "reval_granted":
                return Transition(to=PhaseName.REVALIDERING, on=on, data={"granted_on": on})
        return None

    def obligations(self, state: CaseState, view: RuleView) -> list[Obligation]:
        data = state.phase_data
        start = state.phase_started_on
        prefix = f"jaf.{data['course']}"
        expected: date | None = data.get("expected_recovery_on")
        return [
            *view.derived(
                ("jaf.rt", prefix, start, expected),
                lambda: self._team(view, prefix, start, expected),
            ),
            *conversations_per_period(
                state,
                view,
                area="jaf",
                prefix=f"{prefix}.conversation",
                title="Individual conversation",
                start=start,
                meeting=CONVERSATION,
            ),
            view.derived(
                ("jaf.grant_end", prefix, start), lambda: self._grant_end(view, prefix, start)
            ),
        ]

    def _team(
        self, view: RuleView, prefix: str, start: date, expected: date | None
    ) -> list[Obligation]:
        """The rehabiliteringsteam within weeks of the start, unless recovery is near."""
        within = view.resolve("jaf.rt.within_weeks")
        recovery_window = view.resolve("jaf.rt.exempt_if_recovery_expected_within_weeks")
        recovery_soon = expected is not None and expected <= add_weeks(
            start, int(recovery_window.value)
        )
        if recovery_soon:
            return [
                make_obligation(
                    obligation_id=f"{prefix}.rt",
                    kind=ObligationKind.TEAM_PRESENTATION,
                    title="Presentation to the rehabiliteringsteam",
                    opens_on=start,
                    due_on=add_weeks(start, int(within.value)),
                    basis=[recovery_window],
                    reason=(
                        f"Not needed: recovery expected within {recovery_window.value} weeks "
                        "of the transition"
                    ),
                    exempted=True,
                )
            ]
        presentation = view.duty(f"{prefix}.rt", "jaf.rt.required")
        lae265 = view.duty(f"{prefix}.lae265", "jaf.lae265.required")
        due = add_weeks(view.anchor(start, presentation.resolution), int(within.value))
        return rt_obligations(
            prefix=prefix,
            opens_on=start,
            due_on=due,
            presentation=presentation,
            lae265=lae265,
            capacity_rule="rt.capacity.jaf",
            view=view,
            reason=f"Present the case to the team within {within.value} weeks of the start",
        )

    def _grant_end(self, view: RuleView, prefix: str, start: date) -> Obligation:
        grant = view.resolve("jaf.grant_months")
        return make_obligation(
            obligation_id=f"{prefix}.grant_end",
            kind=ObligationKind.DECISION,
            title="Decision before the jobafklaringsforløb period ends",
            opens_on=start,
            due_on=add_months(start, int(grant.value)),
            basis=[grant],
            reason=f"A jobafklaringsforløb is granted for up to {grant.value} months at a time",
        )

    def wakeups(self, state: CaseState, view: RuleView) -> list[date]:
        return []

    def holds_until(self, state: CaseState, view: RuleView) -> date | None:
        # Only the count window reads the date; the team and the grant's end read rules.
        if state.memo.schedules_stop_at_a_miss:
            return view.on
        return conversation_window_ends(view, area="jaf", start=state.phase_started_on)
