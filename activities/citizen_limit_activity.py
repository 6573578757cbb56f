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
import weakref
from collections.abc import Sequence

from temporalio.client import (
    Client,
)

from activities.citizen_limit_models import (
    CLAIM_BATCH_UPDATE,
    LIMIT_WORKFLOW,
    MAX_BATCH,
    CitizenLimitInput,
    ClaimBatch,
    ClaimBatchAnswer,
    limit_workflow_id,
)
from activities.enrolment_activity import send_batch_update
from activities.update_batcher import UpdateBatcher
from domain.offers.citizen_limits import LimitClaim, LimitDecision

__all__ = ["claim_limit"]


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
    result: ClaimBatchAnswer = await send_batch_update(
        client,
        workflow=LIMIT_WORKFLOW,
        workflow_input=registry,
        workflow_id=workflow_id,
        task_queue=task_queue,
        update=CLAIM_BATCH_UPDATE,
        batch=ClaimBatch(claims=tuple(claims)),
        result_type=ClaimBatchAnswer,
        update_id_prefix="claim-batch",
    )
    return result.answers
