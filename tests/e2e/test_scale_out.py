"""Two workers and two gateways on one Temporal; kill -9 one of each under load.

Every case opened and every event sent is answered (clients retry on the other gateway
with the same event id), each event is applied once (receipts match the timelines), and
the embedded outbox holds each certificate request and booking exactly once. Bounded by
size (30 cases) for CI; `python -m tests.bench.bench_scale_out` is the bigger run.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.e2e.scale_out import Fleet, Outcome, check, drive

pytestmark = pytest.mark.e2e

CASES = 30
KILL_AFTER_RECEIPTS = 30
"""About a quarter of the load answered: enough in flight on both sides of the kills."""


async def test_killing_a_worker_and_a_gateway_under_load_loses_and_duplicates_nothing(
    env: WorkflowEnvironment, tmp_path: Path
) -> None:
    fleet = Fleet(env.client.service_client.config.target_host, env.client.namespace, tmp_path)
    try:
        for _ in range(2):
            fleet.start_worker()
            fleet.start_gateway()
        await fleet.wait_ready()
        outcome = Outcome.of(CASES)
        load = asyncio.create_task(drive(fleet, outcome, concurrency=10))
        while len(outcome.receipts) < KILL_AFTER_RECEIPTS and not load.done():
            await outcome.answered.wait()
            outcome.answered.clear()
        answered_before_kills = len(outcome.receipts)
        fleet.kill9(fleet.workers[0])
        fleet.kill9(fleet.gateways[0])
        await load
        assert answered_before_kills < len(outcome.receipts), "the kills came after the load"
        assert outcome.retries > 0, "no client ever met the killed gateway"
        assert await check(fleet, outcome) == []
        assert fleet.workers[1].poll() is None
        assert fleet.gateways[1].poll() is None
    finally:
        fleet.stop()
