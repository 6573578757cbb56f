"""The `caseflow` command line: one entry point, one sub-command module per concern."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from pathlib import Path
from typing import Annotated, Any

import typer

from workers import cli_case, cli_demo, cli_reports, cli_rules, cli_simulate, cli_whatif
from workers.config import (
    CaseflowConfig,
    ConfigError,
    LogFormat,
    OtelExporter,
    env_var,
    load_config,
)
from workers.devserver import StackError
from workers.gateway import server as gateway_server
from workers.stack import run_stack
from workers.worker import serve as serve_worker

app = typer.Typer(
    name="caseflow",
    help="Durable, auditable orchestrator for jobcentre case trajectories.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(cli_rules.app, name="rules")
app.add_typer(cli_simulate.app, name="simulate")
app.add_typer(cli_reports.app, name="report")
app.add_typer(cli_demo.app, name="demo")
app.add_typer(cli_case.app, name="case")
app.command("whatif")(cli_whatif.whatif)


# Exit codes: 2 = bad configuration (like a usage error), 1 = the stack failed at run time.
EXIT_CONFIG = 2
EXIT_FAILURE = 1

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
    _run(gateway_server.serve(config))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
