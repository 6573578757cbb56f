"""Microloan and graduate-entrepreneur cases on the dev server, with the enrolment registry.

(Racing enrolments for the 80 places: tests/workflows/test_enrolment_race.py.)
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.enrolment_activity import EnrolmentActivities, enrol_in_trial
from activities.enrolment_models import (
    EnrolInTrialInput,
    EnrolmentRequest,
    admission_event,
    registry_workflow_id,
)
from domain.case.engine import CaseStart
from domain.case.model import PhaseName
from domain.case.scenario import Scenario
from tests.domain.conftest import make_event
from tests.helpers import new_worker
from tests.workflows.driver import (
    case_activities,
    case_handle,
    move_to,
    report,
    snapshot,
    start_case,
)
from workflows.case_workflow import EVENT_REFUSED, CaseWorkflow
from workflows.enrolment_workflow import EnrolmentWorkflow

D = date
REGISTRY = registry_workflow_id("FK-1.a", "aalborg")


@asynccontextmanager
async def registry(client: Client, tmp_path: Path) -> AsyncIterator[str]:
    """A worker for cases and the registry; the registry is ended afterwards, because its
    id is fixed per trial and the next test must start from an empty roster."""
    async with new_worker(
        client, CaseWorkflow, EnrolmentWorkflow, activities=case_activities(tmp_path)
    ) as worker:
        try:
            yield worker.task_queue
        finally:
            with suppress(Exception):  # not started by every test
                await client.get_workflow_handle(REGISTRY).terminate("test finished")


def enrolment(
    case_workflow_id: str, on: date, group: str = "2.2", asked_on: date | None = None
) -> EnrolInTrialInput:
    return EnrolInTrialInput(
        trial_id="FK-1.a",
        municipality="aalborg",
        request=EnrolmentRequest(
            case_workflow_id=case_workflow_id, target_group=group, on=on, asked_on=asked_on
        ),
    )


def scenario(municipality: str, phase: PhaseName, opened_on: date, **start: Any) -> Scenario:
    return Scenario(
        name="t",
        case=CaseStart(
            case_id=f"W-{uuid.uuid4().hex[:6]}",
            municipality=municipality,
            opened_on=opened_on,
            phase=phase,
            **start,
        ),
    )


async def test_the_registry_refuses_outside_the_trial(client: Client, tmp_path: Path) -> None:
    async with registry(client, tmp_path) as queue:
        late = await enrol_in_trial(client, enrolment("case-851-L1", D(2023, 1, 1)), queue)
        assert not late.admitted
        assert "ended in Aalborg on 2023-01-01" in late.reason
        group = await enrol_in_trial(client, enrolment("case-851-L2", D(2019, 5, 1), "2.3"), queue)
        assert not group.admitted
        assert "does not cover target group 2.3" in group.reason
        # Through the activity as the worker registers it (client injected).
        activity = EnrolmentActivities(queue, client)
        answer = await ActivityEnvironment(client=client).run(
            activity.enrol, enrolment("case-851-L3", D(2022, 12, 31))
        )
        assert answer.admitted
        assert answer.seat == 1


async def test_the_registry_judges_on_the_law_as_known_on_the_day_asked(
    client: Client, tmp_path: Path
) -> None:
    # FK-1.a ended 2022-01-01 until the extension decided on 2021-08-26 [003:L19] moved
    # the end to 2023-01-01: a seat for March 2022 asked the day before is refused on the
    # end known then; asked on the decision day it is given.
    async with registry(client, tmp_path) as queue:
        before = await enrol_in_trial(
            client, enrolment("case-851-K1", D(2022, 3, 1), asked_on=D(2021, 8, 25)), queue
        )
        assert not before.admitted
        assert "ended in Aalborg on 2022-01-01" in before.reason
        assert before.admitted_count == 0
        on_the_day = await enrol_in_trial(
            client, enrolment("case-851-K2", D(2022, 3, 1), asked_on=D(2021, 8, 26)), queue
        )
        assert on_the_day.admitted
        # Before the old end, the day asked makes no difference.
        early = await enrol_in_trial(
            client, enrolment("case-851-K3", D(2021, 12, 31), asked_on=D(2021, 6, 1)), queue
        )
        assert early.admitted
        # A caller deployed before `asked_on` is judged as known on the day it names.
        legacy = await enrol_in_trial(client, enrolment("case-851-K4", D(2022, 3, 1)), queue)
        assert legacy.admitted


async def test_a_microloan_case_from_referral_to_the_end_of_start_up(
    client: Client, env: WorkflowEnvironment, tmp_path: Path
) -> None:
    """Aalborg 2019: screening, admission via the registry, course, loan, start-up, closed."""
    run = scenario("aalborg", PhaseName.MIKROLAAN_SCREENING, D(2019, 3, 4), target_group="2.12")
    async with registry(client, tmp_path) as queue:
        handle = case_handle(client, (await start_case(client, run, queue)).id)
        n = 0

        async def send(on: date, type: str, **fields: Any) -> None:
            nonlocal n
            n += 1
            await move_to(env, handle, on)
            await report(handle, make_event(on, type, event_id=f"w{n:02d}", **fields))

        await send(D(2019, 3, 11), "decision_made", decision="screening_passed")
        # The gateway's part: ask the registry, report its answer to the case.
        answer = await enrol_in_trial(client, enrolment(handle.id, D(2019, 3, 11), "2.12"), queue)
        assert answer.admitted
        await move_to(env, handle, D(2019, 3, 18))
        await report(handle, admission_event(answer, event_id="admission", on=D(2019, 3, 18)))
        case = await snapshot(handle)
        assert case.phase is PhaseName.MIKROLAAN_COURSE
        assert case.target_group == "2.12"
        for meeting, on in (("pitch_1", D(2019, 4, 18)), ("pitch_2", D(2019, 5, 30))):
            await send(on, "meeting_held", meeting=meeting)
        await send(D(2019, 6, 7), "meeting_held", meeting="closing")
        await send(D(2019, 6, 14), "meeting_held", meeting="launch_preparation")
        await send(D(2019, 6, 16), "decision_made", decision="survey_recorded", kind="course_end")
        await send(D(2019, 6, 16), "decision_made", decision="course_completed")
        await send(
            D(2019, 6, 20), "decision_made", decision="loan_granted", amount_dkk=30000, kind="loan"
        )
        case = await snapshot(handle)
        assert case.phase is PhaseName.MIKROLAAN_STARTUP
        assert "mikrolaan.startup.end" in {o.id for o in case.open_obligations}
        await send(D(2019, 7, 15), "meeting_held", meeting="followup_conversation")
        await send(
            D(2019, 12, 18), "decision_made", decision="survey_recorded", kind="continuation"
        )
        await send(
            D(2019, 12, 19), "decision_made", decision="startup_ended", kind="self_supporting"
        )
        result = await handle.result()
    assert result.last_phase is PhaseName.CLOSED
    assert result.closed_on == D(2019, 12, 19)
    assert any("outcome self_supporting" in e.summary for e in result.timeline)


async def test_a_referral_outside_aalborg_is_refused_by_the_workflow(
    client: Client, tmp_path: Path
) -> None:
    run = scenario("jammerbugt", PhaseName.MIKROLAAN_SCREENING, D(2019, 3, 4))
    async with new_worker(client, CaseWorkflow, activities=case_activities(tmp_path)) as worker:
        handle = await start_case(client, run, worker.task_queue)
        with pytest.raises(WorkflowFailureError) as failed:
            await handle.result()
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == EVENT_REFUSED
    assert "FK-1.a does not cover Jammerbugt" in cause.message
    assert "[001:L3470]" in cause.message


async def test_a_graduate_entrepreneur_registers_a_company_in_frederikshavn(
    client: Client, env: WorkflowEnvironment, tmp_path: Path
) -> None:
    run = scenario(
        "frederikshavn",
        PhaseName.IVAERKSAETTERI,
        D(2019, 2, 1),
        facts={"dimittend.graduate": True},
    )
    async with new_worker(client, CaseWorkflow, activities=case_activities(tmp_path)) as worker:
        handle = case_handle(client, (await start_case(client, run, worker.task_queue)).id)
        await move_to(env, handle, D(2019, 2, 11))
        await report(
            handle,
            make_event(D(2019, 2, 11), "decision_made", event_id="g1", decision="screening_passed"),
        )
        case = await move_to(env, handle, D(2019, 5, 1))
        assert "TRIAL:FK-1.c" in case.regimes
        assert "ivaerk.course.end" in {o.id for o in case.open_obligations}
        await report(
            handle,
            make_event(D(2019, 5, 1), "decision_made", event_id="g2", decision="cvr_registered"),
        )
        result = await handle.result()
    assert result.last_phase is PhaseName.CLOSED
    assert any("dagpenge stop" in e.summary for e in result.timeline)


async def test_a_non_graduate_is_refused_by_the_workflow(client: Client, tmp_path: Path) -> None:
    run = scenario("aalborg", PhaseName.IVAERKSAETTERI, D(2019, 2, 1))
    async with new_worker(client, CaseWorkflow, activities=case_activities(tmp_path)) as worker:
        handle = await start_case(client, run, worker.task_queue)
        with pytest.raises(WorkflowFailureError) as failed:
            await handle.result()
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    assert "graduates (dimittender) only" in cause.message
