"""A real-clock case opened with a start date in the past, through the real workflow: each
past day is planned on the law known then, no meeting is booked and no certificate asked
for in the past, and the duties already past show as overdue with their own dates."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path

from temporalio.client import Client

from activities.models import MeetingBookingInput
from domain.case.engine import CaseStart
from domain.case.model import PhaseName
from tests.helpers import new_worker
from tests.workflows.driver import case_activities, case_handle, snapshot
from workflows.case_models import CaseClock, CaseWorkflowInput
from workflows.case_workflow import CaseWorkflow

ACTIONS = {"book_meeting", "request_certificate"}


async def test_a_case_migrated_from_2018_books_nothing_in_the_past(
    client: Client, tmp_path: Path
) -> None:
    start = CaseStart(
        case_id="MIG-2018",
        municipality="jammerbugt",
        opened_on=date(2018, 5, 1),
        phase=PhaseName.JOBAFKLARINGSFORLOEB,
    )
    workflow_id = f"case-test-MIG-{uuid.uuid4().hex[:8]}"
    async with new_worker(client, CaseWorkflow, activities=case_activities(tmp_path)) as worker:
        await client.start_workflow(
            CaseWorkflow.run,
            CaseWorkflowInput(start=start, clock=CaseClock()),  # the real clock: today
            id=workflow_id,
            task_queue=worker.task_queue,
        )
        handle = case_handle(client, workflow_id)
        case = await snapshot(handle)
        history = await handle.fetch_history()

    # Schedules never go silent, so the window running today books its duty: that is
    # the present. What must never happen is an action for a duty whose window has passed.
    today = date.today()
    for event in history.events:
        if not event.HasField("activity_task_scheduled_event_attributes"):
            continue
        attributes = event.activity_task_scheduled_event_attributes
        if attributes.activity_type.name not in ACTIONS:
            continue
        assert attributes.activity_type.name == "book_meeting", "no certificate asked for"
        [booking] = await client.data_converter.decode(
            attributes.input.payloads, [MeetingBookingInput]
        )
        assert booking.latest >= today - timedelta(days=1), booking
        assert booking.obligation_id in {o.id for o in case.open_obligations}
    assert case.overdue, "the 2018 duties are overdue"
    # Every window since 2018 ran (schedules never go silent): each duty past is overdue
    # on its own day, and the 2018 ones under the law of 2018.
    for record in case.overdue:
        assert record.due_on < today
        assert record.missed_on is not None and record.missed_on <= today
    of_2018 = [r for r in case.overdue if r.due_on.year == 2018]
    assert of_2018
    for record in of_2018:
        assert record.missed_on is not None and record.missed_on.year == 2018
        assert record.regime != "STANDARD_2020"  # labelled with the law of their own day
    assert all(o.due_on >= date.today() - timedelta(days=1) for o in case.open_obligations)
