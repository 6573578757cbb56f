"""The `caseflow` command line: one entry point, one sub-command module per concern.

Start-up is kept cheap (tests/bench/bench_cli.py measures it): `caseflow --help` and
`caseflow --version` are answered from this module, which imports nothing but
`workers.cli.exit`; any other command goes to the lazy typer group of `workers.cli.app`,
which imports a command's module only when that command runs. `COMMANDS` is the single
place where a command's name, module and one-line help live.
"""

from __future__ import annotations

import sys
from typing import NamedTuple

from workers.cli import exit as cli_exit


class Lazy(NamedTuple):
    module: str
    help: str
    command: str | None = None
    """A single command of the module's typer app; None: the whole app is a group."""


HELP = "Durable, auditable orchestrator for jobcentre case trajectories."

COMMANDS: dict[str, Lazy] = {
    "up": Lazy(
        "workers.cli.serve",
        "Run Temporal (dev server, SQLite under the data dir), the worker and the gateway.",
        "up",
    ),
    "worker": Lazy(
        "workers.cli.serve",
        "Run the background worker against any Temporal frontend until SIGINT/SIGTERM.",
        "worker",
    ),
    "gateway": Lazy(
        "workers.cli.serve",
        "Serve the HTTP gateway (case API, codec endpoint, probes) until SIGINT/SIGTERM.",
        "gateway",
    ),
    "rules": Lazy("workers.cli.rules", "Validate and explain the rulebook (law as dated data)."),
    "simulate": Lazy(
        "workers.cli.simulate", "Run scenario files through the pure trajectory core."
    ),
    "report": Lazy("workers.cli.reports", "Reports over many cases, computed by the pure core."),
    "demo": Lazy("workers.cli.demo", "Synthetic demo cases on simulated legal calendars."),
    "case": Lazy(
        "workers.cli.case",
        "Cases through the gateway: start, event, show, timeline, list (advance on `up`).",
    ),
    "whatif": Lazy(
        "workers.cli.whatif",
        "Run COHORT under each --regime; report duties, DKK and phase days, and the difference.",
        "whatif",
    ),
    "rollout": Lazy(
        "workers.cli.rollout",
        "Roll a published rulebook version out to running cases: publish, preview, start, "
        "status, stop, resume.",
    ),
}


def caseflow_version() -> str:
    # The package's own constant (pyproject reads it too): importlib.metadata would cost
    # as much as the rest of `caseflow --version`.
    from workers import __version__

    return __version__


def top_level_help() -> str:
    """`caseflow --help`, written from the listing without loading typer."""
    width = max(len(name) for name in COMMANDS) + 2
    rows = "\n".join(f"  {name:{width}}{lazy.help}" for name, lazy in COMMANDS.items())
    return (
        "Usage: caseflow [OPTIONS] COMMAND [ARGS]...\n\n"
        f"  {HELP}\n\n"
        "Options:\n"
        "  -V, --version  Print the version and exit.\n"
        "  -h, --help     Show this message and exit.\n\n"
        f"Commands:\n{rows}\n\n"
        f"{cli_exit.HELP}\n"
    )


def _fast_path(argv: list[str]) -> bool:
    if argv in ([], ["--help"], ["-h"]):
        sys.stdout.write(top_level_help())
        return True
    if argv in (["--version"], ["-V"]):
        sys.stdout.write(f"caseflow {caseflow_version()}\n")
        return True
    return False


def main() -> None:
    if _fast_path(sys.argv[1:]):
        return
    from workers.cli.app import app

    app(prog_name="caseflow")
