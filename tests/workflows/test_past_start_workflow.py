"""A real-clock case opened with a start date in the past, through the real workflow: each
past day is planned on the law known then, no meeting is booked and no certificate asked
for in the past, and the duties already past show as overdue with their own dates."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path

from temporalio.client import Client

from activities.models import BOOK_MEETING, CertificateRequestInput, MeetingBookingInput
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

    # What is booked or asked for belongs to duties still ahead (the current window's
    # conversations: a schedule never goes silent), never to one of the past.
    ahead = {o.id for o in case.open_obligations if o.due_on >= date.today() - timedelta(days=1)}
    for event in history.events:
        scheduled = event.activity_task_scheduled_event_attributes
        if not event.HasField("activity_task_scheduled_event_attributes"):
            continue
        if scheduled.activity_type.name not in ACTIONS:
            continue
        [request] = await client.data_converter.decode(
            scheduled.input.payloads,
            [
                MeetingBookingInput
                if scheduled.activity_type.name == BOOK_MEETING
                else CertificateRequestInput
            ],
        )
        assert request.obligation_id in ahead, request.obligation_id
    assert case.overdue, "the 2018 duties are overdue"
    assert any(record.due_on.year == 2018 for record in case.overdue)
    for record in case.overdue:
        # Missed on its own date (the day after it fell due), not on the day of migration,
        # and labelled with the law of that day.
        assert record.missed_on is not None
        assert record.missed_on <= record.due_on + timedelta(days=1)
        if record.due_on < date(2020, 1, 1):
            assert record.regime != "STANDARD_2020"
    assert all(o.due_on >= date.today() - timedelta(days=1) for o in case.open_obligations)
