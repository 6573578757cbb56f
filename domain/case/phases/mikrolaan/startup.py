"""Phase 4, "6 måneder med tilskud til selvforsørgelse": the start-up period.

At most `mikrolaan.phase4.max_months` months from the loan decision, with the exemptions
the rulebook lists in `mikrolaan.phase4.exemptions` (availability, jobsamtaler, job search
and joblog, the duty to take offers, referral to another provider). Each exemption is an
obligation recorded as exempted, its reason the trial's own words; after the trial ends the
decision stands (DOMAIN §8.15). The project worker's mentor follow-up on the business plan
is one obligation in the period: the seeds give no cadence ("løbende" [001:L269-271]).
After the period the citizen falls back to standard rules (DOMAIN §8.12): the case closes
with the recorded outcome.
"""

from __future__ import annotations

from datetime import date

from domain.case.dates import add_days, add_months
from domain.case.events import CaseEvent, DecisionMade, MeetingHeld
from domain.case.model import CaseState, Obligation, ObligationKind, PhaseName
from domain.case.obligations import meet_obligation
from domain.case.phase import EventRefused, Transition
from domain.case.phases.base import as_date, booking, check_decision, refuse_screening
from domain.case.phases.mikrolaan.common import (
    SURVEY,
    close,
    enter_with,
    months,
    rules_on,
    status_registrations,
    survey_obligation,
    survey_target,
)
from domain.case.rules_view import RuleView, make_obligation
from domain.rulebook import Resolution

__all__ = ["MikrolaanStartupPhase"]

ENDED = "startup_ended"
OUTCOMES = ("self_supporting", "in_work", "wound_up", "other")
"""What is recorded at the end, as the trial counts it (mikrolaan.survey.followup_items)."""
MENTOR = "followup_conversation"
END_ID, MENTOR_ID = "mikrolaan.startup.end", "mikrolaan.startup.mentor"
SURVEYS = {
    "loan_period_end": "mikrolaan.survey.loan_period_end",
    "continuation": "mikrolaan.survey.continuation",
}
EXEMPTIONS = {
    "las_raadighed": ("las.raadighed.required", "Availability (rådighed)"),
    "jobsamtaler": ("kontakt.jobsamtale.attendance_required", "Attendance at jobsamtaler"),
    "job_search_and_joblog": ("las.job_search.required", "Job search and joblog"),
    "duty_to_take_offers": ("las.offers.duty", "Duty to take offers"),
    "referral_to_anden_aktoer": (
        "lab.anden_aktoer.referral_allowed",
        "Referral to another provider",
    ),
}
"""The rulebook's exemption codes and the standard duty rule each one lifts."""


