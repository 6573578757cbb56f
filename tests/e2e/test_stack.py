"""`caseflow up` as a user runs it: a subprocess, real ports, a data dir, signals.

Each test starts the real command line (`python -m workers.cli up`) and judges it only
from the outside: exit codes, stderr, HTTP probes, the Temporal API and /proc (to prove no
`temporal` process outlives the stack).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client, WorkflowExecutionStatus

from domain.case.engine import CaseStart
from domain.case.events import EVENT_ADAPTER
from tests.helpers import free_port, new_workflow_id
from workers.config import CaseflowConfig
from workers.temporal_client import connect
from workflows.case_models import (
    CaseWorkflowInput,
    CaseWorkflowResult,
    ReportEventInput,
    workflow_id_for,
)
from workflows.case_workflow import CaseWorkflow
from workflows.constants import TASK_QUEUE
from workflows.stack_probe import StackProbeResult, StackProbeWorkflow

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 30.0
EXIT_TIMEOUT = 20.0


def _clean_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CASEFLOW_")}
    env["CASEFLOW_LOG_FORMAT"] = "json"
    env.update(extra)
    return env


def processes_mentioning(marker: str) -> list[int]:
    """Pids of live processes whose command line contains `marker` (Linux /proc)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (entry / "stat").read_text().split(") ", 1)[1][0]
        except OSError:
            continue
        if marker in cmdline and state != "Z":
            pids.append(int(entry.name))
    return pids


