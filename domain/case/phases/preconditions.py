"""What must hold when a decision is taken, as the rulebook lists it (issue 17).

`decision.<name>.preconditions` names the preconditions of a decision; each name here is a
check against the rule that says whether it applies, resolved on the decision's own day for
the target group the decision concerns (DOMAIN §8.15: a precondition of a later decision
follows the law of the day that decision is taken, whatever an earlier trial exempted).
A precondition that does not hold refuses the decision with the rule, its citation and what
is missing; where the law leaves the decision to the municipality, the decision is accepted
and the timeline says it was taken against or without that basis (`flags`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from domain.case.dates import add_months, add_weeks, add_years
from domain.case.events import DecisionMade, MeetingHeld
from domain.case.model import CaseState, ObligationStatus, TimelineEntry, TimelineKind
from domain.case.phase import EventRefused
from domain.case.rules_view import RuleView
from domain.rulebook import Resolution, RuleNotInForce, UnknownRule

__all__ = [
    "DECISION_GROUP",
    "PRECONDITION_CHECKS",
    "check_form",
    "check_preconditions",
    "flags",
    "lae265_received",
    "record_flags",
]

LAE265 = "LAE265"
CURRENT_RULE = "certificate.lae265.current_max_days"

# The target group a decision puts the citizen in, whose rules govern it: trials are scoped
# by target group, and the deciding phase's group is not the one granted.
DECISION_GROUP = {
    "rf_granted": "2.11",
    "reval_granted": "2.4",
    "fleksjob_granted": "2.7",
}
# The rule saying whether the team's indstilling must come first, per decision.
TEAM_RULE = {
    "rf_granted": "rf.rt.required_for_new_course",
    "fleksjob_granted": "fleksjob.rt.required",
    "foep_granted": "foep.rt.required",
}
# The indstilling each grant follows; the municipality may decide otherwise [001:L3402].
RECOMMENDED_AS = {
    "rf_granted": "ressourceforloeb",
    "fleksjob_granted": "fleksjob",
    "foep_granted": "foertidspension",
}


def lae265_received(state: CaseState) -> list[date]:
    """Every day a LÆ265 reached the case, in any phase (an obligation it met, or an event
    no obligation asked for), oldest first."""
    key = f"certificate:{LAE265}"
    days = {
        record.met_on
        for record in state.obligations.values()
        if record.status is ObligationStatus.MET and key in record.met_by and record.met_on
    }
    summary = f"Certificate received: {LAE265}"
    days.update(
        receipt.applied_on
        for receipt in state.events.values()
        if receipt.event_type == "certificate_received" and receipt.summary == summary
    )
    return sorted(days)


def _cited(resolution: Resolution) -> str:
    return f"rule {resolution.rule_id}: {'; '.join(resolution.citations)}; {resolution.regime}"


def _current_lae265(
    state: CaseState, view: RuleView, reference: date, on: date, what: str
) -> str | None:
    """None when a LÆ265 received on or before `reference` is current there; else what is
    missing. Currency is judged by the rule in force on the decision day `on`."""
    limit = view.resolve_on(CURRENT_RULE, on)
    days = int(limit.value)
    before = [d for d in lae265_received(state) if d <= reference]
    if not before:
        return f"no LÆ265 was received before {what} on {reference.isoformat()}"
    latest = before[-1]
    age = (reference - latest).days
    if age > days:
        return (
            f"the latest LÆ265, received {latest.isoformat()}, was {age} days old at {what} "
            f"on {reference.isoformat()} (current: at most {days} days, {_cited(limit)})"
        )
    return None


def _team_day(state: CaseState) -> date | None:
    held = state.phase_data.get("rt_held_on")
    if isinstance(held, str):
        return date.fromisoformat(held)
    return held if isinstance(held, date) else None


def _required(view: RuleView, rule_id: str, on: date, group: str | None) -> Resolution | None:
    """The rule's answer on `on`, or None where it does not apply to the group."""
    try:
        answer = view.resolve_on(rule_id, on, group)
    except (RuleNotInForce, UnknownRule):  # a decision the rulebook lists nothing for
        return None
    return answer if answer.applicable else None


