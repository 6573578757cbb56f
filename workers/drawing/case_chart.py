"""A case's timeline as a `Chart`: phases, the regimes in force, deadlines and events.

Pure: the case's timeline entries and snapshot in, a chart out. Rows: the phase, then one
row per regime (the standard law of the period and each trial, each its own colour).
Lanes: events reported, deadlines (open ones at their due date, overdue ones highlighted),
duties met or missed, and rule changes that moved a deadline (`obligation_recomputed`).
Every mark's tooltip names what it rests on as people cite it (an act, or a trial and its
grant letter: `citation_text.CitationReader`), never a seed line.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from domain.case.model import ObligationRecord, TimelineEntry, TimelineKind
from domain.rulebook.citation_text import CitationReader, acts
from workers.drawing.timeline import PALETTE, Band, BandRow, Chart, Mark, MarkLane

__all__ = ["case_chart", "regime_spans"]

STANDARD_COLOUR = "#4e79a7"
MISSED = "#d62728"
MET = "#59a14f"
EVENT = "#333333"
MOVED = "#f28e2b"
DEADLINE = "#b07aa1"
PHASE_COLOURS = ("#5f6b73", "#8d99a3")
"""Greys, alternating: phases must not be mistaken for a regime's colour."""


def _cited(citations: Sequence[str], regime: str | None, reader: CitationReader | None) -> str:
    named = acts(citations) if reader is None else reader.acts(citations, regime)
    return f" — {'; '.join(named)}" if named else ""


def _phase_bands(entries: Sequence[TimelineEntry], end: date) -> list[Band]:
    starts = [
        (e.on, e.subject)
        for e in entries
        if e.kind in (TimelineKind.CASE_OPENED, TimelineKind.PHASE_CHANGED)
    ]
    bands = []
    for i, (start, phase) in enumerate(starts):
        stop = starts[i + 1][0] if i + 1 < len(starts) else end
        colour = PHASE_COLOURS[i % len(PHASE_COLOURS)]
        bands.append(Band(start, max(stop, start + timedelta(days=1)), phase, colour))
    return bands


def regime_spans(
    entries: Sequence[TimelineEntry], current: Sequence[str], opened: date, end: date
) -> dict[str, list[tuple[date, date]]]:
    """Regime -> the periods it was in force, from the `regime_changed` entries.

    The first set is worked back from the first change (its set, less what it added, plus
    what it removed); with no change at all it is the case's current set.
    """
    changes = [e for e in entries if e.kind is TimelineKind.REGIME_CHANGED]
    if changes:
        first = changes[0]
        after = set(first.subject.split(","))
        words = first.summary.split(":", 1)[-1].split()
        added = {w[1:] for w in words if w.startswith("+")}
        removed = {w[1:] for w in words if w.startswith("-")}
        in_force = (after - added) | removed
    else:
        in_force = set(current)
    spans: dict[str, list[tuple[date, date]]] = {}
    since = dict.fromkeys(in_force, opened)
    for change in changes:
        now = set(change.subject.split(",")) if change.subject else set()
        for regime in list(since):
            if regime not in now:
                spans.setdefault(regime, []).append((since.pop(regime), change.on))
        for regime in now - since.keys():
            since[regime] = change.on
    for regime, start in since.items():
        spans.setdefault(regime, []).append((start, end))
    return dict(sorted(spans.items(), key=lambda kv: (not kv[0].startswith("STANDARD"), kv[0])))


def _regime_rows(spans: dict[str, list[tuple[date, date]]]) -> list[BandRow]:
    rows = []
    trial = 0
    for regime, periods in spans.items():
        if regime.startswith("STANDARD"):
            colour = STANDARD_COLOUR
        else:
            colour = PALETTE[(trial + 1) % len(PALETTE)]
            trial += 1
        bands = [
            Band(a, max(b, a + timedelta(days=1)), regime, colour, f"{regime}: {a} – {b}")
            for a, b in periods
        ]
        rows.append(BandRow(regime, bands))
    return rows


def case_chart(
    *,
    title: str,
    entries: Sequence[TimelineEntry],
    opened_on: date,
    today: date,
    regimes: Sequence[str],
    open_obligations: Sequence[ObligationRecord],
    overdue: Sequence[ObligationRecord],
    width: int = 1200,
    reader: CitationReader | None = None,
) -> Chart:
    """The chart of one case; `reader` (the case's rulebook) names trials by their grant
    letter, without one each citation reads as its act."""
    due_days = [o.due_on for o in open_obligations]
    end = max([today, *due_days, *(e.on for e in entries)]) + timedelta(days=14)
    start = opened_on - timedelta(days=7)
    events, duties, moved = [], [], []
    for e in entries:
        said = e.summary + _cited(e.citations, e.regime, reader)
        if e.kind is TimelineKind.EVENT:
            events.append(Mark(e.on, e.summary, EVENT, "circle"))
        elif e.kind is TimelineKind.OBLIGATION_MET:
            duties.append(Mark(e.on, said, MET, "square"))
        elif e.kind is TimelineKind.OBLIGATION_MISSED:
            duties.append(Mark(e.on, said, MISSED, "square", True))
        elif e.kind is TimelineKind.OBLIGATION_RECOMPUTED:
            moved.append(Mark(e.on, said, MOVED, "triangle"))
    overdue_ids = {o.id for o in overdue}
    deadlines = [
        Mark(
            o.due_on,
            f"{o.title} due{_cited(o.citations, o.regime, reader)} ({o.regime})",
            MISSED if o.id in overdue_ids else DEADLINE,
            "diamond",
            o.id in overdue_ids,
        )
        for o in (*open_obligations, *overdue)
    ]
    spans = regime_spans(entries, regimes, opened_on, end)
    return Chart(
        start=start,
        end=end,
        rows=[BandRow("phase", _phase_bands(entries, end)), *_regime_rows(spans)],
        lanes=[
            MarkLane("events", events),
            MarkLane("deadlines", deadlines),
            MarkLane("duties met / missed", duties),
            MarkLane("rule moved a deadline", moved),
        ],
        today=today,
        title=title,
        width=width,
    )
