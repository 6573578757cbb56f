"""A real gateway for the API tests: dev server (session `env`), a case worker, and the
FastAPI app served by uvicorn on a free port, called over real HTTP.

Clients (tokens) of the module:

| name          | municipalities | scopes        |
|---------------|----------------|---------------|
| thisted       | thisted        | read, write   |
| thisted_ro    | thisted        | read          |
| aalborg       | aalborg        | read, write   |
| operator      | *              | read, decode  |
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from tests.helpers import free_port, new_worker
from tests.workflows.driver import case_activities
from workers.auth import Scope, write_token_file
from workers.citizen_ref import ensure_key_file
from workers.config import CaseflowConfig
from workers.gateway.server import run_gateway
from workflows.case_workflow import CaseWorkflow
from workflows.citizen_limits import CitizenLimitWorkflow
from workflows.enrolment_workflow import EnrolmentWorkflow

CLIENTS: dict[str, tuple[list[str], list[Scope]]] = {
    "thisted": (["thisted"], [Scope.READ, Scope.WRITE]),
    "thisted_ro": (["Thisted"], [Scope.READ]),  # by name: the file may use id, name or code
    "aalborg": (["851"], [Scope.READ, Scope.WRITE]),  # by kommune code
    "operator": (["*"], [Scope.READ, Scope.DECODE]),
}


@dataclass
class Gateway:
    url: str
    config: CaseflowConfig
    tokens: dict[str, str]
    temporal: Client

    def http(self, who: str | None = "thisted", token: str | None = None) -> httpx.AsyncClient:
        headers = {}
        if who is not None or token is not None:
            headers["Authorization"] = f"Bearer {token or self.tokens[str(who)]}"
        return httpx.AsyncClient(base_url=self.url, headers=headers, timeout=30)


async def _listening(port: int, task: asyncio.Task[None]) -> None:
    for _ in range(400):
        if task.done():
            task.result()
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.025)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise AssertionError("gateway did not listen")


@pytest.fixture(scope="module")
async def gateway(
    env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Gateway]:
    data = tmp_path_factory.mktemp("gateway")
    tokens = {name: secrets.token_urlsafe(24) for name in CLIENTS}
    tokens_file = data / "tokens.yaml"
    citizen_key = data / "citizen-ref.key"
    ensure_key_file(citizen_key)
    link_key = data / "page-link.key"
    ensure_key_file(link_key)
    write_token_file(
        tokens_file,
        [(tokens[name], name, m, s) for name, (m, s) in CLIENTS.items()],
    )
    # A plain client, as `caseflow up` has: no test interceptor stamping time-skipping
    # config on starts, so `advance` is tested the way the dev stack runs it. The session
    # env's data converter (and so its payload codec) is shared.
    temporal = await Client.connect(
        env.client.service_client.config.target_host,
        namespace=env.client.namespace,
        data_converter=env.client.data_converter,
    )
    async with new_worker(
        env.client,
        CaseWorkflow,
        EnrolmentWorkflow,
        CitizenLimitWorkflow,
        activities=case_activities(data),
    ) as worker:
        port = free_port()
        config = CaseflowConfig(
            namespace=env.client.namespace,
            task_queue=worker.task_queue,
            gateway_port=port,
            gateway_tokens_file=tokens_file,
            obligation_counts_refresh=0.2,
            demo_features=True,
            data_dir=Path(data),
            citizen_ref_key_file=citizen_key,
            page_link_key_file=link_key,
        )
        stop = asyncio.Event()
        serving = asyncio.create_task(run_gateway(config, stop, client=temporal))
        await _listening(port, serving)
        try:
            yield Gateway(f"http://127.0.0.1:{port}", config, tokens, temporal)
        finally:
            stop.set()
            await serving
