"""Fulfilling obligations: shared by the engine (meetings, certificates) and by phases
(decisions that fulfil a named obligation)."""

from __future__ import annotations

from datetime import date

from domain.case.model import (
    CaseState,
    Obligation,
    ObligationRecord,
    ObligationStatus,
    PhaseName,
    TimelineEntry,
    TimelineKind,
)

__all__ = [
    "EXEMPTED",
    "MET",
    "MISSED",
    "OPEN",
    "PENDING",
    "WITHDRAWN",
    "mark_met",
    "meet_obligation",
    "note",
]

# The statuses, bound once: the engine tests them in its innermost loops, and in CPython
# 3.11 reading an enum member through its class costs several times a global lookup.
OPEN = ObligationStatus.OPEN
MET = ObligationStatus.MET
MISSED = ObligationStatus.MISSED
EXEMPTED = ObligationStatus.EXEMPTED
WITHDRAWN = ObligationStatus.WITHDRAWN

PENDING = (OPEN, MISSED)
"""Statuses from which an obligation can still be met (a missed one, late)."""


def note(
    state: CaseState,
    on: date,
    kind: TimelineKind,
    item: ObligationRecord | Obligation,
    summary: str,
    *,
    phase: PhaseName | None,
) -> None:
    """Add a timeline line about an obligation, with its legal basis and regime."""
    # Positional (on, kind, subject, summary, regime, citations, phase): called with
    # keywords, a class first packs them into a dict (CPython 3.11), and this runs for
    # most lines of every timeline.
    entry = TimelineEntry(on, kind, item.id, summary, item.regime, item.citations, phase)
    state.timeline.append(entry)


def mark_met(state: CaseState, record: ObligationRecord, on: date) -> None:
    late = record.status is MISSED or on > record.due_on
    record.status = MET
    record.met_on = on
    if record.id in state.pending_actions:
        state.pending_actions.remove(record.id)
    note(
        state,
        on,
        TimelineKind.OBLIGATION_MET,
        record,
        f"{record.title} met" + (" late" if late else ""),
        phase=record.phase,
    )


def meet_obligation(state: CaseState, obligation_id: str, on: date) -> None:
    """For phases: a decision fulfils a named obligation (e.g. the week-22 reassessment)."""
    record = state.obligations.get(obligation_id)
    if record is not None and record.status in PENDING:
        mark_met(state, record, on)
