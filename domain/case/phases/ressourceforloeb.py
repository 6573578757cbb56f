"""Ressourceforløb (RF), DOMAIN §3.5.

A dated course (1-5 years) with contact conversations and an indsatsplan fixed for 6
months at a time (FK-3.i: need-based instead). Before it ends the case goes back to the
rehabiliteringsteam with a new LÆ265 -- or, under FK-3.h with the citizen's recorded
wish, the municipality extends it administratively by up to 12 months in all. The
citizen may always demand the team.
"""

from __future__ import annotations

from datetime import date

from domain.case.dates import add_months, add_weeks
from domain.case.events import CaseEvent, DecisionMade, MeetingHeld
from domain.case.model import CaseState, Obligation, ObligationKind, ObligationStatus, PhaseName
from domain.case.obligations import meet_obligation
from domain.case.phase import EventRefused, Transition
from domain.case.phases.base import (
    check_decision,
    conversation_window_ends,
    conversations_per_period,
    recurring,
    status_of,
)
from domain.case.phases.occasions import consume, consumed_for
from domain.case.phases.preconditions import check_form, check_preconditions, record_flags
from domain.case.phases.rehabiliteringsteam import (
    RT_MEETING,
    check_grant,
    check_rt_meeting,
    record_recommendation,
    rt_obligations,
)
from domain.case.phases.revalidering import check_reval_grant, record_lae265
from domain.case.rules_view import RuleView, make_obligation
from domain.rulebook import Resolution

__all__ = ["RessourceforloebPhase"]

CONVERSATION = "contact_conversation"
CONSENT = "consent.rf_extension_without_rt"
"""FK-3.h's consent form, one per extension without the team (facts.per_occasion)."""
ADMINISTRATIVE, THROUGH_TEAM = "administrative", "rt"
DECISIONS = frozenset(
    {
        "rf_extended",
        "indsatsplan_updated",
        "fleksjob_granted",
        "foep_granted",
        "reval_granted",
        "rf_ended",
    }
)
NEXT_STEPS = frozenset({"rf_ended", "fleksjob_granted", "foep_granted", "reval_granted"})
"""Decisions that end the course: each is the "next step" its end decision asks for."""
_DONE = (ObligationStatus.MET, ObligationStatus.EXEMPTED)


