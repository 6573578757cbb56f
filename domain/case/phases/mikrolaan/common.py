"""What the four microloan phases share: the trial gate, rules read at a phase's start,
the quarterly status registrations, surveys and closing back to the standard track."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.case.dates import add_days, add_months
from domain.case.events import DecisionMade
from domain.case.model import (
    CaseState,
    Obligation,
    ObligationKind,
    ObligationStatus,
    PhaseName,
    TimelineEntry,
    TimelineKind,
)
from domain.case.obligations import PENDING
from domain.case.phase import EventRefused, Transition
from domain.case.phases.base import as_date
from domain.case.phases.trial_gate import require_case_trial
from domain.case.rules_view import RuleView, make_obligation
from domain.rulebook import Resolution, TrialStatus

__all__ = [
    "ADMITTED",
    "CARRIED",
    "PHASE_FACT",
    "SURVEY",
    "TRIAL",
    "carry",
    "check_eligible_group",
    "close",
    "enter_with",
    "gate",
    "months",
    "rules_on",
    "status_registrations",
    "survey_obligation",
    "survey_target",
    "trial_last_day",
]

TRIAL = "FK-1.a"
PHASE_FACT = "mikrolaan.phase"
ADMITTED = "mikrolaan.admitted"
SURVEY = "survey_recorded"
"""Decision recording a survey or status registration; `kind` names which."""
STATUS = "status"

CARRIED = ("course_started_on", "seat", "amount_dkk", "loan_kind", "startup_started_on")
"""Phase data handed from one microloan phase to the next (phase data resets at a change)."""


def gate(view: RuleView, on: date, what: str) -> TrialStatus:
    """FK-1.a must be in force for the case on `on`, or `what` is refused with its reason."""
    return require_case_trial(view, TRIAL, on, what)


def check_eligible_group(view: RuleView, what: str) -> None:
    """The grant names the eligible groups; the requested wider scope was not granted."""
    eligible = view.resolve("mikrolaan.eligible_groups")
    groups = eligible.value if isinstance(eligible.value, list) else []
    if view.state.target_group not in groups:
        raise EventRefused(
            "target_group",
            f"{what} refused: target group {view.state.target_group} is not eligible "
            f"({eligible.reason}; {'; '.join(eligible.citations)})",
        )


def rules_on(view: RuleView, day: date) -> RuleView:
    """The rules as they stood on `day`: a course or start-up period keeps the schedule it
    was granted with, even if a number changes (or the trial ends) while it runs."""
    return view if day == view.on else RuleView(view.rulebook, view.state, day)


def months(resolution: Resolution) -> int:
    value = resolution.value
    if isinstance(value, bool) or not isinstance(value, int):
        raise EventRefused("type", f"{resolution.rule_id} has no value here ({resolution.reason})")
    return value


def trial_last_day(view: RuleView) -> date | None:
    """The last day FK-1.a gives a legal basis here. Steps the seeds give no deadline for
    (screening, admission, the loan decision, the joint conversation) must at the latest
    happen while the trial runs, so that is their due date; None for an open-ended trial."""
    state = view.state
    period = view.rulebook.trial_period(TRIAL, state.municipality)
    if period is None or period[1] is None:
        return None
    return add_days(period[1], -1)


def carry(state: CaseState, **changes: Any) -> dict[str, Any]:
    data = {key: state.phase_data.get(key) for key in CARRIED}
    data.update(changes)
    return data


def enter_with(state: CaseState, data: dict[str, Any], phase_number: int) -> None:
    state.phase_data = {key: data.get(key) for key in CARRIED}
    for key in ("course_started_on", "startup_started_on"):
        if state.phase_data[key] is not None:
            state.phase_data[key] = as_date(state.phase_data[key], key)
    # The trial's phase-4 exemptions are conditioned on this system fact (FK-1.a/phase4).
    state.facts[PHASE_FACT] = phase_number


def close(state: CaseState, on: date, reason: str, basis: Resolution | None = None) -> Transition:
    """Back to the standard track: the case closes here, with the reason on its timeline."""
    state.timeline.append(
        TimelineEntry(
            on=on,
            kind=TimelineKind.EVENT,
            subject="closing_reason",
            summary=reason,
            regime=basis.regime if basis else None,
            citations=basis.citations if basis else (),
            phase=state.phase,
        )
    )
    return Transition(to=PhaseName.CLOSED, on=on)


def survey_target(
    state: CaseState, event: DecisionMade, surveys: dict[str, str], phase: PhaseName
) -> str:
    """The obligation a `survey_recorded` decision fulfils: the phase's survey of that kind,
    or for kind "status" the earliest status registration still pending. Refused when the
    kind does not belong to the phase or nothing of that kind is pending."""
    kinds = sorted({*surveys, STATUS})
    if event.kind not in kinds:
        raise EventRefused(
            "kind", f"{SURVEY} in {phase.value} needs kind one of: {', '.join(kinds)}"
        )
    if event.kind == STATUS:
        pending = sorted(
            (
                r
                for r in state.obligations.values()
                if r.phase is state.phase and ".status." in r.id and r.status in PENDING
            ),
            key=lambda r: (r.due_on, r.id),
        )
        if pending:
            return pending[0].id
    else:
        record = state.obligations.get(surveys[event.kind])
        if record is not None and record.status in PENDING:
            return record.id
    raise EventRefused("kind", f"no {event.kind} survey is pending in {phase.value}")


def survey_obligation(
    *,
    obligation_id: str,
    title: str,
    opens_on: date,
    due_on: date,
    basis: list[Resolution],
    items: Resolution | None = None,
) -> Obligation:
    asked = f" ({_items(items)})" if items is not None else ""
    return make_obligation(
        obligation_id=obligation_id,
        kind=ObligationKind.SURVEY,
        title=title,
        opens_on=min(opens_on, due_on),
        due_on=due_on,
        basis=[*basis, *([items] if items is not None else [])],
        reason=f"FK-1.a evaluation: {title[0].lower()}{title[1:]}{asked}",
    )


def status_registrations(state: CaseState, view: RuleView, stage: str) -> list[Obligation]:
    """The running status registration every few months from course start (for the
    trial's følgegruppe), as long as the case is in the trial.

    Ids carry the stage: an instance open when the phase changes is withdrawn with the old
    phase and comes back under the new phase's id, so none is lost at a phase change.
    """
    start = as_date(state.phase_data["course_started_on"], "course_started_on")
    rules = rules_on(view, start)
    interval = rules.resolve("mikrolaan.survey.followup_interval_months")
    items = rules.resolve("mikrolaan.survey.followup_items")
    step = months(interval)
    result: list[Obligation] = []
    number = 0
    while True:
        number += 1
        opens, due = add_months(start, (number - 1) * step), add_months(start, number * step)
        if due < state.phase_started_on or _registered(state, number):
            continue
        result.append(
            survey_obligation(
                obligation_id=f"mikrolaan.{stage}.status.{number}",
                title=f"Status registration {number} (every {interval.value} months)",
                opens_on=opens,
                due_on=due,
                basis=[interval],
                items=items,
            )
        )
        if opens > view.on:
            return result


def _registered(state: CaseState, number: int) -> bool:
    suffix = f".status.{number}"
    return any(
        r.id.startswith("mikrolaan.") and r.id.endswith(suffix) and r.status is ObligationStatus.MET
        for r in state.obligations.values()
    )


def _items(items: Resolution) -> str:
    value = items.value
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
