"""The rules a case meets, as the gateway answers them: `GET /v1/rules/explain`.

The same answer as `caseflow rules explain` (both call `domain.rulebook.explain`), for the
asking client's own municipalities: every rule valid on a day, as known on a day, with
value, regime, citations, the day it was decided (flagged when retroactive) and when it
next changes.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from domain.rulebook.explain import ExplainRefused, explain, parse_fact
from workers.gateway.deps import Reader, Rules
from workers.gateway.errors import ApiError, error_responses

router = APIRouter(prefix="/v1/rules", tags=["rules"])


@router.get(
    "/explain",
    summary="Every rule for a municipality, target group and day, as known on a day",
    responses=error_responses(401, 403, 422),
)
async def explain_rules(  # noqa: PLR0917 - FastAPI maps each query parameter
    who: Reader,
    rules: Rules,
    municipality: Annotated[str, Query(description="Municipality id, name or kommune code.")],
    target_group: Annotated[str, Query(description="LAB § 2 code (`2.5`) or alias.")],
    date: Annotated[datetime.date, Query(description="The day the rules are valid on.")],
    known_on: Annotated[
        datetime.date | None,
        Query(description="Answer with the law as known on this day (default: all decided)."),
    ] = None,
    fact: Annotated[
        list[str] | None, Query(description="`name=value` of a declared fact, repeatable.")
    ] = None,
    reform: Annotated[str | None, Query(description="What-if reform id.")] = None,
    all_rules: Annotated[bool, Query(description="Also rules of other target groups.")] = False,
) -> dict[str, Any]:
    try:
        found = rules.municipality(municipality)
    except LookupError:
        raise ApiError(422, "invalid", "unknown municipality", field="municipality") from None
    if not who.may_see(found.id):
        raise ApiError(403, "forbidden", "this client does not serve that municipality")
    try:
        facts = dict(parse_fact(rules, raw) for raw in fact or [])
        return explain(
            rules,
            municipality=found.id,
            target_group=target_group,
            on=date,
            facts=facts,
            reform=reform,
            known_on=known_on,
            all_rules=all_rules,
        )
    except ExplainRefused as refused:
        raise ApiError(422, "invalid", refused.reason, field=refused.field) from None
