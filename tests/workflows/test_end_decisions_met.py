"""A ressourceforløb ended by its next step meets its end decision, on a real dev server
(patch `end-decisions-met`): in the case's obligations, its timeline and the state snapshot
its memo holds, at the cost of one patch marker per case -- in a new case's first run (it
stands for `lean-history`), or in the first run of an older case that meets the new code.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from domain.case.model import ObligationStatus, PhaseName, TimelineKind
from domain.case.scenario import load_scenario, run_scenario
from domain.rulebook import load_rulebook
from tests.helpers import new_worker
from tests.replay.record import histories_of
from tests.workflows.driver import case_activities, case_handle, drive, move_to, start_case
from workflows.case_models import CaseClock, CaseWorkflowInput
from workflows.case_workflow import END_DECISIONS_MET, LEAN_HISTORY, CaseWorkflow
from workflows.rollout_models import STATE_MEMO, StateMemo

SCENARIO = Path(__file__).parent.parent / "scenarios" / "aalborg_rf_ends_in_fleksjob.yaml"
END = "rf.end.1"
GRANT = "fleksjob_granted"


def _patches(run: list[HistoryEvent]) -> list[str]:
    """The patch ids a run recorded, in order."""
    found = []
    for event in run:
        marker = event.marker_recorded_event_attributes
        if marker.marker_name != "core_patch":
            continue
        data = marker.SerializeToString()
        found += [p for p in (END_DECISIONS_MET, LEAN_HISTORY) if p.encode() in data]
    return found


async def _runs(client: Client, workflow_id: str) -> list[list[HistoryEvent]]:
    return [
        list(WorkflowHistory.from_json(workflow_id, r).events)
        for r in await histories_of(client, workflow_id)
    ]


async def test_a_new_case_meets_the_end_decision_with_one_marker(
    client: Client, env: WorkflowEnvironment, tmp_path: Path
) -> None:
    scenario = load_scenario(SCENARIO)
    async with new_worker(client, CaseWorkflow, activities=case_activities(tmp_path)) as worker:
        started = await start_case(client, scenario, worker.task_queue)
        handle = case_handle(client, started.id)
        assert await drive(env, handle, scenario.events) == []
        assert scenario.until is not None
        final = await move_to(env, handle, scenario.until)
        obligations = {o.id: o for o in await handle.query(CaseWorkflow.obligations)}
        timeline = await handle.query(CaseWorkflow.timeline)
        described = await handle.describe()
        memo = await described.memo_value(STATE_MEMO, type_hint=StateMemo)
        runs = await _runs(client, started.id)

    assert final.phase is PhaseName.FLEKSJOB
    assert obligations[END].status is ObligationStatus.MET
    assert str(obligations[END].met_on) == "2020-05-20"
    lines = [(e.kind, e.on.isoformat()) for e in timeline if e.subject == END]
    assert lines[-1] == (TimelineKind.OBLIGATION_MET, "2020-05-20")
    assert TimelineKind.OBLIGATION_WITHDRAWN not in {kind for kind, _ in lines}
    assert memo.case_state().obligations[END].status is ObligationStatus.MET
    # One marker for the whole case, the newest patch's; the continued run asks nothing.
    assert [_patches(run) for run in runs] == [[END_DECISIONS_MET], []]


async def test_a_case_started_before_the_patch_meets_it_once(
    client: Client, env: WorkflowEnvironment, tmp_path: Path
) -> None:
    """A lean run continued from a case started before the patch (its input carries
    `lean_history` only): it asks the patch once, and the decision it takes is met."""
    scenario = load_scenario(SCENARIO)
    grant = next(i for i, e in enumerate(scenario.events) if getattr(e, "decision", "") == GRANT)
    before = scenario.model_copy(
        update={
            "events": scenario.events[:grant],
            "until": scenario.events[grant - 1].effective_date,
        }
    )
    carried = run_scenario(before, load_rulebook()).state
    assert carried.obligations[END].status is ObligationStatus.OPEN
    workflow_id = f"case-test-old-{uuid.uuid4().hex[:8]}"
    async with new_worker(client, CaseWorkflow, activities=case_activities(tmp_path)) as worker:
        await client.start_workflow(
            CaseWorkflow.run,
            CaseWorkflowInput(
                state=carried,
                start=scenario.case,
                clock=CaseClock(legal_anchor=carried.today),
                lean_history=True,
            ),
            id=workflow_id,
            task_queue=worker.task_queue,
        )
        handle = case_handle(client, workflow_id)
        assert await drive(env, handle, scenario.events[grant:]) == []
        assert scenario.until is not None
        await move_to(env, handle, scenario.until)
        obligations = {o.id: o for o in await handle.query(CaseWorkflow.obligations)}
        runs = await _runs(client, workflow_id)

    assert obligations[END].status is ObligationStatus.MET
    assert [_patches(run) for run in runs] == [[END_DECISIONS_MET], []]
