"""A roll-out can be stopped and resumed, and survives kill -9 of the worker and of the
server: every case re-planned exactly once, none skipped.

Its own dev server (SQLite file in a temp dir, so it can be killed and started again on
the same data) and a real `caseflow worker` process; the roll-out runs slowly (a low
`rps`) so both kills land while it is under way.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from temporalio.client import Client

from activities.rulebook_store import RulebookStore
from domain.case.engine import CaseStart
from domain.case.model import PhaseName, TimelineKind
from domain.rulebook import load_rulebook
from tests.helpers import free_port, new_workflow_id
from tests.helpers.rulebooks import law_with_rt_weeks
from workers import rollouts
from workers.codec import ensure_key_file
from workers.config import CaseflowConfig
from workers.devserver import DevServer, dev_server_args, resolve_temporal_bin
from workers.rollouts import RolloutScope
from workers.temporal_client import connect
from workflows.case_models import CaseWorkflowInput
from workflows.case_workflow import CaseWorkflow

pytestmark = pytest.mark.e2e

CASES = 24
RPS = 3
SERVER_RPS = 3


def _server(config: CaseflowConfig) -> DevServer:
    args = dev_server_args(config, resolve_temporal_bin(config))
    server = DevServer(args, config.data_dir / "temporal.log")
    server.start()
    return server


def _worker(config: CaseflowConfig, queue: str) -> subprocess.Popen[bytes]:
    env = dict(
        os.environ,
        CASEFLOW_TEMPORAL_ADDRESS=f"127.0.0.1:{config.grpc_port}",
        CASEFLOW_DATA_DIR=str(config.data_dir),
        CASEFLOW_CODEC_KEY_FILE=str(config.codec_key_file),
        CASEFLOW_TASK_QUEUE=queue,
        CASEFLOW_METRICS_PORT="0",
        CASEFLOW_LOG_LEVEL="WARNING",
    )
    log = (config.data_dir / "worker.log").open("ab")
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "caseflow"), "worker"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


async def _client(config: CaseflowConfig) -> Client:
    for _ in range(150):
        try:
            client = await connect(config, address=f"127.0.0.1:{config.grpc_port}")
            await client.count_workflows("WorkflowType = 'CaseWorkflow'")
            return client
        except RuntimeError:
            await asyncio.sleep(0.2)
    raise AssertionError("the dev server did not come back")


async def test_rollout_survives_kill_9_of_worker_and_server(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    ensure_key_file(data / "keys.json")
    config = CaseflowConfig(
        data_dir=data,
        grpc_port=free_port(),
        ui_port=free_port(),
        codec_key_file=data / "keys.json",
        # The batcher's pace is the server's setting (Server 1.32 ignores a job's own
        # rate, measured): slowed down so stop, resume and both kills land mid-way.
        batcher_rps=SERVER_RPS,
    )
    queue = new_workflow_id("kill")
    store = RulebookStore.in_data_dir(data)
    new = store.publish(load_rulebook(law_with_rt_weeks(tmp_path / "law", 6, date(2026, 1, 1))))
    scope = RolloutScope(municipalities=("thisted", "aalborg"), task_queue=queue)
    server = _server(config)
    worker = _worker(config, queue)
    try:
        client = await _client(config)
        ids = []
        for i in range(CASES):
            start = CaseStart(
                case_id=f"KILL-{i}",
                municipality=scope.municipalities[i % 2],
                opened_on=datetime.now(UTC).date(),
                phase=PhaseName.JOBAFKLARINGSFORLOEB,
            )
            handle = await client.start_workflow(
                CaseWorkflow.run, CaseWorkflowInput(start=start), id=f"kill-{i}", task_queue=queue
            )
            ids.append(handle.id)
        for _ in range(300):
            query = rollouts.open_cases_query(scope) + " AND CaseRulebookHash IS NOT NULL"
            if (await client.count_workflows(query)).count == CASES:
                break
            await asyncio.sleep(0.2)
        started = await rollouts.start(
            client, store, new.content_hash, scope, rps=RPS, started_by="t"
        )
        assert started.total == CASES
        with pytest.raises(rollouts.RolloutRefused) as second:
            await rollouts.start(client, store, new.content_hash, scope, rps=RPS, started_by="u")
        assert (second.value.status, second.value.field) == (409, "municipality")

        # Stop and resume: the new job reaches what the first did not.
        await asyncio.sleep(1.5)
        stopped = await rollouts.stop(client, started.rollout_id, "t")
        assert stopped.state == "stopped"
        await asyncio.sleep(1.5)
        paused = await rollouts.status(client, started.rollout_id)
        assert paused.state == "stopped" and 0 < paused.remaining < CASES
        with pytest.raises(rollouts.RolloutRefused) as again:
            await rollouts.stop(client, started.rollout_id, "t")
        assert again.value.field == "rollout_id"
        resumed = await rollouts.resume(client, store, started.rollout_id, rps=RPS, by="t")
        assert resumed.jobs == [started.rollout_id, f"{started.rollout_id}.r1"]

        await asyncio.sleep(1.5)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        await asyncio.sleep(2.0)  # signals keep arriving with no worker
        assert server.pid is not None
        os.kill(server.pid, signal.SIGKILL)
        server.exited()  # reap
        await asyncio.sleep(1.0)
        server = _server(config)
        client = await _client(config)
        middle = await rollouts.status(client, started.rollout_id)
        assert 0 < middle.remaining < CASES  # the kills landed mid-way
        worker = _worker(config, queue)

        for _ in range(600):
            done = await rollouts.status(client, started.rollout_id)
            if done.state == "completed":
                break
            await asyncio.sleep(0.25)
        assert done.state == "completed", done

        for workflow_id in ids:
            handle = client.get_workflow_handle(workflow_id)
            applied = await handle.query(CaseWorkflow.rollouts)
            timeline = await handle.query(CaseWorkflow.timeline)
            snap = await handle.query(CaseWorkflow.case)
            assert snap.rulebook_hash == new.slices[snap.municipality]
            loads = [e.subject for e in timeline if e.kind is TimelineKind.RULES_LOADED]
            assert applied == [started.rollout_id], workflow_id
            assert loads.count(snap.rulebook_hash[:12]) == 1, workflow_id
            replanned = [e for e in timeline if started.rollout_id in e.summary]
            assert [e.subject for e in replanned].count("jaf.1.rt") == 1, workflow_id
    finally:
        if worker.poll() is None:
            worker.terminate()
            worker.wait(timeout=30)
        server.stop()
