"""`caseflow up`: Temporal dev server + worker + gateway, in the foreground, on one machine.

Process layout, and why: the Temporal server is a child process (it is a Go binary); the
worker and the gateway run in *this* process as two asyncio tasks sharing one Temporal
client and one runtime. In-process because:

- one client connection and one Prometheus endpoint instead of two of each;
- one signal handler and one stop event stop both in order (gateway and worker drain,
  then the server is stopped), with no second layer of child processes to reap;
- start-up is faster on small machines: no second and third Python interpreter importing
  temporalio, FastAPI and the domain.

Production runs them as separate processes (`caseflow worker`, `caseflow gateway`, see
deploy/), which is why both are plain coroutines taking a client and a stop event.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import TextIO

from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client
from temporalio.runtime import Runtime

from workers.citizen_ref import with_dev_key
from workers.config import CaseflowConfig
from workers.devserver import (
    DevServer,
    StackError,
    check_ports,
    dev_server_args,
    prepare_data_dir,
    resolve_temporal_bin,
    with_stack_keys,
)
from workers.gateway.codec_endpoint import is_loopback
from workers.gateway.page_links import with_dev_link_key
from workers.gateway.server import run_gateway
from workers.logging_setup import configure_logging, get_logger
from workers.telemetry import init_runtime, shutdown_tracing
from workers.temporal_client import connect
from workers.worker import run_worker, stop_event_on_signals

log = get_logger(__name__)

EMBEDDED_STICKY_TIMEOUT = 600.0
"""The embedded stack's one worker is the only one that could take a case's task: after a
sticky timeout it would take it anyway, replaying the case's whole history first and
adding two history events (see CaseflowConfig.worker_sticky_timeout)."""


async def _connect_when_ready(config: CaseflowConfig, runtime: Runtime) -> Client:
    client = await connect(config, runtime=runtime, address=config.embedded_address)
    # The port opens before the namespace is registered; only a described namespace
    # means a worker can poll.
    await client.workflow_service.describe_namespace(
        DescribeNamespaceRequest(namespace=config.namespace)
    )
    return client


def banner(config: CaseflowConfig, pid: int | None, seconds: float) -> str:
    host = config.bind_host
    return "\n".join(
        [
            f"caseflow is up ({seconds:.1f} s). Ctrl-C stops everything.",
            f"  Temporal gRPC   {config.embedded_address}  (namespace {config.namespace})",
            f"  Temporal Web UI http://127.0.0.1:{config.ui_port}",
            f"  Gateway         http://{host}:{config.gateway_port}  (/healthz, /readyz, /docs)",
            "  Metrics         "
            + (f"http://{host}:{config.metrics_port}/metrics" if config.metrics_port else "off"),
            f"  Data dir        {config.data_dir.resolve()}  (temporal.db, temporal.log)",
            f"  Task queue      {config.task_queue}; dev server pid {pid}",
        ]
    )


async def _wait_listening(host: str, port: int, tasks: list[asyncio.Task[None]]) -> None:
    connect_host = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104
    while not any(task.done() for task in tasks):
        try:
            _reader, writer = await asyncio.open_connection(connect_host, port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return


async def run_stack(config: CaseflowConfig, *, out: TextIO | None = None) -> None:
    """Run the embedded stack until SIGINT/SIGTERM.

    Raises:
        StackError: bad data dir, port in use, server not starting or dying. The dev server
            is stopped on every exit path, errors included.
    """
    out = out or sys.stderr
    started = time.monotonic()
    configure_logging(config.log_format, config.log_level, audit_log=config.audit_log)
    prepare_data_dir(config.data_dir)
    # Fresh = no SQLite history yet: the first start of this data dir (demo cases then).
    fresh = not (config.data_dir / "temporal.db").exists()
    config, key_created = with_stack_keys(config)
    config = with_dev_key(config)
    config = with_dev_link_key(config)
    if "codec_open_on_loopback" not in config.model_fields_set:
        # The dev server's Web UI has no login, so it cannot send a token: let it decode
        # when nothing listens beyond this machine (README "Web UI decoding").
        config = config.model_copy(update={"codec_open_on_loopback": is_loopback(config.bind_host)})
    if config.worker_sticky_timeout is None:
        config = config.model_copy(update={"worker_sticky_timeout": EMBEDDED_STICKY_TIMEOUT})
    if key_created:
        log.info("payload encryption key created", key_file=str(config.codec_key_file))
    check_ports(config)
    binary = resolve_temporal_bin(config)
    stop = stop_event_on_signals()

    server = DevServer(dev_server_args(config, binary), config.data_dir / "temporal.log")
    # Started before init_runtime: the fork happens while this process has no extra
    # threads, which keeps the preexec hook safe.
    server.start()
    try:
        runtime = init_runtime(config, service_name="caseflow")
        client = await server.wait_ready(
            lambda: _connect_when_ready(config, runtime), within=config.startup_timeout, stop=stop
        )
        if client is None:
            log.info("stopped during start-up")
            return
        await _serve(
            config=config,
            client=client,
            server=server,
            stop=stop,
            started=started,
            out=out,
            demo=fresh and config.demo_on_first_start,
        )
    finally:
        code = server.stop()
        log.info("temporal dev server stopped", exit_code=code)
        shutdown_tracing()


async def _serve(
    *,
    config: CaseflowConfig,
    client: Client,
    server: DevServer,
    stop: asyncio.Event,
    started: float,
    out: TextIO,
    demo: bool = False,
) -> None:
    tasks = [
        asyncio.create_task(run_worker(client, config, stop), name="worker"),
        asyncio.create_task(run_gateway(config, stop, client=client), name="gateway"),
    ]
    watch = asyncio.create_task(server.wait_exit(), name="temporal")
    stopping = asyncio.create_task(stop.wait(), name="stop")
    # "Up" means the gateway accepts connections, so the banner never lies to a script
    # that reads it and immediately calls the gateway.
    await _wait_listening(config.bind_host, config.gateway_port, tasks)
    elapsed = time.monotonic() - started
    print(banner(config, server.pid, elapsed), file=out, flush=True)
    log.info(
        "stack ready",
        grpc=config.embedded_address,
        ui_port=config.ui_port,
        gateway_port=config.gateway_port,
        data_dir=str(config.data_dir),
        startup_seconds=round(elapsed, 2),
    )
    # Not among `tasks`: a demo that fails (or is cut short by Ctrl-C) must not take the
    # stack down; it is idempotent and `caseflow demo` finishes it later.
    demo_task = asyncio.create_task(_demo(client, config, out), name="demo") if demo else None
    failure: str | None = None
    try:
        done, _ = await asyncio.wait({*tasks, watch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if watch in done:
            failure = (
                f"the Temporal dev server exited unexpectedly (code {watch.result()}); "
                f"see {server.log_path}"
            )
        for task in (t for t in tasks if t in done):
            exc = task.exception()
            failure = f"{task.get_name()} stopped unexpectedly: {exc!r}"
    finally:
        stop.set()
        if demo_task is not None:
            demo_task.cancel()
            await asyncio.gather(demo_task, return_exceptions=True)
        results = await asyncio.gather(*tasks, return_exceptions=True)
        watch.cancel()
        stopping.cancel()
    for task, result in zip(tasks, results, strict=True):
        if isinstance(result, BaseException) and failure is None:
            failure = f"{task.get_name()} failed while stopping: {result!r}"
    if failure:
        raise StackError(failure)


async def _demo(client: Client, config: CaseflowConfig, out: TextIO) -> None:
    """First start of a fresh data dir: create the synthetic demo cases (workers.demo)."""
    # Imported here: the demo pulls in the case workflow and the rulebook, which a stack
    # started with --no-demo never needs.
    from workers.demo import run_demo  # noqa: PLC0415

    began = time.monotonic()
    try:
        results = await run_demo(client, config.task_queue, show_progress=out.isatty())
    except Exception as error:  # the stack stays up; the demo can be re-run by hand
        log.warning("demo cases not created", error_type=type(error).__name__)
        return
    log.info(
        "demo cases ready",
        cases=len(results),
        seconds=round(time.monotonic() - began, 1),
        hint="caseflow demo re-runs it idempotently",
    )
