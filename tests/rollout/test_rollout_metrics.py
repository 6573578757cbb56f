"""Roll-out progress on the gateway's `/metrics`: a real small roll-out on the test server,
scraped until it is done, and the numbers match what `GET /v1/rollouts/{id}` (what
`caseflow rollout status` shows) says."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from temporalio.testing import WorkflowEnvironment

from activities.rulebook_activity import RulebookActivities
from activities.rulebook_store import RulebookStore
from domain.rulebook import load_rulebook
from tests.gateway.conftest import _listening
from tests.helpers import free_port, new_worker
from tests.helpers.rulebooks import law_with_rt_weeks
from tests.workflows.driver import case_activities
from workers.auth import Scope, write_token_file
from workers.config import CaseflowConfig
from workers.gateway.server import run_gateway
from workflows.case_workflow import CaseWorkflow

CASES = 3


@dataclass
class Gateway:
    url: str
    token: str
    version: str


@pytest.fixture(scope="module")
async def gateway(
    env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Gateway]:
    data = tmp_path_factory.mktemp("rollout-metrics")
    store = RulebookStore.in_data_dir(data)
    changed = law_with_rt_weeks(data / "law", 6, date(2026, 1, 1))
    store.publish(load_rulebook())
    version = store.publish(load_rulebook(changed)).content_hash
    token = secrets.token_urlsafe(24)
    scopes = [Scope.READ, Scope.WRITE, Scope.ROLLOUT]
    write_token_file(data / "tokens.yaml", [(token, "operator", ["*"], scopes)])
    activities = [*case_activities(data), RulebookActivities(store).load_published_slice]
    async with new_worker(env.client, CaseWorkflow, activities=activities) as worker:
        port = free_port()
        config = CaseflowConfig(
            namespace=env.client.namespace,
            task_queue=worker.task_queue,
            gateway_port=port,
            gateway_tokens_file=data / "tokens.yaml",
            data_dir=Path(data),
            rollout_progress_refresh=0.2,
        )
        stop = asyncio.Event()
        serving = asyncio.create_task(run_gateway(config, stop, client=env.client))
        await _listening(port, serving)
        try:
            yield Gateway(f"http://127.0.0.1:{port}", token, version)
        finally:
            stop.set()
            await serving


def _samples(text: str, rollout_id: str) -> dict[str, float]:
    """The roll-out's series by metric name (the state gauge as `state:<state>`)."""
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.labels.get("rollout_id") != rollout_id:
                continue
            key = sample.name
            if sample.name == "caseflow_rollout_state":
                key = f"state:{sample.labels['state']}"
            found[key] = sample.value
    return found


async def test_rollout_progress_is_scraped_as_the_status_reports_it(gateway: Gateway) -> None:
    headers = {"Authorization": f"Bearer {gateway.token}"}
    async with httpx.AsyncClient(base_url=gateway.url, headers=headers, timeout=60) as http:
        today = datetime.now(UTC).date().isoformat()
        for i in range(CASES):
            body = {
                "case_id": f"RM-{secrets.token_hex(3)}-{i}",
                "municipality": "thisted",
                "phase": "jobafklaringsforloeb",
                "opened_on": today,
            }
            opened = await http.post("/v1/cases", json=body)
            assert opened.status_code == 201, opened.text
        await asyncio.sleep(1.5)  # visibility lists the new cases
        before = await http.get("/metrics")
        assert before.status_code == 200
        assert "caseflow_rollout_status_age_seconds" in before.text

        wanted = {"version": gateway.version, "municipality": ["thisted"]}
        started = await http.post("/v1/rollouts", json=wanted)
        for _ in range(120):  # the server runs one batch job per namespace at a time
            if started.status_code != 409:
                break
            await asyncio.sleep(0.5)
            started = await http.post("/v1/rollouts", json=wanted)
        assert started.status_code == 201, started.text
        rollout_id = started.json()["rollout_id"]
        assert started.json()["total"] == CASES

        scraped: dict[str, float] = {}
        for _ in range(400):
            scraped = _samples((await http.get("/metrics")).text, rollout_id)
            if scraped.get("state:completed") == 1:
                break
            await asyncio.sleep(0.1)
        status = (await http.get(f"/v1/rollouts/{rollout_id}")).json()

    assert scraped.get("state:completed") == 1, scraped
    assert status["state"] == "completed"
    assert scraped["caseflow_rollout_cases"] == status["total"] == CASES
    assert scraped["caseflow_rollout_cases_replanned"] == status["replanned"] == CASES
    assert scraped["caseflow_rollout_cases_remaining"] == status["remaining"] == 0
    assert scraped["caseflow_rollout_signals_sent"] == status["signalled"] >= CASES
