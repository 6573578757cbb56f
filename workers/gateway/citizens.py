"""Citizen references and the limits the law sets per citizen.

`POST /v1/citizens/reference` is the one place a CPR number may arrive: it answers the
citizen's pseudonymous reference (`cz_...`, an HMAC of the number under the gateway's key)
and forgets the number -- it is not stored, logged, put in an error or echoed, and no
other field of the API accepts CPR-shaped text. Every other call names the citizen by the
reference only.

The reference is national, not per municipality: the limits it serves are the law's, and
they hold across municipalities (a citizen who moves keeps the FK-2.b course and the
upskilling weeks already used). A per-municipality reference would let a second
municipality's case start the count again.

`POST /v1/citizens/limits/claim` claims one use of a per-citizen limit for a case (the
claim is decided by the citizen's limit registry, `workflows/citizen_limits.py`); starting
a psykologbehandling case or enrolling in the microloan trial with a `citizen_ref` claims
its limit on the way (`claim_for_case`).
"""

from __future__ import annotations

import datetime
from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

from activities.citizen_limit_activity import claim_limit
from activities.citizen_limit_models import (
    HOLDINGS_QUERY,
    Holdings,
    check_citizen_ref,
    limit_workflow_id,
)
from domain.case.identifiers import check_reference, check_text
from domain.offers.citizen_limits import LimitClaim, LimitDecision, LimitKind
from domain.rulebook import Rulebook
from workers.auth import Principal
from workers.citizen_ref import CitizenRefKeyError, citizen_reference, load_key, normal_cpr
from workers.config import CaseflowConfig
from workers.gateway.deps import AppConfig, Rules, TemporalClient, Writer
from workers.gateway.errors import ApiError, error_responses
from workers.gateway.models import LegalDay, LimitView
from workflows.case_models import workflow_id_for

router = APIRouter(prefix="/v1/citizens", tags=["citizens"])


class ReferenceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cpr: str = Field(
        max_length=16,
        description="The citizen's CPR number, DDMMYY-SSSS (dash optional). Used for the "
        "reference and forgotten: never stored, logged or answered.",
    )


class CitizenReference(BaseModel):
    citizen_ref: str = Field(description="`cz_` and 32 letters; the same for the same citizen")


def _key(request: Request, config: CaseflowConfig) -> bytes:
    key: bytes | None = getattr(request.app.state, "citizen_ref_key", None)
    if key is None:
        try:
            key = load_key(config)
        except CitizenRefKeyError as error:
            raise ApiError(503, "unavailable", str(error)) from None
        if key is None:
            raise ApiError(
                503,
                "unavailable",
                "citizen references are not configured (CASEFLOW_CITIZEN_REF_KEY or "
                "CASEFLOW_CITIZEN_REF_KEY_FILE)",
            )
        request.app.state.citizen_ref_key = key
    return key


@router.post(
    "/reference",
    response_model=CitizenReference,
    summary="The pseudonymous reference of a citizen (the only call that takes a CPR number)",
    responses=error_responses(401, 403, 422, 503),
)
async def reference(
    body: ReferenceRequest, request: Request, who: Writer, config: AppConfig
) -> CitizenReference:
    digits = normal_cpr(body.cpr)
    if digits is None:
        raise ApiError(422, "invalid_request", "not a CPR number (DDMMYY-SSSS)", field="cpr")
    return CitizenReference(citizen_ref=citizen_reference(_key(request, config), digits))


class ClaimRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    citizen_ref: str
    claim_id: str = Field(description="Idempotency key; the same claim asked again, same answer.")
    kind: LimitKind
    action: Literal["claim", "release"] = Field(
        default="claim", description="`release` gives back a claim whose use did not happen."
    )
    municipality: str = Field(max_length=64)
    case_id: str = Field(description="The case this use belongs to.")
    target_group: str = Field(max_length=64)
    date: LegalDay = Field(description="The day of the use (legal calendar).")
    weeks: int = Field(default=0, ge=0, le=520, description="Upskilling: the course's weeks.")
    unemployment_start: LegalDay | None = Field(
        default=None, description="Upskilling: first day of the unemployment spell."
    )
    under_30_unqualified: bool = False

    @field_validator("citizen_ref")
    @classmethod
    def _ref(cls, value: str) -> str:
        return check_citizen_ref(value)

    @field_validator("claim_id", "case_id")
    @classmethod
    def _reference(cls, value: str, info: ValidationInfo) -> str:
        return check_reference(value, str(info.field_name))

    @field_validator("municipality", "target_group")
    @classmethod
    def _code(cls, value: str, info: ValidationInfo) -> str:
        return check_text(value, str(info.field_name))


