"""Cases due and overdue by obligation kind and municipality, counted by Temporal's
visibility store, cached, for `/metrics`.

Why here and like this:
- Counted from the search attributes every case keeps current (`CaseMunicipality`,
  `CaseNextDeadlineKind`, `CaseOverdue`), not from per-process tallies: a process only
  sees the cases it happened to run, and two workers would each report theirs.
- Counted by one process kind, the gateway, never by workers; a scrape only reads the
  cache. When a scrape finds the cache older than `obligation_counts_refresh` (60 s) it
  starts one background count and answers with the previous one at once, so a scrape stays
  as cheap as `/healthz` and an idle gateway asks Temporal nothing. The age of the cache is
  exported (`caseflow_obligation_counts_age_seconds`).
- Every gateway replica exports the same namespace-wide numbers: aggregate with `max by
  (municipality, kind)` (or scrape one replica), never `sum`.
- Temporal's `count_workflows` groups by `ExecutionStatus` only ("GROUP BY is not
  supported for search attribute CaseMunicipality", checked on the dev server), so the
  count is one query per label set, pruned: per municipality first, then per kind only
  where a municipality has running cases, then overdue only where a kind has any.

What is counted: running cases by their *next* obligation (the search attributes carry the
nearest deadline, not every open one), and, of those, the cases with any overdue duty.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from temporalio.client import Client

from domain.case.model import ObligationKind
from workers.logging_setup import get_logger
from workflows import search_attributes as sa

log = get_logger(__name__)

PARALLEL_QUERIES = 8
_RUNNING = "ExecutionStatus = 'Running'"


def _quote(value: str) -> str:
    # Municipality ids and kinds are our own slugs; refuse anything that is not, rather
    # than build a query from it.
    if not value.replace("_", "").replace("-", "").isalnum():
        raise ValueError(f"not a slug: {value!r}")
    return f"'{value}'"


@dataclass
class Counts:
    due: dict[tuple[str, str], int] = field(default_factory=dict)
    """(municipality, kind) -> running cases whose next obligation is of that kind."""
    overdue: dict[tuple[str, str], int] = field(default_factory=dict)
    counted_at: float | None = None
    """time.monotonic() when the count finished; None: never counted."""


async def count_obligations(
    client: Client, municipalities: Sequence[str], kinds: Sequence[str] | None = None
) -> Counts:
    """Count running cases per (municipality, next obligation kind) and the overdue ones."""
    kinds = list(kinds or [k.value for k in ObligationKind])
    limit = asyncio.Semaphore(PARALLEL_QUERIES)

    async def count(query: str) -> int:
        async with limit:
            return (await client.count_workflows(query)).count

    base = f"{_RUNNING} AND {sa.CASE_NEXT_DEADLINE_KIND.name} IS NOT NULL"
    per_municipality = await asyncio.gather(
        *(count(f"{base} AND {sa.CASE_MUNICIPALITY.name} = {_quote(m)}") for m in municipalities)
    )
    busy = [m for m, n in zip(municipalities, per_municipality, strict=True) if n]
    pairs = [(m, k) for m in busy for k in kinds]

    def pair_query(m: str, k: str) -> str:
        return (
            f"{_RUNNING} AND {sa.CASE_MUNICIPALITY.name} = {_quote(m)} "
            f"AND {sa.CASE_NEXT_DEADLINE_KIND.name} = {_quote(k)}"
        )

    due_counts = await asyncio.gather(*(count(pair_query(m, k)) for m, k in pairs))
    due = {pair: n for pair, n in zip(pairs, due_counts, strict=True) if n}
    overdue_counts = await asyncio.gather(
        *(count(f"{pair_query(m, k)} AND {sa.CASE_OVERDUE.name} = true") for m, k in due)
    )
    overdue = dict(zip(due, overdue_counts, strict=True))
    return Counts(due=due, overdue=overdue, counted_at=time.monotonic())


class ObligationCounts(Collector):
    """A prometheus-client collector over the cached count; `refresh_if_stale` renews it."""

    def __init__(self, municipalities: Iterable[str], max_age: float) -> None:
        self.municipalities = sorted(municipalities)
        self.max_age = max_age
        self.counts = Counts()
        self._refreshing: asyncio.Task[None] | None = None

    def stale(self) -> bool:
        at = self.counts.counted_at
        return at is None or time.monotonic() - at > self.max_age

    def refresh_if_stale(self, client: Client) -> asyncio.Task[None] | None:
        """Start one background count if the cache is stale and none is running."""
        if self._refreshing is not None and not self._refreshing.done():
            return self._refreshing
        if not self.stale():
            return None
        self._refreshing = asyncio.create_task(self._refresh(client))
        return self._refreshing

    async def _refresh(self, client: Client) -> None:
        try:
            self.counts = await count_obligations(client, self.municipalities)
        except Exception as error:  # a failed count keeps the old one; the age shows it
            log.warning("obligation count failed", error=type(error).__name__)

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield from self._families(Counts())

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self._families(self.counts)

    def _families(self, counts: Counts) -> Iterator[GaugeMetricFamily]:
        labels = ["municipality", "kind"]
        due = GaugeMetricFamily(
            "caseflow_cases_next_obligation",
            "Running cases by the kind of their next obligation and municipality "
            "(from Temporal visibility, cached).",
            labels=labels,
        )
        overdue = GaugeMetricFamily(
            "caseflow_cases_overdue",
            "Running cases with an overdue obligation, by the kind of their next obligation "
            "and municipality (from Temporal visibility, cached).",
            labels=labels,
        )
        for (m, k), n in sorted(counts.due.items()):
            due.add_metric([m, k], n)
            overdue.add_metric([m, k], counts.overdue.get((m, k), 0))
        age = GaugeMetricFamily(
            "caseflow_obligation_counts_age_seconds",
            "Seconds since the obligation counts were taken (-1: not yet counted).",
        )
        at = counts.counted_at
        age.add_metric([], -1.0 if at is None else time.monotonic() - at)
        yield due
        yield overdue
        yield age
