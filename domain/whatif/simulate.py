"""Run one cohort case under one regime through the same pure core the workflows run.

A listed case (a scenario) runs exactly as `caseflow simulate case` runs it. A generated
case has no script: after every step the behaviour model answers each new duty (a
certificate arrives, a conversation is held, a decision is made), each answer drawn from a
random stream seeded by the cohort seed, the case and the duty, so the same duty gets the
same answer under every regime and in every process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from random import Random
from typing import Any

from domain.case import engine
from domain.case.dates import day_after
from domain.case.engine import CaseStart, EventRefused
from domain.case.events import CaseEvent, CertificateReceived, DecisionMade, MeetingHeld, Screened
from domain.case.model import CaseState, ObligationKind, ObligationRecord, PhaseName
from domain.case.obligations import PENDING
from domain.case.scenario import Scenario, rules_for, run_scenario, simulated_receipt, sliced
from domain.rulebook import Rulebook, RuleNotInForce, citation_text
from domain.whatif.behaviour import Behaviour, pick
from domain.whatif.cohort import GeneratedCase
from domain.whatif.regimes import Regime

__all__ = ["CaseRun", "run_case"]

SYGEDAGPENGE = PhaseName.SYGEDAGPENGE
JAF = PhaseName.JOBAFKLARINGSFORLOEB


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
        event: CaseEvent = _EVENT_TYPES[kind](event_id=self.event_id, effective_date=day, **fields)
        return event


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
        self.planned: list[tuple[date, tuple[int, str], _Planned, tuple[_Planned, ...]]] = []
        self.seq = 0
        self.events_refused: list[str] = []

    def _rng(self, what: str) -> Random:
        return Random(f"{self.seed}:{self.case.case_id}:{what}")  # noqa: S311 - reproducible

    def _event(self, **data: Any) -> _Planned:
        self.seq += 1
        return _Planned(f"w{self.seq:04d}", data)

    def _plan(self, on: date, tag: str, event: _Planned, *fallbacks: _Planned) -> None:
        """Events on one day happen in an order of their own (decisions last, then by the
        duty they answer), not in the order they were planned: the order must not depend
        on which other duties a regime created."""
        rank = 1 if event.data["type"] == "decision_made" else 0
        self.planned.append((on, (rank, tag), event, fallbacks))

    def run(self) -> CaseRun:
        c = self.case
        entry: dict[str, Any] = {}
        if c.phase is SYGEDAGPENGE:
            entry = {"first_absence_day": c.opened_on}
        facts: dict[str, Any] = {}
        if c.phase in (SYGEDAGPENGE, JAF):
            rng = self._rng("assessed")
            assessed = self.b["phases"]["jobafklaringsforloeb"].get("assessed", {})
            for fact, share in sorted(assessed.items()):
                facts[fact] = rng.random() < float(share)
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
            rules = _rules(self.regime.rulebook, c.municipality)
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
            self._answer_new_duties(state)
            wake = engine.next_wakeup(state, rules)
            nxt = min(self.planned, default=None, key=lambda p: (p[0], p[1]))
            if nxt is not None and nxt[0] <= self.horizon and (wake is None or nxt[0] <= wake):
                self.planned.remove(nxt)
                on = max(nxt[0], state.today)
                self._apply(state, rules, on, (nxt[2], *nxt[3]))
            elif wake is not None and wake <= self.horizon:
                engine.advance(state, rules, wake)
                _perform(state)
            else:
                break
        engine.advance(state, rules, self.horizon)
        _perform(state)

    def _apply(
        self, state: CaseState, rules: Rulebook, on: date, options: tuple[_Planned, ...]
    ) -> None:
        engine.advance(state, rules, on)
        _perform(state)
        last: EventRefused | None = None
        for planned in options:
            try:
                engine.handle_event(state, planned.on(on), rules, on)
            except EventRefused as refused:
                last = refused
                continue
            _perform(state)
            return
        if last is not None:
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
        phase = state.phase
        for key in record.met_by:
            what, _, name = key.partition(":")
            if what == "certificate":
                cert = self.b["certificates"]
                if rng.random() < float(cert["arrive_share"]):
                    on = max(record.created_on, today) + timedelta(
                        days=_days(rng, cert["delay_days"])
                    )
                    event = self._event(type="certificate_received", certificate=name)
                    self._plan(on, record.id, event)
                return
            if what == "meeting":
                meet = self.b["meetings"]
                if rng.random() < float(meet["held_share"]):
                    on = max(
                        record.due_on - timedelta(days=_days(rng, meet["lead_days"])),
                        record.created_on,
                        today,
                    )
                    extra: dict[str, Any] = {}
                    if name == "rt_meeting":
                        table = self.b["phases"].get(phase.value, {}).get("rt_recommendation")
                        extra["recommendation"] = str(pick(rng, table)) if table else "other"
                    event = self._event(type="meeting_held", meeting=name, **extra)
                    self._plan(on, record.id, event)
                return
        if record.kind in (ObligationKind.DECISION, ObligationKind.REASSESSMENT):
            self._decide(state, record, rng)

    def _decide(self, state: CaseState, record: ObligationRecord, rng: Random) -> None:
        phases = self.b["phases"]
        if state.phase is SYGEDAGPENGE and record.id == "sdp.reassessment":
            table = phases["sygedagpenge"]["at_reassessment"]
        elif state.phase is JAF and record.id.endswith("grant_end"):
            table = phases["jobafklaringsforloeb"]["at_grant_end"]
        elif record.kind is ObligationKind.DECISION:
            table = phases["other"]["at_decision"]
        else:
            return
        lead = _days(rng, self.b["meetings"]["lead_days"])
        on = max(record.due_on - timedelta(days=lead), record.created_on, state.today)
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


def _rules(rulebook: Rulebook, municipality: str) -> Rulebook:
    return sliced(rulebook, rulebook.municipality(municipality).id)
