"""Gateway probes: alive always, ready only when Temporal answers for our namespace."""

from __future__ import annotations

import httpx
from temporalio.client import Client

from tests.helpers import free_port
from workers.codec import EncryptionCodec, KeyRing
from workers.config import CaseflowConfig
from workers.gateway import create_app
from workers.temporal_client import connect


def http(app: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw")  # type: ignore[arg-type]


async def test_ready_when_temporal_answers(client: Client) -> None:
    app = create_app(CaseflowConfig(namespace=client.namespace), client=client)
    async with http(app) as gw:
        assert (await gw.get("/healthz")).json() == {"status": "ok"}
        ready = await gw.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "namespace": client.namespace}


async def test_not_ready_for_an_unknown_namespace(client: Client) -> None:
    app = create_app(CaseflowConfig(namespace="no-such-namespace"), client=client)
    async with http(app) as gw:
        ready = await gw.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
    assert "no-such-namespace" in ready.json()["reason"]


async def test_alive_but_not_ready_while_temporal_is_down() -> None:
    config = CaseflowConfig(temporal_address=f"127.0.0.1:{free_port()}")
    # What the app's lifespan does when no client is given: a lazy client that only dials
    # when a request needs it, so the gateway starts even though nothing listens.
    lazy = await connect(config, lazy=True, codec=EncryptionCodec(KeyRing.generate()))
    app = create_app(config, client=lazy)
    async with http(app) as gw:
        assert (await gw.get("/healthz")).status_code == 200
        ready = await gw.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["reason"]


def test_openapi_lists_the_probes() -> None:
    app = create_app(CaseflowConfig())
    paths = app.openapi()["paths"]
    assert {"/healthz", "/readyz"} <= set(paths)
