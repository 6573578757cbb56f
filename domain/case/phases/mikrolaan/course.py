"""Phase 2, the course "Fra ledig til virksomhedsejer": milestones from the rulebook.

The schedule (length, milestones by week and weekday) is read as it stood on the first
course day. A milestone on a named weekday falls on that weekday inside its course week
(week N = days 7(N-1) .. 7N-1 from the first course day); courses start on a Monday, so
this is the timetable's own day [001:L9742-9761]. A milestone without a weekday (launch
preparation, week 13) is due on the last day of its week. The loan-basis check of week 12
and the closing share the rulebook's week-12 milestone ("Afklaring af grundlag for
mikrolån; closing"), so they are one obligation. Advisory Fridays are not obligations.
Job search continues during the course (`mikrolaan.job_search_exempt_during_course`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.case.dates import add_days, end_of_week
from domain.case.events import CaseEvent, DecisionMade
from domain.case.model import CaseState, Obligation, ObligationKind, PhaseName
from domain.case.obligations import meet_obligation
from domain.case.phase import EventRefused, Transition
from domain.case.phases.base import as_date, check_decision, refuse_screening
from domain.case.phases.mikrolaan.common import (
    SURVEY,
    carry,
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

__all__ = ["MikrolaanCoursePhase", "course_end", "milestone_day"]

COMPLETED, LEFT = "course_completed", "course_left"
SURVEYS = {"course_end": "mikrolaan.survey.course_end"}
MILESTONES = ("pitch_1", "pitch_2", "closing", "launch_preparation")
"""Milestone kinds in the rulebook's schedule; each is met by a meeting of that name."""
_KIND = {
    "pitch_1": ObligationKind.CONVERSATION,
    "pitch_2": ObligationKind.CONVERSATION,
    "closing": ObligationKind.DECISION,
    "launch_preparation": ObligationKind.PLAN_UPDATE,
}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def milestone_day(start: date, week: int, weekday: str | None) -> date:
    """The day of a milestone in course week `week` (1-based) counted from `start`."""
    if weekday is None:
        return end_of_week(start, week)
    first = add_days(end_of_week(start, week - 1), 1)
    target = _WEEKDAYS.index(weekday.lower())
    return add_days(first, (target - first.weekday()) % len(_WEEKDAYS))


def course_end(view: RuleView, start: date) -> tuple[date, Resolution]:
    length = rules_on(view, start).resolve("mikrolaan.course.length_weeks")
    return end_of_week(start, months(length)), length


class MikrolaanCoursePhase:
    name = PhaseName.MIKROLAAN_COURSE
    changes_between_events = True
    target_group = "2.2"
    meeting_kinds = frozenset(MILESTONES)
    decisions = frozenset({COMPLETED, LEFT, SURVEY})

    def enter(self, state: CaseState, view: RuleView, transition: Transition) -> None:
        enter_with(state, transition.data, 2)

    def validate(self, state: CaseState, event: CaseEvent, view: RuleView) -> None:
        refuse_screening(self.name, event)
        if not isinstance(event, DecisionMade):
            return
        check_decision(self.name, self.decisions, event)
        if event.decision == SURVEY:
            survey_target(state, event, SURVEYS, self.name)
        elif event.decision == COMPLETED:
            end, length = course_end(view, self._start(state))
            if event.effective_date < end:
                raise EventRefused(
                    "effective_date",
                    f"the course runs {length.value} weeks, to {end.isoformat()} "
                    f"({length.rule_id}: {'; '.join(length.citations)}; {length.regime})",
                )

    def apply(self, state: CaseState, event: CaseEvent, view: RuleView) -> Transition | None:
        if not isinstance(event, DecisionMade):
            return None
        on = event.effective_date
        if event.decision == SURVEY:
            meet_obligation(state, survey_target(state, event, SURVEYS, self.name), on)
            return None
        if event.decision == LEFT:
            return close(
                state,
                on,
                "The citizen left the course before its end; back to the standard track",
                view.resolve("mikrolaan.phases"),
            )
        # Business plan and budgets are done: the jobcentre and the project worker decide.
        return Transition(
            to=PhaseName.MIKROLAAN_DECISION,
            on=on,
            data=carry(state),
            target_group=state.target_group,
        )

    def obligations(self, state: CaseState, view: RuleView) -> list[Obligation]:
        start = self._start(state)
        rules = rules_on(view, start)
        schedule = rules.resolve("mikrolaan.course.milestones")
        end, length = course_end(view, start)
        result: list[Obligation] = []
        milestones: list[dict[str, Any]] = list(schedule.value or [])
        for milestone in milestones:
            kind = str(milestone["kind"])
            if kind not in _KIND:
                continue  # a milestone kind this module does not know is not an obligation
            week = int(milestone["week"])
            day = milestone_day(start, week, milestone.get("weekday"))
            result.append(
                make_obligation(
                    obligation_id=f"mikrolaan.course.{kind}",
                    kind=_KIND[kind],
                    title=f"Course week {week}: {milestone['name']}",
                    opens_on=add_days(end_of_week(start, week - 1), 1),
                    due_on=day,
                    basis=[schedule, length],
                    reason=(
                        f"FK-1.a course milestone in week {week}"
                        + (f" ({milestone['weekday']})" if milestone.get("weekday") else "")
                        + f" of {length.value}"
                    ),
                    met_by=(f"meeting:{kind}",),
                )
            )
        result.append(
            survey_obligation(
                obligation_id=SURVEYS["course_end"],
                title="Survey at the end of the course",
                opens_on=add_days(end_of_week(start, months(length) - 1), 1),
                due_on=end,
                basis=[length],
                items=rules.resolve("mikrolaan.survey.course_end"),
            )
        )
        return result + status_registrations(state, view, "course")

    def wakeups(self, state: CaseState, view: RuleView) -> list[date]:
        return []

    @staticmethod
    def _start(state: CaseState) -> date:
        return as_date(state.phase_data["course_started_on"], "course_started_on")
