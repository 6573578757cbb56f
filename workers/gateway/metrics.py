"""`GET /metrics`: the gateway's Prometheus exposition (no token: aggregate counts only,
no case ids; bind the gateway to a private interface or let the proxy refuse it outside).

It serves the gateway's own registry (workers.metrics), the cached obligation counts
(workers.obligation_counts) and whatever else was registered with `register_collector` —
the hook for the roll-out's progress (branch h13-rollout: a collector reading the
roll-out's status, registered from `create_app` once that feature is on main).
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector

from workers.config import CaseflowConfig
from workers.gateway.observe import Observe
from workers.metrics import GatewayMetrics
from workers.obligation_counts import ObligationCounts
from workers.telemetry import init_tracing

router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    response_class=Response,
    summary="Prometheus metrics",
    description="Requests by route template and status, events accepted/refused by "
    "reason, cases due and overdue by obligation kind and municipality (cached counts "
    "from Temporal's visibility). The worker's metrics are on its own metrics port.",
)
async def metrics(request: Request) -> Response:
    state = request.app.state
    counts: ObligationCounts = state.obligation_counts
    if state.temporal_client is not None:
        counts.refresh_if_stale(state.temporal_client)
    registry = state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def register_collector(app: FastAPI, collector: Collector) -> None:
    """Add a collector to the app's `/metrics` (e.g. the roll-out's progress)."""
    app.state.metrics.registry.register(collector)


def install_observability(app: FastAPI, config: CaseflowConfig, municipalities: list[str]) -> None:
    """`/metrics`, the obligation counts and the per-request middleware (span, metrics,
    audit). Call it after the other middleware, so that it wraps them all."""
    # A tracer provider even with no exporter configured: spans then still have ids, for
    # the log lines and `X-Trace-Id` (a no-op provider would give every request trace 0).
    # Once per process; the first caller (the stack, the gateway command) names it.
    init_tracing(config, service_name="gateway")
    gateway_metrics = GatewayMetrics()
    counts = ObligationCounts(municipalities, config.obligation_counts_refresh)
    gateway_metrics.registry.register(counts)
    app.state.metrics = gateway_metrics
    app.state.obligation_counts = counts
    app.include_router(router)
    app.add_middleware(Observe, fastapi=app, metrics=gateway_metrics)