def _rt_recommendation(state: CaseState, event: DecisionMade, view: RuleView) -> str | None:
    rule_id = TEAM_RULE.get(event.decision)
    if rule_id is None:
        return None
    on = event.effective_date
    required = _required(view, rule_id, on, DECISION_GROUP.get(event.decision))
    if required is None or required.value is not True:
        return None
    if state.phase_data.get("rt_recommendation") is None:
        return f"the rehabiliteringsteam's indstilling ({_cited(required)})"
    return None


def _lae265_at_team(state: CaseState, event: DecisionMade, view: RuleView) -> str | None:
    """A current LÆ265 behind the team's indstilling [001:L1932]: without it "vil teamets
    indstilling og kommunens afgørelse som udgangspunkt være ugyldig"."""
    on = event.effective_date
    rule = _required(view, "rt.lae265.required", on, None)
    if rule is None or rule.value is not True:
        return None
    team = _team_day(state)
    if team is None:
        return f"a current LÆ265 before a team meeting ({_cited(rule)}); no team meeting held"
    missing = _current_lae265(state, view, team, on, "the team meeting")
    return None if missing is None else f"a current LÆ265 ({_cited(rule)}): {missing}"


def _lae265_for_revalidering(state: CaseState, event: DecisionMade, view: RuleView) -> str | None:
    on = event.effective_date
    rule = _required(view, "reval.lae265.required_for_grant", on, DECISION_GROUP["reval_granted"])
    if rule is None or rule.value is not True:
        return None
    missing = _current_lae265(state, view, on, on, "the decision")
    return None if missing is None else f"the GP's current LÆ265 ({_cited(rule)}): {missing}"


def _new_lae265_before_extension_team(
    state: CaseState, event: DecisionMade, view: RuleView
) -> str | None:
    """Before the grant period expires the case goes back to the team "med en ny LÆ265"
    [001:L3254, L3267]: received after the course began, before the meeting, and current."""
    if event.route != "rt":
        return None  # an administrative extension (FK-3.h) has no team meeting
    on = event.effective_date
    rule = _required(view, "rf.extension.lae265_required", on, None)
    if rule is None or rule.value is not True:
        return None
    team = _team_day(state)
    if team is None:
        return f"a new LÆ265 before the team meeting ({_cited(rule)}); no team meeting held"
    began = state.phase_started_on
    new = [d for d in lae265_received(state) if began <= d <= team]
    if not new:
        return (
            f"a new LÆ265 before the team meeting on {team.isoformat()} ({_cited(rule)}): "
            f"none received between the course's start {began.isoformat()} and the meeting"
        )
    missing = _current_lae265(state, view, team, on, "the team meeting")
    return None if missing is None else f"a current LÆ265 ({_cited(rule)}): {missing}"


def _rf_within_max_duration(state: CaseState, event: DecisionMade, view: RuleView) -> str | None:
    on = event.effective_date
    longest = _required(view, "rf.duration.max_years", on, None)
    if longest is None:
        return None
    end_on = state.phase_data["end_on"]
    if isinstance(end_on, str):
        end_on = date.fromisoformat(end_on)
    new_end = event.end_on or (add_months(end_on, event.months) if event.months else end_on)
    began = state.phase_started_on
    limit = add_years(began, int(longest.value))
    if new_end > limit:
        return (
            f"an end within {longest.value} years of the start {began.isoformat()}, at the "
            f"latest {limit.isoformat()} ({_cited(longest)}); the extension ends "
            f"{new_end.isoformat()}"
        )
    return None


def _back_at_work_within_limit(state: CaseState, event: DecisionMade, view: RuleView) -> str | None:
    """ "hvis man ... ikke skønnes at kunne genoptage arbejdet indenfor 134 uger, skal
    borgeren overgå til jobafklaringsforløb" [002:L244], counted from the first absence day."""
    on = event.effective_date
    rule = _required(view, "sdp.extension.back_at_work_within_weeks", on, None)
    if rule is None or rule.value is None:
        return None
    first = state.phase_data["first_absence_day"]
    if isinstance(first, str):
        first = date.fromisoformat(first)
    limit = add_weeks(first, int(rule.value))
    expected = event.expected_recovery_on
    if expected is None:
        return (
            f"the day the citizen is expected back at work (expected_recovery_on), within "
            f"{rule.value} weeks of the first absence day ({_cited(rule)})"
        )
    if expected > limit:
        return (
            f"an expected return within {rule.value} weeks of the first absence day, by "
            f"{limit.isoformat()} ({_cited(rule)}); expected {expected.isoformat()}: the "
            "citizen goes to jobafklaring instead"
        )
    return None


