"""`GET /metrics`: the gateway's Prometheus exposition (no token: aggregate counts only,
no case ids; bind the gateway to a private interface or let the proxy refuse it outside).

It serves the gateway's own registry (workers.metrics), the cached obligation counts
(workers.obligation_counts), the roll-out progress (workers.rollout_progress) and whatever
else was registered with `register_collector`. A collector that caches what it reads from
Temporal (`refresh_if_stale`) is asked to refresh in the background on each scrape; the
scrape itself never waits for Temporal.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector
from temporalio.client import Client

from workers.config import CaseflowConfig
from workers.gateway.observe import Observe
from workers.metrics import GatewayMetrics
from workers.obligation_counts import ObligationCounts
from workers.rollout_progress import RolloutProgress
from workers.telemetry import init_tracing

router = APIRouter(tags=["operations"])


@runtime_checkable
class Refreshing(Protocol):
    """A collector over a cache of Temporal reads, renewed in the background when stale."""

    def refresh_if_stale(self, client: Client) -> object: ...


@router.get(
    "/metrics",
    response_class=Response,
    summary="Prometheus metrics",
    description="Requests by route template and status, events accepted/refused by "
    "reason, cases due and overdue by obligation kind and municipality (cached counts "
    "from Temporal's visibility), roll-out progress. The worker's metrics are on its own "
    "metrics port.",
)
async def metrics(request: Request) -> Response:
    state = request.app.state
    if state.temporal_client is not None:
        for cached in state.metric_caches:
            cached.refresh_if_stale(state.temporal_client)
    registry = state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def register_collector(app: FastAPI, collector: Collector) -> None:
    """Add a collector to the app's `/metrics`; one with `refresh_if_stale` is asked to
    renew its cache (in the background) on every scrape."""
    app.state.metrics.registry.register(collector)
    if isinstance(collector, Refreshing):
        app.state.metric_caches.append(collector)


def install_observability(app: FastAPI, config: CaseflowConfig, municipalities: list[str]) -> None:
    """`/metrics`, the obligation counts and the per-request middleware (span, metrics,
    audit). Call it after the other middleware, so that it wraps them all."""
    # A tracer provider even with no exporter configured: spans then still have ids, for
    # the log lines and `X-Trace-Id` (a no-op provider would give every request trace 0).
    # Once per process; the first caller (the stack, the gateway command) names it.
    init_tracing(config, service_name="gateway")
    gateway_metrics = GatewayMetrics()
    counts = ObligationCounts(municipalities, config.obligation_counts_refresh)
    app.state.metrics = gateway_metrics
    app.state.metric_caches = []
    app.state.obligation_counts = counts
    register_collector(app, counts)
    register_collector(app, RolloutProgress(config.rollout_progress_refresh))
    app.include_router(router)
    app.add_middleware(Observe, fastapi=app, metrics=gateway_metrics)
