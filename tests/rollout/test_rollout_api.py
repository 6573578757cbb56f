"""The roll-out API over real HTTP: scope, refusals naming the field, nothing changed."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner, Result

from activities.rulebook_activity import RulebookActivities
from activities.rulebook_store import RulebookStore
from domain.rulebook import load_rulebook
from tests.helpers import free_port, new_worker
from tests.helpers.rulebooks import law_with_rt_weeks
from tests.workflows.driver import case_activities
from workers.auth import Scope, write_token_file
from workers.cli import exit as cli_exit
from workers.cli.app import app as cli_app
from workers.config import CaseflowConfig
from workers.gateway.server import run_gateway
from workflows.case_workflow import CaseWorkflow

CLIENTS = {
    "operator": (["*"], [Scope.READ, Scope.WRITE, Scope.ROLLOUT]),
    "thisted": (["thisted"], [Scope.READ, Scope.WRITE, Scope.ROLLOUT]),
    "reader": (["*"], [Scope.READ]),
}


@dataclass
class Stack:
    url: str
    tokens: dict[str, str]
    old: str
    new: str
    temporal: Client

    def http(self, who: str) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return httpx.AsyncClient(base_url=self.url, headers=headers, timeout=60)


async def _listening(port: int, task: asyncio.Task[None]) -> None:
    for _ in range(400):
        if task.done():
            task.result()
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.025)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise AssertionError("gateway did not listen")


@pytest.fixture(scope="module")
async def stack(
    env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    data = tmp_path_factory.mktemp("rollout-api")
    store = RulebookStore.in_data_dir(data)
    old = store.publish(load_rulebook()).content_hash
    new = store.publish(load_rulebook(law_with_rt_weeks(data / "law", 6, date(2026, 1, 1))))
    tokens = {name: secrets.token_urlsafe(24) for name in CLIENTS}
    write_token_file(data / "tokens.yaml", [(tokens[n], n, m, s) for n, (m, s) in CLIENTS.items()])
    activities = [*case_activities(data), RulebookActivities(store).load_published_slice]
    async with new_worker(env.client, CaseWorkflow, activities=activities) as worker:
        port = free_port()
        config = CaseflowConfig(
            namespace=env.client.namespace,
            task_queue=worker.task_queue,
            gateway_port=port,
            gateway_tokens_file=data / "tokens.yaml",
            data_dir=Path(data),
        )
        stop = asyncio.Event()
        serving = asyncio.create_task(run_gateway(config, stop, client=env.client))
        await _listening(port, serving)
        try:
            yield Stack(f"http://127.0.0.1:{port}", tokens, old, new.content_hash, env.client)
        finally:
            stop.set()
            await serving


async def _open(http: httpx.AsyncClient, municipality: str, n: int) -> None:
    today = datetime.now(UTC).date().isoformat()
    for i in range(n):
        body = {
            "case_id": f"RO-{municipality[:3].upper()}-{secrets.token_hex(3)}-{i}",
            "municipality": municipality,
            "phase": "jobafklaringsforloeb",
            "opened_on": today,
        }
        answer = await http.post("/v1/cases", json=body)
        assert answer.status_code == 201, answer.text


async def test_rollout_api_refuses_bad_input_and_changes_nothing(stack: Stack) -> None:
    async with stack.http("operator") as op, stack.http("thisted") as th:
        await _open(op, "thisted", 3)
        await _open(op, "aalborg", 2)
        await asyncio.sleep(1.5)  # visibility

        refused = await stack.http("reader").get(
            "/v1/rollouts/preview", params={"version": stack.new}
        )
        assert refused.status_code == 403

        seen = await th.get("/v1/rollouts/preview", params={"version": stack.new[:12]})
        assert seen.status_code == 200, seen.text
        body = seen.json()
        assert set(body["by_municipality"]) == {"thisted"} and body["cases_affected"] == 3
        assert body["cases"][0]["changes"][0]["change"] == "moved"

        cases = [
            ({"version": "0" * 12}, 422, "version"),
            ({"version": "not-a-hash"}, 422, "version"),
            ({"version": stack.old}, 422, "version"),
            ({"version": stack.new, "municipality": ["aalborg"]}, 403, "municipality"),
            ({"version": stack.new, "municipality": ["atlantis"]}, 422, "municipality"),
            ({"version": stack.new, "trial": "FK-99"}, 422, "trial"),
            ({"version": stack.new, "rps": 0}, 422, "rps"),
        ]
        for body, status, field in cases:
            answer = await th.post("/v1/rollouts", json=body)
            assert (answer.status_code, answer.json()["field"]) == (status, field), body
        assert (await op.get("/v1/rollouts")).json() == []

        first = await th.post("/v1/rollouts", json={"version": stack.new, "rps": 1})
        assert first.status_code == 201, first.text
        rollout = first.json()
        assert rollout["municipalities"] == ["thisted"] and rollout["total"] == 3
        # A second roll-out while this one runs: tests/rollout/test_rollout_kill.py (this
        # server signals too fast for the first to be still running reliably).

        # Another client's view: aalborg-only scope would not see it; the operator does.
        assert (await op.get(f"/v1/rollouts/{rollout['rollout_id']}")).status_code == 200
        assert (await th.get("/v1/rollouts/ro-nope")).json()["field"] == "rollout_id"

        for _ in range(200):
            progress = (await th.get(f"/v1/rollouts/{rollout['rollout_id']}")).json()
            if progress["state"] == "completed":
                break
            await asyncio.sleep(0.25)
        assert progress["replanned"] == 3 and progress["remaining"] == 0

        # Aalborg was never touched; its cases still preview a change.
        left = (await op.get("/v1/rollouts/preview", params={"version": stack.new})).json()
        assert left["by_municipality"] == {"aalborg": {"cases": 2, "moved": 4}}


async def test_cli_previews_and_shows_rollouts_through_the_gateway(stack: Stack) -> None:
    runner = CliRunner()
    common = ["--url", stack.url, "--token", stack.tokens["operator"]]

    def cli(*args: str) -> Result:
        return runner.invoke(cli_app, ["rollout", *args, *common])

    # Sync HTTP inside: off the event loop that serves the gateway.
    shown = await asyncio.to_thread(cli, "preview", stack.new[:12], "--json")
    assert shown.exit_code == 0, shown.output
    assert '"cases_affected"' in shown.output
    listed = await asyncio.to_thread(cli, "status")
    assert listed.exit_code == 0 and "ro-" in listed.output
    refused = await asyncio.to_thread(cli, "start", "0" * 12)
    assert refused.exit_code == cli_exit.REFUSED
    assert "[version]" in refused.output
