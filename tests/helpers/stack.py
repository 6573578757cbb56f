"""`caseflow up` with its demo cases, as a subprocess on free ports and a temp data dir.

For the operators' end-to-end tests (Web UI, CLI, case page), which all look at the demo
cases of one stack: starting it and running the demo once per module keeps them fast.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.helpers.net import free_port

REPO = Path(__file__).resolve().parents[2]
DEMO_TIMEOUT = 180.0
STOP_TIMEOUT = 30.0


@dataclass
class DemoStack:
    data_dir: Path
    grpc_port: int
    ui_port: int
    gateway_port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def ui(self) -> str:
        return f"http://127.0.0.1:{self.ui_port}"

    @property
    def codec_endpoint(self) -> str:
        return f"{self.gateway}/codec"

    @property
    def token(self) -> str:
        return (self.data_dir / "gateway-dev-token").read_text().strip()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def temporal(self, *args: str) -> subprocess.CompletedProcess[str]:
        """The venv's `temporal` CLI against this stack's server."""
        binary = Path(sys.executable).parent / "temporal"
        return subprocess.run(
            [str(binary), *args, "--address", self.address],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


def _ready(stack: DemoStack, demo: bool) -> bool:
    if demo:
        return "demo cases ready" in stack.log()
    try:
        return httpx.get(f"{stack.gateway}/readyz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _ports(n: int) -> list[int]:
    ports: set[int] = set()
    while len(ports) < n:
        ports.add(free_port())
    return sorted(ports)


@contextlib.contextmanager
def demo_stack(root: Path, *, demo: bool = True) -> Iterator[DemoStack]:
    """Start `caseflow up`, wait until the demo cases are ready (or, without the demo,
    until the gateway answers `/readyz`), and stop it afterwards."""
    grpc, ui, gateway, metrics = _ports(4)
    stack = DemoStack(root / "data", grpc, ui, gateway, root / "caseflow-up.log")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEFLOW_")}
    env["CASEFLOW_LOG_FORMAT"] = "json"
    args = [
        sys.executable, "-m", "workers.cli", "up", "--data-dir", str(stack.data_dir),
        "--grpc-port", str(grpc), "--ui-port", str(ui), "--gateway-port", str(gateway),
        "--metrics-port", str(metrics), *([] if demo else ["--no-demo"]),
    ]  # fmt: skip
    with stack.log_path.open("wb") as log:
        stack.process = subprocess.Popen(
            args, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + DEMO_TIMEOUT
        while not _ready(stack, demo):
            if stack.process.poll() is not None:
                raise AssertionError(f"caseflow up exited:\n{stack.log()[-4000:]}")
            if "demo cases not created" in stack.log() or time.monotonic() > deadline:
                raise AssertionError(f"the demo did not finish:\n{stack.log()[-4000:]}")
            time.sleep(0.25)
        yield stack
    finally:
        if stack.process.poll() is None:
            stack.process.send_signal(signal.SIGTERM)
            try:
                stack.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                stack.process.kill()
                stack.process.wait()
