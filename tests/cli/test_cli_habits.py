"""`caseflow` as a script sees it: version, help, exit codes, piped output."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from tests.helpers import free_port
from workers import __version__
from workers.cli import COMMANDS
from workers.cli import exit as cli_exit

SCENARIOS = Path(__file__).parents[1] / "scenarios"


def caseflow(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workers.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


def test_version_prints_the_package_version() -> None:
    for flag in ("--version", "-V"):
        done = caseflow(flag)
        assert done.returncode == 0
        assert done.stdout.strip() == f"caseflow {__version__}"


def test_help_lists_every_command_with_its_modules_own_help_and_the_exit_codes() -> None:
    done = caseflow("--help")
    assert done.returncode == 0
    for name, lazy in COMMANDS.items():
        group = typer.main.get_group(importlib.import_module(lazy.module).app)
        command = group if lazy.command is None else group.commands[lazy.command]
        declared = (command.help or "").strip().splitlines()[0]
        assert declared == lazy.help, name
        assert f"  {name}" in done.stdout
        assert lazy.help in done.stdout
    assert cli_exit.HELP in done.stdout


def test_help_and_version_load_neither_typer_nor_temporal() -> None:
    probe = (
        "import sys; from workers.cli import main; sys.argv = ['caseflow', '--help']; main(); "
        "heavy = sorted(m for m in ('typer', 'temporalio', 'fastapi', 'pydantic', 'rich') "
        "if m in sys.modules); print('HEAVY', heavy)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "HEAVY []" in done.stdout


def test_a_sub_command_still_resolves_and_shows_its_own_help() -> None:
    done = caseflow("case", "show", "--help")
    assert done.returncode == 0
    assert "--json" in done.stdout


def test_an_unknown_command_and_a_missing_argument_are_usage_errors() -> None:
    assert caseflow("no-such-command").returncode == cli_exit.USAGE
    assert caseflow("case", "show").returncode == cli_exit.USAGE


def test_an_unreachable_gateway_exits_unavailable() -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    done = caseflow("case", "show", "thisted", "X-1", "--url", closed, "--token", "t" * 32)
    assert done.returncode == cli_exit.UNAVAILABLE
    assert "cannot reach the gateway" in done.stderr


def test_a_piped_table_is_not_cut_at_80_columns() -> None:
    scenario = SCENARIOS / "jammerbugt_fk2c_fk2a_across_2020.yaml"
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    done = subprocess.run(
        [sys.executable, "-m", "workers.cli", "simulate", "case", str(scenario)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    lines = done.stdout.splitlines()
    assert max(len(line) for line in lines) > 80
    assert not any("…" in line for line in lines)


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (404, cli_exit.NOT_FOUND),
        (422, cli_exit.REFUSED),
        (409, cli_exit.REFUSED),
        (403, cli_exit.REFUSED),
        (503, cli_exit.UNAVAILABLE),
        (500, cli_exit.FAILURE),
    ],
)
def test_http_statuses_map_to_distinct_exit_codes(status: int, code: int) -> None:
    assert cli_exit.for_http_status(status) == code
