"""Graduate entrepreneurship, FK-1.c (Aalborg, Frederikshavn), DOMAIN §3.13.

A new graduate on dagpenge (`dimittend.graduate`) works on a business idea instead of
looking for a job. Two stages in one phase:

- screening: the ordinary dagpenge duties still apply (Min Plan, availability, joblog);
- course (Innovativ Vækst, at most `dimittend.course.max_weeks`): once the screening passes,
  `dimittend.working_on_business_idea` is recorded and the trial's overrides take over --
  Min Iværksætterplan replaces Min Plan, no availability or job-search duty, no 6-week
  course cap. The duties stay visible as obligations recorded as exempted, with the trial's
  reason, so both sides of the rule can be read off the case.

The course ends with a CVR registration (self-employed: dagpenge stop, the case closes) or
because the idea is not viable (back to the ordinary dagpenge rules: the case closes here).
Outside the trial -- another municipality, another group (the integrationsydelse part was
refused), a date outside its period, or a citizen who is not a graduate -- the referral is
refused with the rulebook's trial status and the grant's citation.
"""

from __future__ import annotations

from datetime import date

from domain.case.dates import add_days, add_weeks
from domain.case.events import CaseEvent, DecisionMade
from domain.case.model import CaseState, Obligation, ObligationKind, PhaseName
from domain.case.obligations import meet_obligation
from domain.case.phase import EventRefused, Transition
from domain.case.phases.base import as_date, check_decision, refuse_screening
from domain.case.phases.mikrolaan.common import close
from domain.case.phases.trial_gate import require_case_trial
from domain.case.rules_view import RuleView, make_obligation
from domain.rulebook import Resolution

__all__ = ["IvaerksaetteriPhase"]

TRIAL = "FK-1.c"
GRADUATE, WORKING = "dimittend.graduate", "dimittend.working_on_business_idea"
PASSED, REJECTED = "screening_passed", "screening_rejected"
PLAN_MADE, CVR, NOT_VIABLE = "plan_made", "cvr_registered", "idea_not_viable"
SCREENING, COURSE = "screening", "course"
DUTIES = {
    "ivaerk.raadighed": ("dagpenge.raadighed.required", "Availability (rådighed)"),
    "ivaerk.joblog": ("dagpenge.joblog.required", "Joblog and weekly job-search confirmation"),
}
PLAN_NAMES = {"min_plan": "Min Plan", "min_ivaerksaetterplan": "Min Iværksætterplan"}


