"""What a case writes into its Temporal history, on a real dev server: only what changed.

The Thisted story (sygedagpenge -> jobafklaringsforløb -> ressourceforløb, three runs)
driven to its end, then its histories read event by event (see `LEAN_HISTORY` in
`workflows/case_workflow.py`): one patch marker for the whole case, continued runs that
republish nothing they were handed, and a step's actions scheduled in one workflow task.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from activities.errors import REQUEST_REJECTED, business_failure
from activities.factory import build_case_activities
from activities.models import BOOK_MEETING, MeetingBookingInput, MeetingBookingResult
from activities.rulebook_activity import load_rule_slice
from domain.case.model import CaseState, ObligationRecord, TimelineKind
from domain.case.scenario import load_scenario, run_scenario
from domain.rulebook import load_rulebook
from tests.helpers import new_worker
from tests.replay.record import histories_of
from tests.workflows.driver import case_activities, case_handle, drive, move_to, start_case
from workflows.case_workflow import CaseWorkflow
from workflows.rollout_models import STATE_MEMO, StateMemo
from workflows.search_attributes import CASE_PHASE

SCENARIO = Path(__file__).parent.parent / "scenarios" / "thisted_sdp_standard_to_jaf.yaml"
E = EventType


class Told(NamedTuple):
    """A case's histories, and what it shows at the end: its memo's snapshot, its phase
    search attribute and its obligations as the workflow has them."""

    runs: list[list[HistoryEvent]]
    memo: CaseState
    phase: str | None
    obligations: list[ObligationRecord]


async def _thisted(client: Client, env: WorkflowEnvironment, tmp_path: Path) -> Told:
    scenario = load_scenario(SCENARIO)
    async with new_worker(client, CaseWorkflow, activities=case_activities(tmp_path)) as worker:
        started = await start_case(client, scenario, worker.task_queue)
        handle = case_handle(client, started.id)
        assert await drive(env, handle, scenario.events) == []
        assert scenario.until is not None
        await move_to(env, handle, scenario.until)
        runs = await histories_of(client, started.id)
        described = await handle.describe()
        memo = await described.memo_value(STATE_MEMO, type_hint=StateMemo)
        obligations = await handle.query(CaseWorkflow.obligations)
    return Told(
        runs=[list(WorkflowHistory.from_json(started.id, r).events) for r in runs],
        memo=memo.case_state(),
        phase=described.typed_search_attributes.get(CASE_PHASE),
        obligations=obligations,
    )


def _first_task(events: list[HistoryEvent]) -> list[HistoryEvent]:
    """The commands of a run's first workflow task that gave any: after its completion, up to
    the next event that is not a command's (a timer's start is the last command of a sleeping
    run). A slow local activity makes the SDK complete a task with no commands to keep its
    lease, so on a loaded machine the first completion can be empty."""
    ends = (
        E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
        E.EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED,
        E.EVENT_TYPE_WORKFLOW_EXECUTION_TIME_SKIPPING_TRANSITIONED,
    )
    for completed, event in enumerate(events):
        if event.event_type != E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
            continue
        commands = []
        for after in events[completed + 1 :]:
            if after.event_type in ends:
                break
            commands.append(after)
        if commands:
            return commands
    return []


async def test_a_case_records_one_patch_marker_and_continued_runs_republish_nothing(
    client: Client, env: WorkflowEnvironment, tmp_path: Path
) -> None:
    told = await _thisted(client, env, tmp_path)
    runs = told.runs
    assert len(runs) == 3  # the story's two phase changes

    markers = [
        [e for e in run if e.marker_recorded_event_attributes.marker_name == "core_patch"]
        for run in runs
    ]
    # The first run's one marker stands for every patch; continued runs carry it.
    assert [len(m) for m in markers] == [1, 0, 0]
    change_versions = [
        e
        for run in runs
        for e in run
        if "TemporalChangeVersion"
        in e.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields
    ]
    assert len(change_versions) == 1

    for run in runs[1:]:
        commands = {EventType.Name(e.event_type) for e in _first_task(run)}
        assert "EVENT_TYPE_MARKER_RECORDED" in commands  # the rule slice: the task was read
        assert "EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES" not in commands
        assert "EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED" not in commands
        started = run[0].workflow_execution_started_event_attributes
        assert STATE_MEMO in started.memo.fields  # handed on with continue-as-new

    # What the case shows the roll-out preview and operators is still the case as it is.
    assert told.memo.phase.value == told.phase == "ressourceforloeb"
    assert {o.id: o.status for o in told.memo.obligations.values()} == {
        o.id: o.status for o in told.obligations
    }


async def test_a_steps_actions_are_scheduled_in_one_workflow_task(
    client: Client, env: WorkflowEnvironment, tmp_path: Path
) -> None:
    runs = (await _thisted(client, env, tmp_path)).runs
    tasks_per_update: dict[str, set[int]] = defaultdict(set)
    for run_index, run in enumerate(runs):
        update: str | None = None
        for event in run:
            if event.event_type == E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
                accepted = event.workflow_execution_update_accepted_event_attributes
                update = f"{run_index}:{accepted.protocol_instance_id}"
            elif event.event_type == E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
                update = None
            elif event.event_type == E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED and update:
                scheduled = event.activity_task_scheduled_event_attributes
                tasks_per_update[update].add(scheduled.workflow_task_completed_event_id)
    activities = sum(
        1 for run in runs for e in run if e.event_type == E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    )
    # The JAF decision asks for its RT meeting, the LÆ265 and six conversations at once.
    assert activities > len(tasks_per_update) > 1
    assert all(len(tasks) == 1 for tasks in tasks_per_update.values()), tasks_per_update


REFUSED = "jaf.1.conversation.w1.3"


async def test_a_refused_action_leaves_the_others_of_its_step_performed_in_order(
    client: Client, env: WorkflowEnvironment, tmp_path: Path
) -> None:
    """The booking system refuses one of the JAF decision's conversations: the refusal
    is on the case's timeline where the booking would have been, every other action of
    the step is performed, and the refused duty stays open without a receipt."""
    real = build_case_activities("embedded", tmp_path)

    @activity.defn(name=BOOK_MEETING)
    async def book_meeting(input: MeetingBookingInput) -> MeetingBookingResult:
        if input.obligation_id == REFUSED:
            raise business_failure(REQUEST_REJECTED, f"obligation {REFUSED} refused")
        return await real.book_meeting(input)

    scenario = load_scenario(SCENARIO)
    expected = run_scenario(scenario, load_rulebook())
    activities: list[Callable[..., Any]] = [
        real.request_certificate,
        book_meeting,
        real.notify_citizen,
        load_rule_slice,
    ]
    async with new_worker(client, CaseWorkflow, activities=activities) as worker:
        started = await start_case(client, scenario, worker.task_queue)
        handle = case_handle(client, started.id)
        assert await drive(env, handle, scenario.events) == []
        assert scenario.until is not None
        await move_to(env, handle, scenario.until)
        timeline = await handle.query(CaseWorkflow.timeline)
        obligations = {o.id: o for o in await handle.query(CaseWorkflow.obligations)}

    def actions(entries: list[tuple[str, str]]) -> list[str]:
        return [subject for kind, subject in entries]

    performed = [(e.kind.value, e.subject) for e in timeline if e.kind in _ACTIONS]
    core = [(e.kind.value, e.subject) for e in expected.state.timeline if e.kind in _ACTIONS]
    assert actions(performed) == actions(core)  # the same duties, in the core's order
    assert (TimelineKind.ACTION_FAILED.value, REFUSED) in performed
    assert [p for p in performed if p[0] == TimelineKind.ACTION_FAILED.value] == [
        (TimelineKind.ACTION_FAILED.value, REFUSED)
    ]
    assert REFUSED not in obligations or obligations[REFUSED].receipt is None


_ACTIONS = (TimelineKind.ACTION_PERFORMED, TimelineKind.ACTION_FAILED)
