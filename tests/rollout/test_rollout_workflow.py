"""A roll-out on the real dev server: preview, batch signal, re-plan once, bad input."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client, WorkflowHandle

from activities.rulebook_activity import RulebookActivities
from activities.rulebook_store import RulebookStore
from domain.case.engine import CaseStart
from domain.case.model import PhaseName, TimelineKind
from domain.rulebook import load_rulebook
from tests.helpers import new_worker, new_workflow_id
from tests.helpers.rulebooks import law_with_rt_weeks
from tests.workflows.driver import case_activities
from workers import rollouts
from workers.rollouts import RolloutRefused, RolloutScope
from workflows.case_models import CaseWorkflowInput
from workflows.case_workflow import CaseWorkflow
from workflows.rollout_models import ReloadRules

MUNICIPALITIES = ("thisted", "jammerbugt")


async def _start(client: Client, queue: str, municipality: str) -> WorkflowHandle[Any, Any]:
    start = CaseStart(
        case_id=f"RO-{new_workflow_id('x')[-8:]}",
        municipality=municipality,
        opened_on=datetime.now(UTC).date(),
        phase=PhaseName.JOBAFKLARINGSFORLOEB,
    )
    return await client.start_workflow(
        CaseWorkflow.run,
        CaseWorkflowInput(start=start),
        id=new_workflow_id("case-ro"),
        task_queue=queue,
    )


async def _events(handle: WorkflowHandle[Any, Any]) -> int:
    return len([e async for e in handle.fetch_history_events()])


async def _wait_done(client: Client, rollout_id: str) -> rollouts.RolloutStatus:
    for _ in range(300):
        found = await rollouts.status(client, rollout_id)
        if found.state == "completed":
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"roll-out did not finish: {found}")


@pytest.fixture
def store(tmp_path: Path) -> tuple[RulebookStore, str, str]:
    store = RulebookStore(tmp_path / "rulebooks")
    old = store.publish(load_rulebook())
    changed = law_with_rt_weeks(tmp_path / "law", 6, date(2026, 1, 1))
    new = store.publish(load_rulebook(changed))
    return store, old.content_hash, new.content_hash


async def test_preview_then_rollout_replans_each_case_once(
    client: Client, tmp_path: Path, store: tuple[RulebookStore, str, str]
) -> None:
    rulebooks, old, new = store
    activities = [*case_activities(tmp_path), RulebookActivities(rulebooks).load_published_slice]
    async with new_worker(client, CaseWorkflow, activities=activities) as worker:
        scope = RolloutScope(municipalities=MUNICIPALITIES, task_queue=worker.task_queue)
        handles = [await _start(client, worker.task_queue, m) for m in MUNICIPALITIES * 2]
        for handle in handles:
            await handle.query(CaseWorkflow.case)  # started and published
        await asyncio.sleep(1.5)  # visibility catches up
        before = {h.id: await _events(h) for h in handles}

        seen = await rollouts.preview(client, rulebooks, new[:12], scope)
        assert seen.open_cases == len(handles) and seen.cases_affected == len(handles)
        moved = {
            c.workflow_id: {ch.obligation_id: ch.new_due_on for ch in c.changes} for c in seen.cases
        }
        assert all("jaf.1.rt" in m for m in moved.values())

        with pytest.raises(RolloutRefused) as unknown:
            await rollouts.start(client, rulebooks, "ab" * 6, scope, rps=50, started_by="t")
        assert unknown.value.field == "version"
        with pytest.raises(RolloutRefused) as identical:
            await rollouts.start(client, rulebooks, old, scope, rps=50, started_by="t")
        assert identical.value.field == "version"

        started = await rollouts.start(client, rulebooks, new, scope, rps=50, started_by="t")
        assert started.total == len(handles)
        done = await _wait_done(client, started.rollout_id)
        assert done.state == "completed" and done.replanned == len(handles)

        # A repeated signal (a resumed job) is a no-op.
        await handles[0].signal(
            "reload_rules", ReloadRules(rollout_id=started.rollout_id, version=new)
        )
        for handle in handles:
            snap = await handle.query(CaseWorkflow.case)
            timeline = await handle.query(CaseWorkflow.timeline)
            loads = [
                e
                for e in timeline
                if e.kind is TimelineKind.RULES_LOADED and started.rollout_id in e.summary
            ]
            assert len(loads) == 1
            due = {o.id: o.due_on for o in snap.open_obligations}
            assert {k: due[k] for k in moved[handle.id]} == moved[handle.id]
            assert await handle.query(CaseWorkflow.rollouts) == [started.rollout_id]
            added = await _events(handle) - before[handle.id]
            assert added <= 12 + (3 if handle is handles[0] else 0)

        after = await rollouts.preview(client, rulebooks, new, scope)
        assert after.cases_affected == 0
