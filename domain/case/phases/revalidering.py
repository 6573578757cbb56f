"""Revalidering, DOMAIN §3.6 (target group 2.4).

A decision to grant, change, extend or stop revalidering rests on the preparatory part of
the rehabiliteringsplan, which includes the GP's LÆ265. It is a garantiforskrift: without
it the decision is invalid, so the core refuses the decision rather than flagging it
afterwards. FK-3.a drops the LÆ265 for a sufficiently documented case that is no
tvivlsag; from 2020-01-01 only the grant still needs one. Jobsamtale at a fixed interval.

The grant is usually decided in the phase before (jobafklaring, ressourceforløb), which
calls `check_reval_grant`; a case opened directly in revalidering without `granted_on`
waits for the grant here.
"""

from __future__ import annotations

from datetime import date

from domain.case.dates import add_days, add_months
from domain.case.events import CaseEvent, CertificateReceived, DecisionMade, MeetingHeld
from domain.case.model import CaseState, Obligation, ObligationKind, ObligationStatus, PhaseName
from domain.case.obligations import PENDING
from domain.case.phase import EventRefused, Transition
from domain.case.phases.agreed_dates import agreed_after, agreed_cadence, note_agreed
from domain.case.phases.base import (
    as_date,
    certificate_request,
    check_decision,
    recurring,
    refuse_screening,
)
from domain.case.phases.preconditions import (
    CURRENT_RULE,
    check_form,
    check_preconditions,
    lae265_received,
)
from domain.case.rules_view import Duty, RuleView, make_obligation
from domain.rulebook import Resolution

__all__ = ["RevalideringPhase", "check_reval_grant", "record_lae265"]

REVAL_GROUP = "2.4"
JOBSAMTALE = "jobsamtale"
LAE265 = "LAE265"
GRANTED, COMPLETED, STOPPED = "reval_granted", "reval_completed", "reval_stopped"
FORMS_RULE = "reval.jobsamtale.forms"
CADENCE_RULE = "reval.jobsamtale.cadence"
GRANT_LAE265 = "reval.grant.lae265"
GRANT_RULE = "reval.lae265.required_for_grant"
LATER_RULE = "reval.lae265.required_for_later_decisions"
DUE_RULE = "reval.lae265.due_days_after_request"

# A later decision is prepared by a proposal (which is when the LÆ265 is requested) and
# then taken; both name the same kind of change.
PROPOSED = {
    "reval_change_proposed": "change",
    "reval_extension_proposed": "extension",
    "reval_stop_proposed": "stop",
}
DECIDED = {"reval_changed": "change", "reval_extended": "extension", STOPPED: "stop"}
_PROPOSAL_OF = {kind: name for name, kind in PROPOSED.items()}
_VERB = {"change": "change", "extension": "extend", "stop": "stop"}


def record_lae265(state: CaseState, event: CaseEvent) -> None:
    """Keep a received LÆ265 in the phase data: one that no obligation asked for (e.g. when
    FK-2.a.2 exempted it before the team) still counts for a revalidering grant."""
    if isinstance(event, CertificateReceived) and event.certificate == LAE265:
        state.phase_data["lae265_received_on"] = event.effective_date


def lae265_on_file(state: CaseState) -> date | None:
    """The latest LÆ265 received in the case: any obligation it met, in any phase, or one
    recorded in the current phase."""
    key = f"certificate:{LAE265}"
    received = [
        record.met_on
        for record in state.obligations.values()
        if record.status is ObligationStatus.MET and key in record.met_by and record.met_on
    ]
    recorded = state.phase_data.get("lae265_received_on")
    if recorded is not None:
        received.append(as_date(recorded, "lae265_received_on"))
    return max(received, default=None)


def check_reval_grant(state: CaseState, event: DecisionMade, view: RuleView) -> None:
    """Refuse `reval_granted` without a LÆ265 in the case where the law requires one.

    The rule is resolved for target group 2.4, the group the grant puts the citizen in:
    FK-3.a is scoped to it, and the deciding phase (jobafklaring, ressourceforløb) is not.
    """
    if event.decision != GRANTED:
        return
    if not state.memo.decisions_without_preconditions:
        # Judged on the decision's day: an exemption noted earlier under FK-3.a does not
        # carry past the trial's end (DOMAIN §8.15 as corrected), and the LÆ265 must be
        # current, not any ever received [001:L1932].
        check_preconditions(state, event, view)
        return
    if state.target_group == REVAL_GROUP:
        # Inside revalidering the grant's own LÆ265 obligation exists, so an exemption
        # already decided on it stands (DOMAIN §8.15).
        duty = view.duty(GRANT_LAE265, GRANT_RULE)
        required, resolution = duty.required, duty.resolution
    else:
        resolution = view.resolve_for_group(GRANT_RULE, REVAL_GROUP)
        required = resolution.value is True
    if required and lae265_on_file(state) is None:
        raise EventRefused(
            "decision",
            f"{GRANTED} needs the GP's LÆ265 in the rehabiliteringsplan first "
            f"(rule {GRANT_RULE}: {_cited(resolution)}): {resolution.reason}",
        )


