"""Benchmark of the enrolment registry under a race (a script, not a test):
`python -m tests.bench.bench_enrolment [--size 400] [--repeats 3] [--budget 30]`.

N enrolments race for FK-1.a's 80 places on a real dev server, in three arms, interleaved
and repeated, each on a fresh registry:

- `batched x1`: today's path (`enrol_in_trial`) from one client (one process);
- `batched x16`: the same from 16 clients, as from 16 processes: more batches in flight
  than Temporal's 10 per workflow, so the busy path is raced too;
- `unbatched`: the design before, one update-with-start per request, retried on
  RESOURCE_EXHAUSTED/UNAVAILABLE (up to 50 tries, jittered pauses up to 1 s), from one
  client; it gets `--budget` seconds, and whatever is unanswered by then counts as lost.

Prints wall time to answer all N (median over repeats), how many were answered, and the
same-run ratio against `batched x1`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Coroutine
from contextlib import suppress
from datetime import date
from pathlib import Path
from typing import Any

from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from activities.enrolment_activity import enrol_in_trial
from activities.enrolment_models import (
    CAP_RULES,
    ENROL_UPDATE,
    REGISTRY_WORKFLOW,
    EnrolInTrialInput,
    EnrolmentAnswer,
    EnrolmentRegistryInput,
    EnrolmentRequest,
    registry_workflow_id,
)
from tests.helpers import new_worker
from tests.workflows.driver import case_activities
from workers.config import CaseflowConfig
from workers.devserver import resolve_temporal_bin
from workers.temporal_client import data_converter
from workflows.enrolment_workflow import EnrolmentWorkflow

TRIAL, MUNICIPALITY = "FK-1.a", "aalborg"
REGISTRY = registry_workflow_id(TRIAL, MUNICIPALITY)
Enrol = Callable[[Client, EnrolInTrialInput, str], Coroutine[Any, Any, EnrolmentAnswer]]


async def one_update_per_request(
    client: Client, input: EnrolInTrialInput, task_queue: str
) -> EnrolmentAnswer:
    """The caller before batching (kept here only as the comparison arm)."""
    registry = EnrolmentRegistryInput(
        trial_id=TRIAL, municipality=MUNICIPALITY, cap_rule=CAP_RULES[TRIAL]
    )
    for attempt in range(50):
        start: WithStartWorkflowOperation[Any, Any] = WithStartWorkflowOperation(
            REGISTRY_WORKFLOW,
            registry,
            id=REGISTRY,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            task_queue=task_queue,
        )
        try:
            answer: EnrolmentAnswer = await client.execute_update_with_start_workflow(
                ENROL_UPDATE,
                input.request,
                start_workflow_operation=start,
                result_type=EnrolmentAnswer,
            )
            return answer
        except RPCError as error:
            busy = (RPCStatusCode.RESOURCE_EXHAUSTED, RPCStatusCode.UNAVAILABLE)
            if error.status not in busy or attempt == 49:
                raise
            await asyncio.sleep(random.uniform(0, min(1.0, 0.1 * 2**attempt)))
    raise AssertionError("unreachable")


async def race(
    clients: list[Client], enrol: Enrol, queue: str, size: int, tag: str, budget: float
) -> tuple[float, int, int]:
    """Wall seconds until every request is answered (or the budget ends), answered, admitted."""
    asks = [
        EnrolInTrialInput(
            trial_id=TRIAL,
            municipality=MUNICIPALITY,
            request=EnrolmentRequest(
                case_workflow_id=f"case-bench-{tag}-{n:04d}",
                target_group="2.2",
                on=date(2019, 5, 1),
            ),
        )
        for n in range(size)
    ]
    started = time.perf_counter()
    tasks = [
        asyncio.create_task(enrol(clients[n % len(clients)], ask, queue))
        for n, ask in enumerate(asks)
    ]
    done, pending = await asyncio.wait(tasks, timeout=budget)
    wall = time.perf_counter() - started
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    answers = [t.result() for t in done if not t.cancelled() and t.exception() is None]
    return wall, len(answers), sum(1 for a in answers if a.admitted)


async def main(size: int, repeats: int, budget: float) -> None:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(resolve_temporal_bin(CaseflowConfig())),
        data_converter=data_converter(),
    )
    try:
        target = env.client.service_client.config.target_host
        many = [await Client.connect(target, data_converter=data_converter()) for _ in range(16)]
        arms: dict[str, tuple[list[Client], Enrol]] = {
            "batched x1": ([env.client], enrol_in_trial),
            "batched x16": (many, enrol_in_trial),
            "unbatched": ([env.client], one_update_per_request),
        }
        results: dict[str, list[tuple[float, int, int]]] = {arm: [] for arm in arms}
        with tempfile.TemporaryDirectory() as data:
            async with new_worker(
                env.client, EnrolmentWorkflow, activities=case_activities(Path(data))
            ) as worker:
                for repeat in range(repeats):
                    for arm, (clients, enrol) in arms.items():
                        tag = f"{repeat}-{arm.replace(' ', '')}"
                        outcome = await race(clients, enrol, worker.task_queue, size, tag, budget)
                        results[arm].append(outcome)
                        print(
                            f"  {arm:12} run {repeat + 1}: {outcome[0]:6.2f} s, "
                            f"{outcome[1]}/{size} answered, {outcome[2]} admitted"
                        )
                        with suppress(Exception):
                            await env.client.get_workflow_handle(REGISTRY).terminate("next arm")
        base = statistics.median(w for w, _, _ in results["batched x1"])
        print(f"\n{size} enrolments racing for 80 places, median of {repeats} (interleaved):")
        for arm, runs in results.items():
            wall = statistics.median(w for w, _, _ in runs)
            answered = min(a for _, a, _ in runs)
            print(
                f"  {arm:12} {wall:6.2f} s  x{wall / base:5.1f}  fewest answered {answered}/{size}"
            )
    finally:
        await env.shutdown()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--budget", type=float, default=30.0, help="seconds per arm and run")
    args = parser.parse_args()
    asyncio.run(main(args.size, args.repeats, args.budget))
