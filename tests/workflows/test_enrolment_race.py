"""Hundreds of enrolments race for the microloan's last places on the real dev server.

Every request is answered, admitted or refused with the rulebook's reason; exactly the cap
is admitted, each seat once; a case asked for twice gets one answer. The racers are spread
over several clients, as over several gateway and worker processes: each client keeps one
batch in flight, and more clients than Temporal's 10 updates in flight per workflow send
at once, so the busy path is raced too. One variant lets the racers start the registry,
the other makes it continue as new several times during the race.

Size: `CASEFLOW_RACE_SIZE` (default 120 in CI; the 20-run local check uses 400).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import date
from pathlib import Path

import pytest
from temporalio.client import Client

from activities.enrolment_activity import enrol_in_trial
from activities.enrolment_models import (
    CAP_RULES,
    REGISTRY_WORKFLOW,
    EnrolInTrialInput,
    EnrolmentAnswer,
    EnrolmentRegistryInput,
    EnrolmentRequest,
    registry_workflow_id,
)
from tests.helpers import new_worker
from tests.workflows.driver import case_activities
from workflows.case_workflow import CaseWorkflow
from workflows.enrolment_workflow import EnrolmentWorkflow

RACE_SIZE = int(os.environ.get("CASEFLOW_RACE_SIZE", "120"))
CALLERS = 16
"""Clients racing at once: more than the server's 10 updates in flight per workflow."""
REPEATED = 20
"""Cases that a second caller asks for too, while the race is on."""
CAP = 80
"""FK-1.a's `mikrolaan.participants.max` [001:L3470]; every answer states it as `cap`."""
TRIAL, MUNICIPALITY = "FK-1.a", "aalborg"
REGISTRY = registry_workflow_id(TRIAL, MUNICIPALITY)
ON = date(2019, 5, 1)


def request(case_workflow_id: str) -> EnrolInTrialInput:
    return EnrolInTrialInput(
        trial_id=TRIAL,
        municipality=MUNICIPALITY,
        request=EnrolmentRequest(case_workflow_id=case_workflow_id, target_group="2.2", on=ON),
    )


@asynccontextmanager
async def callers(client: Client) -> AsyncIterator[list[Client]]:
    """`CALLERS` separate connections: each has its own batcher, like its own process."""
    target = client.service_client.config.target_host
    connected = [
        await Client.connect(
            target, namespace=client.namespace, data_converter=client.data_converter
        )
        for _ in range(CALLERS)
    ]
    yield connected


@asynccontextmanager
async def registry_worker(client: Client, tmp_path: Path) -> AsyncIterator[str]:
    async with new_worker(
        client, CaseWorkflow, EnrolmentWorkflow, activities=case_activities(tmp_path)
    ) as worker:
        try:
            yield worker.task_queue
        finally:
            # The registry id is fixed per trial: the next test starts from an empty roster.
            with suppress(Exception):
                await client.get_workflow_handle(REGISTRY).terminate("test finished")


async def race(clients: list[Client], queue: str, tag: str) -> dict[str, list[EnrolmentAnswer]]:
    """Every case asks once, the first `REPEATED` a second time from another client."""
    ids = [f"case-race-{tag}-{n:04d}" for n in range(RACE_SIZE)]
    asks = [(ids[n], clients[n % CALLERS]) for n in range(RACE_SIZE)]
    asks += [(ids[n], clients[(n + 1) % CALLERS]) for n in range(REPEATED)]
    outcomes = await asyncio.gather(
        *(enrol_in_trial(caller, request(case), queue) for case, caller in asks),
        return_exceptions=True,
    )
    failed = [repr(o)[:200] for o in outcomes if isinstance(o, BaseException)]
    assert not failed, f"{len(failed)} requests got no answer, e.g. {sorted(set(failed))[:3]}"
    by_case: dict[str, list[EnrolmentAnswer]] = {case: [] for case in ids}
    for (case, _), outcome in zip(asks, outcomes, strict=True):
        assert isinstance(outcome, EnrolmentAnswer)
        by_case[case].append(outcome)
    return by_case


async def check_outcome(client: Client, by_case: dict[str, list[EnrolmentAnswer]]) -> None:
    assert RACE_SIZE > CAP, "the race must be for the last places"
    assert sum(len(a) for a in by_case.values()) == RACE_SIZE + REPEATED  # all answered
    for case, answers in by_case.items():
        assert len({(a.admitted, a.seat) for a in answers}) == 1, f"{case}: two outcomes"
    first = {case: answers[0] for case, answers in by_case.items()}
    admitted = {case: a.seat for case, a in first.items() if a.admitted}
    refused = [a for a in first.values() if not a.admitted]
    assert len(admitted) == CAP
    assert sorted(seat for seat in admitted.values() if seat) == list(range(1, CAP + 1))
    assert len(refused) == RACE_SIZE - CAP
    for answer in refused:
        assert answer.cap == CAP
        assert f"admits at most {CAP} citizens" in answer.reason
        assert any("[001:L3470]" in c for c in answer.citations)
    roster = await client.get_workflow_handle(REGISTRY).query(EnrolmentWorkflow.roster)
    assert roster.admitted == admitted


@pytest.mark.parametrize("start", ["raced", "continuing"])
async def test_racing_enrolments_admit_exactly_the_cap_and_answer_every_request(
    client: Client, tmp_path: Path, start: str
) -> None:
    async with registry_worker(client, tmp_path) as queue, callers(client) as clients:
        first_run = None
        if start == "continuing":
            # A registry that continues as new every few dozen requests, mid-race.
            handle = await client.start_workflow(
                REGISTRY_WORKFLOW,
                EnrolmentRegistryInput(
                    trial_id=TRIAL,
                    municipality=MUNICIPALITY,
                    cap_rule=CAP_RULES[TRIAL],
                    requests_per_run=RACE_SIZE // 5,
                ),
                id=REGISTRY,
                task_queue=queue,
            )
            first_run = handle.result_run_id
        by_case = await race(clients, queue, start)
        await check_outcome(client, by_case)
        if first_run is not None:
            latest = await client.get_workflow_handle(REGISTRY).describe()
            assert latest.run_id != first_run, "the registry should have continued as new"
        # Asking again after the race: the same seat, the same refusal.
        winner = next(case for case, a in by_case.items() if a[0].admitted)
        loser = next(case for case, a in by_case.items() if not a[0].admitted)
        again = await enrol_in_trial(clients[-1], request(winner), queue)
        assert (again.admitted, again.seat) == (True, by_case[winner][0].seat)
        assert not (await enrol_in_trial(clients[-1], request(loser), queue)).admitted
