"""Ret- og pligtmentor, DOMAIN §3.10 (target groups 2.3 aktivitetsparat kontanthjælp and
2.13 aktivitetsparat uddannelseshjælp).

AWAITING_OFFER -> (offer_started: closed) | (mentor_assigned: MENTOR) -> ... An aktivitetsparat
citizen must have a ret- og pligttilbud started within a deadline that depends on the
benefit. A citizen who cannot take part gets a ret- og pligtmentor *as* that offer: it runs
in periods, with contact at a fixed interval, and ends only when a real offer starts;
otherwise a new period follows on its own (the law gives no decision point).

FK-3.e (Jammerbugt, Aalborg, 2018-07-01 to 2019-12-31) relaxes this: a seriously ill,
hospitalised or botilbud citizen with an effort under other legislation needs no offer or
mentor (the coordinating caseworker keeps seeing them instead), a mentor has no fixed
contact interval, and it ends when the citizen is *ready* for an offer.

From 2020-01-01 the mentor as ret- og pligttilbud is abolished: the rules answer "not
applicable", so the core stops creating the duties and the engine withdraws open ones on
the boundary, next to the regime change on the timeline.
"""

from __future__ import annotations

from datetime import date

from domain.case.dates import add_months, add_weeks
from domain.case.events import CaseEvent, DecisionMade
from domain.case.model import CaseState, Obligation, ObligationKind, PhaseName
from domain.case.obligations import meet_obligation
from domain.case.phase import EventRefused, Transition
from domain.case.phases.base import as_date, check_decision, recurring, refuse_screening
from domain.case.phases.kontaktforloeb import coordinating_conversation
from domain.case.rules_view import RuleView, make_obligation
from domain.rulebook import Resolution

__all__ = ["MentorPhase"]

KONTANTHJAELP, UDDANNELSESHJAELP = "2.3", "2.13"
MENTOR_CONTACT, COORDINATING = "mentor_contact", "coordinating_conversation"
OFFER_STARTED, ASSIGNED, READY = "offer_started", "mentor_assigned", "citizen_ready"
AWAITING, MENTORING = "awaiting_offer", "mentor"
REQUIRED_RULE = "mentor.ret_og_pligt.required"
ENDS_RULE = "mentor.ends_when"
PHASES_RULE = "trajectory.phases"


def _offer_rule(target_group: str) -> str:
    return (
        "mentor.offer_start_months.uddannelseshjaelp"
        if target_group == UDDANNELSESHJAELP
        else "mentor.offer_start_months.kontanthjaelp"
    )


def _cited(resolution: Resolution) -> str:
    return f"{'; '.join(resolution.citations)}; {resolution.regime}"


