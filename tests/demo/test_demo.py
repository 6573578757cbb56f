"""`caseflow demo` against the session's dev server: the cases exist, in the right phases."""

from __future__ import annotations

import asyncio
from pathlib import Path

from temporalio.client import Client

from domain.case.scenario import load_scenario, run_scenario
from domain.rulebook import load_rulebook
from tests.helpers import new_worker
from tests.workflows.driver import case_activities
from workers.demo import DEMO_SCENARIOS, DemoOutcome, demo_cases, run_demo
from workflows import search_attributes as sa
from workflows.case_workflow import CaseWorkflow

SCENARIOS = Path(__file__).parent.parent / "scenarios"


def test_demo_scenarios_are_the_tested_scenarios_plus_synthetic_extras() -> None:
    """The demo reuses the equivalence scenarios; a drift between the copies is caught."""
    copies = [p for p in DEMO_SCENARIOS.glob("*.yaml") if (SCENARIOS / p.name).exists()]
    assert len(copies) >= 3
    for copy in copies:
        assert load_scenario(copy) == load_scenario(SCENARIOS / copy.name)
    cases = demo_cases()
    assert len({c.scenario.case.municipality for c in cases}) >= 4
    assert all(c.scenario.case.case_id.startswith("SIM-") for c in cases)  # synthetic only
    assert any(  # one case crosses the 2020-01-01 reform
        c.scenario.case.opened_on.year == 2019 and c.until.year == 2020 for c in cases
    )


async def visible(client: Client, query: str, expected: int) -> list[dict[str, object]]:
    """Search attributes as an operator sees them (visibility is eventually consistent)."""
    rows: list[dict[str, object]] = []
    for _ in range(100):
        rows = [
            {
                "id": wf.id,
                "phase": wf.typed_search_attributes.get(sa.CASE_PHASE),
                "regimes": wf.typed_search_attributes.get(sa.CASE_REGIMES),
            }
            async for wf in client.list_workflows(query)
        ]
        if len(rows) >= expected:
            return rows
        await asyncio.sleep(0.1)
    return rows


async def test_demo_creates_cases_once_with_expected_phases_and_regimes(
    client: Client, tmp_path: Path
) -> None:
    cases = demo_cases()
    rulebook = load_rulebook()
    expected = {c.workflow_id: run_scenario(c.scenario, rulebook).state for c in cases}
    async with new_worker(client, CaseWorkflow, activities=case_activities(tmp_path)) as worker:
        first = await run_demo(client, worker.task_queue, show_progress=False)
        again = await run_demo(client, worker.task_queue, show_progress=False)

    assert {r.outcome for r in first} == {DemoOutcome.CREATED}
    assert all(r.refused_events == 0 for r in first)
    for result in first:
        state = expected[result.workflow_id]
        assert result.phase == state.phase.value
        assert result.regimes == state.regimes
    # Re-running finds the cases (still open) and re-sends idempotent events: no duplicates.
    assert {r.outcome for r in again} == {DemoOutcome.RESUMED}
    assert all(r.refused_events == 0 for r in again)

    ids = " or ".join(f"WorkflowId = '{wid}'" for wid in expected)
    # Closed runs of a case are its continue-as-new history; exactly one may be running.
    rows = await visible(client, f"({ids}) and ExecutionStatus = 'Running'", len(expected))
    assert sorted(str(r["id"]) for r in rows) == sorted(expected)
    by_id = {str(r["id"]): r for r in rows}
    for workflow_id, state in expected.items():
        assert by_id[workflow_id]["phase"] == state.phase.value
        assert tuple(by_id[workflow_id]["regimes"] or ()) == state.regimes  # type: ignore[arg-type]
    jammerbugt = next(c for c in cases if c.scenario.case.municipality == "jammerbugt")
    regimes = expected[jammerbugt.workflow_id].regimes
    assert "TRIAL:FK-2.a.1" in regimes and "TRIAL:FK-3.m" in regimes
