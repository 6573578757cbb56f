"""What a case's history says about itself in the Temporal Web UI: summaries and details.

Temporal shows a workflow's *static* summary and details (set at start), its *current*
details (set by the running workflow, read through the built-in metadata query), and a
summary per timer and activity. These texts are stored and shown outside any query of
ours, so they carry only what search attributes may: case references, municipality,
phase, target group, regimes, rule titles, dates and citations (as people cite them: acts,
or a trial with its grant letter, see `domain.rulebook.citation_text`); never a fact value
or anything a person reported.

Simulated calendars: a demo or training case runs on Temporal's skipped clock, so the UI's
start times and durations are on that clock (a year ahead, negative durations), and the
UI has no field of ours to change that. Every text here names the case's *legal* dates
instead, marked as simulated: the summary its opening day, the details the legal date
today.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from domain.case import engine
from domain.case.dates import day_after
from domain.case.engine import CaseStart
from domain.case.model import CaseState, ObligationRecord, ObligationStatus
from domain.rulebook import Rulebook
from domain.rulebook.citation_text import reader
from workflows.case_models import CaseClock

__all__ = [
    "StartMetadata",
    "current_details",
    "obligation_summary",
    "start_details",
    "start_metadata",
    "start_summary",
    "wake_summary",
]

SUMMARY_LIMIT = 200
"""Temporal shows summaries on one line; longer ones are cut with an ellipsis."""


def _line(text: str) -> str:
    return text if len(text) <= SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 1] + "…"


def _cited(record: ObligationRecord, rules: Rulebook) -> str:
    named = reader(rules).acts(record.citations, record.regime)
    return "; ".join(named[:2]) if named else "no citation"


def _calendar(clock: CaseClock) -> str:
    return "simulated calendar" if clock.simulated else "real calendar"


def start_summary(
    case_id: str, municipality: str, phase: str, opened_on: date, clock: CaseClock
) -> str:
    return _line(
        f"Case {case_id} · {municipality} · {phase} · opened {opened_on.isoformat()}"
        + (" (simulated calendar)" if clock.simulated else "")
    )


def start_details(state: CaseState, municipality: str, clock: CaseClock) -> str:
    """Markdown for the start: who (by reference), where, which trajectory, which law."""
    lines = [
        f"**Case** {state.case_id} (case-system reference; no personal data here)",
        f"**Municipality** {municipality}",
        f"**Trajectory** {state.phase.value} from {state.opened_on.isoformat()}, "
        f"target group {state.target_group}",
        f"**Regime at start** {', '.join(state.regimes) or 'none'}",
    ]
    if clock.simulated:
        lines.append(
            f"**Simulated calendar** from legal date {state.opened_on.isoformat()}: the "
            "Web UI's start time and durations are on the case's skipped clock; the legal "
            "dates are in the current details and in each timer's summary."
        )
    return "\n\n".join(lines)


class StartMetadata(NamedTuple):
    summary: str
    details: str


def start_metadata(start: CaseStart, rules: Rulebook, clock: CaseClock) -> StartMetadata:
    """`static_summary` and `static_details` for starting `start`'s workflow.

    Opens the case on a scratch copy with the real core to name the regime in force.

    Raises:
        EventRefused: the core refuses the start (callers check that first anyway).
    """
    opened = engine.open_case(start, rules)
    name = rules.municipality(start.municipality).name
    return StartMetadata(
        start_summary(start.case_id, name, opened.phase.value, opened.opened_on, clock),
        start_details(opened, name, clock),
    )


def obligation_summary(record: ObligationRecord, rules: Rulebook) -> str:
    """An activity's or a due timer's summary: duty, act, regime."""
    return _line(f"{record.title} — {_cited(record, rules)} — {record.regime}")


def wake_summary(state: CaseState, wake: date, clock: CaseClock, rules: Rulebook) -> str:
    """The summary of the timer that wakes the case on legal day `wake`."""
    due = [o for o in state.open_obligations() if day_after(o.due_on) == wake]
    if due:
        first = due[0]
        return _line(
            f"Deadline {first.due_on.isoformat()} passes: {first.title} — "
            f"{_cited(first, rules)} — {first.regime}"
        )
    return _line(f"Next review on legal date {wake.isoformat()} ({_calendar(clock)})")


def current_details(
    state: CaseState, clock: CaseClock, next_review: date | None, rules: Rulebook
) -> str:
    """Markdown for the UI's current details, set again at every step and in every run."""
    lines = [f"**Legal date** {state.today.isoformat()} ({_calendar(clock)})"]
    if clock.simulated:
        # The header's Start and Duration come from the skipped clock; a continued run has
        # no static summary to say when the case opened.
        lines.append(
            f"**Opened** {state.opened_on.isoformat()} (legal date; the Start and Duration "
            "above are on the case's simulated clock)"
        )
    lines += [
        f"**Phase** {state.phase.value} since {state.phase_started_on.isoformat()}",
        f"**Regime** {', '.join(state.regimes) or 'none'}",
    ]
    open_obligations = state.open_obligations()
    if open_obligations:
        nearest = open_obligations[0]
        lines.append(
            f"**Next deadline** {nearest.due_on.isoformat()}: {nearest.title} — "
            f"{_cited(nearest, rules)} ({nearest.regime})"
        )
    else:
        lines.append("**Next deadline** none open")
    overdue = sum(1 for o in state.obligations.values() if o.status is ObligationStatus.MISSED)
    if overdue:
        lines.append(f"**Overdue** {overdue} missed {'duty' if overdue == 1 else 'duties'}")
    if state.closed:
        lines.append("**Closed**")
    elif next_review is not None:
        lines.append(f"**Next review** {next_review.isoformat()}")
    return "\n\n".join(lines)
