"""Facts recorded for one occasion and consumed by it (issue 17, item 5).

Some facts the law requires each time: FK-3.i's journal note each time the indsatsplan is
not fixed for the coming 6 months [001:L4948], FK-3.h's consent form for each extension
without the team [001:L3587, L8077-8081]. Kept as an ordinary fact, one note would exempt
the whole course and one consent every later extension. The rulebook says which facts are
per occasion and what consumes them (`facts.per_occasion`); here:

- a note for a repeating duty settles the duty's open instance on the note's day (under
  the rule the trial overrides, resolved on that day) and is not kept: the schedule goes
  on from the note, and the next instance needs its own note, or the duty itself;
- a consent for a decision stays on the case until that decision, which consumes it;
- a fact answered per placement (the offers questions) is never kept on a case.

Each is refused, naming the rule, where it has no occasion: outside the phase it belongs
to, with no open instance to settle, or where the trial does not settle it on its day.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.case.model import (
    CaseState,
    FactValue,
    ObligationStatus,
    TimelineEntry,
    TimelineKind,
)
from domain.case.phase import EventRefused
from domain.case.rules_view import RuleView
from domain.rulebook import Resolution, ResolutionContext, RuleNotInForce

__all__ = [
    "PER_OCCASION_RULE",
    "check_occasion",
    "check_start_facts",
    "consume",
    "consumed_for",
    "record_fact",
    "settled_on",
]

PER_OCCASION_RULE = "facts.per_occasion"
SETTLED = "settled_by_fact"
"""phase_data key: obligation id -> {"fact", "on"} for instances a per-occasion fact settled."""
WAITING = "facts_for_occasion"
"""phase_data key: fact -> the ISO day it was recorded, until its decision consumes it."""
CONSUMED = "facts_consumed"
"""phase_data key: fact -> {"on", "by"}: the last decision that consumed it."""


def _table(view: RuleView) -> tuple[dict[str, Any], Resolution] | None:
    try:
        answer = view.resolve(PER_OCCASION_RULE)
    except RuleNotInForce:
        return None
    value = answer.value if isinstance(answer.value, dict) else {}
    return value, answer


def _entry(state: CaseState, view: RuleView, fact: str) -> tuple[dict[str, Any], str] | None:
    """The rulebook's occasion for `fact` and the rule's citation, or None (an ordinary fact)."""
    if state.memo.facts_outlive_their_occasion:
        return None
    table = _table(view)
    if table is None or fact not in table[0]:
        return None
    entry, answer = table[0][fact], table[1]
    return entry, f"rule {PER_OCCASION_RULE}: {entry.get('provenance') or answer.citations}"


def _open_instance(state: CaseState, prefix: str) -> Any:
    """The open instance of the repeating duty `prefix` (the earliest due), or None."""
    candidates = [
        record
        for record in state.obligations.values()
        if record.phase is state.phase
        and record.status is ObligationStatus.OPEN
        and record.id.startswith(f"{prefix}.")
    ]
    return min(candidates, key=lambda r: (r.due_on, r.id), default=None)


def _resolved_with(view: RuleView, state: CaseState, rule_id: str, fact: str, on: date) -> Any:
    context = ResolutionContext(
        municipality=state.municipality,
        target_group=state.target_group,
        on=on,
        facts={**state.facts, fact: True},
        reform=state.reform,
    )
    return view.rulebook.resolve(rule_id, context)


def check_occasion(
    state: CaseState, view: RuleView, fact: str, value: FactValue, on: date, *, field: str = "fact"
) -> None:
    """Refuse recording `fact` on `on` where it has no occasion to serve (see module doc)."""
    found = _entry(state, view, fact)
    if found is None or value is not True:
        return  # a "no" or a withdrawal is an ordinary fact
    entry, cited = found
    consumer = entry.get("consumed_by") or {}
    scope = entry.get("scope", "")
    if "placement" in consumer:
        raise EventRefused(
            field,
            f"{fact!r} is recorded for one placement ({scope}) and kept by no case: send it "
            f"with that placement's question ({consumer['placement']}) ({cited})",
        )
    phase = entry.get("phase")
    if phase is not None and state.phase.value != phase:
        raise EventRefused(
            field,
            f"{fact!r} is recorded for one occasion in a {phase} ({scope}); the case is in "
            f"{state.phase.value} ({cited})",
        )
    if "obligation" in consumer:
        record = _open_instance(state, consumer["obligation"])
        if record is None:
            raise EventRefused(
                field,
                f"{fact!r} settles one open {consumer['obligation']} duty ({scope}); none is "
                f"open on {on.isoformat()} ({cited})",
            )
        if on < record.created_on:
            raise EventRefused(
                field,
                f"{fact!r} of {on.isoformat()} is dated before {record.title} began on "
                f"{record.created_on.isoformat()}: a note serves the horizon it is written in "
                f"({cited})",
            )
        settled = _resolved_with(view, state, entry["rule"], fact, on)
        if settled.value is not entry.get("settles_with", False):
            raise EventRefused(
                field,
                f"{fact!r} does not settle {record.title} on {on.isoformat()}: rule "
                f"{entry['rule']} stays {settled.value!r} ({settled.regime}) ({cited})",
            )


def check_start_facts(state: CaseState, view: RuleView, facts: dict[str, FactValue]) -> None:
    """A case's opening facts may hold a consent waiting for its decision, never a note
    for an occasion that has not happened: that is recorded as an event on its day."""
    for fact, value in facts.items():
        found = _entry(state, view, fact)
        if found is None or value is not True:
            continue
        entry, cited = found
        if "decision" not in (entry.get("consumed_by") or {}):
            raise EventRefused(
                "facts",
                f"{fact!r} is recorded for one occasion ({entry.get('scope', '')}): record "
                f"it as an event on its day, not at the case's opening ({cited})",
            )
        check_occasion(state, view, fact, value, state.opened_on, field="facts")


def record_fact(state: CaseState, view: RuleView, fact: str, value: FactValue, on: date) -> None:
    """Record `fact` (validated by `check_occasion`): kept on the case, or spent at once on
    the duty instance it settles."""
    found = _entry(state, view, fact)
    if found is None or value is not True:
        state.facts[fact] = value
        return
    entry, cited = found
    consumer = entry.get("consumed_by") or {}
    if "decision" in consumer:
        state.facts[fact] = value
        state.phase_data.setdefault(WAITING, {})[fact] = on.isoformat()
        return
    record = _open_instance(state, consumer["obligation"])
    settled = _resolved_with(view, state, entry["rule"], fact, on)
    record.status = ObligationStatus.EXEMPTED
    record.regime, record.citations = settled.regime, settled.citations
    record.reason = f"{settled.reason}; journal note of {on.isoformat()}, for this instance only"
    if record.id in state.pending_actions:
        state.pending_actions.remove(record.id)
    state.phase_data.setdefault(SETTLED, {})[record.id] = {"fact": fact, "on": on.isoformat()}
    state.timeline.append(
        TimelineEntry(
            on,
            TimelineKind.OBLIGATION_EXEMPTED,
            record.id,
            f"{record.title} not required: {record.reason}; the next one counts from "
            f"{on.isoformat()} and needs its own note ({cited})",
            settled.regime,
            settled.citations,
            state.phase,
        )
    )


def settled_on(state: CaseState, obligation_id: str) -> date | None:
    """The day a per-occasion fact settled this duty instance, or None."""
    settled = state.phase_data.get(SETTLED)
    if not isinstance(settled, dict) or obligation_id not in settled:
        return None
    return date.fromisoformat(str(settled[obligation_id]["on"]))


def consume(
    state: CaseState, view: RuleView, decision: str, route: str | None, on: date, *, what: str
) -> None:
    """The decision `what` (e.g. "extension 1") consumes the facts waiting for it."""
    if state.memo.facts_outlive_their_occasion:
        return
    table = _table(view)
    if table is None:
        return
    for fact, entry in sorted(table[0].items()):
        consumer = entry.get("consumed_by") or {}
        if consumer.get("decision") != decision or state.facts.get(fact) is not True:
            continue
        if consumer.get("route") is not None and consumer["route"] != route:
            continue
        served = _resolved_with(view, state, entry["rule"], fact, on)
        state.facts.pop(fact)
        waiting = state.phase_data.get(WAITING) or {}
        recorded = waiting.pop(fact, None)
        state.phase_data.setdefault(CONSUMED, {})[fact] = {"on": on.isoformat(), "by": what}
        since = f"of {recorded}" if recorded else "recorded at the case's opening"
        state.timeline.append(
            TimelineEntry(
                on,
                TimelineKind.EVENT,
                fact,
                f"{fact} {since} used by {decision} on {on.isoformat()} ({what}): it serves "
                f"one occasion ({entry.get('scope', '')}); the next needs its own "
                f"(rule {PER_OCCASION_RULE}: {entry.get('provenance', '')})",
                served.regime,
                (*served.citations, *table[1].citations),
                state.phase,
            )
        )


def consumed_for(state: CaseState, fact: str) -> str | None:
    """A line saying which decision used `fact` last, if one did (for a refusal)."""
    consumed = state.phase_data.get(CONSUMED)
    if not isinstance(consumed, dict) or fact not in consumed:
        return None
    used = consumed[fact]
    return f"{fact} was used by {used['by']} on {used['on']}"
