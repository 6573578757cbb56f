"""Liveness and readiness probes.

`/healthz` answers as long as the process serves HTTP (restart me if not). `/readyz`
answers 200 only when Temporal is reachable and our namespace exists (send me traffic);
load balancers and `caseflow up`'s own tests poll it.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest

from workers.gateway.deps import AppConfig, TemporalClient
from workers.logging_setup import get_logger

READINESS_RPC_TIMEOUT = timedelta(seconds=2)

router = APIRouter(tags=["health"])
log = get_logger(__name__)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
async def readyz(client: TemporalClient, config: AppConfig) -> JSONResponse:
    try:
        await client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace=config.namespace),
            timeout=READINESS_RPC_TIMEOUT,
        )
    except Exception as exc:  # any failure means "not ready", and the reason is shown
        reason = f"{type(exc).__name__}: {exc}"
        log.warning("not ready", namespace=config.namespace, reason=reason)
        return JSONResponse(
            status_code=503,
            content={"status": "unavailable", "namespace": config.namespace, "reason": reason},
        )
    return JSONResponse(content={"status": "ready", "namespace": config.namespace})