class IvaerksaetteriPhase:
    name = PhaseName.IVAERKSAETTERI
    changes_between_events = False
    target_group = "2.1"
    meeting_kinds: frozenset[str] = frozenset()
    decisions = frozenset({PASSED, REJECTED, PLAN_MADE, CVR, NOT_VIABLE})

    def enter(self, state: CaseState, view: RuleView, transition: Transition) -> None:
        status = require_case_trial(
            view, TRIAL, transition.on, "referral to graduate entrepreneurship"
        )
        if state.facts.get(GRADUATE) is not True:
            raise EventRefused(
                "facts",
                f"referral to graduate entrepreneurship refused: {TRIAL} was granted for "
                f"graduates (dimittender) only and {GRADUATE} is not recorded "
                f"({'; '.join(status.citations)})",
            )
        state.phase_data = {"stage": SCREENING, "course_started_on": None}

    def validate(self, state: CaseState, event: CaseEvent, view: RuleView) -> None:
        refuse_screening(self.name, event)
        if not isinstance(event, DecisionMade):
            return
        check_decision(self.name, self.decisions, event)
        stage = state.phase_data["stage"]
        if event.decision in (PASSED, REJECTED) and stage != SCREENING:
            raise EventRefused("decision", "the screening was already passed")
        if event.decision in (CVR, NOT_VIABLE) and stage != COURSE:
            raise EventRefused("decision", f"{event.decision} ends the course; none is running")
        if event.decision == PASSED:
            # Working on the idea instead of seeking work rests on the trial: it must be in
            # force that day.
            require_case_trial(
                view, TRIAL, event.effective_date, "starting the Innovativ Vækst course"
            )

    def apply(self, state: CaseState, event: CaseEvent, view: RuleView) -> Transition | None:
        if not isinstance(event, DecisionMade):
            return None
        on = event.effective_date
        data = state.phase_data
        if event.decision == PASSED:
            meet_obligation(state, "ivaerk.screening", on)
            data["stage"], data["course_started_on"] = COURSE, on
            state.facts[WORKING] = True
            return None
        if event.decision == PLAN_MADE:
            meet_obligation(state, self._plan_id(view), on)
            return None
        if event.decision == REJECTED:
            meet_obligation(state, "ivaerk.screening", on)
            return close(state, on, "Screening rejected: ordinary dagpenge rules", None)
        meet_obligation(state, "ivaerk.course.end", on)
        if event.decision == CVR:
            stop = view.resolve("dimittend.cvr_registration_stops_dagpenge")
            return close(state, on, "CVR registered: self-employed, dagpenge stop", stop)
        return close(
            state,
            on,
            "The idea is not viable: the course ends; ordinary dagpenge rules apply again",
            view.resolve("dagpenge.plan_type"),
        )

    def obligations(self, state: CaseState, view: RuleView) -> list[Obligation]:
        data = state.phase_data
        start = state.phase_started_on
        if data["stage"] == SCREENING:
            horizon = self._trial_last_day(view)
            if horizon is None:
                return []
            horizon = max(horizon, start)
            stage_start = start
            result = [
                make_obligation(
                    obligation_id="ivaerk.screening",
                    kind=ObligationKind.SCREENING,
                    title="Screening of the graduate's business idea",
                    opens_on=start,
                    due_on=horizon,
                    basis=[view.resolve("dagpenge.plan_type")],
                    reason=f"Before the course, while {TRIAL} runs (last day {horizon})",
                )
            ]
        else:
            stage_start = as_date(data["course_started_on"], "course_started_on")
            horizon, course = self._course_end(state, view, stage_start)
            cap = view.resolve("vejledning.max_weeks_in_first_26")
            result = [
                make_obligation(
                    obligation_id="ivaerk.course.end",
                    kind=ObligationKind.DECISION,
                    title="Innovativ Vækst ends: CVR registered or idea not viable",
                    opens_on=stage_start,
                    due_on=horizon,
                    basis=[course, cap],
                    reason=f"{course.reason}; {cap.reason}",
                )
            ]
        plan = view.resolve("dagpenge.plan_type")
        content = view.resolve("kontakt.dagpenge.content")
        result.append(
            make_obligation(
                obligation_id=self._plan_id(view),
                kind=ObligationKind.PLAN_UPDATE,
                title=PLAN_NAMES.get(str(plan.value), str(plan.value)),
                opens_on=stage_start,
                due_on=horizon,
                basis=[plan],
                reason=f"{plan.reason}; conversations: {content.value} ({content.regime})",
            )
        )
        for obligation_id, (rule_id, title) in DUTIES.items():
            duty = view.duty(obligation_id, rule_id)
            result.append(
                make_obligation(
                    obligation_id=obligation_id,
                    kind=ObligationKind.FOLLOW_UP,
                    title=title,
                    opens_on=start,
                    due_on=horizon,
                    basis=[duty.resolution],
                    reason=duty.locked_reason or duty.resolution.reason,
                    exempted=not duty.required,
                )
            )
        return result

    def _course_end(
        self, state: CaseState, view: RuleView, started: date
    ) -> tuple[date, Resolution]:
        # The course keeps the length it was started with, even if the trial ends meanwhile.
        rules = view if view.on == started else RuleView(view.rulebook, state, started)
        weeks = rules.resolve("dimittend.course.max_weeks")
        if isinstance(weeks.value, bool) or not isinstance(weeks.value, int):
            raise EventRefused("type", f"no course length in force ({weeks.reason})")
        return add_days(add_weeks(started, weeks.value), -1), weeks

    def _plan_id(self, view: RuleView) -> str:
        return f"ivaerk.plan.{view.resolve('dagpenge.plan_type').value}"

    def _trial_last_day(self, view: RuleView) -> date | None:
        period = view.rulebook.trial_period(TRIAL, view.state.municipality)
        if period is None or period[1] is None:
            return None
        return add_days(period[1], -1)

    def ended_by_law(self, state: CaseState, view: RuleView) -> tuple[Transition, str] | None:
        """FK-1.c was not continued past its end [003:L37-41]: the phase ends with it, in
        either stage. A course started under the trial stood while the trial ran; the
        graduate's availability and joblog duties follow the law of the day they fall due
        (DOMAIN §8.15 as corrected), so from the trial's end the ordinary dagpenge rules
        apply again -- with the business, at most as bibeskæftigelse [003:L37-41]."""
        end = self._trial_end(view)
        if end is None or view.on < end:
            return None
        returned = [view.resolve(rule_id) for rule_id, _ in DUTIES.values()]
        duties = "; ".join(
            f"{title}: {r.reason}" for (_, title), r in zip(DUTIES.values(), returned, strict=True)
        )
        followup = view.rulebook.law.trials[TRIAL].followup_2021
        reason = (
            f"{TRIAL} ended in {view.rulebook.municipality(state.municipality).name} on "
            f"{end.isoformat()} ({followup}): the "
            f"{state.phase_data['stage']} stage ends; the ordinary dagpenge rules apply "
            f"again from that day ({duties})"
        )
        basis = returned[0]
        # Never before the case's own day: a step is never back-dated.
        on = max(end, state.today)
        return close(state, on, reason, basis), f"the end of {TRIAL}"

    def _trial_end(self, view: RuleView) -> date | None:
        period = view.rulebook.trial_period(TRIAL, view.state.municipality)
        return None if period is None else period[1]

    def wakeups(self, state: CaseState, view: RuleView) -> list[date]:
        return []
