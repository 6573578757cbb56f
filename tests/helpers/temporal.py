"""Workers and ids for tests that run workflows on the session's dev server."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker


def new_workflow_id(prefix: str = "test") -> str:
    """A workflow id no other test uses; tests never share ids (STYLE lesson 13)."""
    return f"{prefix}-{uuid.uuid4()}"


@asynccontextmanager
async def new_worker(
    client: Client,
    *workflows: type,
    activities: Sequence[Callable[..., Any]] = (),
    task_queue: str | None = None,
    **worker_kwargs: Any,
) -> AsyncIterator[Worker]:
    """Run a worker for the duration of the block, on its own uuid task queue by default.

    Start workflows on `worker.task_queue`. Sync activities are supported (a thread pool is
    provided). Extra keyword arguments go to `temporalio.worker.Worker`, e.g.
    `max_cached_workflows=0` to replay every task, or `interceptors=[...]`.

    Example:
        async with new_worker(client, MyWorkflow, activities=[my_activity]) as worker:
            await client.execute_workflow(MyWorkflow.run, id=new_workflow_id(),
                                          task_queue=worker.task_queue)
    """
    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="test-activity") as executor:
        async with Worker(
            client,
            task_queue=task_queue or f"test-{uuid.uuid4()}",
            workflows=list(workflows),
            activities=list(activities),
            activity_executor=executor,
            **worker_kwargs,
        ) as worker:
            yield worker
