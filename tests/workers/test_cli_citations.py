"""The CLI shows acts; `--provenance` adds the seed lines, each act named once per line."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from workers.cli.app import app

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "thisted_sdp_standard_to_jaf.yaml"
SEED_LINE = re.compile(r"\[\d{3}:L")


def _run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "400"})
    assert result.exit_code in (0, 1), result.output
    return result.output


def test_simulate_shows_acts_and_provenance_on_request() -> None:
    plain = _run("simulate", "case", str(SCENARIO))
    assert "SDL § 11a" in plain
    assert not SEED_LINE.search(plain)
    with_sources = _run("simulate", "case", "--provenance", str(SCENARIO))
    assert "SDL § 11a [001:L2273]" in with_sources
    for line in with_sources.splitlines():
        assert line.count("SDL § 11a ") <= 1, line  # never the same act twice in one line


def test_rules_explain_shows_acts_and_provenance_on_request() -> None:
    args = ("rules", "explain", "-m", "thisted", "-g", "sygedagpenge", "-d", "2019-03-04")
    plain = _run(*args)
    assert "SDL § 11a" in plain
    assert "SDL § 11a [001:" not in plain  # (reasons may quote seeds; citations do not)
    assert "SDL § 11a [001:" in _run(*args, "--provenance")
