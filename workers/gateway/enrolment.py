"""Enrolment in a capped trial (the microloan's 80 places) through the gateway.

The seat is decided by the trial's enrolment registry (one entity workflow per trial and
municipality, so racing enrolments are serialised and the cap holds across cases); the
answer is then reported to the case as its admission event. The case is checked first,
so no seat is taken for a case that could not accept it. Racing requests in this process
share one batched update to the registry (`activities.enrolment_activity`); a registry
still busy after the caller's retry budget answers 503, and asking again is safe.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError

from activities.citizen_limit_models import check_citizen_ref
from activities.enrolment_activity import enrol_in_trial
from activities.enrolment_models import (
    EnrolInTrialInput,
    EnrolmentAnswer,
    EnrolmentRequest,
    admission_event,
)
from domain.case.identifiers import check_reference
from domain.case.model import PhaseName
from workers.gateway.cases import _handle, _refused, _rpc_error, _snapshot, _workflow_id
from workers.gateway.citizens import claim_for_case
from workers.gateway.deps import AppConfig, Rules, TemporalClient, Writer
from workers.gateway.errors import ApiError, error_responses
from workers.gateway.models import EventAccepted
from workers.gateway.timeskip import virtual_now
from workflows.case_models import ReportEventInput
from workflows.case_workflow import CaseWorkflow

router = APIRouter(prefix="/v1/cases", tags=["enrolment"])

MICROLOAN_TRIAL = "FK-1.a"


class EnrolRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_id: str = Field(description="Id of the admission event reported to the case.")
    citizen_ref: Annotated[str, AfterValidator(check_citizen_ref)] = Field(
        description="The citizen's reference (POST /v1/citizens/reference), required: the "
        "trial's places are counted in citizens, so a citizen holding one under another "
        "case is refused (409) before a seat is asked for. Without it a second case of the "
        "same citizen would pass unseen.",
    )


class Enrolled(BaseModel):
    answer: EnrolmentAnswer
    """The registry's answer: a seat, or a refusal with its reason and citation."""
    event: EventAccepted


@router.post(
    "/{municipality}/{case_id}/mikrolaan/enrol",
    response_model=Enrolled,
    summary="Ask the microloan trial's registry for a place and report it to the case",
    description="The case must be in microloan screening with a passed screening. The "
    "registry admits up to the trial's cap (FK-1.a: 80 citizens over the trial), also "
    "when enrolments race; asking again for the same case returns the same answer. The "
    "answer is reported to the case as `mikrolaan_admitted` or "
    "`mikrolaan_admission_refused`.",
    responses=error_responses(401, 403, 404, 409, 422, 503),
)
async def enrol(
    *,
    municipality: str,
    case_id: str,
    body: EnrolRequest,
    who: Writer,
    client: TemporalClient,
    rules: Rules,
    config: AppConfig,
) -> Enrolled:
    try:
        check_reference(body.event_id, "event_id")
    except ValueError as error:
        raise ApiError(422, "invalid_request", str(error), field="event_id") from None
    workflow_id = _workflow_id(rules, who, municipality, case_id)
    case = await _snapshot(client, workflow_id)
    if case.phase is not PhaseName.MIKROLAAN_SCREENING:
        raise ApiError(
            409,
            "wrong_phase",
            f"enrolment belongs to microloan screening; the case is in {case.phase.value}",
        )
    handle = _handle(client, workflow_id)
    try:
        clock = await handle.query(CaseWorkflow.clock)
        now = await virtual_now(client, workflow_id) if clock.simulated else datetime.now(UTC)
        today = clock.today(now)
        place: dict[str, Any] = {
            "case_workflow_id": workflow_id,
            "municipality": case.municipality,
            "target_group": case.target_group,
            "on": today,
        }
        await claim_for_case(client, config, body.citizen_ref, "microloan", **place)
        answer = await enrol_in_trial(
            client,
            EnrolInTrialInput(
                trial_id=MICROLOAN_TRIAL,
                municipality=case.municipality,
                request=EnrolmentRequest(
                    case_workflow_id=workflow_id,
                    target_group=case.target_group,
                    on=today,
                    asked_on=today,
                ),
            ),
            task_queue=config.task_queue,
        )
        if not answer.admitted:
            # No seat, so no place held: the citizen's next case may ask again.
            await claim_for_case(
                client, config, body.citizen_ref, "microloan", **place, action="release"
            )
        event = admission_event(answer, event_id=body.event_id, on=today)
        result = await handle.execute_update(
            CaseWorkflow.report_event, ReportEventInput(event=event)
        )
    except WorkflowUpdateFailedError as error:
        raise _refused(error) from None
    except RPCError as error:
        raise _rpc_error(error) from None
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        raise ApiError(503, "unavailable", "the registry did not answer in time; retry") from None
    return Enrolled(
        answer=answer,
        event=EventAccepted(workflow_id=workflow_id, receipt=result.receipt, case=result.case),
    )
