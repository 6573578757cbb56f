"""Contact courses (kontaktforløb), DOMAIN §3.9. The target group is given at case start.

- 2.1 dagpenge: a jobsamtale at a fixed interval until the first half-year's number is
  held; the first one is the joint conversation with the a-kasse (fællessamtale) inside a
  window of weeks. From 2020-01-01 the count restarts after a short job; from June 2021
  the citizen chooses the form after some months of unemployment.
- 2.3 aktivitetsparat kontanthjælp / 2.13 aktivitetsparat uddannelseshjælp: the
  coordinating caseworker's conversations (N per year / every N weeks). 2.2 and 2.12:
  the seeds give no number ("timeliness"), so only the form is checked.
- integration (2.2/2.3 with `integration.in_programme`): at least N conversations in each
  12 months of the course; FK-3.g (Vesthimmerland) widens the forms and allows fewer for
  named subgroups, both only with its journal note.

FK-1.d (per municipality and target group, Thisted and Mariagerfjord seasonal-only) frees
the form, lets the cadence be agreed at each conversation (documented deviation), moves
the fællessamtale to the 2nd or 3rd conversation, drops the rhythm for seasonal
unemployed and turns the statutory number into an average per target group. That average
is *reported* per municipality, group and quarter (domain/reports/fk1d.py), not enforced per
citizen: the per-citizen duties still plan and book the conversations, and their reason
says the number is counted as an average.

A meeting in a form the rules in force do not permit is refused, naming form and regime.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from domain.case.dates import add_days, add_months, add_weeks
from domain.case.events import CaseEvent, DecisionMade, MeetingHeld
from domain.case.model import (
    CaseState,
    Obligation,
    ObligationKind,
    PhaseName,
)
from domain.case.obligations import PENDING, meet_obligation
from domain.case.phase import EventRefused, Transition
from domain.case.phases.base import as_date, check_decision, recurring, refuse_screening
from domain.case.phases.occasions import settled_on
from domain.case.rules_view import RuleView, make_obligation
from domain.rulebook import Resolution

__all__ = [
    "COURSES",
    "KontaktforloebPhase",
    "allowed_forms",
    "coordinating_conversation",
    "course_of",
]

DAGPENGE, KH_JOBPARAT, KH_AKTIVITETSPARAT = "2.1", "2.2", "2.3"
UH_UDDANNELSESPARAT, UH_AKTIVITETSPARAT = "2.12", "2.13"
COURSES = frozenset(
    {DAGPENGE, KH_JOBPARAT, KH_AKTIVITETSPARAT, UH_UDDANNELSESPARAT, UH_AKTIVITETSPARAT}
)
JOBSAMTALE, FAELLES = "jobsamtale", "faellessamtale"
UNEMPLOYED_AGAIN, ENDED = "unemployed_again", "course_ended"
INTEGRATION_FACT = "integration.in_programme"
SEASONAL_FACT = "dagpenge.seasonal_unemployed"
AGREED = "agreed_at_each_conversation"
AVERAGE = "average_per_target_group"
# A conversation "in another form on the citizen's request" (kontanthjælp, uddannelses-
# hjælp): these are the forms such a request can name; group and via-others are not.
_ON_REQUEST = ("phone", "digital", "video")
# June 2021: after N months the citizen chooses between these [003:L19].
_CITIZEN_CHOICE = ("personal", "video", "phone")
# "N per 12 months": a year is a calendar fact; N is law and lives in the rulebook.
_MONTHS_PER_YEAR = 12


def course_of(state: CaseState) -> str:
    """Which contact course the case follows: its target group, or "integration"."""
    if state.target_group in (KH_JOBPARAT, KH_AKTIVITETSPARAT) and state.facts.get(
        INTEGRATION_FACT
    ):
        return "integration"
    return state.target_group


_FORMS_RULE = {
    DAGPENGE: "kontakt.dagpenge.forms",
    KH_JOBPARAT: "kontakt.kontanthjaelp.forms",
    KH_AKTIVITETSPARAT: "kontakt.kontanthjaelp.forms",
    UH_UDDANNELSESPARAT: "kontakt.uddannelseshjaelp.forms",
    UH_AKTIVITETSPARAT: "kontakt.uddannelseshjaelp.forms",
    "integration": "kontakt.integration.forms",
}
_CADENCE_RULE = {
    DAGPENGE: "kontakt.dagpenge.cadence",
    KH_AKTIVITETSPARAT: "kontakt.kontanthjaelp.cadence",
    UH_AKTIVITETSPARAT: "kontakt.uddannelseshjaelp.cadence",
}
_COMPLIANCE_RULE = {
    DAGPENGE: "kontakt.dagpenge.compliance_basis",
    KH_AKTIVITETSPARAT: "kontakt.kontanthjaelp.compliance_basis",
    UH_AKTIVITETSPARAT: "kontakt.uddannelseshjaelp.compliance_basis",
}


def allowed_forms(state: CaseState, view: RuleView, on: date) -> tuple[list[str], list[Resolution]]:
    """The conversation forms the rules in force permit on `on`, and the answers behind it."""
    course = course_of(state)
    forms = view.resolve(_FORMS_RULE[course])
    allowed: list[str] = list(forms.value or [])
    basis = [forms]
    if "other_on_citizen_request" in allowed:
        allowed = [f for f in allowed if f != "other_on_citizen_request"] + list(_ON_REQUEST)
    if course == DAGPENGE:
        choice = view.resolve("kontakt.dagpenge.citizen_form_choice_after_months")
        start = as_date(state.phase_data["spell_start"], "spell_start")
        if choice.value is not None and on >= add_months(start, int(choice.value)):
            allowed += [f for f in _CITIZEN_CHOICE if f not in allowed]
            basis.append(choice)
    return allowed, basis


def coordinating_conversation(
    state: CaseState,
    view: RuleView,
    *,
    prefix: str,
    since: date,
    uddannelseshjaelp: bool,
    meeting: str,
    extra_basis: tuple[Resolution, ...] = (),
    agreed_on: Callable[[date], date | None] = lambda held: None,
) -> Obligation:
    """The coordinating caseworker's conversations with an aktivitetsparat citizen:
    N per year (kontanthjælp) or every N weeks (uddannelseshjælp) [001:L3025].

    Shared by the contact course and by the mentor phase (FK-3.e keeps them in place of
    the mentor). `agreed_on(held)` gives a next date agreed at a conversation, if any.
    """
    if uddannelseshjaelp:
        rule = view.resolve("kontakt.coordinating_caseworker.uddannelseshjaelp.interval_weeks")
        weeks = int(rule.value)

        def statutory(held: date) -> date:
            return add_weeks(view.anchor(held, rule), weeks)

        reason = f"Coordinating caseworker conversation at least every {weeks} weeks"
    else:
        rule = view.resolve("kontakt.coordinating_caseworker.kontanthjaelp.min_count")
        months = _MONTHS_PER_YEAR // int(rule.value)

        def statutory(held: date) -> date:
            return add_months(view.anchor(held, rule), months)

        reason = (
            f"Coordinating caseworker keeps {rule.value} conversations per "
            f"{_MONTHS_PER_YEAR} months"
        )

    def next_due(held: date) -> date:
        agreed = agreed_on(held)
        return agreed if agreed is not None and agreed > held else statutory(held)

    return recurring(
        state,
        prefix=prefix,
        kind=ObligationKind.CONVERSATION,
        title="Coordinating caseworker conversation",
        first_opens=since,
        first_due=statutory(since),
        next_due=next_due,
        basis=[rule, *extra_basis],
        reason=reason,
        meeting=meeting,
    )


class KontaktforloebPhase:
    name = PhaseName.KONTAKTFORLOEB
    changes_between_events = True
    target_group = DAGPENGE
    meeting_kinds = frozenset({JOBSAMTALE, FAELLES})
    decisions = frozenset({UNEMPLOYED_AGAIN, ENDED})

    def enter(self, state: CaseState, view: RuleView, transition: Transition) -> None:
        if state.target_group not in COURSES:
            raise EventRefused(
                "target_group",
                f"no contact course is modelled for target group {state.target_group} "
                f"(expected one of: {', '.join(sorted(COURSES))})",
            )
        start = as_date(transition.data.get("unemployed_from", transition.on), "unemployed_from")
        state.phase_data = {
            "course_start": start,
            "spell": 1,
            "spell_start": start,
            "faelles_held_on": None,
            "next_agreed_on": None,
            "held": [],
        }

    def validate(self, state: CaseState, event: CaseEvent, view: RuleView) -> None:
        refuse_screening(self.name, event)
        if isinstance(event, MeetingHeld):
            if event.meeting == FAELLES and state.target_group != DAGPENGE:
                raise EventRefused(
                    "meeting", "the fællessamtale with the a-kasse is for dagpenge (2.1) only"
                )
            self._check_form(state, event, view)
        elif isinstance(event, DecisionMade):
            check_decision(self.name, self.decisions, event)
            if event.decision == UNEMPLOYED_AGAIN and state.target_group != DAGPENGE:
                raise EventRefused("decision", f"{UNEMPLOYED_AGAIN} is for dagpenge (2.1) only")

    def _check_form(self, state: CaseState, event: MeetingHeld, view: RuleView) -> None:
        form = event.form or "personal"
        allowed, basis = allowed_forms(state, view, event.effective_date)
        if form in allowed:
            return
        rule = basis[0]
        citations = "; ".join(c for b in basis for c in b.citations)
        raise EventRefused(
            "form",
            f"a {form!r} conversation is not permitted for target group {state.target_group} "
            f"under {rule.regime} (rule {rule.rule_id}: {citations}); "
            f"permitted: {', '.join(allowed)}",
        )

    def apply(self, state: CaseState, event: CaseEvent, view: RuleView) -> Transition | None:
        data = state.phase_data
        on = event.effective_date
        if isinstance(event, MeetingHeld):
            data["held"].append([on, event.meeting, event.form or "personal"])
            cadence = _CADENCE_RULE.get(state.target_group)
            if cadence is not None and view.resolve(cadence).value == AGREED:
                data["next_agreed_on"] = event.next_agreed_on
            if event.meeting == FAELLES:
                # The fællessamtale is also a jobsamtale of the course (engine met the
                # joint duty; the conversation count is met here).
                data["faelles_held_on"] = on
                current = _current(state, f"kontakt.{data['spell']}.jobsamtale.")
                if current is not None:
                    meet_obligation(state, current, on)
            if course_of(state) == "integration":
                self._count_integration(state, view, on)
            return None
        if isinstance(event, DecisionMade):
            if event.decision == ENDED:
                return Transition(to=PhaseName.CLOSED, on=on)
            restart = view.resolve("kontakt.dagpenge.restart_after_short_job")
            # Before 2020 the seeds state no restart: the course simply goes on.
            if restart.value is True:
                data["spell"] += 1
                data["spell_start"] = on
                data["next_agreed_on"] = None
        return None

    def _count_integration(self, state: CaseState, view: RuleView, on: date) -> None:
        number, start, end = self._integration_year(state, on)
        minimum = view.resolve("kontakt.integration.min_count")
        held = [h for h in state.phase_data["held"] if start <= as_date(h[0], "held") < end]
        if len(held) >= int(minimum.value):
            meet_obligation(state, f"kontakt.integration.{number}", on)

    def obligations(self, state: CaseState, view: RuleView) -> list[Obligation]:
        course = course_of(state)
        if course == DAGPENGE:
            return self._dagpenge(state, view)
        if course == "integration":
            return self._integration(state, view)
        if course in (KH_AKTIVITETSPARAT, UH_AKTIVITETSPARAT):
            return [self._coordinating(state, view)]
        return []

    # --- 2.1 dagpenge -------------------------------------------------------------------

    def _dagpenge(self, state: CaseState, view: RuleView) -> list[Obligation]:
        data = state.phase_data
        spell = int(data["spell"])
        start = as_date(data["spell_start"], "spell_start")
        interval = view.resolve("kontakt.dagpenge.jobsamtale.interval_weeks")
        count = view.resolve("kontakt.dagpenge.min_count_first_6_months")
        compliance = view.resolve(_COMPLIANCE_RULE[DAGPENGE])
        result: list[Obligation] = []
        first_due = add_weeks(view.anchor(start, interval), int(interval.value))
        if data["faelles_held_on"] is None:
            faelles = self._faelles(state, view, start, interval)
            result.append(faelles)
            if _first_is_joint(state, view):
                # One conversation, one deadline: where the first jobsamtale *is* the joint
                # one, the joint window's end [001:L5874] governs it, not the 4-weekly
                # rhythm [001:L1065] that runs from it.
                first_due = faelles.due_on
        rhythm = view.resolve("kontakt.dagpenge.seasonal_rhythm_required")
        if state.facts.get(SEASONAL_FACT) is True and rhythm.value is False:
            result.append(
                make_obligation(
                    obligation_id=f"kontakt.{spell}.jobsamtale",
                    kind=ObligationKind.CONVERSATION,
                    title="Jobsamtale every few weeks (seasonal unemployed)",
                    opens_on=start,
                    due_on=add_weeks(start, int(interval.value)),
                    basis=[rhythm, interval],
                    reason=rhythm.reason,
                    exempted=True,
                )
            )
            return result
        cadence = view.resolve(_CADENCE_RULE[DAGPENGE])
        weeks = int(interval.value)
        jobsamtale = recurring(
            state,
            prefix=f"kontakt.{spell}.jobsamtale",
            kind=ObligationKind.CONVERSATION,
            title="Jobsamtale",
            first_opens=start,
            first_due=first_due,
            next_due=self._next_due(state, view, interval, lambda d: add_weeks(d, weeks)),
            basis=[interval, count, *_changed_by_trial(cadence, compliance)],
            reason=_with_basis(
                f"Jobsamtale every {weeks} weeks until {count.value} are held in the first "
                "half-year of unemployment",
                cadence,
                compliance,
            ),
            meeting=JOBSAMTALE,
        )
        if int(jobsamtale.id.rsplit(".", 1)[1]) <= int(count.value):
            result.append(jobsamtale)
        return result

    def _faelles(
        self, state: CaseState, view: RuleView, spell_start: date, interval: Resolution
    ) -> Obligation:
        """The first joint conversation with the a-kasse: once per course, inside the window
        of weeks, and at the latest as the L-th conversation (L = 1, or 3 under FK-1.d)."""
        data = state.phase_data
        start = as_date(data["course_start"], "course_start")
        window = view.resolve("kontakt.dagpenge.faellessamtale.window_weeks")
        latest = view.resolve("kontakt.dagpenge.faellessamtale.latest_conversation_number")
        number = int(latest.value)
        weeks = max(int(window.value["max"]), number * int(interval.value))
        due = add_weeks(start, weeks)
        held = sorted(as_date(h[0], "held") for h in data["held"])
        if len(held) >= number:
            # The L-th conversation was held without the a-kasse: the duty fell due then.
            due = min(due, held[number - 1])
        ordinal = "1st" if number == 1 else f"one of the first {number}"
        return make_obligation(
            obligation_id="kontakt.faellessamtale",
            kind=ObligationKind.CONVERSATION,
            title="Fællessamtale with the a-kasse",
            opens_on=start,
            due_on=max(due, add_weeks(start, int(window.value["min"]))),
            basis=[latest, window, interval],
            reason=(
                f"Joint conversation with the a-kasse as the {ordinal} conversation, "
                f"within weeks {window.value['min']}-{weeks} of unemployment"
            ),
            met_by=(f"meeting:{FAELLES}",),
        )

    def _next_due(
        self,
        state: CaseState,
        view: RuleView,
        interval: Resolution,
        statutory: Callable[[date], date],
    ) -> Callable[[date], date]:
        agreed_on = _agreed(state, view)

        def next_due(held: date) -> date:
            agreed = agreed_on(held)
            if agreed is not None and agreed > held:
                return agreed
            return statutory(view.anchor(held, interval))

        return next_due

    # --- kontanthjælp / uddannelseshjælp, aktivitetsparat ------------------------------

    def _coordinating(self, state: CaseState, view: RuleView) -> Obligation:
        cadence = view.resolve(_CADENCE_RULE[state.target_group])
        compliance = view.resolve(_COMPLIANCE_RULE[state.target_group])
        obligation = coordinating_conversation(
            state,
            view,
            prefix="kontakt.coordinating",
            since=as_date(state.phase_data["course_start"], "course_start"),
            uddannelseshjaelp=state.target_group == UH_AKTIVITETSPARAT,
            meeting=JOBSAMTALE,
            extra_basis=tuple(_changed_by_trial(cadence, compliance)),
            agreed_on=_agreed(state, view),
        )
        return obligation._replace(reason=_with_basis(obligation.reason, cadence, compliance))

    # --- integration --------------------------------------------------------------------

    def _integration_year(self, state: CaseState, on: date) -> tuple[int, date, date]:
        start = as_date(state.phase_data["course_start"], "course_start")
        number = 1
        while add_months(start, number * _MONTHS_PER_YEAR) <= on:
            number += 1
        return (
            number,
            add_months(start, (number - 1) * _MONTHS_PER_YEAR),
            add_months(start, number * _MONTHS_PER_YEAR),
        )

    def _integration(self, state: CaseState, view: RuleView) -> list[Obligation]:
        """The course year's minimum, and the year just ended: a minimum not reached is
        missed when its year closes, not withdrawn (INL § 20 [001:L3230])."""
        number, start, end = self._integration_year(state, view.on)
        result = [self._integration_minimum(state, view, number, start, end)]
        if number > 1 and not state.memo.schedules_stop_at_a_miss:
            course = as_date(state.phase_data["course_start"], "course_start")
            previous = add_months(course, (number - 2) * _MONTHS_PER_YEAR)
            result.insert(0, self._integration_minimum(state, view, number - 1, previous, start))
        return result

    def _integration_minimum(
        self, state: CaseState, view: RuleView, number: int, start: date, end: date
    ) -> Obligation:
        minimum = view.resolve("kontakt.integration.min_count")
        below = view.resolve("kontakt.integration.below_min_allowed")
        # FK-3.g's note that fewer are needed serves one course year (`phases.occasions`):
        # the year it settled stays exempted; the next needs its own.
        exempted = below.value is True or (
            settled_on(state, f"kontakt.integration.{number}") is not None
        )
        return make_obligation(
            obligation_id=f"kontakt.integration.{number}",
            kind=ObligationKind.CONVERSATION,
            title=f"At least {minimum.value} integration conversations (course year {number})",
            opens_on=start,
            due_on=add_days(end, -1),
            basis=[below, minimum] if exempted else [minimum],
            reason=below.reason
            if exempted
            else (
                f"At least {minimum.value} individual CV or job conversations per "
                f"{_MONTHS_PER_YEAR} calendar months of the course"
            ),
            exempted=exempted,
        )

    def wakeups(self, state: CaseState, view: RuleView) -> list[date]:
        if course_of(state) != "integration":
            return []
        return [self._integration_year(state, view.on)[2]]


def _agreed(state: CaseState, view: RuleView) -> Callable[[date], date | None]:
    """Under an agreed cadence (FK-1.d, documented deviation) the date agreed at the last
    conversation; otherwise none."""
    rule = _CADENCE_RULE.get(state.target_group)
    agreed = rule is not None and view.resolve(rule).value == AGREED
    stored = state.phase_data.get("next_agreed_on")

    def agreed_on(held: date) -> date | None:
        if not agreed or stored is None:
            return None
        return as_date(stored, "next_agreed_on")

    return agreed_on


def _changed_by_trial(*answers: Resolution) -> list[Resolution]:
    """The cadence and compliance answers worth citing: only where a trial changed them, so
    a duty the trial leaves alone keeps its plain standard regime."""
    return [answer for answer in answers if answer.value in (AGREED, AVERAGE)]


def _with_basis(reason: str, cadence: Resolution, compliance: Resolution) -> str:
    if cadence.value == AGREED:
        reason += "; or on the date agreed at the last conversation (" + cadence.reason + ")"
    if compliance.value == AVERAGE:
        reason += "; counted as an average per target group, reported not enforced (" + (
            compliance.reason + ")"
        )
    return reason


def _current(state: CaseState, prefix: str) -> str | None:
    pending = sorted(
        (r for r in state.obligations.values() if r.id.startswith(prefix) and r.status in PENDING),
        key=lambda r: (r.due_on, r.id),
    )
    return pending[0].id if pending else None


def _first_is_joint(state: CaseState, view: RuleView) -> bool:
    """The course's first jobsamtale is the fællessamtale (standard law [001:L1069-1071];
    FK-1.d lets it be the 2nd or 3rd [001:L971])."""
    if state.memo.schedules_stop_at_a_miss or int(state.phase_data["spell"]) != 1:
        return False
    latest = view.resolve("kontakt.dagpenge.faellessamtale.latest_conversation_number")
    return int(latest.value) == 1
