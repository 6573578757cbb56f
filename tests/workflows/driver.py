"""Drive a case workflow through a scenario on the dev server, moving its clock per event."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from activities.factory import build_case_activities
from activities.rulebook_activity import load_rule_slice
from domain.case.events import CaseEvent
from domain.case.model import TimelineEntry
from domain.case.scenario import Scenario
from workflows.case_models import (
    CaseClock,
    CaseSnapshot,
    CaseWorkflowInput,
    CaseWorkflowResult,
    ReportEventInput,
)
from workflows.case_workflow import CaseWorkflow

Handle = WorkflowHandle[CaseWorkflow, Any]


def case_activities(data_dir: Path) -> list[Callable[..., Any]]:
    acts = build_case_activities("embedded", data_dir)
    return [acts.request_certificate, acts.book_meeting, acts.notify_citizen, load_rule_slice]


async def start_case(client: Client, scenario: Scenario, task_queue: str) -> Handle:
    return await client.start_workflow(
        CaseWorkflow.run,
        CaseWorkflowInput(
            start=scenario.case, clock=CaseClock(legal_anchor=scenario.case.opened_on)
        ),
        id=f"case-test-{scenario.case.case_id}-{uuid.uuid4().hex[:8]}",
        task_queue=task_queue,
    )


def case_handle(client: Client, workflow_id: str) -> Handle:
    """A handle on the case's *current* run: it follows continue-as-new."""
    return client.get_workflow_handle(workflow_id, result_type=CaseWorkflowResult)


async def snapshot(handle: Handle) -> CaseSnapshot:
    """The case as the workflow sees it (retries while the first task is still running)."""
    for _ in range(100):
        try:
            return await handle.query(CaseWorkflow.case)
        except Exception:  # the query fails until the run has loaded its rules
            await asyncio.sleep(0.05)
    return await handle.query(CaseWorkflow.case)


async def legal_today(env: WorkflowEnvironment, handle: Handle) -> date:
    """The case's legal date now, from its own (possibly fast-forwarded) clock."""
    await snapshot(handle)
    clock = await handle.query(CaseWorkflow.clock)
    return clock.today(await env.get_current_time(handle))


async def move_to(env: WorkflowEnvironment, handle: Handle, day: date) -> CaseSnapshot:
    """Fast-forward the case's clock to legal `day`; wait until it has handled every wake-up
    due by then (the case only looks at itself when a deadline or boundary comes)."""
    await snapshot(handle)
    clock = await handle.query(CaseWorkflow.clock)
    now = await env.get_current_time(handle)
    if day > clock.today(now):
        # Land at noon: the case's timers fire at day boundaries, and a fast-forward that
        # ends exactly on a timer can race on past it to the next one.
        await env.fast_forward(handle, clock.instant(day) + timedelta(hours=12) - now)
    for _ in range(600):
        case = await snapshot(handle)
        if case.closed or case.next_review is None or case.next_review > day:
            return case
        await asyncio.sleep(0.05)
    raise AssertionError(f"case did not catch up with {day} (next review {case.next_review})")


async def report(handle: Handle, event: CaseEvent) -> Any:
    return await handle.execute_update(CaseWorkflow.report_event, ReportEventInput(event=event))


async def drive(env: WorkflowEnvironment, handle: Handle, events: Sequence[CaseEvent]) -> list[str]:
    """Report each event on its date; return the ids of the events the case refused."""
    refused: list[str] = []
    for event in events:
        await move_to(env, handle, event.effective_date)
        try:
            await report(handle, event)
        except WorkflowUpdateFailedError:
            refused.append(event.event_id)
    return refused


def comparable(timeline: Sequence[TimelineEntry]) -> list[tuple[str, str, str, str, str]]:
    """Timeline entries as a sorted list: entries of one day may interleave differently
    between the workflow (timers vs updates) and the pure runner; their content may not."""
    return sorted(
        (e.on.isoformat(), e.kind.value, e.subject, e.summary, e.regime or "") for e in timeline
    )
