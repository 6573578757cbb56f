"""A roll-out on the real dev server: preview, batch signal, re-plan once, bad input."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle, WorkflowQueryFailedError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.rulebook_activity import RulebookActivities
from activities.rulebook_store import RulebookStore
from domain.case.engine import CaseStart
from domain.case.model import PhaseName, TimelineKind
from domain.case.rollout import impact
from domain.case.scenario import load_scenario
from domain.rulebook import load_rulebook
from tests.helpers import new_worker, new_workflow_id
from tests.helpers.rulebooks import law_with_rt_weeks
from tests.workflows.driver import (
    case_activities,
    case_handle,
    drive,
    move_to,
    snapshot,
    start_case,
)
from workers import rollouts
from workers.rollouts import RolloutRefused, RolloutScope
from workflows.case_models import CaseWorkflowInput
from workflows.case_workflow import CaseWorkflow
from workflows.rollout_models import ReloadRules

MUNICIPALITIES = ("thisted", "jammerbugt")
SCENARIOS = Path(__file__).parent.parent / "scenarios"


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


async def _started(handle: WorkflowHandle[Any, Any]) -> None:
    """Until the case has loaded its rules (its queries refuse while it starts)."""
    for _ in range(300):
        try:
            await handle.query(CaseWorkflow.case)
            return
        except (WorkflowQueryFailedError, RPCError):
            await asyncio.sleep(0.1)
    raise AssertionError("the case never started")


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
    client: Client,
    tmp_path: Path,
    store: tuple[RulebookStore, str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rulebooks, old, new = store
    activities = [*case_activities(tmp_path), RulebookActivities(rulebooks).load_published_slice]
    async with new_worker(client, CaseWorkflow, activities=activities) as worker:
        scope = RolloutScope(municipalities=MUNICIPALITIES, task_queue=worker.task_queue)
        handles = [await _start(client, worker.task_queue, m) for m in MUNICIPALITIES * 2]
        for handle in handles:
            await _started(handle)
        await asyncio.sleep(1.5)  # visibility catches up
        before = {h.id: await _events(h) for h in handles}
        handle_hashes = {h.id: (await h.query(CaseWorkflow.case)).rulebook_hash for h in handles}

        # The re-plan on a copy is CPU work: it must not run on the event loop's thread.
        threads: set[int] = set()

        def watched(*args: Any) -> Any:
            threads.add(threading.get_ident())
            return impact(*args)

        monkeypatch.setattr("workers.rollouts.impact", watched)
        seen = await rollouts.preview(client, rulebooks, new[:12], scope)
        monkeypatch.undo()
        assert threads and threading.get_ident() not in threads
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
            slice_hash = snap.rulebook_hash or ""
            assert slice_hash != handle_hashes[handle.id]
            loads = [e for e in timeline if e.kind is TimelineKind.RULES_LOADED]
            assert [e.subject for e in loads].count(slice_hash[:12]) == 1
            # Every re-planned line names the roll-out that moved it.
            moved_lines = [e for e in timeline if started.rollout_id in e.summary]
            assert {e.subject for e in moved_lines} >= set(moved[handle.id])
            due = {o.id: o.due_on for o in snap.open_obligations}
            assert {k: due[k] for k in moved[handle.id]} == moved[handle.id]
            assert await handle.query(CaseWorkflow.rollouts) == [started.rollout_id]
            added = await _events(handle) - before[handle.id]
            assert added <= 12 + (3 if handle is handles[0] else 0)

        after = await rollouts.preview(client, rulebooks, new, scope)
        assert after.cases_affected == 0


async def test_a_rolled_out_case_stays_on_its_version_across_continue_as_new(
    client: Client, env: WorkflowEnvironment, tmp_path: Path
) -> None:
    """The Thisted story: rolled out the day after the JAF decision (RT deadline 4 -> 6
    weeks), then on into ressourceforløb (a new run): the new run keeps the rolled-out
    slice, whatever the worker's own files say."""
    rulebooks = RulebookStore(tmp_path / "rulebooks")
    new = rulebooks.publish(load_rulebook(law_with_rt_weeks(tmp_path / "law", 6, date(2019, 1, 1))))
    scenario = load_scenario(SCENARIOS / "thisted_sdp_standard_to_jaf.yaml")
    split = 1 + next(
        i for i, e in enumerate(scenario.events) if getattr(e, "decision", None) == "jaf_granted"
    )
    activities = [*case_activities(tmp_path), RulebookActivities(rulebooks).load_published_slice]
    async with new_worker(client, CaseWorkflow, activities=activities) as worker:
        started = await start_case(client, scenario, worker.task_queue)
        handle = case_handle(client, started.id)
        await drive(env, handle, scenario.events[:split])
        before = await move_to(
            env, handle, scenario.events[split - 1].effective_date + timedelta(1)
        )
        rt_before = {o.id: o.due_on for o in before.open_obligations}["jaf.1.rt"]
        signal = ReloadRules(rollout_id="ro-20190726-000000-000001", version=new.content_hash)
        await handle.signal("reload_rules", signal)
        await handle.signal("reload_rules", signal)
        after = await snapshot(handle)
        for _ in range(100):
            if after.rulebook_hash == new.slices["thisted"]:
                break
            await asyncio.sleep(0.1)
            after = await snapshot(handle)
        assert {o.id: o.due_on for o in after.open_obligations}[
            "jaf.1.rt"
        ] == rt_before + timedelta(weeks=2)
        await drive(env, handle, scenario.events[split:])
        final = await move_to(env, handle, scenario.until or date(2019, 12, 31))
        timeline = await handle.query(CaseWorkflow.timeline)
    assert final.phase is PhaseName.RESSOURCEFORLOEB
    assert final.rulebook_hash == new.slices["thisted"]
    loads = [e.subject for e in timeline if e.kind is TimelineKind.RULES_LOADED]
    assert loads.count(new.slices["thisted"][:12]) == 1
    assert loads[-1] == new.slices["thisted"][:12]  # no later load took it back
    assert any(e.subject == "jaf.1.rt" and signal.rollout_id in e.summary for e in timeline)


