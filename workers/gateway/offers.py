"""Company-oriented offers as questions a caseworker system can ask the gateway.

"May this company take this placement?", "may this citizen start in løntilskud?", "may
these upskilling weeks be granted?" -- each answered by the pure decisions in
domain/offers with the reason, the regime and the legal citations, for the asking
client's own municipalities only.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from activities.citizen_limit_models import check_citizen_ref
from domain.offers import (
    Citizen,
    Company,
    Placement,
    may_place,
    may_subsidise,
    may_upskill,
)
from domain.offers.citizen_limits import upskilling_weeks_held
from domain.rulebook import Rulebook
from workers.auth import Principal
from workers.gateway.citizens import held_claims
from workers.gateway.deps import Reader, Rules, TemporalClient
from workers.gateway.errors import ApiError, error_responses
from workers.gateway.models import OfferView

router = APIRouter(prefix="/v1/offers", tags=["offers"])


class _Question(BaseModel):
    model_config = ConfigDict(extra="forbid")

    municipality: str = Field(description="Municipality id, name or kommune code.")
    date: datetime.date = Field(description="The day the offer would start (legal calendar).")
    citizen: Citizen


class PlacementQuestion(_Question):
    company: Company
    placement: Placement


class SubsidyQuestion(_Question):
    kind: Literal["loentilskud_public", "loentilskud_private", "jobrotation"]


class UpskillingQuestion(_Question):
    weeks_requested: int = Field(ge=1)
    weeks_used_in_window: int = Field(
        default=0,
        ge=0,
        description="Weeks the caller knows of that caseflow's count may not hold (granted "
        "before caseflow); the answer counts the larger of this and the citizen's registry, "
        "so a caller can make the count stricter, never looser.",
    )
    under_30: bool = False
    under_30_unqualified: bool = False
    competence_giving: bool = False
    citizen_ref: Annotated[str, AfterValidator(check_citizen_ref)] = Field(
        description="The citizen's reference (POST /v1/citizens/reference), required: the "
        "weeks already used are the ones the citizen's limit registry holds for the spell, "
        "under whatever case they were granted; grant them with POST "
        "/v1/citizens/limits/claim.",
    )
    unemployment_start: datetime.date | None = Field(
        default=None,
        description="First day of the unemployment spell; default: `date` less the "
        "citizen's `weeks_unemployed`.",
    )


def _municipality(rules: Rulebook, who: Principal, name: str) -> str:
    try:
        found = rules.municipality(name)
    except LookupError:
        raise ApiError(
            422, "invalid_request", "unknown municipality", field="municipality"
        ) from None
    if not who.may_see(found.id):
        raise ApiError(403, "forbidden", "this client does not serve that municipality")
    return found.id


@router.post(
    "/placement",
    response_model=OfferView,
    summary="May this company take this placement? (forholdstal, FK-1.e, FK-3.k)",
    responses=error_responses(401, 403, 422),
)
async def placement(body: PlacementQuestion, who: Reader, rules: Rules) -> OfferView:
    municipality = _municipality(rules, who, body.municipality)
    answer = may_place(rules, body.company, body.placement, body.citizen, body.date, municipality)
    return OfferView.of(answer, rules)


@router.post(
    "/subsidy",
    response_model=OfferView,
    summary="May the citizen start in løntilskud or jobrotation? (waiting time, FK-3.c)",
    responses=error_responses(401, 403, 422),
)
async def subsidy(body: SubsidyQuestion, who: Reader, rules: Rules) -> OfferView:
    municipality = _municipality(rules, who, body.municipality)
    return OfferView.of(
        may_subsidise(rules, body.kind, body.citizen, body.date, municipality), rules
    )


@router.post(
    "/upskilling",
    response_model=OfferView,
    summary="May these guidance/upskilling weeks be granted? (6 in 26, § 37, FK-1.f)",
    responses=error_responses(401, 403, 422),
)
async def upskilling(
    body: UpskillingQuestion, who: Reader, rules: Rules, client: TemporalClient
) -> OfferView:
    municipality = _municipality(rules, who, body.municipality)
    start = body.unemployment_start or body.date - datetime.timedelta(
        weeks=body.citizen.weeks_unemployed
    )
    held = upskilling_weeks_held(await held_claims(client, body.citizen_ref), start)
    used = max(held, body.weeks_used_in_window)
    answer = may_upskill(
        rules,
        body.citizen,
        body.date,
        municipality,
        weeks_requested=body.weeks_requested,
        weeks_used_in_window=used,
        under_30=body.under_30,
        under_30_unqualified=body.under_30_unqualified,
        competence_giving=body.competence_giving,
    )
    return OfferView.of(answer, rules)