class RessourceforloebPhase:
    name = PhaseName.RESSOURCEFORLOEB
    changes_between_events = True  # the count window in force moves with the date
    target_group = "2.11"
    meeting_kinds = frozenset({RT_MEETING, CONVERSATION})
    decisions = DECISIONS

    def enter(self, state: CaseState, view: RuleView, transition: Transition) -> None:
        end_on = transition.data.get("end_on")
        if isinstance(end_on, str):
            end_on = date.fromisoformat(end_on)
        if not isinstance(end_on, date):
            raise EventRefused("end_on", "a ressourceforløb must have an end date")
        state.phase_data = {"end_on": end_on, "extensions": 0, "admin_months_used": 0}

    def validate(self, state: CaseState, event: CaseEvent, view: RuleView) -> None:
        if isinstance(event, MeetingHeld):
            check_rt_meeting(event)
            if event.meeting == CONVERSATION:
                check_form(state, event, view, "rf.conversations.forms")
        elif isinstance(event, DecisionMade):
            check_decision(self.name, self.decisions, event)
            check_grant(state, event, view)
            check_reval_grant(state, event, view)
            if event.decision == "rf_extended":
                self._check_extension(state, event, view)
                check_preconditions(state, event, view)

    def _check_extension(self, state: CaseState, event: DecisionMade, view: RuleView) -> None:
        data = state.phase_data
        prefix = f"rf.end.{data['extensions'] + 1}"
        if event.route == ADMINISTRATIVE:
            route = view.resolve("rf.extension.rt_required")
            if route.value is not False:
                used = consumed_for(state, CONSENT)
                raise EventRefused(
                    "route",
                    f"administrative extension not permitted ({route.regime}): {route.reason}"
                    + (f"; {used}: each extension without the team needs its own" if used else ""),
                )
            cap = view.resolve("rf.extension.admin_max_months")
            if event.months is None:
                raise EventRefused("months", "an administrative extension states its months")
            left = int(cap.value) - int(data["admin_months_used"])
            if event.months > left:
                raise EventRefused(
                    "months",
                    f"at most {cap.value} months of administrative extension per "
                    f"ressourceforløb ({cap.regime}); {left} left",
                )
        elif event.route == THROUGH_TEAM:
            held = status_of(state, f"{prefix}.rt")
            if held is ObligationStatus.EXEMPTED and not state.memo.decisions_without_preconditions:
                # FK-3.h waived the team: an extension without it is administrative and
                # counts against the trial's cap, whichever route the caller names.
                raise EventRefused(
                    "route",
                    "the team meeting was not held (waived under FK-3.h): an extension "
                    "without the team is administrative and counts against its cap of "
                    "administrative months",
                )
            if held not in _DONE:
                raise EventRefused(
                    "route", "an extension through the team needs the RT meeting held first"
                )
            if status_of(state, f"{prefix}.lae265") not in (*_DONE, None):
                raise EventRefused("route", "an extension through the team needs the new LÆ265")
            if event.end_on is None or event.end_on <= data["end_on"]:
                raise EventRefused("end_on", "the new end date must be after the current one")
        else:
            raise EventRefused("route", f"route must be {ADMINISTRATIVE!r} or {THROUGH_TEAM!r}")

    def apply(self, state: CaseState, event: CaseEvent, view: RuleView) -> Transition | None:
        record_lae265(state, event)
        data = state.phase_data
        if isinstance(event, MeetingHeld):
            record_recommendation(state, event)
            return None
        if not isinstance(event, DecisionMade):
            return None
        on = event.effective_date
        record_flags(state, event, view)
        if event.decision in NEXT_STEPS and not state.memo.end_decisions_withdrawn:
            # The decision the course's end asks for, like an extension: met once its
            # window has opened (before that there is no duty yet, and none comes).
            meet_obligation(state, f"rf.end.{data['extensions'] + 1}", on)
        match event.decision:
            case "indsatsplan_updated":
                meet_obligation(state, self._plan(state, view).id, on)
            case "rf_extended":
                meet_obligation(state, f"rf.end.{data['extensions'] + 1}", on)
                if event.route == ADMINISTRATIVE and event.months is not None:
                    data["end_on"] = add_months(data["end_on"], event.months)
                    data["admin_months_used"] += event.months
                elif event.end_on is not None:
                    data["end_on"] = event.end_on
                data["extensions"] += 1
                consume(
                    state,
                    view,
                    event.decision,
                    event.route,
                    on,
                    what=f"extension {data['extensions']}",
                )
            case "rf_ended":
                return Transition(to=PhaseName.CLOSED, on=on)
            case "fleksjob_granted":
                return Transition(to=PhaseName.FLEKSJOB, on=on)
            case "foep_granted":
                return Transition(to=PhaseName.FOERTIDSPENSION, on=on)
            case "reval_granted":
                return Transition(to=PhaseName.REVALIDERING, on=on, data={"granted_on": on})
        return None

    def _plan(self, state: CaseState, view: RuleView) -> Obligation:
        # A recurring duty, so no exemption lock: when FK-3.i ends the 6-month horizon
        # comes back, counted from the boundary (DOMAIN §8.15).
        started = state.phase_started_on
        start, months, fixed, basis, reason = view.derived(
            ("rf.plan", started), lambda: _plan_rules(view, started)
        )
        plan = recurring(
            state,
            prefix="rf.plan",
            kind=ObligationKind.PLAN_UPDATE,
            title="Indsatsplan offers fixed",
            first_opens=start,
            first_due=add_months(start, months),
            next_due=lambda done: add_months(done, months),
            basis=basis,
            reason=reason,
            meeting=None,
        )
        if fixed.value is True:
            return plan
        return plan._replace(exempted=True, reason=fixed.reason)

    def obligations(self, state: CaseState, view: RuleView) -> list[Obligation]:
        data = state.phase_data
        start = state.phase_started_on
        end_on: date = data["end_on"]
        result = [
            *conversations_per_period(
                state,
                view,
                area="rf",
                prefix="rf.conversation",
                title="Contact conversation",
                start=start,
                meeting=CONVERSATION,
            ),
            self._plan(state, view),
        ]
        number = data["extensions"] + 1
        lead = int(state.settings["rf_end_preparation_weeks"])
        result += view.derived(
            ("rf.end", number, start, end_on, lead),
            lambda: self._end(
                view, f"rf.end.{number}", max(start, add_weeks(end_on, -lead)), end_on
            ),
        )
        return result

    def _end(self, view: RuleView, prefix: str, opens: date, end_on: date) -> list[Obligation]:
        """The decision before the course ends, and the team with its LÆ265 before that."""
        presentation = view.duty(f"{prefix}.rt", "rf.extension.rt_required")
        lae265 = view.duty(f"{prefix}.lae265", "rf.extension.lae265_required")
        decision = make_obligation(
            obligation_id=prefix,
            kind=ObligationKind.DECISION,
            title="Decision on extension or next step before the ressourceforløb ends",
            opens_on=opens,
            due_on=end_on,
            basis=[presentation.resolution],
            reason=f"The ressourceforløb ends {end_on.isoformat()}",
        )
        return [
            decision,
            *rt_obligations(
                prefix=prefix,
                opens_on=opens,
                due_on=end_on,
                presentation=presentation,
                lae265=lae265,
                capacity_rule="rt.capacity.other",
                view=view,
                reason="Before the period expires the case goes back to the team with a new LÆ265",
            ),
        ]

    def wakeups(self, state: CaseState, view: RuleView) -> list[date]:
        return []

    def holds_until(self, state: CaseState, view: RuleView) -> date | None:
        # Only the count window reads the date; the plan and the end read records and rules.
        if state.memo.schedules_stop_at_a_miss:
            return view.on
        return conversation_window_ends(view, area="rf", start=state.phase_started_on)


def _plan_rules(
    view: RuleView, started: date
) -> tuple[date, int, Resolution, list[Resolution], str]:
    """When the plan horizon counts from, its months, whether it is required, and why."""
    horizon = view.resolve("rf.indsatsplan.horizon_months")
    fixed = view.resolve("rf.indsatsplan.fixed_horizon_required")
    return (
        view.anchor(started, fixed),
        int(horizon.value),
        fixed,
        [fixed, horizon],
        f"Offers in the indsatsplan fixed at least {horizon.value} months at a time",
    )
