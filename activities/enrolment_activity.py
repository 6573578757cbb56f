"""Enrol a case in a capped trial: batched update-with-start on the trial's enrolment registry.

A case workflow cannot call another workflow's update, so the seat is asked for here, in
an activity (or by the gateway, through `enrol_in_trial`). The answer goes back to the
caller, who reports it to the case as an event (`activities.enrolment_models.admission_event`).

Racing enrolments: each process sends at most one update at a time to a registry
(`activities.update_batcher`); requests that arrive meanwhile ride the next `enrol_batch`
update together. Hundreds of racing requests thus cost a handful of updates, and a process
stays far under Temporal's 10 updates in flight per workflow, so the registry answers all
of them instead of refusing most with RESOURCE_EXHAUSTED (the design, and why not signals
or shards, is in `workflows/enrolment_workflow.py`). The registry is started by the first
batch if it does not run yet (id conflict policy USE_EXISTING, so racing first batches all
land on one registry).

Only when more than ten processes send at the same moment (RESOURCE_EXHAUSTED), or the
registry starts or continues as new under a batch (the server aborts the update:
UNAVAILABLE), or a connection breaks under load, is an update turned away. The SDK's own
RPC retry sends it again first; if that gives up, it is sent again here, with the same
update id, after a short jittered pause, within a time budget. The registry, not the
caller, decides who gets a seat, and it decides idempotently per case, so sending again
never changes an outcome.

The Temporal client is injected: the worker's own client by default (the activity runs on
it), or one given explicitly (tests, the gateway). One batcher serves one client, registry
and event loop.
"""

from __future__ import annotations

import asyncio
import random
import uuid
import weakref
from collections.abc import Sequence
from typing import Any

import structlog
from temporalio import activity
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError, RPCStatusCode

from activities.enrolment_models import (
    CAP_RULES,
    ENROL_BATCH_UPDATE,
    MAX_BATCH,
    REGISTRY_WORKFLOW,
    EnrolInTrialInput,
    EnrolmentAnswer,
    EnrolmentBatch,
    EnrolmentBatchAnswer,
    EnrolmentRegistryInput,
    EnrolmentRequest,
    registry_workflow_id,
)
from activities.update_batcher import UpdateBatcher

__all__ = ["ENROL_IN_TRIAL", "PERMANENT_RPC_ERRORS", "EnrolmentActivities", "enrol_in_trial"]

ENROL_IN_TRIAL = "enrol_in_trial"
PERMANENT_RPC_ERRORS = frozenset(
    {
        RPCStatusCode.INVALID_ARGUMENT,
        RPCStatusCode.NOT_FOUND,
        RPCStatusCode.ALREADY_EXISTS,
        RPCStatusCode.PERMISSION_DENIED,
        RPCStatusCode.UNAUTHENTICATED,
        RPCStatusCode.FAILED_PRECONDITION,
        RPCStatusCode.OUT_OF_RANGE,
        RPCStatusCode.UNIMPLEMENTED,
    }
)
"""Answers that sending again cannot change. Everything else -- too many updates in flight,
an update aborted by a continue-as-new, a connection broken under load ("transport error")
-- is sent again: the update id and the registry's per-case decisions make that safe."""
_BUSY_BUDGET_SECONDS = 30.0
"""How long one batch keeps being sent while the registry is busy before its callers get
the error (the gateway answers 503 with Retry-After, an activity is retried by Temporal)."""
_BUSY_PAUSE_SECONDS = 0.05
_BUSY_PAUSE_CAP_SECONDS = 1.0

_Batchers = dict[tuple[str, str], UpdateBatcher[EnrolmentRequest, EnrolmentAnswer]]
_batchers: weakref.WeakKeyDictionary[Client, _Batchers] = weakref.WeakKeyDictionary()


async def enrol_in_trial(
    client: Client, input: EnrolInTrialInput, task_queue: str
) -> EnrolmentAnswer:
    """Ask the trial's registry for a seat for one case (starting the registry if needed)."""
    cap_rule = CAP_RULES.get(input.trial_id)
    if cap_rule is None:
        raise ValueError(f"{input.trial_id} has no participant cap to enrol against")
    registry = EnrolmentRegistryInput(
        trial_id=input.trial_id, municipality=input.municipality, cap_rule=cap_rule
    )
    return await _batcher(client, registry, task_queue).submit(input.request)