NEEDED = Counter(
    {
        "WORKFLOW_EXECUTION_SIGNALED": 1,
        "WORKFLOW_TASK_SCHEDULED": 1,
        "WORKFLOW_TASK_STARTED": 1,
        "WORKFLOW_TASK_COMPLETED": 1,
        "MARKER_RECORDED": 1,  # the version's slice (the local activity's result)
        "WORKFLOW_PROPERTIES_MODIFIED": 1,  # the state snapshot memo
        "UPSERT_WORKFLOW_SEARCH_ATTRIBUTES": 1,  # CaseRulebookHash (and what moved)
    }
)
TIMER_MOVED = Counter({"TIMER_CANCELED": 1, "TIMER_STARTED": 1})


async def _added(handle: WorkflowHandle[Any, Any], before: int) -> list[str]:
    events = [e async for e in handle.fetch_history_events()]
    return [EventType.Name(e.event_type).removeprefix("EVENT_TYPE_") for e in events[before:]]


async def _idle(handle: WorkflowHandle[Any, Any], after: int = 0) -> int:
    """Until the case has more than `after` history events and waits with no task or
    activity pending (its start books meetings first); the number of events then."""
    for _ in range(300):
        raw = (await handle.describe()).raw_description
        if not raw.HasField("pending_workflow_task") and not raw.pending_activities:
            count = await _events(handle)
            if count > after:
                return count
        await asyncio.sleep(0.1)
    raise AssertionError("the case never went to sleep")


async def test_a_rollout_adds_only_the_history_events_it_needs(
    client: Client, tmp_path: Path
) -> None:
    """At most 12 events per case (issue 13), and exactly these: one workflow task holding
    the slice marker, the memo and the search attributes; the wake-up timer is restarted
    only when the re-plan moved the case's next wake-up, never for a law that moves nothing."""
    rulebooks = RulebookStore(tmp_path / "rulebooks")
    # Four weeks from 2026 on: a new slice hash that moves no deadline of a case opened now.
    same = rulebooks.publish(
        load_rulebook(law_with_rt_weeks(tmp_path / "same", 4, date(2026, 1, 1)))
    )
    moved = rulebooks.publish(
        load_rulebook(law_with_rt_weeks(tmp_path / "six", 6, date(2026, 1, 1)))
    )
    activities = [*case_activities(tmp_path), RulebookActivities(rulebooks).load_published_slice]
    # A long sticky timeout: on a loaded machine a task that waits on the cached worker's
    # queue for more than 10 s adds two events of Temporal's own (timed out, rescheduled).
    async with new_worker(
        client,
        CaseWorkflow,
        activities=activities,
        sticky_queue_schedule_to_start_timeout=timedelta(minutes=10),
    ) as worker:
        handles = [await _start(client, worker.task_queue, m) for m in MUNICIPALITIES]
        for handle in handles:
            await _started(handle)
        for n, (version, expected) in enumerate([(same, NEEDED), (moved, NEEDED + TIMER_MOVED)]):
            for handle in handles:
                before = await _idle(handle)
                wanted = version.slices[(await handle.query(CaseWorkflow.case)).municipality]
                await handle.signal(
                    "reload_rules",
                    ReloadRules(
                        rollout_id=f"ro-20261203-00000{n}-00000{n}", version=version.content_hash
                    ),
                )
                # Watched from outside (no query: a query is a task of its own on the worker).
                await _idle(handle, after=before + 1)
                assert (await handle.query(CaseWorkflow.case)).rulebook_hash == wanted
                added = await _added(handle, before)
                assert Counter(added) == expected, " ".join(added)
                assert len(added) <= 12
