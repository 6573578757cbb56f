"""Enrol a case in a capped trial: update-with-start on the trial's enrolment registry.

A case workflow cannot call another workflow's update, so the seat is asked for here, in
an activity: the registry workflow is started if it does not run yet (id conflict policy
USE_EXISTING, so racing first requests all land on one registry) and its `enrol` update is
executed in the same call. The answer goes back to the caller, who reports it to the case
as an event (`workflows.enrolment_models.admission_event`).

Temporal bounds the updates in flight on one workflow (10 by default); when many cases
enrol at once the server answers RESOURCE_EXHAUSTED and the request is simply sent again
after a short, jittered pause. The registry, not the caller, decides who gets a seat, so
retrying never changes the outcome.

The Temporal client is injected: the worker's own client by default (the activity runs on
it), or one given explicitly (tests, the gateway).
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import structlog
from temporalio import activity
from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError, RPCStatusCode

from workflows.enrolment_models import (
    CAP_RULES,
    ENROL_UPDATE,
    REGISTRY_WORKFLOW,
    EnrolInTrialInput,
    EnrolmentAnswer,
    EnrolmentRegistryInput,
    registry_workflow_id,
)

__all__ = ["ENROL_IN_TRIAL", "EnrolmentActivities", "enrol_in_trial"]

ENROL_IN_TRIAL = "enrol_in_trial"
_BUSY = (RPCStatusCode.RESOURCE_EXHAUSTED, RPCStatusCode.UNAVAILABLE)
"""Too many updates in flight, or an update aborted while the registry was starting."""
_BUSY_TRIES = 50
_BUSY_PAUSE_SECONDS = 0.1
_BUSY_PAUSE_CAP_SECONDS = 1.0


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
    for attempt in range(_BUSY_TRIES):
        # A with-start operation is single-use, so each attempt builds its own.
        start: WithStartWorkflowOperation[Any, Any] = WithStartWorkflowOperation(
            REGISTRY_WORKFLOW,
            registry,
            id=registry_workflow_id(input.trial_id, input.municipality),
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
        except RPCError as error:
            if error.status not in _BUSY or attempt + 1 == _BUSY_TRIES:
                raise
            pause = min(_BUSY_PAUSE_CAP_SECONDS, _BUSY_PAUSE_SECONDS * 2**attempt)
            await asyncio.sleep(random.uniform(0, pause))  # noqa: S311 -- jitter only
            continue
        return answer
    raise AssertionError("unreachable: the last attempt returns or raises")


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
