"""The gateway application factory.

API routers are added in `api_routers()`; health probes, the shared Temporal client and
the config are wired here so every router gets them the same way (`workers.gateway.deps`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from temporalio.client import Client
from temporalio.runtime import Runtime

from workers.config import CaseflowConfig
from workers.gateway import health
from workers.temporal_client import connect


def api_routers() -> list[APIRouter]:
    """The gateway's API routers (case events, timelines, codec endpoint, ...).

    Empty until the gateway API issue lands; each router is included with its own prefix
    and tags, and reads the client/config through `workers.gateway.deps`.
    """
    return []


def create_app(
    config: CaseflowConfig,
    *,
    client: Client | None = None,
    runtime: Runtime | None = None,
) -> FastAPI:
    """Build the gateway app.

    Args:
        config: namespace and Temporal address.
        client: an existing client (`caseflow up` shares its worker's, tests pass the test
            environment's). If None, a lazy client is created at start-up, so the gateway
            comes up and reports "not ready" instead of crashing while Temporal is down.
        runtime: Temporal runtime for the lazily created client.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.temporal_client is None:
            app.state.temporal_client = await connect(config, runtime=runtime, lazy=True)
        yield

    app = FastAPI(
        title="caseflow gateway",
        summary="Caseworker systems report case events; operators read timelines.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.config = config
    app.state.temporal_client = client
    app.include_router(health.router)
    for router in api_routers():
        app.include_router(router)
    return app
