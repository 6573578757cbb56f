"""Førtidspension (FØP), DOMAIN §3.8 (target group 2.6: FØP in løntilskud).

Entered when FØP is granted (always after the rehabiliteringsteam). The jobcentre's
duties start when the pensioner is hired with løntilskud: a first follow-up within some
months of the first subsidy payment, then one at a fixed interval after the last
assessment. FK-3.j (Vesthimmerland, with the journal note citing the order) stretches
both; when it ends, the pending follow-up is recounted from the boundary.
"""

from __future__ import annotations

from datetime import date

from domain.case.dates import add_months
from domain.case.events import CaseEvent, DecisionMade
from domain.case.model import CaseState, Obligation, ObligationKind, PhaseName
from domain.case.phase import EventRefused, Transition
from domain.case.phases.base import as_date, check_decision, recurring, refuse_screening
from domain.case.rules_view import RuleView

__all__ = ["FoertidspensionPhase"]

FOLLOWUP = "loentilskud_followup"
REFERENCE_RULE = "foep.loentilskud.first_followup_reference"
HIRING = "hiring"
HIRED = "hired_on"
"""phase_data key: job number -> the day the citizen was hired into it (when reported)."""
STARTED, ENDED, CLOSED = "loentilskud_started", "loentilskud_ended", "foep_case_closed"


class FoertidspensionPhase:
    name = PhaseName.FOERTIDSPENSION
    changes_between_events = False
    target_group = "2.6"
    meeting_kinds = frozenset({FOLLOWUP})
    decisions = frozenset({STARTED, ENDED, CLOSED})

    def enter(self, state: CaseState, view: RuleView, transition: Transition) -> None:
        state.phase_data = {"jobs": []}
        first_payment = transition.data.get("first_payment_on")
        if first_payment is not None:
            state.phase_data["jobs"].append([as_date(first_payment, "first_payment_on"), None])

    def validate(self, state: CaseState, event: CaseEvent, view: RuleView) -> None:
        refuse_screening(self.name, event)
        if not isinstance(event, DecisionMade):
            return
        check_decision(self.name, self.decisions, event)
        jobs = state.phase_data["jobs"]
        employed = bool(jobs) and jobs[-1][1] is None
        if event.decision == STARTED:
            if employed:
                raise EventRefused("decision", "already in løntilskud")
            if jobs and event.effective_date < as_date(jobs[-1][1], "jobs"):
                raise EventRefused(
                    "effective_date", "the first subsidy payment is before the last job ended"
                )
            self._check_hiring(state, event, view)
        elif event.hired_on is not None:
            raise EventRefused("hired_on", f"hired_on belongs to {STARTED} only")
        elif event.decision == ENDED and not employed:
            raise EventRefused("decision", "not in løntilskud")

    def apply(self, state: CaseState, event: CaseEvent, view: RuleView) -> Transition | None:
        if not isinstance(event, DecisionMade):
            return None
        jobs = state.phase_data["jobs"]
        on = event.effective_date
        match event.decision:
            case "loentilskud_started":
                # The effective date is the first subsidy payment: the law counts from it.
                jobs.append([on, None])
                if event.hired_on is not None:
                    state.phase_data.setdefault(HIRED, {})[str(len(jobs))] = event.hired_on
            case "loentilskud_ended":
                jobs[-1][1] = on
            case "foep_case_closed":
                return Transition(to=PhaseName.CLOSED, on=on)
        return None

    def obligations(self, state: CaseState, view: RuleView) -> list[Obligation]:
        jobs = state.phase_data["jobs"]
        if not jobs or jobs[-1][1] is not None:
            return []
        first_payment = as_date(jobs[-1][0], "jobs")
        first = view.resolve("foep.loentilskud.first_followup_months")
        interval = view.resolve("foep.loentilskud.followup_interval_months")
        counted_from, since = first_payment, "the first subsidy payment"
        if not state.memo.facts_outlive_their_occasion:
            counted_from, since = _reference_day(state, view, len(jobs), first_payment)
        reason = (
            f"First follow-up within {first.value} months of {since}, "
            f"then at the latest {interval.value} months after the last assessment"
        )
        if interval.regime.startswith("TRIAL:"):
            reason += f" ({interval.reason})"
        return [
            recurring(
                state,
                prefix=f"foep.loentilskud.{len(jobs)}.followup",
                kind=ObligationKind.FOLLOW_UP,
                title="Follow-up of FØP in løntilskud",
                first_opens=counted_from,
                first_due=add_months(view.anchor(counted_from, first), int(first.value)),
                next_due=lambda held: add_months(view.anchor(held, interval), int(interval.value)),
                basis=[first, interval],
                reason=reason,
                meeting=FOLLOWUP,
            )
        ]

    def _check_hiring(self, state: CaseState, event: DecisionMade, view: RuleView) -> None:
        hired_on = event.hired_on
        if hired_on is not None and hired_on > event.effective_date:
            raise EventRefused(
                "hired_on",
                f"the hiring day must be on or before the first subsidy payment "
                f"({event.effective_date.isoformat()}), the decision's date",
            )
        if hired_on is None and not state.memo.facts_outlive_their_occasion:
            reference = view.resolve_on(REFERENCE_RULE, event.effective_date)
            if reference.value == HIRING:
                raise EventRefused(
                    "hired_on",
                    f"{STARTED} needs the hiring day: the first follow-up counts from hiring "
                    f"(rule {REFERENCE_RULE}: {'; '.join(reference.citations)}; "
                    f"{reference.regime})",
                )

    def wakeups(self, state: CaseState, view: RuleView) -> list[date]:
        return []


def _reference_day(
    state: CaseState, view: RuleView, job: int, first_payment: date
) -> tuple[date, str]:
    """The day the first follow-up counts from, and how to say it: the first subsidy
    payment, or under FK-3.j the hiring [001:L4978] ("senest 2½ år efter ansættelsen")."""
    reference = view.resolve(REFERENCE_RULE)
    if reference.value != HIRING:
        return first_payment, "the first subsidy payment"
    hired = (state.phase_data.get(HIRED) or {}).get(str(job))
    if hired is None:
        # Hired before the rule applied (the note came later): no hiring day was asked for.
        return first_payment, (
            "the first subsidy payment (the hiring day, from which "
            f"{reference.regime} counts, was not reported)"
        )
    hired_on = as_date(hired, HIRED)
    return hired_on, f"hiring on {hired_on.isoformat()}"
