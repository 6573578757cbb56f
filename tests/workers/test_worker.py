"""The real worker (registry + build_worker) serving the stack's probe workflow."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor

from temporalio.client import Client, WorkflowExecutionStatus

from tests.helpers import new_workflow_id
from workers.config import CaseflowConfig
from workers.registry import WORKFLOWS, build_activities
from workers.worker import build_worker, run_worker
from workflows.stack_probe import StackProbeResult, StackProbeWorkflow


def test_registry_hosts_the_probe_and_builds_activities() -> None:
    assert StackProbeWorkflow in WORKFLOWS
    assert isinstance(build_activities(CaseflowConfig()), list)


async def test_probe_counts_pings_and_stops_on_signal(client: Client) -> None:
    config = CaseflowConfig(task_queue=f"test-{uuid.uuid4()}")
    with ThreadPoolExecutor() as executor:
        async with build_worker(client, config, executor):
            handle = await client.start_workflow(
                StackProbeWorkflow.run, id=new_workflow_id("probe"), task_queue=config.task_queue
            )
            await handle.signal(StackProbeWorkflow.ping)
            await handle.signal(StackProbeWorkflow.ping)
            assert await handle.query(StackProbeWorkflow.pings) == 2
            await handle.signal(StackProbeWorkflow.stop)
            result = await handle.result()
    # The pydantic converter gives back the model, not a dict.
    assert result == StackProbeResult(pings=2)


async def test_run_worker_stops_gracefully_when_the_event_is_set(client: Client) -> None:
    config = CaseflowConfig(task_queue=f"test-{uuid.uuid4()}")
    stop = asyncio.Event()
    running = asyncio.create_task(run_worker(client, config, stop))
    handle = await client.start_workflow(
        StackProbeWorkflow.run, id=new_workflow_id("probe"), task_queue=config.task_queue
    )
    await handle.signal(StackProbeWorkflow.ping)
    assert await handle.query(StackProbeWorkflow.pings) == 1
    stop.set()
    await asyncio.wait_for(running, timeout=15)
    # The workflow outlives its worker: durable, waiting for the next one.
    description = await handle.describe()
    assert description.status == WorkflowExecutionStatus.RUNNING
    await handle.terminate("test done")
