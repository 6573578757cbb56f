"""schemathesis against the gateway of a real embedded stack (`caseflow up` as a subprocess).

Every operation of `/openapi.json` is fuzzed (schema examples, boundary values, random and
schema-violating input), then the operations are chained statefully along the links
schemathesis infers from the schema (start a case, then read it, report events to it, ...).
The checks are the API's promises: no server error, and every answer is one the schema
documents (status, content type, headers such as `Retry-After`, body shape). A failure it
finds is fixed and kept as a named regression test in `test_error_edge.py`.

The fuzz client's token holds read, write and decode, never a roll-out scope: it may start
cases and report events in any municipality of its own stack, nothing more. The example
count per operation is bounded (`FUZZ_EXAMPLES`), so the run's size, not a timer, keeps it
within a few minutes on two cores.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from tests.helpers import free_port
from workers.auth import DEV_TOKEN_FILE, DEV_TOKENS_FILE, Scope, write_token_file
from workers.config import CaseflowConfig
from workers.gateway import create_app

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
FUZZ_EXAMPLES = int(os.environ.get("CASEFLOW_FUZZ_EXAMPLES", "25"))
"""Examples per operation and mode; raise it locally for a deeper run."""
STATEFUL_STEPS = int(os.environ.get("CASEFLOW_FUZZ_STATEFUL", "40"))
FUZZ_SCOPES = [Scope.READ, Scope.WRITE, Scope.DECODE]
"""No roll-out scope: the fuzzer must not be able to start real roll-outs."""
READY_TIMEOUT = 60.0
TOKEN = secrets.token_urlsafe(24)
"""The fuzz client's token, made per run; schemathesis sends it (and leaves it out on
purpose where a case tests a missing token)."""

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
    unsupported_method,
    allow_header_conformance,
]


@dataclass
class FuzzStack:
    url: str


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"caseflow up exited {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"caseflow up did not become ready:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="module")
def fuzz_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzStack]:
    data = tmp_path_factory.mktemp("fuzz") / "data"
    data.mkdir()
    token = TOKEN
    # Written before the first start, so `caseflow up` keeps it instead of creating its
    # all-scopes dev token.
    write_token_file(data / DEV_TOKENS_FILE, [(token, "fuzzer", ["*"], FUZZ_SCOPES)])
    (data / DEV_TOKEN_FILE).write_text(token + "\n", encoding="utf-8")
    ports: set[int] = set()
    while len(ports) < 3:
        ports.add(free_port())
    grpc, ui, gateway = sorted(ports)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEFLOW_")}
    env |= {"CASEFLOW_LOG_FORMAT": "json", "CASEFLOW_LOG_LEVEL": "WARNING"}
    # The fuzzer checks that every operation enforces its token; the embedded stack's
    # tokenless loopback codec for the Web UI is tested on its own (tests/e2e/test_operators.py).
    env["CASEFLOW_CODEC_OPEN_ON_LOOPBACK"] = "false"
    log = data.parent / "stack.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "workers.cli",
                "up",
                "--data-dir",
                str(data),
                "--grpc-port",
                str(grpc),
                "--ui-port",
                str(ui),
                "--gateway-port",
                str(gateway),
                "--metrics-port",
                "0",
                "--no-demo",
            ],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{gateway}"
    try:
        _wait_ready(url, process, log)
        yield FuzzStack(url)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _openapi() -> dict[str, Any]:
    # The schema is built in-process at import, so pytest can parametrize by operation;
    # the fixture checks that the running stack serves the very same document.
    document: dict[str, Any] = create_app(CaseflowConfig(demo_features=True)).openapi()
    return document


OPENAPI = _openapi()
schema = schemathesis.openapi.from_dict(
    OPENAPI,
    config=schemathesis.Config.from_dict(
        {
            "generation": {"max-examples": FUZZ_EXAMPLES},
            "request-timeout": 60,
            "auth": {"openapi": {"HTTPBearer": {"bearer": TOKEN}}},
        }
    ),
)

# Derandomized: CI fuzzes the same inputs each run, so a failure there reproduces locally
# (a deeper, random run: CASEFLOW_FUZZ_EXAMPLES=500, or `st run` against `caseflow up`).
_SETTINGS = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
    database=None,
)


@pytest.fixture(scope="module")
def served(fuzz_stack: FuzzStack) -> FuzzStack:
    assert httpx.get(f"{fuzz_stack.url}/openapi.json").json() == OPENAPI
    return fuzz_stack


@schema.parametrize()
@_SETTINGS
def test_every_operation_survives_the_fuzzer(served: FuzzStack, case: Any) -> None:
    case.call_and_validate(base_url=served.url, checks=CHECKS)


def test_operation_chains_survive_the_fuzzer(served: FuzzStack) -> None:
    machine = schema.as_state_machine()

    class Chains(machine):  # type: ignore[misc,valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"base_url": served.url}

        def validate_response(
            self, response: schemathesis.Response, case: Any, **kwargs: Any
        ) -> None:
            case.validate_response(response, checks=CHECKS)

    Chains.run(
        settings=settings(
            max_examples=STATEFUL_STEPS,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
            database=None,
        )
    )
