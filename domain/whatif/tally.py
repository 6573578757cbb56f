"""Counting a finished case: its duties by kind, where and when, their prices, its phases.

A `Tally` holds only integer counters, so tallies merge by addition in any order and a
cohort's result is the same whatever the number of processes. Cases are counted as they
finish and then dropped: nothing holds every timeline.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from domain.case.model import ObligationKind, ObligationRecord, ObligationStatus, PhaseName
from domain.rulebook import ResolutionContext, Rulebook, RulebookError, citation_text
from domain.whatif.simulate import CaseRun

__all__ = ["Price", "Tally", "duty_label", "family", "price_of", "tally_case", "tally_records"]

_NUMBER = re.compile(r"\.w?\d+(?=\.|$)")
CERTIFICATE = ObligationKind.CERTIFICATE
EXEMPTED = ObligationStatus.EXEMPTED
WITHDRAWN = ObligationStatus.WITHDRAWN


def family(obligation_id: str) -> str:
    """`sdp.followup.3` -> `sdp.followup`, `rf.end.1.lae265` -> `rf.end.lae265`,
    `rf.conversation.w1.2` (the 2nd of a window's count) -> `rf.conversation`."""
    return _NUMBER.sub("", obligation_id)


def certificate_of(record: ObligationRecord) -> str | None:
    if record.action is not None and record.action.certificate:
        return record.action.certificate
    for key in record.met_by:
        if key.startswith("certificate:"):
            return key.partition(":")[2]
    return None


def duty_label(record: ObligationRecord) -> str:
    """The kind, and for a certificate its type: `certificate:LAE285`, `conversation`."""
    if record.kind is CERTIFICATE:
        return f"certificate:{certificate_of(record) or 'unknown'}"
    return record.kind.value


def quarter(on: date) -> str:
    return f"{on.year}Q{(on.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class Price:
    certificate: str
    value: int | None
    """None: the rulebook says the price is unknown on that date (never read as 0)."""
    since: date | None
    citations: tuple[str, ...]
    """As people cite them (`citation_text`); `sources` keeps the rulebook's own."""
    reason: str
    sources: tuple[dict[str, str], ...] = ()


def price_of(rules: Rulebook, municipality: str, group: str, certificate: str, on: date) -> Price:
    rule_id = f"certificate.price.{certificate}"
    try:
        res = rules.resolve(rule_id, ResolutionContext(municipality, group, on))
    except RulebookError:
        return Price(certificate, None, None, (), f"no price rule {rule_id} in force on {on}")
    value = res.value if res.applicable and isinstance(res.value, int) else None
    cite = citation_text.reader(rules)
    shown, sources = cite.with_sources(res.citations, res.regime)
    reason = cite.in_text(res.reason, res.regime)
    return Price(certificate, value, res.since, tuple(shown), reason, tuple(sources))


@dataclass
class Tally:
    cases: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    events_refused: Counter[str] = field(default_factory=Counter)
    closed: int = 0
    duties: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(label, required|exempted) -> count."""
    families: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    """(obligation family, label, required|exempted) -> count."""
    by_municipality: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    by_group: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    by_quarter: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    cost_dkk: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(certificate, municipality) -> DKK of the requested certificates with a known price."""
    unpriced: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(certificate, municipality) -> requested certificates whose price is unknown."""
    prices: dict[tuple[str, str], Price] = field(default_factory=dict)
    """(certificate, price window start) -> the price used, with its citation."""
    phase_days: Counter[str] = field(default_factory=Counter)
    phase_cases: Counter[str] = field(default_factory=Counter)
    rules_asked: set[str] = field(default_factory=set)
    """Rule ids the core asked under this regime's reform (see `reform_keys`)."""

    def add(self, other: Tally) -> None:
        self.cases += other.cases
        self.closed += other.closed
        for name in (
            "refused",
            "events_refused",
            "duties",
            "families",
            "by_municipality",
            "by_group",
            "by_quarter",
            "cost_dkk",
            "unpriced",
            "phase_days",
            "phase_cases",
        ):
            getattr(self, name).update(getattr(other, name))
        for key, price in other.prices.items():
            self.prices.setdefault(key, price)
        self.rules_asked |= other.rules_asked


def tally_case(tally: Tally, run: CaseRun, price_date: date | None) -> None:
    """Add one finished case to `tally`."""
    tally.cases += 1
    if run.state is None or run.rules is None:
        tally.refused[run.refused or "refused"] += 1
        return
    state, rules = run.state, run.rules
    tally.events_refused.update(run.events_refused)
    tally_records(
        tally, rules, state.municipality, state.target_group, state.obligations.values(), price_date
    )
    _phase_days(tally, state.phase_history, state.closed, state.today, run.horizon)


def tally_records(  # noqa: PLR0917 - internal, two callers
    tally: Tally,
    rules: Rulebook,
    municipality: str,
    group: str,
    records: Iterable[ObligationRecord],
    price_date: date | None,
) -> None:
    """Count one case's obligation records and price its requested certificates."""
    mun = municipality
    for record in records:
        if record.status is WITHDRAWN:
            continue
        bucket = "exempted" if record.status is EXEMPTED else "required"
        label = duty_label(record)
        tally.duties[(label, bucket)] += 1
        tally.families[(family(record.id), label, bucket)] += 1
        tally.by_municipality[(mun, label, bucket)] += 1
        tally.by_group[(group, label, bucket)] += 1
        tally.by_quarter[(quarter(record.created_on), label, bucket)] += 1
        if record.kind is CERTIFICATE and bucket == "required":
            cert = certificate_of(record) or "unknown"
            price = price_of(rules, mun, group, cert, price_date or record.created_on)
            tally.prices.setdefault((cert, str(price.since)), price)
            if price.value is None:
                tally.unpriced[(cert, mun)] += 1
            else:
                tally.cost_dkk[(cert, mun)] += price.value


def _phase_days(
    tally: Tally, history: list[tuple[PhaseName, date]], closed: bool, today: date, horizon: date
) -> None:
    if closed:
        tally.closed += 1
    end_of_story = min(today, horizon)
    for i, (phase, since) in enumerate(history):
        if phase is PhaseName.CLOSED:
            continue
        until = history[i + 1][1] if i + 1 < len(history) else end_of_story
        tally.phase_days[phase.value] += max((until - since).days, 0)
        tally.phase_cases[phase.value] += 1
