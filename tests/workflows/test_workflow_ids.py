"""A case workflow id is never built from an id the case would refuse (issue #13).

The 10,000-case roll-out bench started cases straight through Temporal as `BR-<8 hex>-<i>`;
for i >= 1000, one id in 45 ended `...865371-9990`, CPR-shaped: the case refused it in its
first task (EventRefused on case_id) and 201 of 10,000 openings ended FAILED, their CPR-shaped
ids already in visibility. Refused when the id is built, such a case is never started.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from temporalio.client import Client, WorkflowExecutionStatus

from domain.case.engine import CaseStart
from domain.case.model import PhaseName
from tests.bench.bench_rollout import case_ids, ended_reason
from tests.helpers import new_worker
from tests.workflows.driver import case_activities
from workflows.case_models import CaseWorkflowInput, workflow_id_for
from workflows.case_workflow import CaseWorkflow

# The shape of the id of one of the 201 failed openings; not its random part.
CPR_SHAPED = ("BR-AC010190-9990", "BR-010190-1234", "X-010190 1234", "0101901234")


@pytest.mark.parametrize("case_id", CPR_SHAPED)
def test_a_cpr_shaped_case_id_is_refused_naming_the_field_not_the_value(case_id: str) -> None:
    with pytest.raises(ValueError, match="case_id looks like a CPR number") as refused:
        workflow_id_for("787", case_id)
    assert "010190" not in str(refused.value)


@pytest.mark.parametrize("case_id", ["", "-lead", "has space", "x" * 65])
def test_a_case_id_that_is_not_a_reference_is_refused(case_id: str) -> None:
    with pytest.raises(ValueError, match="case_id must be"):
        workflow_id_for("787", case_id)


def test_a_case_reference_makes_the_workflow_id() -> None:
    assert workflow_id_for("787", "MOM-2019-000123") == "case-787-MOM-2019-000123"
    assert workflow_id_for("849", "SIM-JAM-0001") == "case-849-SIM-JAM-0001"


def test_the_roll_out_bench_makes_ids_every_case_accepts() -> None:
    # 12,000: past the 10,000 of the run, every index width from 1 to 5 digits.
    ids = case_ids(12_000, "QWXZKJ")
    assert len(set(ids)) == 12_000
    assert all(workflow_id_for("787", case_id) for case_id in ids)
    with pytest.raises(ValueError, match="letters only"):
        case_ids(1, "AC8653")


async def test_a_case_started_around_the_check_fails_and_the_bench_decodes_why(
    client: Client, tmp_path: Path
) -> None:
    # What the bench did: a start straight through Temporal, the id made by hand. The case
    # refuses the id in its first task; the failure is encrypted by the codec, and the
    # bench's `ended_reason` (what it prints before it stops) decodes it.
    start = CaseStart(
        case_id="BR-AC010190-9990",
        municipality="thisted",
        opened_on=datetime.now(UTC).date(),
        phase=PhaseName.JOBAFKLARINGSFORLOEB,
    )
    workflow_id = f"case-test-ids-{uuid.uuid4().hex[:8]}"
    async with new_worker(client, CaseWorkflow, activities=case_activities(tmp_path)) as worker:
        handle = await client.start_workflow(
            CaseWorkflow.run,
            CaseWorkflowInput(start=start),
            id=workflow_id,
            task_queue=worker.task_queue,
        )
        reason = await ended_reason(client, workflow_id)
    assert (await handle.describe()).status is WorkflowExecutionStatus.FAILED
    assert "EventRefused" in reason
    assert "case_id looks like a CPR number" in reason
    assert "010190" not in reason
