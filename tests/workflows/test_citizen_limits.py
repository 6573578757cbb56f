"""The citizen's limit registry on the real dev server: racing claims never exceed the law's
limit, and the claims survive continue-as-new."""

from __future__ import annotations

import asyncio
import secrets
from datetime import date
from pathlib import Path

from temporalio.client import Client, WorkflowExecutionStatus

from activities.citizen_limit_activity import claim_limit
from activities.citizen_limit_models import (
    HOLDINGS_QUERY,
    LIMIT_WORKFLOW,
    REF_LETTERS,
    CitizenLimitInput,
    Holdings,
    limit_workflow_id,
)
from domain.offers.citizen_limits import LimitClaim
from tests.helpers import new_worker
from tests.workflows.driver import case_activities
from workflows.citizen_limits import CitizenLimitWorkflow


def _ref() -> str:
    return "cz_" + "".join(secrets.choice(REF_LETTERS) for _ in range(32))


def _week(n: int) -> LimitClaim:
    return LimitClaim(
        claim_id=f"week-{n}",
        kind="upskilling_weeks",
        case_workflow_id=f"case-787-UP{n}",
        municipality="thisted",
        target_group="2.1",
        on=date(2019, 2, 4),
        weeks=1,
        unemployment_start=date(2019, 1, 7),
    )


async def test_racing_upskilling_claims_of_many_cases_grant_exactly_the_six_weeks(
    client: Client, tmp_path: Path
) -> None:
    ref = _ref()
    async with new_worker(
        client, CitizenLimitWorkflow, activities=case_activities(tmp_path)
    ) as worker:
        answers = await asyncio.gather(
            *(claim_limit(client, ref, _week(n), worker.task_queue) for n in range(40))
        )
        again = await claim_limit(client, ref, _week(0), worker.task_queue)
        holdings: Holdings = await client.get_workflow_handle(limit_workflow_id(ref)).query(
            HOLDINGS_QUERY, result_type=Holdings
        )
    assert sum(a.granted for a in answers) == 6
    assert all("exceed the cap of 6" in a.reason for a in answers if not a.granted)
    assert again == answers[0]
    assert sum(c.weeks for c in holdings.claims) == 6


async def test_the_claims_and_answers_survive_continue_as_new(
    client: Client, tmp_path: Path
) -> None:
    ref = _ref()
    workflow_id = limit_workflow_id(ref)
    async with new_worker(
        client, CitizenLimitWorkflow, activities=case_activities(tmp_path)
    ) as worker:
        first_run = await client.start_workflow(
            LIMIT_WORKFLOW,
            CitizenLimitInput(citizen_ref=ref, requests_per_run=2),
            id=workflow_id,
            task_queue=worker.task_queue,
        )
        one = await claim_limit(client, ref, _week(1), worker.task_queue)
        await claim_limit(client, ref, _week(2), worker.task_queue)  # two: continue as new
        old = client.get_workflow_handle(workflow_id, run_id=first_run.result_run_id)
        for _ in range(100):  # bounded by tries, not by time
            if (await old.describe()).status is WorkflowExecutionStatus.CONTINUED_AS_NEW:
                break
            await asyncio.sleep(0.05)
        assert (await old.describe()).status is WorkflowExecutionStatus.CONTINUED_AS_NEW
        again = await claim_limit(client, ref, _week(1), worker.task_queue)
        three = await claim_limit(client, ref, _week(3), worker.task_queue)
        holdings: Holdings = await client.get_workflow_handle(workflow_id).query(
            HOLDINGS_QUERY, result_type=Holdings
        )
    assert one.granted and again == one  # asked again in the new run: the first answer
    assert three.granted and three.used == 3
    assert sorted(c.claim_id for c in holdings.claims) == ["week-1", "week-2", "week-3"]
