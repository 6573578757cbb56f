"""`GET /v1/reports/cost`: the duties and certificate costs of the open cases on the stack.

From each running case's recorded obligations (no simulation), counted and priced exactly
as a what-if counts a simulated case (`domain.whatif.tally`), so the two reports compare.
Only the client's municipalities are ever read.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query
from temporalio.client import Client, WorkflowHandle, WorkflowQueryFailedError
from temporalio.service import RPCError

from domain.case.events import CaseDay
from domain.whatif.report import build_report
from domain.whatif.tally import Tally, tally_records
from workers.gateway.deps import AppConfig, Reader, Rules, TemporalClient
from workers.gateway.errors import ApiError, error_responses
from workers.gateway.listing import CaseFilter, build_query
from workflows import search_attributes as sa
from workflows.case_workflow import CaseWorkflow

__all__ = ["router"]

router = APIRouter(prefix="/v1/reports", tags=["reports"])

PARALLEL_QUERIES = 16
"""Cases asked at once: enough to hide round trips, few enough not to crowd the worker."""
LABEL = "recorded"
QUERY_WAIT = 10.0
"""Seconds one case may take to answer; a case that does not is reported as not read."""


@router.get(
    "/cost",
    summary="Duties and certificate costs of the open cases",
    description="Counts every recorded duty of the running cases by kind, municipality, "
    "target group and quarter, and prices the requested certificates from the rulebook's "
    "price table (each price with its citation; an unknown price is reported as unknown, "
    "never 0). By default each certificate is priced at its own date.",
    responses=error_responses(401, 403, 422, 503),
)
async def cost_report(
    *,
    who: Reader,
    client: TemporalClient,
    rules: Rules,
    config: AppConfig,
    municipality: Annotated[str | None, Query(description="Id, name or code")] = None,
    price_date: Annotated[
        CaseDay | None, Query(description="Price every count at this date (YYYY-MM-DD)")
    ] = None,
) -> dict[str, Any]:
    allowed: set[str] | None = None if who.all_municipalities else set(who.municipalities)
    if municipality is not None:
        try:
            wanted = rules.municipality(municipality).id
        except LookupError:
            raise ApiError(422, "invalid_request", "unknown municipality", "municipality") from None
        allowed = {wanted} if allowed is None or wanted in allowed else set()
    tally = Tally()
    if allowed is None or allowed:
        # This deployment's cases only (its task queue: configuration, not client input).
        query = (
            build_query(CaseFilter(municipalities=allowed))
            + " AND ExecutionStatus = 'Running'"
            + f" AND TaskQueue = '{config.task_queue.replace(chr(39), '')}'"
        )
        try:
            ids = [(e.id, e.typed_search_attributes) async for e in client.list_workflows(query)]
        except RPCError:
            raise ApiError(503, "unavailable", "cannot list cases; retry") from None
        gate = asyncio.Semaphore(PARALLEL_QUERIES)
        answers = await asyncio.gather(*(_records(client, gate, wid) for wid, _ in ids))
        for (_, attrs), records in zip(ids, answers, strict=True):
            mun = attrs.get(sa.CASE_MUNICIPALITY)
            group = attrs.get(sa.CASE_TARGET_GROUP)
            tally.cases += 1
            if records is None or mun is None or group is None:
                tally.refused["not readable now (starting or busy)"] += 1
                continue
            tally_records(tally, rules, mun, group, records, price_date)
    shown = price_date.isoformat() if price_date else None
    report = build_report("open cases on the stack", {LABEL: tally}, shown)
    body = report["regimes"][LABEL]
    return {
        "price_date": report["price_date"],
        "cases": body["cases"],
        "not_read": body["refused"],
        "duties": body["duties"],
        "by_municipality": body["by_municipality"],
        "by_target_group": body["by_target_group"],
        "by_quarter": body["by_quarter"],
        "costs": body["costs"],
        "prices": report["prices"],
    }


async def _records(client: Client, gate: asyncio.Semaphore, workflow_id: str) -> Any:
    async with gate:
        handle: WorkflowHandle[CaseWorkflow, Any] = client.get_workflow_handle_for(
            CaseWorkflow.run, workflow_id
        )
        try:
            return await asyncio.wait_for(handle.query(CaseWorkflow.obligations), QUERY_WAIT)
        except (RPCError, WorkflowQueryFailedError, TimeoutError):
            return None