@router.post(
    "/limits/claim",
    response_model=LimitView,
    summary="Claim (or release) one use of a per-citizen limit for a case",
    description="Decided by the citizen's limit registry against every case of the "
    "citizen: upskilling weeks in one unemployment spell, FK-2.b's one course, FK-1.a's "
    "one microloan place. A refusal is an answer (`granted: false`) naming the rule and "
    "its citations.",
    responses=error_responses(401, 403, 422, 503),
)
async def claim(
    body: ClaimRequest, who: Writer, client: TemporalClient, rules: Rules, config: AppConfig
) -> LimitView:
    municipality, group = _scope(rules, who, body.municipality, body.target_group)
    limit = LimitClaim(
        claim_id=body.claim_id,
        kind=body.kind,
        action=body.action,
        case_workflow_id=workflow_id_for(str(rules.municipality(municipality).code), body.case_id),
        municipality=municipality,
        target_group=group,
        on=body.date,
        weeks=body.weeks,
        unemployment_start=body.unemployment_start,
        under_30_unqualified=body.under_30_unqualified,
    )
    return LimitView.of(await ask(client, config, body.citizen_ref, limit), rules)


def _scope(rules: Rulebook, who: Principal, municipality: str, group: str) -> tuple[str, str]:
    try:
        found = rules.municipality(municipality).id
    except LookupError:
        raise ApiError(
            422, "invalid_request", "unknown municipality", field="municipality"
        ) from None
    if not who.may_see(found):
        raise ApiError(403, "forbidden", "this client does not serve that municipality")
    try:
        code = rules.target_group(group).code
    except LookupError:
        raise ApiError(
            422, "invalid_request", "unknown target group", field="target_group"
        ) from None
    return found, code


async def ask(
    client: TemporalClient, config: CaseflowConfig, citizen_ref: str, limit: LimitClaim
) -> LimitDecision:
    """The registry's decision, or the API error for a registry that cannot answer."""
    try:
        return await claim_limit(client, citizen_ref, limit, config.task_queue)
    except WorkflowUpdateFailedError:
        raise ApiError(
            422, "invalid_request", "the limit registry refused the claim's input"
        ) from None
    except (RPCError, WorkflowUpdateRPCTimeoutOrCancelledError):
        raise ApiError(503, "unavailable", "the limit registry did not answer; retry") from None


async def claim_for_case(
    client: TemporalClient,
    config: CaseflowConfig,
    citizen_ref: str,
    kind: LimitKind,
    *,
    case_workflow_id: str,
    municipality: str,
    target_group: str,
    on: datetime.date,
    action: Literal["claim", "release"] = "claim",
) -> LimitDecision:
    """Claim `kind` for a case (claim id: the case workflow id, so one per case); a refusal
    is raised as 409 naming the rule and its citations."""
    decision = await ask(
        client,
        config,
        citizen_ref,
        LimitClaim(
            claim_id=f"{kind}:{case_workflow_id}",
            kind=kind,
            action=action,
            case_workflow_id=case_workflow_id,
            municipality=municipality,
            target_group=target_group,
            on=on,
        ),
    )
    if not decision.granted:
        raise ApiError(409, "limit_reached", decision.reason, field="citizen_ref")
    return decision


async def held_claims(client: TemporalClient, citizen_ref: str) -> tuple[LimitClaim, ...]:
    """What the citizen's registry holds (nothing if it has never been asked): for the
    offer questions, which answer from it instead of from counts a caller reports."""
    handle = client.get_workflow_handle(limit_workflow_id(citizen_ref))
    try:
        holdings: Holdings = await handle.query(HOLDINGS_QUERY, result_type=Holdings)
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            return ()
        raise ApiError(503, "unavailable", "the limit registry did not answer; retry") from None
    return holdings.claims
