"""`caseflow case …` against a real gateway: a missing case and a refused event exit
with their own codes, so a script can tell them apart."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from tests.gateway.conftest import Gateway
from tests.gateway.test_api import start_case
from workers.cli import exit as cli_exit


async def caseflow(gateway: Gateway, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CASEFLOW_GATEWAY_URL": gateway.url,
        "CASEFLOW_GATEWAY_TOKEN": gateway.tokens["thisted"],
    }
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "workers.cli", "case", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


async def test_a_missing_case_exits_not_found(gateway: Gateway) -> None:
    done = await caseflow(gateway, "show", "thisted", "NO-SUCH-CASE")
    assert done.returncode == cli_exit.NOT_FOUND, done.stderr
    assert "404" in done.stderr


async def test_a_refused_event_exits_refused_and_a_good_one_exits_ok(gateway: Gateway) -> None:
    case_id = await start_case(gateway)
    refused = await caseflow(
        gateway,
        "event",
        "thisted",
        case_id,
        "screened",
        "category=2",
        "--id",
        "e-cli",
        "--date",
        "2001-01-01",
    )
    assert refused.returncode == cli_exit.REFUSED, refused.stderr
    assert "event_refused" in refused.stderr and "[date]" in refused.stderr
    shown = await caseflow(gateway, "show", "thisted", case_id, "--json")
    assert shown.returncode == cli_exit.OK, shown.stderr
