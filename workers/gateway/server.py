"""Serving the gateway with uvicorn, inside an asyncio program we control.

uvicorn normally owns SIGINT/SIGTERM. Here the caller owns them (one stop event for the
worker and the gateway in `caseflow up`), so `_Server` leaves signals alone and the caller
stops it by setting `should_exit`.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Iterator
from typing import TextIO

import uvicorn
from fastapi import FastAPI
from temporalio.client import Client
from temporalio.runtime import Runtime

from workers.auth import ensure_dev_tokens
from workers.config import CaseflowConfig
from workers.gateway.app import create_app
from workers.logging_setup import configure_logging, get_logger
from workers.telemetry import init_runtime, shutdown_tracing
from workers.worker import stop_event_on_signals

log = get_logger(__name__)


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def build_server(app: FastAPI, config: CaseflowConfig) -> uvicorn.Server:
    uv_config = uvicorn.Config(
        app,
        host=config.bind_host,
        port=config.gateway_port,
        # None: keep the structlog handlers installed by workers.logging_setup.
        log_config=None,
        access_log=False,
        lifespan="on",
    )
    return _Server(uv_config)


def with_dev_tokens(config: CaseflowConfig, out: TextIO | None = None) -> CaseflowConfig:
    """On the dev stack without a token file: create one in the data dir (first start
    only) and point the config at it, so `caseflow up` works out of the box while the API
    still needs a token. Production gateways (demo features off) never get one."""
    if config.gateway_tokens_file is not None or not config.demo_features:
        return config
    tokens_file, token_file, created = ensure_dev_tokens(config.data_dir)
    if created:
        print(
            f"Gateway dev token written to {token_file.resolve()}\n"
            f"  export CASEFLOW_GATEWAY_TOKEN=$(cat {token_file.resolve()})",
            file=out or sys.stderr,
            flush=True,
        )
    log.info("gateway dev tokens", tokens_file=str(tokens_file), token_file=str(token_file))
    return config.model_copy(update={"gateway_tokens_file": tokens_file})


async def _serve(server: uvicorn.Server) -> None:
    try:
        await server.serve()
    except SystemExit as exc:
        # uvicorn sys.exit()s when it cannot bind or the lifespan fails; inside an asyncio
        # task that would tear the loop down before our cleanup runs, so make it an error.
        raise RuntimeError(f"gateway failed to start (uvicorn exit code {exc.code})") from None


async def run_gateway(
    config: CaseflowConfig,
    stop: asyncio.Event,
    *,
    client: Client | None = None,
    runtime: Runtime | None = None,
) -> None:
    """Serve until `stop` is set. Raises RuntimeError if the server stops on its own."""
    config = with_dev_tokens(config)
    server = build_server(create_app(config, client=client, runtime=runtime), config)
    serving = asyncio.create_task(_serve(server))
    stopping = asyncio.create_task(stop.wait())
    try:
        done, _ = await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if serving in done:
            serving.result()  # re-raises the start-up failure
            raise RuntimeError("gateway stopped unexpectedly")
    finally:
        stopping.cancel()
        if not serving.done():
            server.should_exit = True
            await serving


async def serve(config: CaseflowConfig) -> None:
    """Entry point of `caseflow gateway`."""
    configure_logging(config.log_format, config.log_level, audit_log=config.audit_log)
    stop = stop_event_on_signals()
    # The worker owns the Prometheus port; a gateway on the same host must not fight for it.
    runtime = init_runtime(config.model_copy(update={"metrics_port": 0}), service_name="gateway")
    log.info("gateway listening", url=f"http://{config.bind_host}:{config.gateway_port}")
    try:
        await run_gateway(config, stop, runtime=runtime)
    finally:
        shutdown_tracing()