def _batcher(
    client: Client, registry: EnrolmentRegistryInput, task_queue: str
) -> UpdateBatcher[EnrolmentRequest, EnrolmentAnswer]:
    workflow_id = registry_workflow_id(registry.trial_id, registry.municipality)
    per_client = _batchers.setdefault(client, {})
    batcher = per_client.get((workflow_id, task_queue))
    if batcher is None or batcher.loop is not asyncio.get_running_loop():

        async def send(requests: Sequence[EnrolmentRequest]) -> Sequence[EnrolmentAnswer]:
            return await _send_batch(client, registry, workflow_id, task_queue, requests)

        batcher = UpdateBatcher(send, MAX_BATCH)
        per_client[(workflow_id, task_queue)] = batcher
    return batcher


async def _send_batch(
    client: Client,
    registry: EnrolmentRegistryInput,
    workflow_id: str,
    task_queue: str,
    requests: Sequence[EnrolmentRequest],
) -> Sequence[EnrolmentAnswer]:
    result: EnrolmentBatchAnswer = await send_batch_update(
        client,
        workflow=REGISTRY_WORKFLOW,
        workflow_input=registry,
        workflow_id=workflow_id,
        task_queue=task_queue,
        update=ENROL_BATCH_UPDATE,
        batch=EnrolmentBatch(requests=tuple(requests)),
        result_type=EnrolmentBatchAnswer,
        update_id_prefix="enrol-batch",
    )
    return result.answers


async def send_batch_update(
    client: Client,
    *,
    workflow: str,
    workflow_input: Any,
    workflow_id: str,
    task_queue: str,
    update: str,
    batch: Any,
    result_type: type[Any],
    update_id_prefix: str,
) -> Any:
    """One batch update to a registry workflow, started if needed, sent again while the
    server is busy (too many updates in flight, an update aborted by continue-as-new, a
    broken connection) within a budget. Shared by every registry that batches its callers
    (trial enrolment, per-citizen limits)."""
    # One update id for every attempt: a batch the server accepted before the caller saw
    # a timeout is answered from that first execution, not decided twice.
    update_id = f"{update_id_prefix}-{uuid.uuid4()}"
    deadline = asyncio.get_running_loop().time() + _BUSY_BUDGET_SECONDS
    attempt = 0
    while True:
        # A with-start operation is single-use, so each attempt builds its own.
        start: WithStartWorkflowOperation[Any, Any] = WithStartWorkflowOperation(
            workflow,
            workflow_input,
            id=workflow_id,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            task_queue=task_queue,
        )
        try:
            return await client.execute_update_with_start_workflow(
                update,
                batch,
                id=update_id,
                start_workflow_operation=start,
                result_type=result_type,
            )
        except WorkflowUpdateRPCTimeoutOrCancelledError as error:
            if isinstance(error.__cause__, asyncio.CancelledError):
                raise
            busy: Exception = error
        except RPCError as error:
            if error.status in PERMANENT_RPC_ERRORS:
                raise
            busy = error
        attempt += 1
        pause = random.uniform(  # noqa: S311 -- jitter only
            0, min(_BUSY_PAUSE_CAP_SECONDS, _BUSY_PAUSE_SECONDS * 2**attempt)
        )
        if asyncio.get_running_loop().time() + pause > deadline:
            raise busy
        await asyncio.sleep(pause)


class EnrolmentActivities:
    """The enrolment activity, bound to a task queue and (optionally) a client."""

    def __init__(self, task_queue: str, client: Client | None = None) -> None:
        self._task_queue = task_queue
        self._client = client

    @activity.defn(name=ENROL_IN_TRIAL)
    async def enrol(self, input: EnrolInTrialInput) -> EnrolmentAnswer:
        client = self._client or activity.client()
        answer = await enrol_in_trial(client, input, self._task_queue)
        structlog.get_logger("caseflow.activities").info(
            ENROL_IN_TRIAL,
            workflow_id=input.request.case_workflow_id,
            trial_id=input.trial_id,
            outcome="admitted" if answer.admitted else "refused",
            attempt=activity.info().attempt,
        )
        return answer
