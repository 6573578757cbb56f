"""No token, request body or CPR number in any log line, whatever fails, at DEBUG level.

Synthetic secrets are made at run time (a bearer token, a CPR-shaped number with a real
date, a marker word inside every body) and sent through every route of a real gateway,
served by uvicorn, backed by a real worker on the session's dev server, in each way a call
can go wrong: bad token, bad input, an identity provider that fails while verifying the
token (500s with the token, the body and the headers in the frames' locals), a payload
codec that fails inside Temporal calls, Temporal unreachable. Then a worker activity fails
with the secrets in its locals and its message, and the CLI fails against the gateway.
Every line logged (DEBUG and up, our loggers, uvicorn's, temporalio's) is scanned.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import logging
import os
import random
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
from temporalio import activity, workflow
from temporalio.api.common.v1 import Payload
from temporalio.client import Client
from temporalio.common import RetryPolicy
from temporalio.converter import PayloadCodec
from temporalio.exceptions import ActivityError
from temporalio.testing import WorkflowEnvironment

from tests.helpers import free_port, new_worker, new_workflow_id
from tests.workflows.driver import case_activities
from workers.auth import Principal, Scope, TokenFileStore, write_token_file
from workers.citizen_ref import with_dev_key
from workers.config import CaseflowConfig, LogFormat
from workers.gateway.app import create_app
from workers.gateway.server import build_server
from workers.logging_setup import configure_logging
from workers.temporal_client import connect, data_converter
from workflows.case_workflow import CaseWorkflow
from workflows.enrolment_workflow import EnrolmentWorkflow


@dataclass(frozen=True)
class Secrets:
    token: str
    cpr: str
    marker: str

    @classmethod
    def make(cls) -> Secrets:
        # A real day and month, so it is CPR-shaped by any definition; never a literal.
        rng = random.SystemRandom()
        cpr = f"{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}{rng.randint(0, 99):02d}"
        cpr += f"{rng.randint(0, 9999):04d}"
        return cls(secrets.token_urlsafe(32), cpr, f"bodymarker{secrets.token_hex(6)}")

    @property
    def cpr_dashed(self) -> str:
        return f"{self.cpr[:6]}-{self.cpr[6:]}"

    def found_in(self, text: str) -> list[str]:
        needles = {
            "token": self.token,
            "cpr": self.cpr,
            "cpr with dash": self.cpr_dashed,
            "body": self.marker,
        }
        return [name for name, needle in needles.items() if needle in text]

    def free_text(self) -> str:
        return f"{self.marker} citizen {self.cpr_dashed} Authorization: Bearer {self.token}"


class FlakyIdentityProvider:
    """The token file store behind an identity provider that can fail mid-request, as an
    OIDC provider does when its key endpoint is down (a boundary we do not own). Its error
    quotes the subject it looked up, a CPR number, and the token: the worst case."""

    def __init__(self, store: TokenFileStore, leak: Secrets) -> None:
        self.store = store
        self.leak = leak
        self.down = False

    def verify(self, token: str) -> Principal | None:
        if self.down:
            raise ConnectionError(
                f"identity provider unreachable verifying {token} for subject {self.leak.cpr}"
            )
        return self.store.verify(token)


class BrokenKeyCodec(PayloadCodec):
    """A payload codec whose key store fails (a rotated-away key): every Temporal call
    that encodes or decodes a payload raises inside the handler."""

    async def encode(self, payloads: list[Payload]) -> list[Payload]:  # type: ignore[override]
        raise RuntimeError(f"encryption key unavailable for {len(payloads)} payloads")

    async def decode(self, payloads: list[Payload]) -> list[Payload]:  # type: ignore[override]
        raise RuntimeError(f"decryption key unavailable for {len(payloads)} payloads")


@dataclass
class Stack:
    url: str
    app: Any
    idp: FlakyIdentityProvider
    temporal: Client
    leak: Secrets
    case_id: str


@pytest.fixture(scope="module")
def log_lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging(LogFormat.JSON, "DEBUG", stream=stream, force=True)
    yield stream
    structlog.reset_defaults()
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.setLevel(logging.WARNING)


@pytest.fixture(scope="module")
async def stack(
    env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory, log_lines: io.StringIO
) -> AsyncIterator[Stack]:
    data = tmp_path_factory.mktemp("log-secrets")
    leak = Secrets.make()
    tokens_file = data / "tokens.yaml"
    scopes = [Scope.READ, Scope.WRITE, Scope.DECODE]
    write_token_file(tokens_file, [(leak.token, "leaky", ["thisted"], scopes)])
    idp = FlakyIdentityProvider(TokenFileStore(tokens_file), leak)
    temporal = await Client.connect(
        env.client.service_client.config.target_host,
        namespace=env.client.namespace,
        data_converter=env.client.data_converter,
    )
    async with new_worker(
        env.client, CaseWorkflow, EnrolmentWorkflow, activities=case_activities(data)
    ) as worker:
        config = CaseflowConfig(
            namespace=env.client.namespace,
            task_queue=worker.task_queue,
            gateway_port=free_port(),
            gateway_tokens_file=tokens_file,
            demo_features=True,
            data_dir=Path(data),
        )
        config = with_dev_key(config)
        app = create_app(config, client=temporal, verifier=idp)
        server = build_server(app, config)
        serving = asyncio.create_task(server.serve())
        while not server.started:
            assert not serving.done(), "the gateway stopped while starting"
            await asyncio.sleep(0.02)
        try:
            yield Stack(
                f"http://127.0.0.1:{config.gateway_port}", app, idp, temporal, leak, "LS-CASE-0001"
            )
        finally:
            server.should_exit = True
            await serving


def _routes(app: Any) -> list[tuple[str, str]]:
    """Every operation the gateway documents (a new route is covered without an edit)."""
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    return sorted((method.upper(), path) for path, ops in paths.items() for method in ops)


def _body(path: str, leak: Secrets, case_id: str) -> Any:
    """A body the route accepts where one can be built (so failures happen inside the
    handler), with the secrets in its free text; elsewhere the secrets alone."""
    payload = base64.b64encode(json.dumps({"note": leak.free_text()}).encode()).decode()
    bodies: dict[str, Any] = {
        "/v1/cases": {
            "case_id": case_id,
            "municipality": "thisted",
            "opened_on": "2019-03-04",
            "entry": {"first_absence_day": "2019-03-01"},
            "legal_anchor": "2019-03-04",
        },
        "/v1/cases/{municipality}/{case_id}/events": {
            "type": "meeting_held",
            "event_id": f"ev-{secrets.token_hex(4)}",
            "effective_date": "2019-03-05",
            "meeting": "followup_conversation",
            "recommendation": leak.free_text(),
        },
        "/v1/cases/{municipality}/{case_id}/advance": {"days": 1},
        "/v1/cases/{municipality}/{case_id}/mikrolaan/enrol": {
            "event_id": "enrol-1",
            "citizen_ref": "cz_" + "a" * 32,
        },
        # The one field a CPR number may be sent in: it must still reach no log line.
        "/v1/citizens/reference": {"cpr": leak.cpr_dashed},
        "/codec/encode": {
            "payloads": [{"metadata": {"encoding": "anNvbi9wbGFpbg=="}, "data": payload}]
        },
        "/codec/decode": {
            "payloads": [{"metadata": {"encoding": "anNvbi9wbGFpbg=="}, "data": payload}]
        },
    }
    return bodies.get(path, {"municipality": "thisted", "note": leak.free_text()})


async def _call_every_route(
    stack: Stack, *, token: str, raw: bytes | None = None
) -> set[tuple[str, str]]:
    called: set[tuple[str, str]] = set()
    headers = {"Authorization": f"Bearer {token}", "X-Case-Note": stack.leak.free_text()}
    async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=60) as http:
        for method, path in _routes(stack.app):
            url = path.replace("{municipality}", "thisted").replace("{case_id}", stack.case_id)
            if method == "GET":
                answer = await http.get(url, params={"q": stack.leak.free_text()})
            elif raw is not None:
                answer = await http.request(
                    method, url, content=raw, headers={"Content-Type": "application/json"}
                )
            else:
                answer = await http.request(
                    method, url, json=_body(path, stack.leak, stack.case_id)
                )
            assert answer.status_code < 600
            assert stack.leak.found_in(answer.text) == [], (method, path, answer.text)
            called.add((method, path))
    return called


def _scan(stream: io.StringIO, leak: Secrets) -> list[str]:
    leaks = []
    for line in stream.getvalue().splitlines():
        found = leak.found_in(line)
        if found:
            leaks.append(f"{found}: {line[:400]}")
    return leaks


async def test_no_secret_in_any_log_line_when_any_gateway_route_fails(
    stack: Stack, log_lines: io.StringIO, env: WorkflowEnvironment
) -> None:
    leak = stack.leak
    routes = set(_routes(stack.app))
    before = len(log_lines.getvalue().splitlines())
    # Healthy backend: what a client sends (accepted or refused as bad input).
    assert await _call_every_route(stack, token=leak.token) == routes
    assert await _call_every_route(stack, token=leak.token) == routes  # repeats: 409s, receipts
    malformed = f'{{"case_id": "{leak.cpr}", "note": "{leak.free_text()}"'.encode()
    assert await _call_every_route(stack, token=leak.token, raw=malformed) == routes
    assert await _call_every_route(stack, token=secrets.token_urlsafe(24)) == routes
    # The identity provider fails inside every authenticated route: 500s with tracebacks.
    stack.idp.down = True
    try:
        assert await _call_every_route(stack, token=leak.token) == routes
    finally:
        stack.idp.down = False
    # Temporal calls fail inside the handlers: first the payload codec, then the server.
    healthy = stack.app.state.temporal_client
    stack.app.state.temporal_client = await Client.connect(
        env.client.service_client.config.target_host,
        namespace=env.client.namespace,
        data_converter=data_converter(BrokenKeyCodec()),
    )
    try:
        assert await _call_every_route(stack, token=leak.token) == routes
        stack.app.state.temporal_client = await connect(
            CaseflowConfig(namespace=env.client.namespace),
            address=f"127.0.0.1:{free_port()}",
            lazy=True,
            codec=env.client.data_converter.payload_codec,
        )
        assert await _call_every_route(stack, token=leak.token) == routes
    finally:
        stack.app.state.temporal_client = healthy

    emitted = log_lines.getvalue().splitlines()[before:]
    tracebacks = [line for line in emitted if '"exception"' in line]
    # The scan means something only if the failures were logged, with their tracebacks.
    assert len(tracebacks) >= len([r for r in routes if r[1].startswith(("/v1", "/codec"))])
    levels = {json.loads(line).get("level") for line in emitted}
    assert {"debug", "warning", "error"} <= levels, levels
    assert _scan(log_lines, leak) == []


@dataclass
class Delivery:
    case_id: str
    body: str


@activity.defn(name="deliver_to_case_system")
async def deliver_to_case_system(delivery: Delivery) -> None:
    # What a careless integration holds in its locals (the body, the headers) and puts in
    # its message (the citizen's number, the header it sent). A body quoted in free text
    # cannot be told from prose; the locals and the recognisable shapes can.
    body = delivery.body
    headers = {"Authorization": body.split("Authorization: ")[-1]}
    subject = body.split(" citizen ")[-1].split(" ")[0]
    raise RuntimeError(f"case system refused subject {subject} with {headers}")


@workflow.defn(name="LogSecretsDelivery", sandboxed=False)
class DeliveryWorkflow:
    @workflow.run
    async def run(self, delivery: Delivery) -> str:
        try:
            await workflow.execute_activity(
                deliver_to_case_system,
                delivery,
                start_to_close_timeout=timedelta(seconds=10),
                retry_policy=RetryPolicy(
                    maximum_attempts=2, initial_interval=timedelta(seconds=0.1)
                ),
            )
        except ActivityError:
            workflow.logger.warning("delivery failed", exc_info=True)
            return "failed"
        return "delivered"


async def test_no_secret_in_any_log_line_when_a_worker_activity_fails(
    client: Client, log_lines: io.StringIO
) -> None:
    leak = Secrets.make()
    before = len(log_lines.getvalue().splitlines())
    async with new_worker(client, DeliveryWorkflow, activities=[deliver_to_case_system]) as w:
        outcome = await client.execute_workflow(
            DeliveryWorkflow.run,
            Delivery("LS-CASE-0002", leak.free_text()),
            id=new_workflow_id("log-secrets"),
            task_queue=w.task_queue,
        )
    assert outcome == "failed"
    emitted = log_lines.getvalue().splitlines()[before:]
    assert any("deliver_to_case_system" in line and '"exception"' in line for line in emitted)
    assert any("delivery failed" in line for line in emitted)
    assert _scan(log_lines, leak) == []


async def test_no_secret_in_the_output_of_a_failing_cli_command(stack: Stack) -> None:
    leak = stack.leak
    caseflow = str(Path(sys.executable).parent / "caseflow")
    env = dict(
        os.environ,
        CASEFLOW_LOG_LEVEL="DEBUG",
        CASEFLOW_LOG_FORMAT="json",
        CASEFLOW_GATEWAY_TOKEN=leak.token,
    )
    runs = [
        # Refused by the gateway: a CPR number as the case id, a body full of secrets.
        [
            caseflow,
            "case",
            "event",
            "thisted",
            leak.cpr_dashed,
            "meeting_held",
            f"recommendation={leak.free_text()}",
            "meeting=followup_conversation",
            "--id",
            "ev-1",
            "--date",
            "2019-03-05",
            "--url",
            stack.url,
        ],
        # The gateway is not there at all.
        [caseflow, "case", "show", "thisted", leak.cpr, "--url", f"http://127.0.0.1:{free_port()}"],
        # A worker that cannot reach Temporal (a start-up failure of a long-running command).
        [
            caseflow,
            "worker",
            "--address",
            f"127.0.0.1:{free_port()}",
            "--startup-timeout",
            "1",
            "--metrics-port",
            "0",
        ],
    ]
    for argv in runs:
        # Asynchronously: the gateway it calls is served by this test's event loop.
        process = await asyncio.create_subprocess_exec(
            *argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        out, _ = await asyncio.wait_for(process.communicate(), timeout=120)
        assert process.returncode != 0, argv
        output = out.decode(errors="replace")
        assert output.strip(), argv
        assert leak.found_in(output) == [], output[-2000:]
