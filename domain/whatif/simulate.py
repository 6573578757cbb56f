"""Run one cohort case under one regime through the same pure core the workflows run.

A listed case (a scenario) runs exactly as `caseflow simulate case` runs it. A generated
case has no script: after every step the behaviour model answers each new duty (a
certificate arrives, a conversation is held, a decision is made), each answer drawn from a
random stream seeded by the cohort seed, the case and the duty, so the same duty gets the
same answer under every regime and in every process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from random import Random
from typing import Any

from domain.case import engine
from domain.case.dates import add_months, add_years, day_after
from domain.case.engine import CaseStart, EventRefused
from domain.case.events import (
    AssessmentRecorded,
    CaseEvent,
    CertificateReceived,
    ConsentGiven,
    DecisionMade,
    MeetingHeld,
    Screened,
)
from domain.case.model import CaseState, ObligationKind, ObligationRecord, PhaseName
from domain.case.obligations import EXEMPTED, PENDING
from domain.case.scenario import Scenario, rules_for, run_scenario, simulated_receipt, sliced
from domain.rulebook import (
    ResolutionContext,
    Rulebook,
    RulebookError,
    RuleNotInForce,
    citation_text,
)
from domain.whatif.behaviour import Behaviour, pick
from domain.whatif.cohort import GeneratedCase
from domain.whatif.regimes import Regime

__all__ = ["CaseRun", "run_case"]

SYGEDAGPENGE = PhaseName.SYGEDAGPENGE
JAF = PhaseName.JOBAFKLARINGSFORLOEB
RF = PhaseName.RESSOURCEFORLOEB
# The phases a case may pass through in this order; a case opened in one draws the facts
# assessed in it and in those after it.
_ASSESSED_IN = (SYGEDAGPENGE, JAF, RF)
RT_MEETING = "rt_meeting"
LAE265 = "LAE265"


@dataclass
class CaseRun:
    """A finished case under one regime: its state, or why the law refused to open it."""

    state: CaseState | None
    rules: Rulebook | None
    horizon: date
    refused: str | None = None
    events_refused: list[str] = field(default_factory=list)


def horizon_of(opened_on: date, years: int) -> date:
    try:
        return opened_on.replace(year=opened_on.year + years)
    except ValueError:  # 29 February
        return opened_on.replace(year=opened_on.year + years, day=28)


def run_case(
    case: Scenario | GeneratedCase, regime: Regime, behaviour: Behaviour, seed: int, years: int
) -> CaseRun:
    if isinstance(case, Scenario):
        return _run_listed(case, regime, years)
    return _Generated(case, regime, behaviour, seed, years).run()


def _reason(refused: EventRefused, rules: Rulebook) -> str:
    """A refusal as the report counts it, its citations as people cite them."""
    return f"{refused.field}: {citation_text.reader(rules).in_text(refused.reason)}"


def _run_listed(scenario: Scenario, regime: Regime, years: int) -> CaseRun:
    horizon = scenario.until or horizon_of(scenario.case.opened_on, years)
    start = scenario.case
    if regime.reform is not None:
        start = start.model_copy(update={"reform": regime.reform})
    run = scenario.model_copy(update={"case": start, "until": horizon})
    try:
        result = run_scenario(run, regime.rulebook)
    except EventRefused as refused:
        return CaseRun(None, None, horizon, refused=_reason(refused, regime.rulebook))
    except (RuleNotInForce, LookupError):
        return CaseRun(None, None, horizon, refused="opened_on: outside the rulebook's coverage")
    fields = [r.split(": ", 2)[1] if r.count(": ") >= 2 else r for r in result.refusals]
    return CaseRun(result.state, rules_for(run, regime.rulebook), horizon, events_refused=fields)


def _perform(state: CaseState) -> None:
    for obligation_id in list(state.pending_actions):
        engine.record_action(state, obligation_id, simulated_receipt(obligation_id, state.today))


def _days(rng: Random, bounds: list[int]) -> int:
    return rng.randint(int(bounds[0]), int(bounds[1]))


_EVENT_TYPES: dict[str, type[CaseEvent]] = {
    "screened": Screened,
    "certificate_received": CertificateReceived,
    "meeting_held": MeetingHeld,
    "decision_made": DecisionMade,
    "assessment_recorded": AssessmentRecorded,
    "consent_given": ConsentGiven,
}


@dataclass(frozen=True, slots=True)
class _Planned:
    """An event planned with its id, built (and validated) only when it is handled: most
    fallbacks are never needed, and a planned event is often handled on another day."""

    event_id: str
    data: dict[str, Any]

    def on(self, day: date) -> CaseEvent:
        kind = self.data["type"]
        fields = {k: v for k, v in self.data.items() if k != "type"}
        years = fields.pop("end_after_years", None)
        if years is not None:  # a grant's end date counts from the day it is made
            fields["end_on"] = add_years(day, int(years))
        event: CaseEvent = _EVENT_TYPES[kind](event_id=self.event_id, effective_date=day, **fields)
        return event


@dataclass(slots=True)
class _Slot:
    """A planned answer: its day, its order on that day, the event and its fallbacks.

    `scope` is the phase course it belongs to (phase, start): dropped once the case has
    left it. `waits_for` are duties whose answer must come first (a decision waits for the
    team's indstilling and the LÆ265 it needs): the slot moves to the day they are planned.
    """

    on: date
    order: tuple[int, str]
    options: tuple[_Planned, ...]
    scope: tuple[PhaseName, date] | None = None
    waits_for: tuple[str, ...] = ()
    quiet: bool = False
    """A refusal is not counted: a fact the caseworker records only where the law gives it
    effect (a trial's condition), which the law itself tells by refusing it elsewhere."""
    retry: Callable[[CaseState, date], None] | None = None
    """What the caseworker does on the day the law refuses every option (plan another
    try); None: the refusal is counted."""


class _Generated:
    def __init__(
        self, case: GeneratedCase, regime: Regime, behaviour: Behaviour, seed: int, years: int
    ) -> None:
        self.case = case
        self.regime = regime
        self.b = behaviour
        self.seed = seed
        self.horizon = horizon_of(case.opened_on, years)
        self.answered: set[str] = set()
        self.planned: list[_Slot] = []
        self.course: tuple[PhaseName, date] | None = None
        self.seq = 0
        self.events_refused: list[str] = []
        self.rules: Rulebook | None = None

    def _rng(self, what: str) -> Random:
        return Random(f"{self.seed}:{self.case.case_id}:{what}")  # noqa: S311 - reproducible

    def _event(self, **data: Any) -> _Planned:
        self.seq += 1
        return _Planned(f"w{self.seq:04d}", data)

    def _plan(
        self,
        on: date,
        tag: str,
        event: _Planned,
        *fallbacks: _Planned,
        scope: tuple[PhaseName, date] | None = None,
        waits_for: tuple[str, ...] = (),
        quiet: bool = False,
        retry: Callable[[CaseState, date], None] | None = None,
    ) -> None:
        """Events on one day happen in an order of their own (decisions last, then by the
        duty they answer), not in the order they were planned: the order must not depend
        on which other duties a regime created."""
        rank = 1 if event.data["type"] == "decision_made" else 0
        options = (event, *fallbacks)
        self.planned.append(_Slot(on, (rank, tag), options, scope, waits_for, quiet, retry))

    def _phase(self, phase: PhaseName) -> dict[str, Any]:
        table: dict[str, Any] = self.b["phases"].get(phase.value, {})
        return table

    def run(self) -> CaseRun:
        c = self.case
        entry: dict[str, Any] = {}
        if c.phase is SYGEDAGPENGE:
            entry = {"first_absence_day": c.opened_on}
        if c.phase is RF:
            years = int(pick(self._rng("rf.opened"), self._phase(RF)["opened_years"]))
            entry = {"end_on": add_years(c.opened_on, years)}
        facts = self._assessed()
        if c.phase is JAF:
            facts["jaf.first_course"] = True
        start = CaseStart(
            case_id=c.case_id,
            facts=facts,
            municipality=c.municipality,
            opened_on=c.opened_on,
            phase=c.phase,
            target_group=c.target_group,
            entry=entry,
            reform=self.regime.reform,
        )
        try:
            rules = self.rules = _rules(self.regime.rulebook, c.municipality)
        except LookupError:
            return CaseRun(None, None, self.horizon, refused="municipality: unknown municipality")
        try:
            state = engine.open_case(start, rules)
        except EventRefused as refused:
            return CaseRun(None, None, self.horizon, refused=_reason(refused, rules))
        except (RuleNotInForce, LookupError):
            return CaseRun(
                None, None, self.horizon, refused="opened_on: outside the rulebook's coverage"
            )
        engine.note_rulebook(state, rules.content_hash, state.today)
        _perform(state)
        if c.phase is SYGEDAGPENGE:
            self._script_sickness(state)
        self._loop(state, rules)
        return CaseRun(state, rules, self.horizon, events_refused=self.events_refused)

    def _assessed(self) -> dict[str, Any]:
        """Facts assessed at opening, in the opening phase and those after it: each drawn
        once, from its own stream, whichever phase's table names it."""
        opened = self.case.phase
        phases = _ASSESSED_IN[_ASSESSED_IN.index(opened) :] if opened in _ASSESSED_IN else ()
        shares: dict[str, float] = {}
        for phase in phases:
            for fact, share in self._phase(phase).get("assessed", {}).items():
                shares.setdefault(str(fact), float(share))
        return {
            fact: self._rng(f"assessed:{fact}").random() < share
            for fact, share in sorted(shares.items())
        }

    def _entered(self, state: CaseState) -> None:
        """A new course (JAF, RF): plan how it may end early, scoped to the course."""
        scope = (state.phase, state.phase_started_on)
        start = state.phase_started_on
        if state.phase is JAF:
            by, unit, decision = "recovered_by_week", 7, "recovered"
        elif state.phase is RF:
            by, unit, decision = "ended_by_month", 0, "rf_ended"
        else:
            return
        table = self._phase(state.phase).get(by, {})
        rng = self._rng(f"early:{state.phase.value}:{start.isoformat()}")
        u, previous = rng.random(), 0
        for step, share in sorted((int(k), float(v)) for k, v in table.items()):
            if u < share:
                if unit:
                    on = start + timedelta(days=rng.randint(previous * unit + 1, step * unit))
                else:
                    low = add_months(start, previous)
                    on = low + timedelta(days=rng.randint(1, (add_months(start, step) - low).days))
                event = self._event(type="decision_made", decision=decision)
                self._plan(on, f"~early:{state.phase.value}", event, scope=scope)
                break
            previous = step

    def _script_sickness(self, state: CaseState) -> None:
        p = self.b["phases"]["sygedagpenge"]
        rng = self._rng("sickness")
        category = self.case.category or int(pick(rng, p["categories"]))
        screened_on = self.case.opened_on + timedelta(days=int(p["screened_after_days"]))
        if category == 1:
            self._plan(screened_on, "screening", self._event(type="screened", category=1))
        else:
            choice = str(pick(rng, p["documentation"]))
            self._plan(
                screened_on,
                "screening",
                self._event(type="screened", category=category, documentation=choice),
                # Where the law allows no choice, the default documentation (LÆ285) is asked.
                self._event(type="screened", category=category),
                self._event(type="screened", category=category, documentation="LAE285"),
            )
        u, previous = rng.random(), 0
        for week, share in sorted((int(k), float(v)) for k, v in p["recovered_by_week"].items()):
            if u < share:
                day = rng.randint(previous * 7 + 1, week * 7)
                on = max(self.case.opened_on + timedelta(days=day), day_after(screened_on))
                self._plan(on, "~recovery", self._event(type="decision_made", decision="recovered"))
                break
            previous = week

    def _loop(self, state: CaseState, rules: Rulebook) -> None:
        while not state.closed:
            course = (state.phase, state.phase_started_on)
            if course != self.course:
                self.course = course
                self._entered(state)
            self._answer_new_duties(state)
            wake = engine.next_wakeup(state, rules)
            nxt = min(self.planned, default=None, key=lambda p: (p.on, p.order))
            if nxt is not None and nxt.on <= self.horizon and (wake is None or nxt.on <= wake):
                self.planned.remove(nxt)
                if self._still_wanted(state, nxt):
                    self._apply(state, rules, max(nxt.on, state.today), nxt)
            elif wake is not None and wake <= self.horizon:
                engine.advance(state, rules, wake)
                _perform(state)
            else:
                break
        engine.advance(state, rules, self.horizon)
        _perform(state)

    def _still_wanted(self, state: CaseState, slot: _Slot) -> bool:
        """False for an answer the case no longer needs (its course is over, its duty was
        withdrawn or exempted meanwhile); a slot whose duties it waits for are planned
        later is moved to that day and kept."""
        if slot.scope is not None and slot.scope != (state.phase, state.phase_started_on):
            return False
        record = state.obligations.get(slot.order[1])
        if record is not None and record.status not in PENDING:
            return False
        waits = set(slot.waits_for)
        later = [s.on for s in self.planned if s.order[1] in waits and s.on > slot.on]
        if later:
            slot.on = max(later)
            self.planned.append(slot)
            return False
        return True

    def _apply(self, state: CaseState, rules: Rulebook, on: date, slot: _Slot) -> None:
        engine.advance(state, rules, on)
        _perform(state)
        last: EventRefused | None = None
        for planned in slot.options:
            try:
                engine.handle_event(state, planned.on(on), rules, on)
            except EventRefused as refused:
                last = refused
                continue
            _perform(state)
            return
        if slot.retry is not None:
            slot.retry(state, on)
        elif last is not None and not slot.quiet:
            self.events_refused.append(last.field)

    def _answer_new_duties(self, state: CaseState) -> None:
        for record in state.obligations.values():
            if record.id in self.answered or record.status not in PENDING:
                continue
            self.answered.add(record.id)
            if record.phase is not state.phase:
                continue
            self._answer(state, record)

    def _answer(self, state: CaseState, record: ObligationRecord) -> None:
        rng = self._rng(record.id)
        today = state.today
        own = self._phase(state.phase)
        for key in record.met_by:
            what, _, name = key.partition(":")
            if what == "certificate":
                cert: dict[str, Any] = own.get("certificates") or self.b["certificates"]
                if rng.random() < float(cert["arrive_share"]):
                    # A table without `late_share` draws nothing for it (the top level's).
                    late = "late_share" in cert and rng.random() < float(cert["late_share"])
                    delay = _days(rng, cert["late_days" if late else "delay_days"])
                    on = max(record.created_on, today) + timedelta(days=delay)
                    event = self._event(type="certificate_received", certificate=name)
                    self._plan(on, record.id, event)
                return
            if what == "meeting":
                which = "team" if name == RT_MEETING else "conversations"
                meet: dict[str, Any] = own.get(which) or self.b["meetings"]
                if rng.random() < float(meet["held_share"]):
                    on = self._meeting_day(rng, meet, record, today)
                    extra: dict[str, Any] = {}
                    waits: tuple[str, ...] = ()
                    if name == RT_MEETING:
                        table = own.get("rt_recommendation")
                        extra["recommendation"] = str(pick(rng, table)) if table else "other"
                        # The team meets on the case once the GP's LÆ265 is in.
                        waits = (f"{record.id.removesuffix('.rt')}.lae265",)
                    event = self._event(type="meeting_held", meeting=name, **extra)
                    self._plan(on, record.id, event, waits_for=waits)
                return
        if record.kind is ObligationKind.PLAN_UPDATE and "plan" in own:
            plan = own["plan"]
            if rng.random() < float(plan["updated_share"]):
                on = self._meeting_day(rng, plan, record, today)
                event = self._event(type="decision_made", decision="indsatsplan_updated")
                self._plan(on, record.id, event)
            return
        if record.kind in (ObligationKind.DECISION, ObligationKind.REASSESSMENT):
            self._decide(state, record, rng)

    @staticmethod
    def _meeting_day(
        rng: Random, meet: dict[str, Any], record: ObligationRecord, today: date
    ) -> date:
        """Some days before the due date, or (a `late_share` of them) some days after, or
        (a `spread_share`) on any day of the duty's window: conversations counted per
        window ("6 in 12 months") all fall due at its end, but are held through it."""
        if "late_share" in meet and rng.random() < float(meet["late_share"]):
            return max(record.due_on + timedelta(days=_days(rng, meet["late_days"])), today)
        if "spread_share" in meet and rng.random() < float(meet["spread_share"]):
            first = max(record.created_on, today)
            return first + timedelta(days=rng.randint(0, max((record.due_on - first).days, 0)))
        return max(
            record.due_on - timedelta(days=_days(rng, meet["lead_days"])),
            record.created_on,
            today,
        )

    def _decide(self, state: CaseState, record: ObligationRecord, rng: Random) -> None:
        phases = self.b["phases"]
        if state.phase is JAF and record.id.endswith("grant_end"):
            self._decide_jaf(state, record, rng)
            return
        if state.phase is RF and record.id.startswith("rf.end."):
            self._decide_rf(state, record, rng)
            return
        if state.phase is SYGEDAGPENGE and record.id == "sdp.reassessment":
            table = phases["sygedagpenge"]["at_reassessment"]
        elif record.kind is ObligationKind.DECISION:
            table = phases["other"]["at_decision"]
        else:
            return
        on = self._decision_day(state, record, rng)
        decision = str(pick(rng, table))
        # A decision the law refuses here (no RT indstilling yet; a phase a reform abolishes)
        # falls back: a sick citizen stays on sygedagpenge, others close.
        fallback = "sdp_extended" if state.phase is SYGEDAGPENGE else "recovered"
        self._plan(
            on,
            record.id,
            self._event(type="decision_made", decision=decision),
            self._event(type="decision_made", decision=fallback),
        )

    def _decision_day(self, state: CaseState, record: ObligationRecord, rng: Random) -> date:
        lead = _days(rng, self.b["meetings"]["lead_days"])
        return max(record.due_on - timedelta(days=lead), record.created_on, state.today)

    def _decide_jaf(self, state: CaseState, record: ObligationRecord, rng: Random) -> None:
        """The step at a JAF grant's end, after the team's indstilling where there is one.
        A grant the law refuses (no indstilling: the team was not held) falls back to a
        further course, which always goes to the team, else the case closes."""
        own = self._phase(JAF)
        no_need = state.facts.get("jaf.no_cross_disciplinary_need") is True
        table = own["at_grant_end_without_team_need" if no_need else "at_grant_end"]
        on = self._decision_day(state, record, rng)
        decision = str(pick(rng, table))
        data: dict[str, Any] = {"type": "decision_made", "decision": decision}
        if decision == "rf_granted":
            data["end_after_years"] = int(pick(rng, own["rf_years"]))
        options = [self._event(**data)]
        options += [
            self._event(type="decision_made", decision=d)
            for d in ("jaf_extended", "recovered")
            if d != decision
        ]
        prefix = record.id.removesuffix(".grant_end")
        scope = (state.phase, state.phase_started_on)
        waits = (f"{prefix}.rt", f"{prefix}.lae265")
        self._plan(on, record.id, *options, scope=scope, waits_for=waits)

    def _decide_rf(self, state: CaseState, record: ObligationRecord, rng: Random) -> None:
        """Before an RF ends: the caseworker's assessment, the citizen's wish, the step.

        An extension goes without the team where the efforts were interrupted and the
        citizen wants it so (the law decides whether that is allowed: FK-3.h), else
        through the team; a step the law refuses is taken back to the team and tried
        again (`_plan_step`), then falls back to ending the course."""
        own = self._phase(RF)
        ext = own["extension"]
        scope = (state.phase, state.phase_started_on)
        decision = str(pick(rng, own["at_course_end"]))
        interrupted = decision == "rf_extended" and rng.random() < float(ext["interrupted_share"])
        wants = interrupted and rng.random() < float(ext["without_team_share"])
        assess_on = max(record.created_on, state.today)
        facts = {
            "rf.efforts_interrupted": interrupted,
            "rf.basis_for_fleksjob_or_foep": decision in ("fleksjob_granted", "foep_granted"),
        }
        for fact, value in facts.items():
            event = self._event(type="assessment_recorded", fact=fact, value=value)
            self._plan(assess_on, f"{record.id}~{fact}", event, scope=scope, quiet=True)
        if wants:
            event = self._event(type="consent_given", consent="consent.rf_extension_without_rt")
            self._plan(assess_on, f"{record.id}~consent", event, scope=scope, quiet=True)
        end_on = state.phase_data["end_on"]
        assert isinstance(end_on, date)
        shortest = int(ext["with_team_months"][0])
        through_team = [
            self._event(
                type="decision_made",
                decision="rf_extended",
                route="rt",
                end_on=add_months(end_on, m),
            )
            # The shortest extension too, should the drawn one reach past the longest RF.
            for m in dict.fromkeys((_days(rng, ext["with_team_months"]), shortest))
        ]
        options: list[_Planned] = []
        if decision == "rf_extended":
            if wants:
                months = _days(rng, ext["admin_months"])
                options.append(
                    self._event(
                        type="decision_made",
                        decision="rf_extended",
                        route="administrative",
                        months=months,
                    )
                )
            options += through_team
        elif decision != "rf_ended":
            options += [self._event(type="decision_made", decision=decision), *through_team]
        ended = self._event(type="decision_made", decision="rf_ended")
        on = self._decision_day(state, record, rng)
        waits = (f"{record.id}.rt", f"{record.id}.lae265")
        if not options:
            self._plan(on, record.id, ended, scope=scope, waits_for=waits)
            return
        self._plan_step(on, record.id, options, ended, scope, int(ext["retries"]), waits)

    def _plan_step(  # noqa: PLR0917 - internal helper of _decide_rf
        self,
        on: date,
        end_id: str,
        options: list[_Planned],
        ended: _Planned,
        scope: tuple[PhaseName, date],
        retries: int,
        waits: tuple[str, ...] = (),
    ) -> None:
        """The step at an RF's end; refused in every form, it is tried again `retries`
        times (behaviour.yaml, `extension.retries`) before the course ends."""
        if retries <= 0:
            self._plan(on, end_id, *options, ended, scope=scope, waits_for=waits)
            return

        def again(state: CaseState, refused_on: date) -> None:
            team = state.obligations.get(f"{end_id}.rt")
            if team is not None and team.status is EXEMPTED:
                # The team is waived (FK-3.h): going back to it changes nothing.
                self._plan(refused_on, end_id, ended, scope=scope)
                return
            self._back_to_the_team(state, refused_on, end_id, options, ended, scope, retries)

        self._plan(on, end_id, *options, scope=scope, waits_for=waits, retry=again)

    def _back_to_the_team(  # noqa: PLR0917 - internal helper of _plan_step
        self,
        state: CaseState,
        refused_on: date,
        end_id: str,
        options: list[_Planned],
        ended: _Planned,
        scope: tuple[PhaseName, date],
        retries: int,
    ) -> None:
        """The law refused the step: a new LÆ265 is asked for, the case goes back to the
        team once it is in, and the step is tried again at that meeting -- with, should the
        extensions asked reach past the longest RF, one to its last day."""
        own = self._phase(RF)
        rng = self._rng(f"{end_id}~retry.{retries}")
        cert: dict[str, Any] = own.get("certificates") or self.b["certificates"]
        team: dict[str, Any] = own.get("team") or self.b["meetings"]
        received = refused_on + timedelta(days=_days(rng, cert["delay_days"]))
        meets = received + timedelta(days=_days(rng, own["extension"]["retry_team_after_days"]))
        if rng.random() < float(cert["arrive_share"]):
            event = self._event(type="certificate_received", certificate=LAE265)
            self._plan(received, f"{end_id}~retry.lae265", event, scope=scope)
        if rng.random() < float(team["held_share"]):
            table = own.get("rt_recommendation")
            recommendation = str(pick(rng, table)) if table else "other"
            event = self._event(
                type="meeting_held", meeting=RT_MEETING, recommendation=recommendation
            )
            self._plan(meets, f"{end_id}~retry.rt", event, scope=scope)
        latest = self._longest_end(state, refused_on)
        asked = [o.data["end_on"] for o in options if o.data.get("route") == "rt"]
        if latest is not None and asked and all(a > latest for a in asked):
            options = [
                *options,
                self._event(
                    type="decision_made", decision="rf_extended", route="rt", end_on=latest
                ),
            ]
        self._plan_step(meets, end_id, options, ended, scope, retries - 1)

    def _longest_end(self, state: CaseState, on: date) -> date | None:
        """The last day the law lets this RF run to (rf.duration.max_years), if it says."""
        if self.rules is None:
            return None
        context = ResolutionContext(state.municipality, state.target_group, on, reform=state.reform)
        try:
            longest = self.rules.resolve("rf.duration.max_years", context)
        except RulebookError:
            return None
        if not isinstance(longest.value, int) or isinstance(longest.value, bool):
            return None
        latest = add_years(state.phase_started_on, longest.value)
        end_on = state.phase_data["end_on"]
        return latest if isinstance(end_on, date) and latest > end_on else None


def _rules(rulebook: Rulebook, municipality: str) -> Rulebook:
    return sliced(rulebook, rulebook.municipality(municipality).id)
