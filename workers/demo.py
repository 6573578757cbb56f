"""`caseflow demo`: synthetic cases on simulated legal calendars, for a fresh stack's UI.

Creates a handful of cases across municipalities and regimes (the scenario files in
`workers/demo_scenarios/`, copies of the equivalence scenarios in tests/scenarios plus an
Aalborg case), each on its own simulated calendar (`CaseClock(legal_anchor=opened_on)`),
and drives them: move the case's clock to an event's legal day with per-workflow time
skipping, report the event, repeat, then move on to the scenario's `until` day.

Everything is synthetic: `SIM-*` case references, codes and dates; no person exists
behind any of it.

Idempotent and resumable: workflow ids are fixed (`case-<kommune code>-<case id>`); a case
that exists and is closed is skipped, one that is still running is driven on (events are
idempotent by `event_id`, and the clock only ever moves forward), so re-running after an
interruption completes the demo without duplicating anything.

Time skipping needs a dev server started with the time-skipping flags (`caseflow up`,
the tests' environment); against a production cluster the first fast-forward fails and
the demo stops with a message saying so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import TimeSkipper, TimeSkippingConfig

from domain.case.events import CaseEvent
from domain.case.scenario import Scenario, load_scenario
from domain.rulebook import Rulebook, load_rulebook
from workers.logging_setup import get_logger
from workflows import case_details
from workflows.case_models import (
    CaseClock,
    CaseSnapshot,
    CaseWorkflowInput,
    CaseWorkflowResult,
    ReportEventInput,
    workflow_id_for,
)
from workflows.case_workflow import CaseWorkflow

__all__ = [
    "DEMO_SCENARIOS",
    "DemoCase",
    "DemoError",
    "DemoOutcome",
    "DemoResult",
    "demo_cases",
    "run_demo",
]

DEMO_SCENARIOS = Path(__file__).with_name("demo_scenarios")
CATCH_UP_POLLS = 600
POLL_SECONDS = 0.05

log = get_logger(__name__)

Handle = WorkflowHandle[Any, CaseWorkflowResult]


class DemoError(Exception):
    """The demo cannot run here (e.g. no per-workflow time skipping on this server)."""


class DemoOutcome(StrEnum):
    CREATED = "created"
    RESUMED = "resumed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class DemoCase:
    """One synthetic case: its scenario and where its workflow lives."""

    scenario: Scenario
    workflow_id: str
    municipality_code: str

    @property
    def until(self) -> date:
        if self.scenario.until is not None:
            return self.scenario.until
        last = self.scenario.events[-1].effective_date if self.scenario.events else None
        return last or self.scenario.case.opened_on

    @property
    def label(self) -> str:
        return f"{self.scenario.case.municipality} {self.scenario.case.case_id}"


@dataclass(frozen=True)
class DemoResult:
    workflow_id: str
    outcome: DemoOutcome
    phase: str | None
    regimes: tuple[str, ...]
    refused_events: int


def demo_cases(
    directory: Path = DEMO_SCENARIOS, rulebook: Rulebook | None = None
) -> list[DemoCase]:
    """The demo's cases, in file-name order, with their fixed workflow ids."""
    rules = rulebook or load_rulebook()
    cases = []
    for path in sorted(directory.glob("*.yaml")):
        scenario = load_scenario(path)
        code = str(rules.municipality(scenario.case.municipality).code)
        cases.append(
            DemoCase(
                scenario=scenario,
                workflow_id=workflow_id_for(code, scenario.case.case_id),
                municipality_code=code,
            )
        )
    return cases