class MikrolaanStartupPhase:
    name = PhaseName.MIKROLAAN_STARTUP
    changes_between_events = True
    target_group = "2.2"
    meeting_kinds = frozenset({MENTOR})
    decisions = frozenset({ENDED, SURVEY})

    def enter(self, state: CaseState, view: RuleView, transition: Transition) -> None:
        enter_with(state, transition.data, 4)

    def validate(self, state: CaseState, event: CaseEvent, view: RuleView) -> None:
        refuse_screening(self.name, event)
        if not isinstance(event, DecisionMade):
            return
        check_decision(self.name, self.decisions, event)
        if event.decision == SURVEY:
            survey_target(state, event, SURVEYS, self.name)
        elif event.kind not in OUTCOMES:
            raise EventRefused("kind", f"the outcome (kind) is one of: {', '.join(OUTCOMES)}")

    def apply(self, state: CaseState, event: CaseEvent, view: RuleView) -> Transition | None:
        if isinstance(event, MeetingHeld) or not isinstance(event, DecisionMade):
            return None
        on = event.effective_date
        if event.decision == SURVEY:
            meet_obligation(state, survey_target(state, event, SURVEYS, self.name), on)
            return None
        meet_obligation(state, END_ID, on)
        after = rules_on(view, self._start(state)).resolve("mikrolaan.after_phase4")
        return close(
            state,
            on,
            f"Start-up period ended, outcome {event.kind}; the citizen is under standard "
            f"rules again ({after.reason})",
            after,
        )

    def _start(self, state: CaseState) -> date:
        return as_date(state.phase_data["startup_started_on"], "startup_started_on")

    def obligations(self, state: CaseState, view: RuleView) -> list[Obligation]:
        start = self._start(state)
        rules = rules_on(view, start)
        cap = rules.resolve("mikrolaan.phase4.max_months")
        last = add_days(add_months(start, months(cap)), -1)
        result = [
            make_obligation(
                obligation_id=END_ID,
                kind=ObligationKind.DECISION,
                title="End of the start-up period: outcome recorded",
                opens_on=start,
                due_on=last,
                basis=[cap],
                reason=f"The start-up period lasts at most {cap.value} months ({cap.reason})",
            ),
            make_obligation(
                obligation_id=MENTOR_ID,
                kind=ObligationKind.FOLLOW_UP,
                title="Mentor and start-up follow-up on the business plan",
                opens_on=start,
                due_on=last,
                basis=[cap],
                reason="The project worker follows up on the business plan during the period",
                action=booking(MENTOR, start, last),
                met_by=(f"meeting:{MENTOR}",),
            ),
            *self._exemptions(state, view, start, last, cap),
            *self._surveys(state, rules, start),
        ]
        return result + status_registrations(state, view, "startup")

    def _exemptions(
        self, state: CaseState, view: RuleView, start: date, last: date, cap: Resolution
    ) -> list[Obligation]:
        listed = rules_on(view, start).resolve("mikrolaan.phase4.exemptions")
        codes = listed.value if isinstance(listed.value, list) else []
        result = []
        for code in codes:
            if code not in EXEMPTIONS:
                continue  # a code without a mapped duty rule lifts nothing this core tracks
            rule_id, title = EXEMPTIONS[code]
            obligation_id = f"mikrolaan.startup.duty.{code}"
            duty = view.duty(obligation_id, rule_id)
            # A duty follows the law of the day it falls due (DOMAIN §8.15 as corrected):
            # once the trial no longer lifts it, its basis is the law that imposes it, not
            # the trial's list of exemptions (which would label it TRIAL:FK-1.a).
            lifted = not duty.required or state.memo.facts_outlive_their_occasion
            basis = [duty.resolution, listed] if lifted else [duty.resolution]
            result.append(
                make_obligation(
                    obligation_id=obligation_id,
                    kind=ObligationKind.FOLLOW_UP,
                    title=f"{title} during the start-up period",
                    opens_on=start,
                    due_on=last,
                    basis=basis,
                    reason=duty.locked_reason or duty.resolution.reason,
                    exempted=not duty.required,
                )
            )
        return result

    def _surveys(self, state: CaseState, rules: RuleView, start: date) -> list[Obligation]:
        course_start = as_date(state.phase_data["course_started_on"], "course_started_on")
        loan_end = rules.resolve("mikrolaan.survey.loan_period_end_months")
        continuation = rules.resolve("mikrolaan.survey.continuation_after_course_start_months")
        loan_end_on = add_days(add_months(start, months(loan_end)), -1)
        continuation_on = add_months(course_start, months(continuation))
        return [
            survey_obligation(
                obligation_id=SURVEYS["loan_period_end"],
                title="Survey at the end of the loan period",
                opens_on=loan_end_on,
                due_on=loan_end_on,
                basis=[loan_end],
            ),
            survey_obligation(
                obligation_id=SURVEYS["continuation"],
                title=f"Survey {continuation.value} months after course start: does the "
                "business continue?",
                opens_on=continuation_on,
                due_on=max(continuation_on, start),
                basis=[continuation],
            ),
        ]

    def wakeups(self, state: CaseState, view: RuleView) -> list[date]:
        return []
