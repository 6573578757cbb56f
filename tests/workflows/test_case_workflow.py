"""The case workflow on a real dev server, with the case's clock moved per event."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from activities.embedded import OutboxStore
from domain.case.model import ObligationStatus, PhaseName
from domain.case.scenario import load_scenario, run_scenario
from domain.rulebook import load_rulebook
from tests.domain.conftest import make_event
from tests.helpers import new_worker
from tests.workflows.driver import (
    case_activities,
    case_handle,
    comparable,
    drive,
    move_to,
    report,
    snapshot,
    start_case,
)
from workflows.case_workflow import EVENT_REFUSED, CaseWorkflow

SCENARIOS = Path(__file__).parent.parent / "scenarios"
D = date


@pytest.mark.parametrize(
    "name",
    [
        "thisted_sdp_standard_to_jaf",
        "jammerbugt_fk2c_fk2a_across_2020",
        "frederikshavn_rf_fk3h_extension",
        "aalborg_rf_without_fk3h",
        "aalborg_rf_ends_in_fleksjob",
        "vesthimmerland_ly_fk3b",
        "frederikshavn_ly_standard",
        "jammerbugt_jaf_to_reval_fk3a",
    ],
)
async def test_workflow_tells_the_same_story_as_the_pure_core(
    client: Client, env: WorkflowEnvironment, tmp_path: Path, name: str
) -> None:
    """A scenario run through the real workflow (time skipping) gives the pure runner's timeline."""
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    expected = run_scenario(scenario, load_rulebook())
    async with new_worker(client, CaseWorkflow, activities=case_activities(tmp_path)) as worker:
        handle = await start_case(client, scenario, worker.task_queue)
        handle = case_handle(client, handle.id)
        refused = await drive(env, handle, scenario.events)
        assert scenario.until is not None
        final = await move_to(env, handle, scenario.until)
        timeline = await handle.query(CaseWorkflow.timeline)
    assert final.phase is expected.state.phase
    assert comparable(timeline) == comparable(expected.timeline)
    assert refused == [r.split(":")[0] for r in expected.refusals]


async def test_refused_events_leave_no_trace_and_the_case_goes_on(
    client: Client, env: WorkflowEnvironment, tmp_path: Path
) -> None:
    scenario = load_scenario(SCENARIOS / "thisted_sdp_standard_to_jaf.yaml")
    async with new_worker(client, CaseWorkflow, activities=case_activities(tmp_path)) as worker:
        started = await start_case(client, scenario, worker.task_queue)
        handle = case_handle(client, started.id)
        await move_to(env, handle, D(2019, 3, 5))
        bad = {
            "effective_date": make_event(D(2019, 3, 1), "screened", event_id="b1", category=2),
            "documentation": make_event(
                D(2019, 3, 5), "screened", event_id="b2", category=2, documentation="STATUSATTEST"
            ),
            "certificate": make_event(
                D(2019, 3, 5), "certificate_received", event_id="b3", certificate="LAE999"
            ),
            "meeting": make_event(
                D(2019, 3, 5), "meeting_held", event_id="b4", meeting="rt_meeting"
            ),
            "decision": make_event(
                D(2019, 3, 5), "decision_made", event_id="b5", decision="jaf_granted"
            ),
        }
        for field, event in bad.items():
            with pytest.raises(WorkflowUpdateFailedError) as failed:
                await report(handle, event)
            cause = failed.value.cause
            assert isinstance(cause, ApplicationError)
            assert cause.type == EVENT_REFUSED
            assert cause.details[0]["field"] == field
        history = await handle.fetch_history()
        accepted = [
            e
            for e in history.events
            if e.HasField("workflow_execution_update_accepted_event_attributes")
        ]
        assert accepted == []
        good = make_event(D(2019, 3, 5), "screened", event_id="g1", category=2)
        first = await report(handle, good)
        again = await report(handle, good)
        assert again.receipt == first.receipt
        clash = make_event(D(2019, 3, 5), "screened", event_id="g1", category=3)
        with pytest.raises(WorkflowUpdateFailedError) as failed:
            await report(handle, clash)
        assert "already used for a different event" in str(failed.value.cause)
        case = await snapshot(handle)
        assert case.phase is PhaseName.SYGEDAGPENGE
        assert {o.id for o in case.open_obligations} >= {"sdp.documentation", "sdp.followup.1"}


async def test_a_worker_killed_mid_trajectory_resumes_without_duplicate_requests(
    client: Client, env: WorkflowEnvironment, tmp_path: Path
) -> None:
    scenario = load_scenario(SCENARIOS / "thisted_sdp_standard_to_jaf.yaml")
    events = scenario.events
    async with new_worker(client, CaseWorkflow, activities=case_activities(tmp_path)) as worker:
        queue = worker.task_queue
        started = await start_case(client, scenario, queue)
        handle = case_handle(client, started.id)
        await drive(env, handle, events[:3])
    # The first worker is gone (its cache with it); a new one picks the case up from history.
    async with new_worker(
        client, CaseWorkflow, activities=case_activities(tmp_path), task_queue=queue
    ):
        await drive(env, handle, events[3:])
        case = await move_to(env, handle, D(2019, 10, 1))
    assert case.phase is PhaseName.RESSOURCEFORLOEB
    outbox = OutboxStore(tmp_path / "outbox.db")
    requests = outbox.list_certificate_requests(handle.id)
    keys = [r.obligation_id for r in requests]
    assert len(keys) == len(set(keys))
    assert "sdp.documentation" in keys
    bookings = [b.obligation_id for b in outbox.list_meeting_bookings(handle.id)]
    assert len(bookings) == len(set(bookings))


async def test_a_simulated_calendar_is_pinned_to_the_run_start_event(
    client: Client, tmp_path: Path
) -> None:
    # The first task's time can differ on replay; the start event's cannot (see
    # workflows/case_workflow.py::_first_instant). The killed-worker test above is the
    # replay that used to take another branch when the calendar moved by milliseconds.
    scenario = load_scenario(SCENARIOS / "thisted_sdp_standard_to_jaf.yaml")
    async with new_worker(client, CaseWorkflow, activities=case_activities(tmp_path)) as worker:
        started = await start_case(client, scenario, worker.task_queue)
        handle = case_handle(client, started.id)
        await snapshot(handle)
        clock = await handle.query(CaseWorkflow.clock)
        description = await handle.describe()
    assert clock.legal_anchor == scenario.case.opened_on
    assert clock.wall_anchor == description.start_time


async def test_search_attributes_find_the_case_without_personal_data(
    client: Client, env: WorkflowEnvironment, tmp_path: Path
) -> None:
    scenario = load_scenario(SCENARIOS / "jammerbugt_fk2c_fk2a_across_2020.yaml")
    async with new_worker(client, CaseWorkflow, activities=case_activities(tmp_path)) as worker:
        started = await start_case(client, scenario, worker.task_queue)
        handle = case_handle(client, started.id)
        await drive(env, handle, scenario.events[:1])
        description = await handle.describe()
    attributes = {k.name: v for k, v in description.typed_search_attributes}
    assert attributes["CaseMunicipality"] == "jammerbugt"
    assert attributes["CasePhase"] == "sygedagpenge"
    assert attributes["CaseTargetGroup"] == "2.5"
    assert "TRIAL:FK-2.c" in attributes["CaseRegimes"]
    assert attributes["CaseNextDeadlineKind"] in {k.value for k in ObligationStatus} | {
        "certificate",
        "conversation",
        "reassessment",
    }
    assert len(attributes["CaseRulebookHash"]) >= 12
