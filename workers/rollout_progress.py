"""Roll-out progress on the gateway's `/metrics`: per roll-out, the cases in scope, the
cases re-planned, the cases left and the signals sent, read from `workers.rollouts` exactly
as `caseflow rollout status` reads them (`list_rollouts`: the batch jobs and the roll-out's
own visibility query counted again).

Like the obligation counts (`workers.obligation_counts`), a scrape only reads a cache; a
scrape that finds it older than `rollout_progress_refresh` starts one background refresh
(async gRPC calls, on the event loop but never waited for by the scrape) and answers with
the previous numbers at once, so an idle gateway asks Temporal nothing. The numbers are
namespace-wide, the same on every replica: aggregate with `max`, never `sum`. Only the
newest `KEPT` roll-outs are exported, so the label set stays bounded as roll-outs pile up.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Sequence

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from temporalio.client import Client

from workers import rollouts
from workers.logging_setup import get_logger
from workers.rollouts import RolloutStatus

__all__ = ["KEPT", "RolloutProgress"]

log = get_logger(__name__)

KEPT = 10
"""Roll-outs exported (newest first, by id: ids start with their UTC start time)."""


class RolloutProgress(Collector):
    """A prometheus-client collector over the cached roll-out statuses."""

    def __init__(self, max_age: float) -> None:
        self.max_age = max_age
        self.statuses: Sequence[RolloutStatus] = ()
        self.read_at: float | None = None
        self._refreshing: asyncio.Task[None] | None = None

    def stale(self) -> bool:
        return self.read_at is None or time.monotonic() - self.read_at > self.max_age

    def refresh_if_stale(self, client: Client) -> asyncio.Task[None] | None:
        """Start one background read if the cache is stale and none is running."""
        if self._refreshing is not None and not self._refreshing.done():
            return self._refreshing
        if not self.stale():
            return None
        self._refreshing = asyncio.create_task(self._refresh(client))
        return self._refreshing

    async def _refresh(self, client: Client) -> None:
        try:
            found = await rollouts.list_rollouts(client)
        except Exception as error:  # a failed read keeps the old numbers; the age shows it
            log.warning("roll-out status read failed", error=type(error).__name__)
            return
        self.statuses = sorted(found, key=lambda s: s.rollout_id, reverse=True)[:KEPT]
        self.read_at = time.monotonic()

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield from self._families(())

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self._families(self.statuses)

    def _families(self, statuses: Sequence[RolloutStatus]) -> Iterator[GaugeMetricFamily]:
        labels = ["rollout_id"]
        state = GaugeMetricFamily(
            "caseflow_rollout_state",
            "1 for the state a roll-out is in (running, applying, completed, stopped, "
            "incomplete), with the rulebook version it rolls out.",
            labels=["rollout_id", "version", "state"],
        )
        total = GaugeMetricFamily(
            "caseflow_rollout_cases",
            "Open cases in the roll-out's scope when it started.",
            labels=labels,
        )
        replanned = GaugeMetricFamily(
            "caseflow_rollout_cases_replanned",
            "Cases of the roll-out re-planned on its rulebook version so far.",
            labels=labels,
        )
        remaining = GaugeMetricFamily(
            "caseflow_rollout_cases_remaining",
            "Cases of the roll-out still on another rulebook (counted again from visibility).",
            labels=labels,
        )
        signalled = GaugeMetricFamily(
            "caseflow_rollout_signals_sent",
            "Signals the roll-out's batch jobs have sent (a case may be signalled twice).",
            labels=labels,
        )
        for s in statuses:
            state.add_metric([s.rollout_id, s.version[:12], s.state], 1)
            total.add_metric([s.rollout_id], s.total)
            replanned.add_metric([s.rollout_id], s.replanned)
            remaining.add_metric([s.rollout_id], s.remaining)
            signalled.add_metric([s.rollout_id], s.signalled)
        age = GaugeMetricFamily(
            "caseflow_rollout_status_age_seconds",
            "Seconds since the roll-out statuses were read (-1: not yet read).",
        )
        at = self.read_at if statuses is self.statuses else None
        age.add_metric([], -1.0 if at is None else time.monotonic() - at)
        yield from (state, total, replanned, remaining, signalled, age)