PRECONDITION_CHECKS: dict[str, Callable[[CaseState, DecisionMade, RuleView], str | None]] = {
    "rt_recommendation": _rt_recommendation,
    "lae265_current_at_team": _lae265_at_team,
    "lae265_current_for_revalidering": _lae265_for_revalidering,
    "new_lae265_before_extension_team": _new_lae265_before_extension_team,
    "rf_within_max_duration": _rf_within_max_duration,
    "back_at_work_within_limit": _back_at_work_within_limit,
}
"""Every precondition name a `decision.<name>.preconditions` rule may list."""


def check_preconditions(state: CaseState, event: DecisionMade, view: RuleView) -> None:
    """Refuse `event` when a precondition the rulebook lists for it does not hold."""
    if state.memo.decisions_without_preconditions:
        return
    listed = _required(view, f"decision.{event.decision}.preconditions", event.effective_date, None)
    if listed is None:
        return
    missing = [
        reason
        for name in listed.value or ()
        if (reason := PRECONDITION_CHECKS[name](state, event, view)) is not None
    ]
    if missing:
        raise EventRefused(
            "decision",
            f"{event.decision} on {event.effective_date.isoformat()} needs "
            + "; and ".join(missing)
            + f" (preconditions: {_cited(listed)})",
        )


def record_flags(state: CaseState, event: DecisionMade, view: RuleView) -> None:
    """Add the decision's flags to the timeline, with the rule and regime of its day."""
    lines = flags(state, event)
    if not lines:
        return
    rule = _required(
        view, TEAM_RULE[event.decision], event.effective_date, DECISION_GROUP.get(event.decision)
    )
    for line in lines:
        state.timeline.append(
            TimelineEntry(
                event.effective_date,
                TimelineKind.DECISION_FLAGGED,
                event.decision,
                line,
                rule.regime if rule else None,
                rule.citations if rule else (),
                state.phase,
            )
        )


NAMED_FORMS = frozenset(
    {
        "personal",
        "phone",
        "digital",
        "phone_in_offer",
        "digital_in_offer",
        "group",
        "branchemoede",
        "other",
        "other_on_citizen_request",
        "via_others",
        "via_mentor",
        "via_consultant",
        "via_offer_provider",
    }
)
"""The forms the rulebook's forms rules name; anything else is a form described in words."""


def check_form(state: CaseState, event: MeetingHeld, view: RuleView, rule_id: str) -> None:
    """Refuse a conversation in a form the rules in force on its day do not permit (e.g.
    JAF conversations are "individuelle personlige samtaler" [001:L1208])."""
    if state.memo.decisions_without_preconditions:
        return
    forms = view.resolve_on(rule_id, event.effective_date)
    allowed = [f for f in (forms.value or ()) if isinstance(f, str)]
    if "phone_or_digital_when_in_offer" in allowed:
        allowed += ["phone_in_offer", "digital_in_offer"]
    elif not state.memo.conversation_rules_unread:
        # A rule that allows phone (digital) anywhere allows it in an offer too.
        allowed += [f"{f}_in_offer" for f in ("phone", "digital") if f in allowed]
    form = event.form or "personal"
    named = form in NAMED_FORMS
    if not named and "other" in allowed and not state.memo.conversation_rules_unread:
        return  # "eller på anden måde" [001:L1134]: a form described in words is "other"
    if form not in allowed:
        # A form described in words is free text (it may name a diagnosis): never echoed.
        shown = repr(form) if named else "form described in words, not a named"
        raise EventRefused(
            "form",
            f"a {shown} conversation is not permitted here on "
            f"{event.effective_date.isoformat()} ({_cited(forms)}); permitted: "
            f"{', '.join(allowed)}",
        )


def flags(state: CaseState, event: DecisionMade) -> list[str]:
    """Lines for the record where the municipality decided against the team's indstilling:
    it may [001:L3402], and the record says the decision was taken without that basis."""
    expected = RECOMMENDED_AS.get(event.decision)
    given = state.phase_data.get("rt_recommendation")
    if state.memo.decisions_without_preconditions or expected is None or given is None:
        return []
    if given == expected:
        return []
    return [
        f"{event.decision} taken against the rehabiliteringsteam's indstilling ({given}): "
        "the municipality decides after the team's indstilling (LOUB §§ 9-12, [001:L3402])"
    ]