def _cited(resolution: Resolution) -> str:
    return f"{'; '.join(resolution.citations)}; {resolution.regime}"


class RevalideringPhase:
    name = PhaseName.REVALIDERING
    changes_between_events = False
    target_group = REVAL_GROUP
    meeting_kinds = frozenset({JOBSAMTALE})
    decisions = frozenset({GRANTED, COMPLETED, *PROPOSED, *DECIDED})

    def enter(self, state: CaseState, view: RuleView, transition: Transition) -> None:
        granted = transition.data.get("granted_on")
        state.phase_data = {
            "granted_on": None if granted is None else as_date(granted, "granted_on"),
            "proposals": {},
            "proposal_count": 0,
        }

    def validate(self, state: CaseState, event: CaseEvent, view: RuleView) -> None:
        refuse_screening(self.name, event)
        if (
            isinstance(event, MeetingHeld)
            and event.meeting == JOBSAMTALE
            and not state.memo.conversation_rules_unread
        ):
            # In person unless the citizen is in an offer [001:L1109-1110].
            check_form(state, event, view, FORMS_RULE)
        if not isinstance(event, DecisionMade):
            return
        check_decision(self.name, self.decisions, event)
        data = state.phase_data
        if event.decision == GRANTED:
            if data["granted_on"] is not None:
                raise EventRefused("decision", "revalidering is already granted")
            check_reval_grant(state, event, view)
        elif data["granted_on"] is None:
            raise EventRefused("decision", f"{event.decision} needs a granted revalidering")
        elif event.decision in PROPOSED:
            kind = PROPOSED[event.decision]
            if kind in data["proposals"]:
                raise EventRefused(
                    "decision",
                    f"a {kind} was already proposed on {data['proposals'][kind]['on']}",
                )
        elif event.decision in DECIDED:
            self._check_decided(state, event, view)

    def _check_decided(self, state: CaseState, event: DecisionMade, view: RuleView) -> None:
        kind = DECIDED[event.decision]
        proposal = state.phase_data["proposals"].get(kind)
        if proposal is None:
            rule = view.resolve(LATER_RULE)
            if rule.value is True:
                raise EventRefused(
                    "decision",
                    f"{event.decision} needs a new LÆ265 (rule {LATER_RULE}: {_cited(rule)}): "
                    f"record {_PROPOSAL_OF[kind]} first so the LÆ265 is requested",
                )
            return
        obligation_id = _proposal_id(kind, proposal)
        record = state.obligations.get(obligation_id)
        if record is not None and record.status in PENDING:
            raise EventRefused(
                "decision",
                f"{event.decision} needs the LÆ265 requested on {proposal['on']} first "
                f"(rule {LATER_RULE}: {'; '.join(record.citations)}; {record.regime})",
            )

    def apply(self, state: CaseState, event: CaseEvent, view: RuleView) -> Transition | None:
        record_lae265(state, event)
        note_agreed(state, event, view, CADENCE_RULE, JOBSAMTALE)
        if not isinstance(event, DecisionMade):
            return None
        data = state.phase_data
        on = event.effective_date
        if event.decision == GRANTED:
            data["granted_on"] = on
        elif event.decision in PROPOSED:
            data["proposal_count"] += 1
            data["proposals"][PROPOSED[event.decision]] = {
                "number": data["proposal_count"],
                "on": on,
            }
        elif event.decision in DECIDED:
            data["proposals"].pop(DECIDED[event.decision], None)
            if event.decision == STOPPED:
                return Transition(to=PhaseName.CLOSED, on=on)
        elif event.decision == COMPLETED:
            return Transition(to=PhaseName.CLOSED, on=on)
        return None

    def obligations(self, state: CaseState, view: RuleView) -> list[Obligation]:
        data = state.phase_data
        if data["granted_on"] is None:
            duty = view.duty(GRANT_LAE265, GRANT_RULE)
            first = _lae265(GRANT_LAE265, "the grant", state.phase_started_on, duty, view)
            renewed = _renewed_grant_lae265(state, view, duty)
            return [first] if renewed is None else [first, renewed]
        granted = as_date(data["granted_on"], "granted_on")
        interval = view.resolve("reval.jobsamtale.interval_months")
        months = int(interval.value)
        cadence = agreed_cadence(state, view, CADENCE_RULE)
        reason = f"Jobsamtale at least every {interval.value} months during revalidering"
        if cadence is not None:
            reason += f"; or on the date agreed at the last one ({cadence.reason})"

        def next_due(held: date) -> date:
            agreed = agreed_after(state, held) if cadence is not None else None
            return agreed or add_months(view.anchor(held, interval), months)

        result = [
            recurring(
                state,
                prefix="reval.jobsamtale",
                kind=ObligationKind.CONVERSATION,
                title="Jobsamtale",
                first_opens=granted,
                first_due=add_months(view.anchor(granted, interval), months),
                next_due=next_due,
                basis=[interval] if cadence is None else [interval, cadence],
                reason=reason,
                meeting=JOBSAMTALE,
            )
        ]
        for kind, proposal in sorted(data["proposals"].items()):
            obligation_id = _proposal_id(kind, proposal)
            result.append(
                _lae265(
                    obligation_id,
                    f"the decision to {_VERB[kind]} the revalidering",
                    as_date(proposal["on"], "on"),
                    view.duty(obligation_id, LATER_RULE),
                    view,
                )
            )
        return result

    def wakeups(self, state: CaseState, view: RuleView) -> list[date]:
        return []


