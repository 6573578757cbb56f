"""Shared fixtures for the pure case core: the real rulebook, and a small case driver."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest

from domain.case import engine
from domain.case.engine import CaseStart
from domain.case.events import EVENT_ADAPTER, CaseEvent
from domain.case.model import CaseState, ObligationRecord, PhaseName
from domain.case.phases import phase_for
from domain.case.rules_view import RuleView
from domain.case.scenario import simulated_receipt
from domain.rulebook import Rulebook, load_rulebook


@pytest.fixture(scope="session")
def rulebook() -> Rulebook:
    return load_rulebook()


class CaseDriver:
    """Runs a case the way the workflow does: wake-ups up to each event, then the event."""

    def __init__(self, rulebook: Rulebook, start: CaseStart) -> None:
        self.rules = Rulebook.from_slice(rulebook.slice_for(start.municipality))
        self.state: CaseState = engine.open_case(start, self.rules)
        self._count = 0
        self._perform()

    def until(self, day: date) -> CaseDriver:
        while not self.state.closed:
            wake = engine.next_wakeup(self.state, self.rules)
            if wake is None or wake > day:
                break
            engine.advance(self.state, self.rules, wake)
            self._perform()
        engine.advance(self.state, self.rules, day)
        self._perform()
        return self

    def event(self, on: date, type: str, **fields: Any) -> CaseDriver:
        self.until(on)
        self._count += 1
        event = make_event(on, type, event_id=f"t{self._count:03d}", **fields)
        engine.handle_event(self.state, event, self.rules, on)
        self._perform()
        return self

    def refused(self, on: date, type: str, **fields: Any) -> engine.EventRefused:
        """Send an event that must be refused; assert the state did not change."""
        self.until(on)
        before = self.state.dump()
        event = make_event(on, type, event_id=f"r{len(self.state.timeline):03d}", **fields)
        with pytest.raises(engine.EventRefused) as refused:
            engine.validate_event(self.state, event, self.rules, on)
        with pytest.raises(engine.EventRefused):
            engine.handle_event(self.state, event, self.rules, on)
        assert self.state.dump() == before
        return refused.value

    def obligation(self, obligation_id: str) -> ObligationRecord:
        return self.state.obligations[obligation_id]

    def timeline_kinds(self, subject: str) -> list[str]:
        return [e.kind.value for e in self.state.timeline if e.subject == subject]

    def _perform(self) -> None:
        assert_reused_obligations_are_current(self.state, self.rules)
        for obligation_id in list(self.state.pending_actions):
            engine.record_action(
                self.state, obligation_id, simulated_receipt(obligation_id, self.state.today)
            )


def assert_reused_obligations_are_current(state: CaseState, rules: Rulebook) -> None:
    """The engine reuses a phase's obligations at wake-ups until an event comes; every phase
    test checks, after every step, that they equal what the phase says today."""
    last = state.memo.obligations
    if last is None or state.closed or (last[3] is not None and state.today >= last[3]):
        return  # nothing reused (a phase whose answer moves with the date, past its horizon)
    copy = engine.probe(state)  # `obligations` may refresh a system fact: not in the case
    fresh = phase_for(copy.phase).obligations(copy, RuleView(rules, copy, state.today))
    assert fresh == last[2], f"obligations reused on {state.today} are stale"


def make_event(on: date, type: str, *, event_id: str, **fields: Any) -> CaseEvent:
    return EVENT_ADAPTER.validate_python(
        {"type": type, "event_id": event_id, "effective_date": on, **fields}
    )


CaseFactory = Callable[..., "CaseDriver"]


@pytest.fixture
def case(rulebook: Rulebook) -> Iterator[CaseFactory]:
    def start(
        municipality: str,
        opened_on: date,
        phase: PhaseName = PhaseName.SYGEDAGPENGE,
        **entry: Any,
    ) -> CaseDriver:
        return CaseDriver(
            rulebook,
            CaseStart(
                case_id="T-0001",
                municipality=municipality,
                opened_on=opened_on,
                phase=phase,
                entry=entry,
            ),
        )

    yield start