async def run_demo(
    client: Client,
    task_queue: str,
    *,
    cases: Sequence[DemoCase] | None = None,
    console: Console | None = None,
    show_progress: bool = True,
    concurrency: int = 4,
) -> list[DemoResult]:
    """Create (or resume) the demo cases and drive them to their `until` day.

    Args:
        client: a caseflow client (its codec encrypts the demo's payloads like any other).
        task_queue: where caseflow's worker polls.
        cases: default `demo_cases()`.
        console: where the progress bar goes (default stderr).
        show_progress: a rich progress bar; off for `caseflow up` when not on a terminal.
        concurrency: cases driven at once (each fast-forward is a server-side wait).

    Raises:
        DemoError: the server does not support per-workflow time skipping.
    """
    chosen = list(demo_cases() if cases is None else cases)
    # TimeSkipper clones the client and stamps "time skipping configured, off" on every
    # start, so the demo moves each case's clock only when it says so (fast_forward).
    skipper = TimeSkipper(client, config=TimeSkippingConfig(enabled=False))
    limit = asyncio.Semaphore(concurrency)
    progress = Progress(
        TextColumn("{task.description:<34}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        console=console or Console(stderr=True),
        disable=not show_progress,
        transient=False,
    )

    async def one(case: DemoCase) -> DemoResult:
        task = progress.add_task(case.label, total=len(case.scenario.events) + 1, status="")
        async with limit:
            return await _drive_case(skipper, task_queue, case, progress, task)

    with progress:
        results = await asyncio.gather(*(one(c) for c in chosen))
    for result in results:
        log.info(
            "demo case",
            workflow_id=result.workflow_id,
            outcome=result.outcome.value,
            phase=result.phase,
            refused_events=result.refused_events,
        )
    return list(results)


async def _drive_case(
    skipper: TimeSkipper, task_queue: str, case: DemoCase, progress: Progress, task: Any
) -> DemoResult:
    client = skipper.client
    handle: Handle = client.get_workflow_handle(case.workflow_id, result_type=CaseWorkflowResult)
    outcome = await _start_or_find(client, task_queue, case, handle)
    if outcome is DemoOutcome.SKIPPED:
        progress.update(task, completed=len(case.scenario.events) + 1, status="exists")
        return DemoResult(case.workflow_id, outcome, None, (), 0)
    refused = 0
    for event in case.scenario.events:
        progress.update(task, status=f"{event.effective_date} {event.type}")
        await _move_to(skipper, handle, event.effective_date)
        if not await _report(handle, event):
            refused += 1
        progress.advance(task)
    progress.update(task, status=f"to {case.until}")
    final = await _move_to(skipper, handle, case.until)
    progress.update(task, advance=1, status=final.phase.value)
    return DemoResult(case.workflow_id, outcome, final.phase.value, final.regimes, refused)


async def _start_or_find(
    client: Client, task_queue: str, case: DemoCase, handle: Handle
) -> DemoOutcome:
    try:
        description = await handle.describe()
    except RPCError as error:
        if error.status is not RPCStatusCode.NOT_FOUND:
            raise
    else:
        if description.status is WorkflowExecutionStatus.RUNNING:
            return DemoOutcome.RESUMED
        return DemoOutcome.SKIPPED
    start = case.scenario.case
    clock = CaseClock(legal_anchor=start.opened_on)
    shown = case_details.start_metadata(start, load_rulebook(), clock)
    try:
        await client.start_workflow(
            CaseWorkflow.run,
            CaseWorkflowInput(start=start, clock=clock),
            id=case.workflow_id,
            task_queue=task_queue,
            # A fixed id that is never reused: a second demo run (or two at once) finds
            # the case instead of starting a duplicate.
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            static_summary=shown.summary,
            static_details=shown.details,
        )
    except WorkflowAlreadyStartedError:
        return DemoOutcome.RESUMED
    return DemoOutcome.CREATED


async def _snapshot(handle: Handle) -> CaseSnapshot:
    """The case as the workflow sees it, retried while its first task is still running."""
    last: Exception | None = None
    for _ in range(CATCH_UP_POLLS):
        try:
            return await handle.query(CaseWorkflow.case)
        except Exception as error:  # CaseNotReady, or no worker polling yet: retry
            last = error
            await asyncio.sleep(POLL_SECONDS)
    raise DemoError(f"case {handle.id} did not answer its query: {type(last).__name__}")


async def _move_to(skipper: TimeSkipper, handle: Handle, day: date) -> CaseSnapshot:
    """Fast-forward the case to noon of legal `day`; wait until it has handled its wake-ups.

    Noon, because the case's timers fire at legal day boundaries and a fast-forward that
    ends exactly on a timer can race on to the next one (tests/workflows/driver.py).
    """
    case = await _snapshot(handle)
    clock = await handle.query(CaseWorkflow.clock)
    now = await skipper.get_current_time(handle)
    if day > clock.today(now):
        target = clock.instant(day) + timedelta(hours=12)
        try:
            await skipper.fast_forward(handle, target - now)
        except RPCError as error:
            raise DemoError(
                "this Temporal server does not fast-forward workflows (per-workflow time "
                "skipping is off); run the demo against `caseflow up`'s embedded server "
                f"({error.status.name})"
            ) from None
    for _ in range(CATCH_UP_POLLS):
        case = await _snapshot(handle)
        if case.closed or case.next_review is None or case.next_review > day:
            return case
        await asyncio.sleep(POLL_SECONDS)
    raise DemoError(f"case {handle.id} did not catch up with {day}")


async def _report(handle: Handle, event: CaseEvent) -> bool:
    """Report `event`; False if the case refused it (the demo goes on)."""
    try:
        await handle.execute_update(CaseWorkflow.report_event, ReportEventInput(event=event))
    except WorkflowUpdateFailedError as error:
        # Only the event id and type are logged: a refusal reason is the rules' words, but
        # the demo treats every case text as if it were personal anyway.
        log.warning(
            "demo event refused",
            workflow_id=handle.id,
            event_id=event.event_id,
            event_type=event.type,
            error_type=type(error.cause).__name__,
        )
        return False
    return True