def _proposal_id(kind: str, proposal: dict[str, object]) -> str:
    return f"reval.{kind}.{proposal['number']}.lae265"


def _lae265(
    obligation_id: str, purpose: str, requested_on: date, duty: Duty, view: RuleView
) -> Obligation:
    days = view.resolve(DUE_RULE)
    due = add_days(requested_on, int(days.value))
    return make_obligation(
        obligation_id=obligation_id,
        kind=ObligationKind.CERTIFICATE,
        title=f"LÆ265 from the GP before {purpose}",
        opens_on=requested_on,
        due_on=due,
        basis=[duty.resolution, days],
        reason=duty.locked_reason
        or (
            f"The rehabiliteringsplan's preparatory part needs the GP's LÆ265, due "
            f"{days.value} days after the request"
            if duty.required
            else duty.resolution.reason
        ),
        action=certificate_request(LAE265, due),
        met_by=(f"certificate:{LAE265}",),
        exempted=not duty.required,
    )


def _stale_on(state: CaseState, view: RuleView) -> date | None:
    """The day the latest LÆ265 on file stops being current for a grant, or None."""
    if state.memo.facts_outlive_their_occasion:
        return None
    received = lae265_received(state)
    if not received:
        return None
    return add_days(received[-1], int(view.resolve(CURRENT_RULE).value) + 1)


def _renewed_grant_lae265(state: CaseState, view: RuleView, duty: Duty) -> Obligation | None:
    """A new request for the grant's LÆ265 where the first one no longer serves it.

    The grant is judged on its own day and needs a current LÆ265 [001:L1932, L2543]: when
    an exemption decided under a trial stands for the first request (it fell due then) but
    the trial has ended, or when the LÆ265 on file has grown too old, the duty to obtain a
    current one stands again, from the day the first stopped serving (DOMAIN §8.15 as
    corrected). Without it a refused grant would leave the case with nothing to ask for.
    """
    if state.memo.facts_outlive_their_occasion:
        return None
    record = state.obligations.get(GRANT_LAE265)
    if record is None:
        return None
    stale = _stale_on(state, view)
    if record.status is ObligationStatus.EXEMPTED and duty.locked_reason is not None:
        since = duty.resolution.since or view.on
        why = f"the exemption ({duty.locked_reason}) covered only the request that fell due then"
        if stale is not None and stale > since:
            since = stale  # a LÆ265 on file serves until it is no longer current
    elif record.status is ObligationStatus.MET and duty.required and stale is not None:
        since = stale
        why = f"the LÆ265 on file is no longer current ({CURRENT_RULE})"
    else:
        return None
    # A future day is a wake-up: the request opens on it.
    since = max(since, state.phase_started_on)
    renewed = _lae265(
        f"{GRANT_LAE265}.{since.isoformat()}",
        "the grant (a current one)",
        since,
        Duty(required=True, resolution=duty.resolution),
        view,
    )
    return renewed._replace(reason=f"{renewed.reason}; asked again because {why}")
