"""Smoke test of the session environment: a workflow's clock moves weeks in seconds."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from tests.helpers import new_worker, new_workflow_id
from workflows.search_attributes import CASE_PHASE


@workflow.defn
class SleepsForWeeks:
    """Records each wake-up after a 4-week timer: a stand-in for a case deadline."""

    def __init__(self) -> None:
        self.wakeups: list[str] = []

    @workflow.run
    async def run(self, timers: int) -> list[str]:
        for _ in range(timers):
            await workflow.sleep(timedelta(weeks=4))
            self.wakeups.append(workflow.now().date().isoformat())
        return self.wakeups

    @workflow.query
    def woken(self) -> int:
        return len(self.wakeups)


async def test_fast_forward_moves_one_workflows_clock_by_weeks(
    env: WorkflowEnvironment, client: Client
) -> None:
    async with new_worker(client, SleepsForWeeks) as worker:
        handle = await client.start_workflow(
            SleepsForWeeks.run, 3, id=new_workflow_id("sleepy"), task_queue=worker.task_queue
        )
        started_virtual = await env.get_current_time(handle)
        await env.fast_forward(handle, timedelta(weeks=9))

        assert await handle.query(SleepsForWeeks.woken) == 2  # weeks 4 and 8, not yet 12
        virtual_elapsed = await env.get_current_time(handle) - started_virtual
        assert virtual_elapsed >= timedelta(weeks=9)
        assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING

        await env.fast_forward(handle, timedelta(weeks=4))
        wakeups = await handle.result()
        assert len(wakeups) == 3


async def test_the_case_search_attributes_are_registered(client: Client) -> None:
    """The session server knows our keys, so case workflows can upsert them."""
    response = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=client.namespace)
    )
    assert CASE_PHASE.name in response.custom_attributes
