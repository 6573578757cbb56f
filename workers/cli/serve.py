"""`caseflow up`, `caseflow worker`, `caseflow gateway`: the long-running processes.

The heavy modules (Temporal, uvicorn, the gateway app) are imported inside each command, so
`caseflow up --help` stays fast.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from pathlib import Path
from typing import Annotated, Any

import typer

from workers.cli import exit as cli_exit
from workers.config import (
    CaseflowConfig,
    ConfigError,
    LogFormat,
    OtelExporter,
    env_var,
    load_config,
)

app = typer.Typer(pretty_exceptions_show_locals=False)


# Bad configuration is a usage error; a stack that fails at run time is "unavailable" when
# Temporal cannot be reached, else a failure (workers.cli.exit).
EXIT_CONFIG = cli_exit.USAGE
EXIT_FAILURE = cli_exit.FAILURE

# Every option defaults to None = "not given", so CASEFLOW_* env vars and then the model's
# defaults apply; the help text names the env var.
DataDir = Annotated[
    Path | None, typer.Option(help="Data directory (env CASEFLOW_DATA_DIR; default ./.caseflow)")
]
GrpcPort = Annotated[
    int | None, typer.Option(help="Temporal gRPC port (env CASEFLOW_GRPC_PORT; default 7233)")
]
UiPort = Annotated[
    int | None, typer.Option(help="Temporal Web UI port (env CASEFLOW_UI_PORT; default 8233)")
]
GatewayPort = Annotated[
    int | None, typer.Option(help="Gateway HTTP port (env CASEFLOW_GATEWAY_PORT; default 8080)")
]
MetricsPort = Annotated[
    int | None,
    typer.Option(help="Prometheus port, 0 = off (env CASEFLOW_METRICS_PORT; default 9464)"),
]
BindHost = Annotated[
    str | None,
    typer.Option(help="Gateway/metrics interface (env CASEFLOW_BIND_HOST; default 127.0.0.1)"),
]
Address = Annotated[
    str | None,
    typer.Option(
        "--address",
        help="Temporal host:port (env CASEFLOW_TEMPORAL_ADDRESS; default localhost:7233)",
    ),
]
Namespace = Annotated[
    str | None, typer.Option(help="Temporal namespace (env CASEFLOW_NAMESPACE; default default)")
]
TaskQueue = Annotated[str | None, typer.Option(help="Task queue (env CASEFLOW_TASK_QUEUE)")]
LogFormatOpt = Annotated[
    LogFormat | None, typer.Option(help="Log format (env CASEFLOW_LOG_FORMAT; default auto)")
]
OtelOpt = Annotated[
    OtelExporter | None,
    typer.Option(help="Span exporter (env CASEFLOW_OTEL_EXPORTER; default none)"),
]
StartupTimeout = Annotated[
    float | None,
    typer.Option(help="Seconds to wait for Temporal (env CASEFLOW_STARTUP_TIMEOUT; default 30)"),
]


def _config(**overrides: Any) -> CaseflowConfig:
    try:
        return load_config(overrides)
    except ConfigError as exc:
        typer.echo(f"caseflow: {exc}", err=True)
        raise typer.Exit(EXIT_CONFIG) from None


def _run(coro: Coroutine[Any, Any, None]) -> None:
    from workers.devserver import StackError

    try:
        asyncio.run(coro)
    except StackError as exc:
        typer.echo(f"caseflow: error: {exc}", err=True)
        raise typer.Exit(EXIT_FAILURE) from None
    except ConfigError as exc:
        # Found only once running, e.g. no payload encryption key (workers.codec).
        typer.echo(f"caseflow: {exc}", err=True)
        raise typer.Exit(EXIT_CONFIG) from None


@app.command()
def up(
    *,
    data_dir: DataDir = None,
    grpc_port: GrpcPort = None,
    ui_port: UiPort = None,
    gateway_port: GatewayPort = None,
    metrics_port: MetricsPort = None,
    bind_host: BindHost = None,
    namespace: Namespace = None,
    log_format: LogFormatOpt = None,
    otel_exporter: OtelOpt = None,
    startup_timeout: StartupTimeout = None,
    demo_on_first_start: Annotated[
        bool | None,
        typer.Option(
            "--demo/--no-demo",
            help="Create the synthetic demo cases on a fresh data dir (default on)",
        ),
    ] = None,
) -> None:
    """Run Temporal (dev server, SQLite under the data dir), the worker and the gateway."""
    # The embedded stack is the dev stack: its gateway offers the demo features (simulated
    # clocks, fast-forward) unless CASEFLOW_DEMO_FEATURES says otherwise.
    demo_features = None if os.environ.get(env_var("demo_features")) else True
    config = _config(**locals())
    from workers.stack import run_stack

    _run(run_stack(config))


@app.command()
def worker(
    *,
    address: Address = None,
    namespace: Namespace = None,
    task_queue: TaskQueue = None,
    metrics_port: MetricsPort = None,
    bind_host: BindHost = None,
    log_format: LogFormatOpt = None,
    otel_exporter: OtelOpt = None,
    startup_timeout: StartupTimeout = None,
) -> None:
    """Run the background worker against any Temporal frontend until SIGINT/SIGTERM."""
    config = _config(
        temporal_address=address,
        namespace=namespace,
        task_queue=task_queue,
        metrics_port=metrics_port,
        bind_host=bind_host,
        log_format=log_format,
        otel_exporter=otel_exporter,
        startup_timeout=startup_timeout,
    )
    from workers.worker import serve as serve_worker

    _run(serve_worker(config))


@app.command()
def gateway(
    *,
    address: Address = None,
    namespace: Namespace = None,
    gateway_port: GatewayPort = None,
    bind_host: BindHost = None,
    log_format: LogFormatOpt = None,
    otel_exporter: OtelOpt = None,
) -> None:
    """Serve the HTTP gateway (case API, codec endpoint, probes) until SIGINT/SIGTERM."""
    config = _config(
        temporal_address=address,
        namespace=namespace,
        gateway_port=gateway_port,
        bind_host=bind_host,
        log_format=log_format,
        otel_exporter=otel_exporter,
    )
    from workers.gateway import server as gateway_server

    _run(gateway_server.serve(config))
