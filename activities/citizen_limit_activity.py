"""Claim a per-citizen limit: a batched update-with-start on the citizen's limit registry.

The same path as a trial enrolment (`activities.enrolment_activity`): each process keeps
at most one update in flight per citizen (`activities.update_batcher`), what queues up
meanwhile rides the next `claim_batch` update, the registry is started by the first claim
(USE_EXISTING, so racing first claims land on one registry), and a batch turned away
(too many updates in flight, aborted by a continue-as-new, a broken connection) is sent
again with the same update id within a time budget. Claims are idempotent by claim id, so
sending again never changes an outcome.
"""

from __future__ import annotations

import asyncio
import random
import uuid
import weakref
from collections.abc import Sequence
from typing import Any

from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError

from activities.citizen_limit_models import (
    CLAIM_BATCH_UPDATE,
    LIMIT_WORKFLOW,
    MAX_BATCH,
    CitizenLimitInput,
    ClaimBatch,
    ClaimBatchAnswer,
    limit_workflow_id,
)
from activities.enrolment_activity import PERMANENT_RPC_ERRORS
from activities.update_batcher import UpdateBatcher
from domain.offers.citizen_limits import LimitClaim, LimitDecision

__all__ = ["claim_limit"]

_BUDGET_SECONDS = 30.0
_PAUSE_SECONDS, _PAUSE_CAP_SECONDS = 0.05, 1.0

_Batchers = dict[tuple[str, str], UpdateBatcher[LimitClaim, LimitDecision]]
_batchers: weakref.WeakKeyDictionary[Client, _Batchers] = weakref.WeakKeyDictionary()


async def claim_limit(
    client: Client, citizen_ref: str, claim: LimitClaim, task_queue: str
) -> LimitDecision:
    """Ask the citizen's registry to grant `claim` (starting the registry if needed)."""
    workflow_id = limit_workflow_id(citizen_ref)
    per_client = _batchers.setdefault(client, {})
    batcher = per_client.get((workflow_id, task_queue))
    if batcher is None or batcher.loop is not asyncio.get_running_loop():
        start = CitizenLimitInput(citizen_ref=citizen_ref)

        async def send(claims: Sequence[LimitClaim]) -> Sequence[LimitDecision]:
            return await _send(client, start, workflow_id, task_queue, claims)

        batcher = UpdateBatcher(send, MAX_BATCH)
        per_client[(workflow_id, task_queue)] = batcher
    return await batcher.submit(claim)


async def _send(
    client: Client,
    registry: CitizenLimitInput,
    workflow_id: str,
    task_queue: str,
    claims: Sequence[LimitClaim],
) -> Sequence[LimitDecision]:
    update_id = f"claim-batch-{uuid.uuid4()}"
    deadline = asyncio.get_running_loop().time() + _BUDGET_SECONDS
    attempt = 0
    while True:
        start: WithStartWorkflowOperation[Any, Any] = WithStartWorkflowOperation(
            LIMIT_WORKFLOW,
            registry,
            id=workflow_id,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            task_queue=task_queue,
        )
        try:
            result: ClaimBatchAnswer = await client.execute_update_with_start_workflow(
                CLAIM_BATCH_UPDATE,
                ClaimBatch(claims=tuple(claims)),
                id=update_id,
                start_workflow_operation=start,
                result_type=ClaimBatchAnswer,
            )
            return result.answers
        except WorkflowUpdateRPCTimeoutOrCancelledError as error:
            if isinstance(error.__cause__, asyncio.CancelledError):
                raise
            busy: Exception = error
        except RPCError as error:
            if error.status in PERMANENT_RPC_ERRORS:
                raise
            busy = error
        attempt += 1
        pause = random.uniform(0, min(_PAUSE_CAP_SECONDS, _PAUSE_SECONDS * 2**attempt))  # noqa: S311
        if asyncio.get_running_loop().time() + pause > deadline:
            raise busy
        await asyncio.sleep(pause)
