"""The embedded stack for benchmark scripts: `caseflow up` as a subprocess on free ports."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from tests.helpers import free_port


async def _ready(url: str, stack: subprocess.Popen[bytes], within: float = 60) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(base_url=url) as http:
        while time.monotonic() < deadline:
            if stack.poll() is not None:
                raise SystemExit(f"caseflow up exited with {stack.returncode}")
            try:
                if (await http.get("/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit("the stack did not become ready")


@asynccontextmanager
async def stack_up(data_dir: Path) -> AsyncIterator[tuple[str, str, int]]:
    """(gateway url, dev token, gRPC port) of a fresh stack (no demo cases), stopped after."""
    grpc, ui, gw = free_port(), free_port(), free_port()
    url = f"http://127.0.0.1:{gw}"
    env = dict(os.environ, CASEFLOW_LOG_LEVEL="WARNING", CASEFLOW_LOG_FORMAT="json")
    with (data_dir / "stack.log").open("wb") as log:
        stack = subprocess.Popen(  # noqa: ASYNC220 - returns at once; the stack runs alongside
            [
                str(Path(sys.executable).parent / "caseflow"),
                "up",
                "--data-dir",
                str(data_dir / "data"),
                "--grpc-port",
                str(grpc),
                "--ui-port",
                str(ui),
                "--gateway-port",
                str(gw),
                "--metrics-port",
                "0",
                "--no-demo",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            await _ready(url, stack)
            token = (data_dir / "data" / "gateway-dev-token").read_text().strip()
            yield url, token, grpc
        finally:
            stack.terminate()  # SIGTERM: the stack drains and stops its dev server
            try:
                stack.wait(timeout=30)
            except subprocess.TimeoutExpired:
                stack.kill()
