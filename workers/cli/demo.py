"""`caseflow demo`: create and drive the synthetic demo cases on a running `caseflow up`."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from workers.cli.output import console as make_console
from workers.codec import keys_configured
from workers.config import CaseflowConfig, ConfigError, load_config
from workers.demo import DemoError, DemoResult, run_demo
from workers.temporal_client import connect

app = typer.Typer(help="Synthetic demo cases on simulated legal calendars.")

EXIT_CONFIG = 2
EXIT_FAILURE = 1


@app.callback(invoke_without_command=True)
def demo(
    *,
    address: Annotated[
        str | None,
        typer.Option(help="Temporal host:port (env CASEFLOW_TEMPORAL_ADDRESS; default 7233)"),
    ] = None,
    namespace: Annotated[
        str | None, typer.Option(help="Namespace (env CASEFLOW_NAMESPACE)")
    ] = None,
    task_queue: Annotated[
        str | None, typer.Option(help="Task queue (env CASEFLOW_TASK_QUEUE)")
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="`caseflow up`'s data dir; its keys.json is used if no key is set"),
    ] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress")] = True,
) -> None:
    """Create (or finish) the demo cases: idempotent, re-running never duplicates a case."""
    try:
        config = load_config(
            {
                "temporal_address": address,
                "namespace": namespace,
                "task_queue": task_queue,
                "data_dir": data_dir,
            }
        )
    except ConfigError as exc:
        typer.echo(f"caseflow: {exc}", err=True)
        raise typer.Exit(EXIT_CONFIG) from None
    config = _with_stack_key(config)
    try:
        results = asyncio.run(_run(config, progress))
    except ConfigError as exc:
        typer.echo(f"caseflow: {exc}", err=True)
        raise typer.Exit(EXIT_CONFIG) from None
    except DemoError as exc:
        typer.echo(f"caseflow demo: {exc}", err=True)
        raise typer.Exit(EXIT_FAILURE) from None
    _print(results)


def _with_stack_key(config: CaseflowConfig) -> CaseflowConfig:
    # Next to a `caseflow up` on this machine the key lives in its data dir; using it
    # saves exporting CASEFLOW_CODEC_KEY_FILE by hand. An explicit key always wins.
    stack_key = config.data_dir / "keys.json"
    if keys_configured(config) or not stack_key.exists():
        return config
    return config.model_copy(update={"codec_key_file": stack_key})


async def _run(config: CaseflowConfig, progress: bool) -> list[DemoResult]:
    client = await connect(config)
    return await run_demo(client, config.task_queue, show_progress=progress and sys.stderr.isatty())


def _print(results: list[DemoResult]) -> None:
    table = Table(title="Demo cases (synthetic)")
    for column in ("workflow id", "outcome", "phase", "regimes", "refused"):
        table.add_column(column, overflow="fold")
    for r in results:
        table.add_row(
            r.workflow_id,
            r.outcome.value,
            r.phase or "-",
            ", ".join(r.regimes),
            str(r.refused_events),
        )
    make_console().print(table)