class MentorPhase:
    name = PhaseName.MENTOR
    changes_between_events = True
    target_group = KONTANTHJAELP
    meeting_kinds = frozenset({MENTOR_CONTACT, COORDINATING})
    decisions = frozenset({OFFER_STARTED, ASSIGNED, READY})

    def enter(self, state: CaseState, view: RuleView, transition: Transition) -> None:
        # The LAB-forenkling abolished the mentor as ret- og pligttilbud from 2020-01-01
        # [003:L57]: a case is never opened or moved into a phase the law no longer has.
        rules = view if view.on == transition.on else RuleView(view.rulebook, state, transition.on)
        phases = rules.resolve(PHASES_RULE)
        abolished = not isinstance(phases.value, list) or self.name.value not in phases.value
        if abolished and not state.memo.phases_outlive_their_law:
            raise EventRefused(
                "phase",
                f"the ret- og pligt mentor phase is not in the law on "
                f"{transition.on.isoformat()}: {phases.reason} ({_cited(phases)})",
            )
        if state.target_group not in (KONTANTHJAELP, UDDANNELSESHJAELP):
            raise EventRefused(
                "target_group",
                f"the ret- og pligt rules cover aktivitetsparate {KONTANTHJAELP} and "
                f"{UDDANNELSESHJAELP}, not {state.target_group}",
            )
        since = transition.data.get("aktivitetsparat_since", transition.on)
        # `round` numbers the offer deadlines (a mentor ended because the citizen is ready
        # opens a new one); `mentor_from` is the first day of the current mentor's periods.
        state.phase_data = {
            "status": AWAITING,
            "round": 1,
            "waiting_since": as_date(since, "aktivitetsparat_since"),
            "mentor_from": None,
        }

    def validate(self, state: CaseState, event: CaseEvent, view: RuleView) -> None:
        refuse_screening(self.name, event)
        if not isinstance(event, DecisionMade):
            return
        check_decision(self.name, self.decisions, event)
        status = state.phase_data["status"]
        if event.decision == ASSIGNED:
            if status == MENTORING:
                raise EventRefused("decision", "a ret- og pligtmentor is already assigned")
            required = view.resolve(REQUIRED_RULE)
            if required.value is None:
                raise EventRefused(
                    "decision",
                    f"the mentor as ret- og pligttilbud does not exist under {required.regime} "
                    f"(rule {REQUIRED_RULE}: {_cited(required)}): {required.reason}",
                )
        elif event.decision == READY:
            if status != MENTORING:
                raise EventRefused("decision", "no ret- og pligtmentor is assigned")
            ends = view.resolve(ENDS_RULE)
            if ends.value != "citizen_ready_for_offer":
                raise EventRefused(
                    "decision",
                    f"under {ends.regime} the mentor ends only when an offer starts "
                    f"(rule {ENDS_RULE}: {_cited(ends)}); record {OFFER_STARTED}",
                )

    def apply(self, state: CaseState, event: CaseEvent, view: RuleView) -> Transition | None:
        if not isinstance(event, DecisionMade):
            return None
        data = state.phase_data
        on = event.effective_date
        if event.decision == OFFER_STARTED:
            meet_obligation(state, f"mentor.offer.{data['round']}", on)
            return Transition(to=PhaseName.CLOSED, on=on)
        if event.decision == ASSIGNED:
            # The mentor is itself the ret- og pligttilbud, so it meets the offer deadline.
            meet_obligation(state, f"mentor.offer.{data['round']}", on)
            data["status"], data["mentor_from"] = MENTORING, on
        elif event.decision == READY:
            # FK-3.e: ready for an offer ends the mentor; the offer deadline runs anew.
            data["status"], data["mentor_from"] = AWAITING, None
            data["round"] += 1
            data["waiting_since"] = on
        return None

    def obligations(self, state: CaseState, view: RuleView) -> list[Obligation]:
        if state.phase_data["status"] == MENTORING:
            return self._mentor(state, view)
        return self._awaiting(state, view)

    def _awaiting(self, state: CaseState, view: RuleView) -> list[Obligation]:
        data = state.phase_data
        since = as_date(data["waiting_since"], "waiting_since")
        months = view.resolve(_offer_rule(state.target_group))
        if months.value is None:
            return []
        obligation_id = f"mentor.offer.{data['round']}"
        duty = view.duty(obligation_id, REQUIRED_RULE)
        due = add_months(view.anchor(since, months), int(months.value))
        result = [
            make_obligation(
                obligation_id=obligation_id,
                kind=ObligationKind.DECISION,
                title="Ret- og pligttilbud started (or a ret- og pligtmentor)",
                opens_on=since,
                due_on=due,
                basis=[duty.resolution, months],
                reason=duty.locked_reason
                or (
                    f"An offer must start within {months.value} months of being "
                    "aktivitetsparat; a mentor if the citizen cannot take part"
                    if duty.required
                    else duty.resolution.reason
                ),
                exempted=not duty.required,
            )
        ]
        if not duty.required:
            result.append(self._coordinating(state, view, since))
        return result

    def _coordinating(self, state: CaseState, view: RuleView, since: date) -> Obligation:
        """FK-3.e's duty in place of the mentor: the coordinating caseworker's conversations."""
        return coordinating_conversation(
            state,
            view,
            prefix=f"mentor.{state.phase_data['round']}.coordinating",
            since=since,
            uddannelseshjaelp=state.target_group == UDDANNELSESHJAELP,
            meeting=COORDINATING,
            extra_basis=(view.resolve(REQUIRED_RULE),),
        )

    def _mentor(self, state: CaseState, view: RuleView) -> list[Obligation]:
        data = state.phase_data
        start = as_date(data["mentor_from"], "mentor_from")
        period = view.resolve("mentor.period_months")
        if period.value is None:
            return []
        number, period_start = self._period(start, view.on, int(period.value))
        period_end = add_months(period_start, int(period.value))
        interval = view.resolve("mentor.contact_interval_weeks")
        ends = view.resolve(ENDS_RULE)
        until = (
            "until the citizen is ready for an offer"
            if ends.value == "citizen_ready_for_offer"
            else "ending only when an offer starts, else a new period follows"
        )
        prefix = f"mentor.{data['round']}.period.{number}.contact"
        if interval.value is None:
            return [
                make_obligation(
                    obligation_id=prefix,
                    kind=ObligationKind.CONVERSATION,
                    title=f"Mentor contact at a fixed interval (period {number})",
                    opens_on=period_start,
                    due_on=period_end,
                    basis=[interval, ends],
                    reason=interval.reason,
                    exempted=True,
                )
            ]
        weeks = int(interval.value)
        return [
            recurring(
                state,
                prefix=prefix,
                kind=ObligationKind.CONVERSATION,
                title=f"Mentor contact (period {number})",
                first_opens=period_start,
                first_due=add_weeks(view.anchor(period_start, interval), weeks),
                next_due=lambda held: add_weeks(view.anchor(held, interval), weeks),
                basis=[interval, period, ends],
                reason=(
                    f"Ret- og pligtmentor for {period.value} months from {start.isoformat()} "
                    f"({until}); contact at least every {weeks} week(s)"
                ),
                meeting=MENTOR_CONTACT,
            )
        ]

    @staticmethod
    def _period(start: date, on: date, months: int) -> tuple[int, date]:
        """The mentor period `on` falls in (1-based) and its first day."""
        number, period_start = 1, start
        while add_months(start, number * months) <= on:
            number, period_start = number + 1, add_months(start, number * months)
        return number, period_start

    def wakeups(self, state: CaseState, view: RuleView) -> list[date]:
        """The start of the next mentor period: a new period's contacts begin then."""
        data = state.phase_data
        if data["status"] != MENTORING:
            return []
        period = view.resolve("mentor.period_months")
        if period.value is None:
            return []
        start = as_date(data["mentor_from"], "mentor_from")
        number, _ = self._period(start, view.on, int(period.value))
        return [add_months(start, number * int(period.value))]
