"""Sygedagpenge (sickness benefit), DOMAIN §3.1.

REPORTED -> SCREENED(category) -> [LÆ285 or the chosen alternative] -> follow-up
conversations -> reassessment before week 22 -> extension | jobafklaringsforløb |
recovery. What LÆ285 documentation may be chosen, when follow-ups fall and how the
cadence may deviate all come from the rulebook for the case's municipality and date.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from domain.case.dates import add_weeks, end_of_week
from domain.case.events import CaseEvent, DecisionMade, MeetingHeld, Screened
from domain.case.identifiers import quoted
from domain.case.model import CaseState, Obligation, ObligationKind, PhaseName
from domain.case.obligations import meet_obligation
from domain.case.phase import EventRefused, Transition
from domain.case.phases.base import as_date, certificate_request, check_decision, recurring
from domain.case.phases.preconditions import check_form, check_preconditions
from domain.case.rules_view import RuleView, make_obligation
from domain.rulebook import Resolution

__all__ = ["SygedagpengePhase"]

FOLLOWUP = "followup_conversation"
JAF_GRANTED, EXTENDED, RECOVERED = "jaf_granted", "sdp_extended", "recovered"


class SygedagpengePhase:
    name = PhaseName.SYGEDAGPENGE
    changes_between_events = False
    target_group = "2.5"
    meeting_kinds = frozenset({FOLLOWUP})
    decisions = frozenset({JAF_GRANTED, EXTENDED, RECOVERED})

    def enter(self, state: CaseState, view: RuleView, transition: Transition) -> None:
        first_absence = transition.data.get("first_absence_day", transition.on)
        state.phase_data = {
            "first_absence_day": as_date(first_absence, "first_absence_day"),
            "category": None,
            "documentation": None,
        }

    def validate(self, state: CaseState, event: CaseEvent, view: RuleView) -> None:
        data = state.phase_data
        if isinstance(event, Screened):
            if data["category"] is not None:
                raise EventRefused("type", "the case has already been screened")
            self._check_documentation(event, view)
        elif isinstance(event, DecisionMade):
            check_decision(self.name, self.decisions, event)
            if data["category"] is None:
                raise EventRefused("decision", "the case must be screened before a decision")
            if event.decision == JAF_GRANTED and state.phase_data.get("jaf_granted"):
                raise EventRefused("decision", "jobafklaringsforløb already granted")
            check_preconditions(state, event, view)
        elif isinstance(event, MeetingHeld):
            if data["category"] is None:
                raise EventRefused("meeting", "the case must be screened before follow-up")
            if event.meeting == FOLLOWUP and not state.memo.conversation_rules_unread:
                check_form(state, event, view, "sdp.followup.forms")

    def _check_documentation(self, event: Screened, view: RuleView) -> None:
        threshold = view.resolve("sdp.screening.category_threshold_weeks")
        if event.category == 1:
            if event.documentation is not None:
                raise EventRefused(
                    "documentation",
                    "category 1 cases need no LÆ285 documentation choice "
                    f"(expected fit within {threshold.value} weeks)",
                )
            return
        options = view.resolve("sdp.lae285.documentation_options")
        allowed: list[str] = list(options.value)
        if event.documentation is None:
            if len(allowed) > 1:
                raise EventRefused(
                    "documentation",
                    f"choose the documentation for the 1st follow-up: one of {', '.join(allowed)} "
                    f"({options.regime}: {options.reason})",
                )
            return
        if event.documentation not in allowed:
            raise EventRefused(
                "documentation",
                f"{quoted(event.documentation)} is not permitted under {options.regime} "
                f"({'; '.join(options.citations)}); permitted: {', '.join(allowed)}",
            )

    def apply(self, state: CaseState, event: CaseEvent, view: RuleView) -> Transition | None:
        data = state.phase_data
        if isinstance(event, Screened):
            documentation = event.documentation
            if event.category != 1 and documentation is None:
                documentation = view.resolve("sdp.lae285.documentation_options").value[0]
            data["category"] = event.category
            data["documentation"] = documentation
            data["screened_on"] = event.effective_date
            meet_obligation(state, "sdp.screening", event.effective_date)
        elif isinstance(event, MeetingHeld) and event.next_agreed_on is not None:
            data["next_agreed_on"] = event.next_agreed_on
        elif isinstance(event, DecisionMade):
            meet_obligation(state, "sdp.reassessment", event.effective_date)
            if event.decision == EXTENDED:
                data["extended_on"] = event.effective_date
            elif event.decision == RECOVERED:
                return Transition(to=PhaseName.CLOSED, on=event.effective_date)
            elif event.decision == JAF_GRANTED:
                return Transition(
                    to=PhaseName.JOBAFKLARINGSFORLOEB,
                    on=event.effective_date,
                    data={"expected_recovery_on": event.expected_recovery_on},
                    facts={"jaf.first_course": True},
                )
        return None

    def obligations(self, state: CaseState, view: RuleView) -> list[Obligation]:
        data = state.phase_data
        first_absence: date = data["first_absence_day"]
        started = state.phase_started_on
        result = [view.derived(("sdp.screening", started), lambda: _screening(view, started))]
        category = data["category"]
        if category is None:
            return result
        screened_on: date = data["screened_on"]
        documentation = data["documentation"]
        if category != 1 and documentation not in (None, "NONE"):
            result.append(
                view.derived(
                    ("sdp.documentation", category, documentation, screened_on, first_absence),
                    lambda: _documentation(
                        view, category, documentation, screened_on, first_absence
                    ),
                )
            )
        followup = self._followup(state, view, first_absence, screened_on)
        # Category 1 cases get the first follow-up only; later ones follow need, not a rule.
        # So do all cases where the rules measure results instead of a cadence (a what-if
        # reform, KL2023: no follow-up timers after the first).
        cadence_free = view.derived(
            ("sdp.followup", first_absence, screened_on),
            lambda: _followup_rules(view, first_absence, screened_on),
        ).results_only
        if (category != 1 and not cadence_free) or followup.id == "sdp.followup.1":
            result.append(followup)
        if "extended_on" not in data:
            result.append(
                view.derived(
                    ("sdp.reassessment", first_absence, screened_on),
                    lambda: _reassessment(view, first_absence, screened_on),
                )
            )
        return result

    def _followup(
        self, state: CaseState, view: RuleView, first_absence: date, screened_on: date
    ) -> Obligation:
        data = state.phase_data
        rules = view.derived(
            ("sdp.followup", first_absence, screened_on),
            lambda: _followup_rules(view, first_absence, screened_on),
        )
        interval = rules.interval

        def next_due(held: date) -> date:
            agreed_on = data.get("next_agreed_on")
            if rules.agreed and isinstance(agreed_on, date) and agreed_on > held:
                return agreed_on
            return add_weeks(view.anchor(held, interval), int(interval.value))

        return recurring(
            state,
            prefix="sdp.followup",
            kind=ObligationKind.CONVERSATION,
            title="Follow-up conversation",
            first_opens=screened_on,
            first_due=rules.first_due,
            next_due=next_due,
            basis=rules.basis,
            reason=rules.reason,
            meeting=FOLLOWUP,
        )

    def wakeups(self, state: CaseState, view: RuleView) -> list[date]:
        return []


class _FollowupRules(NamedTuple):
    first_due: date
    interval: Resolution
    agreed: bool
    """The next date may be agreed at each conversation instead of the fixed interval."""
    results_only: bool
    """No cadence after the first follow-up: results are measured instead."""
    basis: list[Resolution]
    reason: str


def _followup_rules(view: RuleView, first_absence: date, screened_on: date) -> _FollowupRules:
    first_by = view.resolve("sdp.followup.first_by_week")
    interval = view.resolve("sdp.followup.interval_weeks")
    cadence = view.resolve("sdp.followup.cadence")
    agreed = cadence.value == "agreed_at_each_conversation"
    return _FollowupRules(
        first_due=max(end_of_week(first_absence, int(first_by.value)), screened_on),
        interval=interval,
        agreed=agreed,
        results_only=cadence.value == "results_measured",
        basis=[first_by, interval, cadence] if agreed else [first_by, interval],
        reason=(
            f"1st by the end of week {first_by.value}, then every {interval.value} weeks"
            + (" or as agreed at each conversation" if agreed else "")
        ),
    )


def _screening(view: RuleView, started: date) -> Obligation:
    threshold = view.resolve("sdp.screening.category_threshold_weeks")
    return make_obligation(
        obligation_id="sdp.screening",
        kind=ObligationKind.SCREENING,
        title="Screening and category",
        opens_on=started,
        due_on=started,
        basis=[threshold],
        reason="Every sick-listed citizen is screened as soon as the absence is reported",
    )


def _documentation(
    view: RuleView, category: int, documentation: str, screened_on: date, first_absence: date
) -> Obligation:
    threshold = view.resolve("sdp.screening.category_threshold_weeks")
    options = view.resolve("sdp.lae285.documentation_options")
    first_by = view.resolve("sdp.followup.first_by_week")
    first_due = end_of_week(first_absence, int(first_by.value))
    return make_obligation(
        obligation_id="sdp.documentation",
        kind=ObligationKind.CERTIFICATE,
        title=f"{documentation} for the 1st follow-up",
        opens_on=screened_on,
        due_on=max(first_due, screened_on),
        basis=[options, threshold],
        reason=(
            f"Category {category}: not expected fit within {threshold.value} weeks; "
            f"{documentation} chosen ({options.reason})"
        ),
        action=certificate_request(documentation, first_due),
        met_by=(f"certificate:{documentation}",),
    )


def _reassessment(view: RuleView, first_absence: date, screened_on: date) -> Obligation:
    by_week = view.resolve("sdp.reassessment.by_week")
    due = end_of_week(first_absence, int(by_week.value))
    return make_obligation(
        obligation_id="sdp.reassessment",
        kind=ObligationKind.REASSESSMENT,
        title="Reassessment: extension, jobafklaringsforløb or recovery",
        opens_on=screened_on,
        due_on=max(due, screened_on),
        basis=[by_week],
        reason=f"Decide on extension or jobafklaring before week {by_week.value}",
    )
