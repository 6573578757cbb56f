"""The rehabiliteringsteam (RT) step, DOMAIN §3.4, shared by the phases that use it.

The team gives an indstilling before every decision on ressourceforløb, fleksjob,
førtidspension (and efforts in jobafklaring); the municipality then decides. The number
of cases per meeting (6, or 10 for jobafklaring) comes from the rulebook and bounds the
booking.
"""

from __future__ import annotations

from datetime import date

from domain.case.events import DecisionMade, MeetingHeld
from domain.case.identifiers import quoted
from domain.case.model import CaseState, Obligation, ObligationKind
from domain.case.phase import EventRefused
from domain.case.phases.base import booking, certificate_request
from domain.case.phases.preconditions import check_preconditions
from domain.case.rules_view import Duty, RuleView, make_obligation

__all__ = [
    "GRANT_DECISIONS",
    "RECOMMENDATIONS",
    "RT_MEETING",
    "check_grant",
    "check_rt_meeting",
    "record_recommendation",
    "rt_obligations",
]

RT_MEETING = "rt_meeting"

# Decision -> the rule saying whether the RT's indstilling must come first
GRANT_DECISIONS: dict[str, str] = {
    "rf_granted": "rf.rt.required_for_new_course",
    "fleksjob_granted": "fleksjob.rt.required",
    "foep_granted": "foep.rt.required",
}
RECOMMENDATIONS = frozenset(
    {
        "ressourceforloeb",
        "fleksjob",
        "foertidspension",
        "revalidering",
        "jobafklaringsforloeb",
        "other",
    }
)


def check_rt_meeting(event: MeetingHeld) -> None:
    if event.meeting != RT_MEETING:
        return
    if event.recommendation is None:
        raise EventRefused("recommendation", "an RT meeting must record the team's indstilling")
    if event.recommendation not in RECOMMENDATIONS:
        raise EventRefused(
            "recommendation",
            f"unknown indstilling {quoted(event.recommendation)} "
            f"(expected one of: {', '.join(sorted(RECOMMENDATIONS))})",
        )


def record_recommendation(state: CaseState, event: MeetingHeld) -> None:
    if event.meeting == RT_MEETING and event.recommendation is not None:
        state.phase_data["rt_recommendation"] = event.recommendation
        state.phase_data["rt_held_on"] = event.effective_date


def check_grant(state: CaseState, event: DecisionMade, view: RuleView) -> None:
    """A grant of RF, fleksjob or FØP needs the team's indstilling first, where the law says so."""
    rule_id = GRANT_DECISIONS.get(event.decision)
    if rule_id is None:
        return
    if not state.memo.decisions_without_preconditions:
        check_preconditions(state, event, view)
        if event.decision == "rf_granted":
            check_rf_end(event, view)
        return
    required = view.resolve(rule_id)
    if required.value is True and state.phase_data.get("rt_recommendation") is None:
        raise EventRefused(
            "decision",
            f"{event.decision} needs the rehabiliteringsteam's indstilling first "
            f"({'; '.join(required.citations)}, {required.regime})",
        )
    if event.decision == "rf_granted":
        check_rf_end(event, view)


def check_rf_end(event: DecisionMade, view: RuleView) -> None:
    if event.end_on is None:
        raise EventRefused("end_on", "a ressourceforløb must have an end date")
    shortest = view.resolve("rf.duration.min_years")
    longest = view.resolve("rf.duration.max_years")
    start = event.effective_date
    low = date(start.year + int(shortest.value), start.month, min(start.day, 28))
    high = date(start.year + int(longest.value), start.month, min(start.day, 28))
    if not low <= event.end_on <= high:
        raise EventRefused(
            "end_on",
            f"a ressourceforløb lasts {shortest.value}-{longest.value} years "
            f"({'; '.join(longest.citations)}): end_on must fall between "
            f"{low.isoformat()} and {high.isoformat()}",
        )


def rt_obligations(
    *,
    prefix: str,
    opens_on: date,
    due_on: date,
    presentation: Duty,
    lae265: Duty,
    capacity_rule: str,
    view: RuleView,
    reason: str,
) -> list[Obligation]:
    """The RT presentation and, before it, the GP's LÆ265 (each possibly exempted)."""
    capacity = view.resolve(capacity_rule)
    result = [
        make_obligation(
            obligation_id=f"{prefix}.rt",
            kind=ObligationKind.TEAM_PRESENTATION,
            title="Presentation to the rehabiliteringsteam",
            opens_on=opens_on,
            due_on=due_on,
            basis=[presentation.resolution, capacity],
            reason=presentation.locked_reason
            or (reason if presentation.required else presentation.resolution.reason),
            action=booking(RT_MEETING, opens_on, due_on, int(capacity.value)),
            met_by=(f"meeting:{RT_MEETING}",),
            exempted=not presentation.required,
        )
    ]
    if presentation.required:
        result.append(
            make_obligation(
                obligation_id=f"{prefix}.lae265",
                kind=ObligationKind.CERTIFICATE,
                title="LÆ265 from the GP before the rehabiliteringsteam",
                opens_on=opens_on,
                due_on=due_on,
                basis=[lae265.resolution],
                reason=lae265.locked_reason or lae265.resolution.reason,
                action=certificate_request("LAE265", due_on),
                met_by=("certificate:LAE265",),
                exempted=not lae265.required,
            )
        )
    return result