def wait_gone(marker: str, timeout: float = 5.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while (left := processes_mentioning(marker)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


@dataclass
class Stack:
    data_dir: Path
    grpc_port: int
    ui_port: int
    gateway_port: int
    metrics_port: int
    process: subprocess.Popen[str] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    @property
    def db_marker(self) -> str:
        return str(self.data_dir / "temporal.db")

    def args(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "workers.cli",
            "up",
            "--data-dir",
            str(self.data_dir),
            "--grpc-port",
            str(self.grpc_port),
            "--ui-port",
            str(self.ui_port),
            "--gateway-port",
            str(self.gateway_port),
            "--metrics-port",
            str(self.metrics_port),
        ]

    def start(self) -> subprocess.Popen[str]:
        self.process = subprocess.Popen(
            self.args(),
            cwd=REPO,
            env=_clean_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        return self.process

    async def wait_ready(self) -> float:
        """Seconds until /readyz says ready; fails with the stack's output if it dies."""
        assert self.process is not None
        started = time.monotonic()
        async with httpx.AsyncClient(timeout=2) as http:
            while time.monotonic() - started < READY_TIMEOUT:
                if self.process.poll() is not None:
                    out, err = self.process.communicate()
                    pytest.fail(f"caseflow up exited {self.process.returncode}:\n{err}\n{out}")
                try:
                    response = await http.get(f"http://127.0.0.1:{self.gateway_port}/readyz")
                    if response.status_code == 200:
                        return time.monotonic() - started
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        pytest.fail("caseflow up did not become ready in time")

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> tuple[int, str]:
        assert self.process is not None
        self.process.send_signal(sig)
        _out, err = self.process.communicate(timeout=EXIT_TIMEOUT)
        return self.process.returncode, err


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    ports = {free_port() for _ in range(4)}
    while len(ports) < 4:
        ports.add(free_port())
    grpc, ui, gateway, metrics = sorted(ports)
    s = Stack(tmp_path / "data", grpc, ui, gateway, metrics)
    yield s
    # Whatever happened in the test, leave nothing running.
    if s.process is not None and s.process.poll() is None:
        s.process.kill()
        s.process.communicate()
    for pid in processes_mentioning(s.db_marker):
        os.kill(pid, signal.SIGKILL)


async def _client(stack: Stack) -> Client:
    # The stack's own key (created in its data dir on first start) reads its payloads.
    key_file = stack.data_dir / "keys.json"
    return await connect(CaseflowConfig(temporal_address=stack.address, codec_key_file=key_file))


async def test_stack_serves_stops_cleanly_and_resumes_workflows_on_restart(stack: Stack) -> None:
    stack.start()
    startup = await stack.wait_ready()
    assert processes_mentioning(stack.db_marker), "the dev server should be running"
    async with httpx.AsyncClient() as http:
        metrics = await http.get(f"http://127.0.0.1:{stack.metrics_port}/metrics")
        ui = await http.get(f"http://127.0.0.1:{stack.ui_port}/")
    assert metrics.status_code == 200
    assert ui.status_code == 200

    client = await _client(stack)
    workflow_id = new_workflow_id("probe")
    handle = await client.start_workflow(
        StackProbeWorkflow.run, id=workflow_id, task_queue=TASK_QUEUE
    )
    await handle.signal(StackProbeWorkflow.ping)
    assert await handle.query(StackProbeWorkflow.pings) == 1  # the stack's worker answers

    # A real case on the real calendar: opened today, screened, its deadlines running.
    today = datetime.now(UTC).date()
    case_id = workflow_id_for("851", f"E2E-{uuid.uuid4().hex[:8]}")
    case = await client.start_workflow(
        CaseWorkflow.run,
        CaseWorkflowInput(
            start=CaseStart(
                case_id=case_id.split("-", 2)[2], municipality="aalborg", opened_on=today
            )
        ),
        id=case_id,
        task_queue=TASK_QUEUE,
    )
    screened = EVENT_ADAPTER.validate_python(
        {
            "type": "screened",
            "event_id": "e2e-1",
            "effective_date": today,
            "category": 2,
            "documentation": "NONE",
        }
    )
    answer = await case.execute_update(CaseWorkflow.report_event, ReportEventInput(event=screened))
    open_before = {o.id for o in answer.case.open_obligations}
    assert "sdp.followup.1" in open_before

    code, err = stack.stop(signal.SIGTERM)
    assert code == 0, err
    assert wait_gone(stack.db_marker) == [], "no temporal process may outlive the stack"
    assert (stack.data_dir / "temporal.db").exists()
    assert (stack.data_dir / "temporal.log").exists()

    # Same data dir: the SQLite file brings the workflow back, and the persisted search
    # attributes do not clash with the --search-attribute flags of the new start.
    stack.start()
    restart = await stack.wait_ready()
    client = await _client(stack)
    handle = client.get_workflow_handle_for(StackProbeWorkflow.run, workflow_id)
    assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
    assert await handle.query(StackProbeWorkflow.pings) == 1
    case = client.get_workflow_handle(case_id, result_type=CaseWorkflowResult)
    assert (await case.describe()).status == WorkflowExecutionStatus.RUNNING
    snapshot = await case.query(CaseWorkflow.case)
    assert {o.id for o in snapshot.open_obligations} == open_before
    again = await case.execute_update(CaseWorkflow.report_event, ReportEventInput(event=screened))
    assert again.receipt.event_id == "e2e-1"  # the same event id: the first answer, no change
    await handle.signal(StackProbeWorkflow.stop)
    assert await handle.result() == StackProbeResult(pings=1)

    code, err = stack.stop(signal.SIGINT)  # Ctrl-C path
    assert code == 0, err
    assert wait_gone(stack.db_marker) == []
    print(f"caseflow up ready in {startup:.1f} s (first start), {restart:.1f} s (restart)")


async def test_a_killed_stack_takes_its_temporal_server_with_it(stack: Stack) -> None:
    stack.start()
    await stack.wait_ready()
    assert stack.process is not None
    stack.process.kill()  # SIGKILL: no finally runs, only the kernel's parent-death signal
    stack.process.communicate()
    assert wait_gone(stack.db_marker) == []


def run_up(*args: str, timeout: float = 30, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workers.cli", "up", *args],
        cwd=REPO,
        env=_clean_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_a_port_in_use_is_named_and_nothing_starts(stack: Stack) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", stack.grpc_port))
        holder.listen()
        result = run_up(*stack.args()[4:])
    assert result.returncode == 1
    assert f"port {stack.grpc_port} (--grpc-port / CASEFLOW_GRPC_PORT) is already in use" in (
        result.stderr
    )
    assert processes_mentioning(stack.db_marker) == []


def test_a_data_dir_that_cannot_be_created_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    result = run_up("--data-dir", str(blocker / "data"))
    assert result.returncode == 1
    assert "data_dir (CASEFLOW_DATA_DIR / --data-dir): cannot create" in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through directory permissions")
def test_an_unwritable_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    data = tmp_path / "ro"
    data.mkdir(mode=0o500)
    result = run_up("--data-dir", str(data))
    assert result.returncode == 1
    assert "is not writable" in result.stderr


def test_an_invalid_env_var_names_the_field() -> None:
    result = run_up(CASEFLOW_GATEWAY_PORT="eighty")
    assert result.returncode == 2
    assert "gateway_port (CASEFLOW_GATEWAY_PORT / --gateway-port)" in result.stderr
    assert "'eighty'" in result.stderr


def _fake_temporal(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "fake-temporal"
    script.write_text(f"#!/bin/sh\necho 'fake temporal: pretending to start'\n{body}\n")
    script.chmod(0o755)
    return script


def test_a_server_that_never_gets_ready_times_out_with_its_log_and_is_killed(
    stack: Stack, tmp_path: Path
) -> None:
    # The sleep is a child of the script: killing only the script would orphan it.
    fake = _fake_temporal(tmp_path, "sleep 61.4142")
    result = run_up(*stack.args()[4:], "--startup-timeout", "2", CASEFLOW_TEMPORAL_BIN=str(fake))
    assert result.returncode == 1
    assert "did not become ready within 2 s" in result.stderr
    assert "fake temporal: pretending to start" in result.stderr  # the log's tail
    assert wait_gone(str(fake)) == []
    assert wait_gone("sleep 61.4142") == []


def test_a_server_that_exits_during_startup_is_reported(stack: Stack, tmp_path: Path) -> None:
    fake = _fake_temporal(tmp_path, "echo 'bind: permission denied' >&2\nexit 3")
    result = run_up(*stack.args()[4:], CASEFLOW_TEMPORAL_BIN=str(fake))
    assert result.returncode == 1
    assert "exited with code 3 during start-up" in result.stderr
    assert "bind: permission denied" in result.stderr
