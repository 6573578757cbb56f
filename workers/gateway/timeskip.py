"""Fast-forwarding one case's clock on the embedded dev stack (demo and training only).

Per-workflow time skipping (TEMPORAL.md) is driven through the raw workflow-service RPCs:
`UpdateWorkflowExecutionOptions` with a `TimeSkippingConfig` carrying a one-shot
`FastForwardConfig`, then `PollWorkflowExecutionTimeSkipping` until it completes. The
SDK's `temporalio.testing` wraps the same calls, but it is a test package (its client
interceptor stamps every start); the gateway needs only these two calls.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from google.protobuf.duration_pb2 import Duration
from google.protobuf.field_mask_pb2 import FieldMask
from temporalio.api.common.v1 import FastForwardConfig, TimeSkippingConfig, WorkflowExecution
from temporalio.api.enums.v1.time_skipping_pb2 import FastForwardPollingResult
from temporalio.api.workflow.v1 import WorkflowExecutionOptions
from temporalio.api.workflowservice.v1 import (
    PollWorkflowExecutionTimeSkippingRequest,
    UpdateWorkflowExecutionOptionsRequest,
)
from temporalio.client import Client

__all__ = ["FastForwardFailed", "fast_forward", "virtual_now"]

_COMPLETED = FastForwardPollingResult.FAST_FORWARD_POLLING_RESULT_FAST_FORWARD_COMPLETED
_FAILED = FastForwardPollingResult.FAST_FORWARD_POLLING_RESULT_FAST_FORWARD_FAILED


class FastForwardFailed(Exception):
    """The server refused or abandoned the fast-forward (e.g. the case ended first)."""


async def virtual_now(client: Client, workflow_id: str) -> datetime:
    """The workflow's current (possibly skipped-ahead) time."""
    description = await client.get_workflow_handle(workflow_id).describe()
    extended = description.raw_description.workflow_extended_info
    if extended.HasField("time_skipping_info"):
        return extended.time_skipping_info.current_time.ToDatetime().replace(tzinfo=UTC)
    # Never skipped: its clock is the wall clock.
    return datetime.now(UTC)


async def fast_forward(client: Client, workflow_id: str, duration: timedelta) -> None:
    """Move the case's workflow clock `duration` ahead and wait until the server is there.

    run_id "" addresses the current run, and the poll follows the fast-forward across
    continue-as-new, which a case does at every phase change.
    """
    execution = WorkflowExecution(workflow_id=workflow_id, run_id="")
    forward_id = str(uuid.uuid4())
    span = Duration()
    span.FromTimedelta(duration)
    await client.workflow_service.update_workflow_execution_options(
        UpdateWorkflowExecutionOptionsRequest(
            namespace=client.namespace,
            workflow_execution=execution,
            workflow_execution_options=WorkflowExecutionOptions(
                time_skipping_config=TimeSkippingConfig(
                    enabled=True,
                    fast_forward_config=FastForwardConfig(id=forward_id, duration=span),
                )
            ),
            update_mask=FieldMask(paths=["time_skipping_config"]),
            identity=client.identity,
        ),
        retry=True,
    )
    request = PollWorkflowExecutionTimeSkippingRequest(
        namespace=client.namespace, workflow_execution=execution, fast_forward_id=forward_id
    )
    while True:
        response = await client.workflow_service.poll_workflow_execution_time_skipping(
            request, retry=True
        )
        if response.fast_forward_polling_result == _COMPLETED:
            return
        if response.fast_forward_polling_result == _FAILED:
            raise FastForwardFailed(response.failed_reason or "fast-forward failed")
