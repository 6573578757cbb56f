"""Scenarios: a case's facts and dated events, run through the pure core.

The same scenario run through the real workflow (with time skipping) must tell the same
story; that equivalence is tested. A scenario file is YAML:

    name: Sygedagpenge in Jammerbugt 2019 under FK-2.c
    case: {case_id: SIM-1, municipality: jammerbugt, opened_on: 2019-03-04,
           phase: sygedagpenge, entry: {first_absence_day: 2019-03-01}}
    events:
      - {date: 2019-03-05, type: screened, category: 2, documentation: STATUSATTEST}
      - {date: 2019-04-20, type: meeting_held, meeting: followup_conversation}
    until: 2019-12-31

Each event takes the fields of its type (domain/case/events.py); `date` is its effective
date (not `on`: YAML 1.1 reads a bare `on` as true) and `event_id` defaults to its
position and type.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.case import engine
from domain.case.dates import ONE_DAY
from domain.case.engine import CaseStart
from domain.case.events import EVENT_ADAPTER, CaseEvent
from domain.case.model import ActionReceipt, CaseState, TimelineEntry
from domain.case.rules_view import forget_shared_answers
from domain.rulebook import Rulebook

__all__ = [
    "Scenario",
    "ScenarioResult",
    "load_scenario",
    "rules_for",
    "run_scenario",
    "run_scenario_every_day",
    "simulated_receipt",
]


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    case: CaseStart
    events: list[CaseEvent] = Field(default_factory=list)
    until: date | None = None

    @model_validator(mode="before")
    @classmethod
    def _events_from_rows(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "events" not in data:
            return data
        rows = []
        for index, row in enumerate(data["events"] or [], start=1):
            item = dict(row)
            if "date" in item:
                item["effective_date"] = item.pop("date")
            item.setdefault("event_id", f"e{index:03d}-{item.get('type', 'event')}")
            rows.append(EVENT_ADAPTER.validate_python(item))
        return {**data, "events": rows}

    @model_validator(mode="after")
    def _events_in_order(self) -> Scenario:
        dates = [e.effective_date for e in self.events]
        if dates != sorted(dates):
            raise ValueError("events must be listed in date order")
        return self


class ScenarioResult(BaseModel):
    scenario: str
    state: CaseState
    refusals: list[str]

    @property
    def timeline(self) -> list[TimelineEntry]:
        return self.state.timeline


def load_scenario(path: Path) -> Scenario:
    with path.open(encoding="utf-8") as handle:
        return Scenario.model_validate(yaml.safe_load(handle))


def simulated_receipt(obligation_id: str, on: date) -> ActionReceipt:
    """What the scenario runner pretends the outside world answered."""
    return ActionReceipt(f"sim-{obligation_id}", on)  # reference, performed on


_SLICED: dict[tuple[str, str], Rulebook] = {}


def sliced(rulebook: Rulebook, municipality: str) -> Rulebook:
    """The municipality's slice, as a workflow gets it (same hash), compiled once."""
    key = (rulebook.content_hash, municipality)
    rules = _SLICED.get(key)
    if rules is None:
        rules = _SLICED[key] = Rulebook.from_slice(rulebook.slice_for(municipality))
    return rules


def run_scenario(scenario: Scenario, rulebook: Rulebook) -> ScenarioResult:
    """Run in the order the workflow does: wake-ups up to each event, then the event."""
    state, rules = _open(scenario, rulebook)
    refusals: list[str] = []
    for event in scenario.events:
        _run_until(state, rules, event.effective_date)
        _apply(state, rules, event, refusals)
    if scenario.until is not None:
        _run_until(state, rules, scenario.until)
    return ScenarioResult(scenario=scenario.name, state=state, refusals=refusals)


def run_scenario_every_day(scenario: Scenario, rulebook: Rulebook) -> ScenarioResult:
    """Reference runner: looks at the case on every day, forgetting every cached answer.

    Slow on purpose. It checks the engine's step contract (between two wake-ups nothing
    happens without an event, so `run_scenario` must tell the same story) and is the
    benchmark's baseline.
    """
    state, rules = _open(scenario, rulebook)
    refusals: list[str] = []
    pending = list(scenario.events)
    last = max([state.today, *(e.effective_date for e in pending)])
    if scenario.until is not None:
        last = max(last, scenario.until)
    day = state.today
    while day <= last:
        state.memo.forget_everything()
        forget_shared_answers()
        engine.advance(state, rules, day)
        _perform(state)
        while pending and pending[0].effective_date == day:
            _apply(state, rules, pending.pop(0), refusals)
        day += ONE_DAY
    return ScenarioResult(scenario=scenario.name, state=state, refusals=refusals)


def rules_for(scenario: Scenario, rulebook: Rulebook) -> Rulebook:
    """The slice of the rules the scenario's case runs on, as its workflow gets it."""
    return sliced(rulebook, rulebook.municipality(scenario.case.municipality).id)


def _open(scenario: Scenario, rulebook: Rulebook) -> tuple[CaseState, Rulebook]:
    rules = rules_for(scenario, rulebook)
    state = engine.open_case(scenario.case, rules)
    engine.note_rulebook(state, rules.content_hash, state.today)
    _perform(state)
    return state, rules


def _apply(state: CaseState, rules: Rulebook, event: CaseEvent, refusals: list[str]) -> None:
    """Handle one event on its date; a refusal is noted, not raised."""
    try:
        engine.handle_event(state, event, rules, event.effective_date)
    except engine.EventRefused as refused:
        refusals.append(f"{event.event_id}: {refused.field}: {refused.reason}")
        return
    _perform(state)


def _run_until(state: CaseState, rules: Rulebook, until: date) -> None:
    while not state.closed:
        wake = engine.next_wakeup(state, rules)
        if wake is None or wake > until:
            break
        engine.advance(state, rules, wake)
        _perform(state)
    engine.advance(state, rules, until)
    _perform(state)


def _perform(state: CaseState) -> None:
    for obligation_id in list(state.pending_actions):
        engine.record_action(state, obligation_id, simulated_receipt(obligation_id, state.today))
