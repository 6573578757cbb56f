"""Phase 1, henvisning og screening: referral, the project worker's screening, admission."""

from __future__ import annotations

from datetime import date

from domain.case.events import CaseEvent, DecisionMade
from domain.case.model import CaseState, Obligation, ObligationKind, PhaseName
from domain.case.obligations import meet_obligation
from domain.case.phase import EventRefused, Transition
from domain.case.phases.base import check_decision, refuse_screening
from domain.case.phases.mikrolaan.common import (
    ADMITTED,
    check_eligible_group,
    close,
    enter_with,
    gate,
    trial_last_day,
)
from domain.case.rules_view import RuleView, make_obligation

__all__ = ["MikrolaanScreeningPhase"]

PASSED, REJECTED = "screening_passed", "screening_rejected"
ADMISSION, ADMISSION_REFUSED = "mikrolaan_admitted", "mikrolaan_admission_refused"
PASSED_FACT = "mikrolaan.screening_passed"
COUNT_FACT = "mikrolaan.participants_admitted"
CAP_RULE = "mikrolaan.participants.max"
ADMISSION_RULE = "mikrolaan.admission.allowed"
SCREENING_ID, ADMISSION_ID = "mikrolaan.screening", "mikrolaan.admission"


class MikrolaanScreeningPhase:
    name = PhaseName.MIKROLAAN_SCREENING
    changes_between_events = False
    target_group = "2.2"
    """Default only: a referral states the citizen's group (2.2, 2.10 or 2.12)."""
    meeting_kinds: frozenset[str] = frozenset()
    decisions = frozenset({PASSED, REJECTED, ADMISSION, ADMISSION_REFUSED})

    def enter(self, state: CaseState, view: RuleView, transition: Transition) -> None:
        # A referral outside the trial's scope is refused before the case exists.
        gate(view, transition.on, "referral to the microloan trial")
        check_eligible_group(view, "referral to the microloan trial")
        enter_with(state, transition.data, 1)
        state.phase_data["screening"] = None

    def validate(self, state: CaseState, event: CaseEvent, view: RuleView) -> None:
        refuse_screening(self.name, event)
        if not isinstance(event, DecisionMade):
            return
        check_decision(self.name, self.decisions, event)
        screening = state.phase_data["screening"]
        if event.decision in (PASSED, REJECTED):
            if screening is not None:
                raise EventRefused("decision", f"the screening was already recorded ({screening})")
            if event.decision == PASSED:
                gate(view, event.effective_date, "passing the microloan screening")
            return
        if screening != "passed":
            raise EventRefused("decision", f"{event.decision} needs a passed screening first")
        if event.decision == ADMISSION:
            self._check_admission(event, view)

    def _check_admission(self, event: DecisionMade, view: RuleView) -> None:
        gate(view, event.effective_date, "admission to the microloan trial")
        if event.seat is None:
            raise EventRefused("seat", "an admission states the seat the enrolment registry gave")
        cap = view.resolve(CAP_RULE)
        if not isinstance(cap.value, int) or event.seat > cap.value:
            raise EventRefused(
                "seat",
                f"seat {event.seat} is beyond the cap of {cap.value} citizens "
                f"({CAP_RULE}: {'; '.join(cap.citations)}; {cap.regime})",
            )
        # The grant's own admission rule, with the registry's count: the rulebook, not this
        # module, says the screening must have passed and the cap not been reached.
        allowed = view.resolve_with(ADMISSION_RULE, {PASSED_FACT: True, COUNT_FACT: event.seat - 1})
        if allowed.value is not True:
            raise EventRefused(
                "seat", f"admission not allowed: {allowed.reason} ({'; '.join(allowed.citations)})"
            )

    def apply(self, state: CaseState, event: CaseEvent, view: RuleView) -> Transition | None:
        if not isinstance(event, DecisionMade):
            return None
        on = event.effective_date
        if event.decision == PASSED:
            meet_obligation(state, SCREENING_ID, on)
            state.phase_data["screening"] = "passed"
            state.facts[PASSED_FACT] = True
            return None
        if event.decision == REJECTED:
            meet_obligation(state, SCREENING_ID, on)
            return close(
                state,
                on,
                "Screening rejected: the idea is not realistic or would not solve the citizen's "
                "self-support; back to the standard track",
                view.resolve("mikrolaan.phases"),
            )
        meet_obligation(state, ADMISSION_ID, on)
        if event.decision == ADMISSION_REFUSED:
            cap = view.resolve(CAP_RULE)
            return close(
                state,
                on,
                f"Not admitted: the trial's enrolment registry refused (at most {cap.value} "
                "citizens over the trial); back to the standard track",
                cap,
            )
        assert event.seat is not None
        state.facts[ADMITTED] = True
        state.facts[COUNT_FACT] = event.seat - 1
        # The course starts the day the admission is reported (the Workbase marker is set
        # from the course grant [001:L3704]); the citizen keeps the LAB § 2 group.
        return Transition(
            to=PhaseName.MIKROLAAN_COURSE,
            on=on,
            data={"course_started_on": on, "seat": event.seat},
            target_group=state.target_group,
        )

    def obligations(self, state: CaseState, view: RuleView) -> list[Obligation]:
        last = trial_last_day(view)
        if last is None:
            return []
        phases = view.resolve("mikrolaan.phases")
        result = [
            make_obligation(
                obligation_id=SCREENING_ID,
                kind=ObligationKind.SCREENING,
                title="Grundig screening by the project worker",
                opens_on=state.phase_started_on,
                due_on=max(last, state.phase_started_on),
                basis=[phases],
                reason=(
                    "FK-1.a grant condition: a thorough screening (realistic idea that solves "
                    "the citizen's self-support; no harmful debt) before admission, while the "
                    f"trial runs (last day {last.isoformat()})"
                ),
            )
        ]
        if state.phase_data["screening"] == "passed":
            cap = view.resolve(CAP_RULE)
            result.append(
                make_obligation(
                    obligation_id=ADMISSION_ID,
                    kind=ObligationKind.DECISION,
                    title="Admission through the trial's enrolment registry",
                    opens_on=state.phase_started_on,
                    due_on=max(last, state.phase_started_on),
                    basis=[cap],
                    reason=f"Screening passed; admission while seats remain ({cap.reason})",
                )
            )
        return result

    def wakeups(self, state: CaseState, view: RuleView) -> list[date]:
        return []
