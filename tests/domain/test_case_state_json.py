"""A case's state survives its JSON round trip (continue-as-new, queries, stored snapshots).

The records inside it (obligation records, timeline lines, receipts, exemption locks) are
plain dataclasses that only the core builds; pydantic validates them when a state comes
back from JSON, so a state read back must equal the one written, with real dates and
enum members, and a malformed record must be refused naming its field.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from domain.case.model import (
    CaseState,
    EventReceipt,
    ObligationRecord,
    ObligationStatus,
    TimelineEntry,
    TimelineKind,
)
from domain.case.scenario import load_scenario, run_scenario
from domain.rulebook import Rulebook

SCENARIO_DIR = Path(__file__).parent.parent / "scenarios"
SCENARIOS = sorted(SCENARIO_DIR.glob("*.yaml"))
# The step tests need a case whose first wake-ups stay in one rule window (no decision day).
FIRST = SCENARIO_DIR / "aalborg_rf_without_fk3h.yaml"


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_a_case_read_back_from_json_equals_the_case_written(path: Path, rulebook: Rulebook) -> None:
    state = run_scenario(load_scenario(path), rulebook).state
    assert state.obligations and state.events and state.timeline

    again = CaseState.load_json(state.dump_json())

    # In JSON form: free-form phase data keeps nested dates as ISO strings (phases read
    # them with `as_date`).
    assert again.dump(mode="json") == state.dump(mode="json")
    record = next(iter(again.obligations.values()))
    assert isinstance(record, ObligationRecord)
    assert isinstance(record.status, ObligationStatus)
    assert isinstance(record.due_on, date)
    assert all(isinstance(e, TimelineEntry) for e in again.timeline)
    assert isinstance(again.timeline[0].kind, TimelineKind)
    assert all(isinstance(r, EventReceipt) for r in again.events.values())


def test_records_keep_their_json_field_names_and_order(rulebook: Rulebook) -> None:
    """Clients read these names (queries, the gateway, `simulate --json`)."""
    state = run_scenario(load_scenario(FIRST), rulebook).state
    dumped = state.dump(mode="json")
    record = next(iter(dumped["obligations"].values()))
    assert list(record) == [
        "id",
        "kind",
        "title",
        "status",
        "created_on",
        "due_on",
        "regime",
        "citations",
        "reason",
        "met_by",
        "met_on",
        "missed_on",
        "action",
        "receipt",
        "phase",
        "law_changed_on",
    ]
    assert list(dumped["timeline"][0]) == [
        "on",
        "kind",
        "subject",
        "summary",
        "regime",
        "citations",
        "phase",
    ]
    assert list(next(iter(dumped["events"].values()))) == [
        "event_id",
        "event_type",
        "applied_on",
        "phase",
        "summary",
        "fingerprint",
    ]


def test_a_malformed_record_in_stored_json_is_refused_naming_its_field(rulebook: Rulebook) -> None:
    state = run_scenario(load_scenario(FIRST), rulebook).state
    dumped = state.dump(mode="json")
    obligation_id = next(iter(dumped["obligations"]))
    dumped["obligations"][obligation_id]["status"] = "forgotten"
    with pytest.raises(ValidationError) as raised:
        CaseState.load(dumped)
    assert f"obligations.`{obligation_id}`.status" in str(raised.value)
