"""Record the histories that the replay test replays: `python -m tests.replay.record`.

Run it after an *intended* change to the workflow's commands (and say why in the commit);
never to make a failing replay test pass by accident. Each scenario is driven through the
real workflow on a throw-away dev server and its histories (one per run: the case
continues as new at every phase change) are written next to this file.
`--registry` records the microloan enrolment registry instead: a race of batched
enrolments through several clients, continuing as new during the race.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import uuid
from pathlib import Path

from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.testing import TimeSkippingConfig, WorkflowEnvironment

from activities.enrolment_activity import enrol_in_trial
from activities.enrolment_models import (
    CAP_RULES,
    REGISTRY_WORKFLOW,
    EnrolInTrialInput,
    EnrolmentRegistryInput,
    EnrolmentRequest,
    registry_workflow_id,
)
from domain.case.scenario import Scenario, load_scenario
from tests.helpers import new_worker
from tests.workflows.driver import case_activities, case_handle, drive, move_to, start_case
from workers.config import CaseflowConfig
from workers.devserver import TIME_SKIPPING_FLAGS, resolve_temporal_bin
from workers.temporal_client import data_converter
from workflows.case_models import CaseClock, CaseOpening, CaseWorkflowInput, OpenCaseInput
from workflows.case_workflow import CaseWorkflow
from workflows.enrolment_workflow import EnrolmentWorkflow
from workflows.search_attributes import dev_server_flags

HERE = Path(__file__).parent
SCENARIOS = HERE.parent / "scenarios"
RECORDED = (
    "thisted_sdp_standard_to_jaf",
    "jammerbugt_fk2c_fk2a_across_2020",
    "frederikshavn_rf_fk3h_extension",
    "vesthimmerland_ly_fk3b",
    "jammerbugt_jaf_to_reval_fk3a",
    "aalborg_mikrolaan_fk1a_extension_2021",
    "aalborg_ivaerksaetteri_fk1c_end",
    "vesthimmerland_reval_fk1d_conversations",
    "aalborg_rf_ends_in_fleksjob",
)


async def histories_of(client: Client, workflow_id: str) -> list[str]:
    """Every run of one workflow id, oldest first, as history JSON."""
    runs = [execution async for execution in client.list_workflows(f"WorkflowId = '{workflow_id}'")]
    runs.sort(key=lambda execution: execution.start_time)
    result = []
    for execution in runs:
        handle = client.get_workflow_handle(workflow_id, run_id=execution.run_id)
        result.append((await handle.fetch_history()).to_json())
    return result


def write(name: str, tag: str, histories: list[str]) -> None:
    for index, history in enumerate(histories):
        stem = f"{name}.{tag}" if tag else name
        path = HERE / f"{stem}.run{index}.json"
        path.write_text(json.dumps(json.loads(history), indent=1) + "\n")
        print(f"wrote {path.relative_to(HERE.parent.parent)}")


async def race_registry(env: WorkflowEnvironment, task_queue: str) -> str:
    """100 enrolments for FK-1.a's 80 places from 4 clients, 10 asked twice, 1 outside the
    trial, 2 for 2022 asked before and on the extension's decision day; the registry
    continues as new every 40 requests. Returns its workflow id."""
    workflow_id = registry_workflow_id("FK-1.a", "aalborg")
    await env.client.start_workflow(
        REGISTRY_WORKFLOW,
        EnrolmentRegistryInput(
            trial_id="FK-1.a",
            municipality="aalborg",
            cap_rule=CAP_RULES["FK-1.a"],
            requests_per_run=40,
        ),
        id=workflow_id,
        task_queue=task_queue,
    )
    target = env.client.service_client.config.target_host
    clients = [
        await Client.connect(target, data_converter=env.client.data_converter) for _ in range(4)
    ]

    def ask(n: int, on: str = "2019-05-01", asked_on: str | None = None) -> EnrolInTrialInput:
        request = EnrolmentRequest.model_validate(
            {
                "case_workflow_id": f"case-rec-{n:03d}",
                "target_group": "2.2",
                "on": on,
                "asked_on": asked_on,
            }
        )
        return EnrolInTrialInput(trial_id="FK-1.a", municipality="aalborg", request=request)

    # Two asked for 2022 on either side of the 2021-08-26 extension [003:L19].
    asks = [
        *(ask(n) for n in range(100)),
        *(ask(n) for n in range(10)),
        ask(200, "2023-01-01"),
        ask(201, "2022-03-01", "2021-08-25"),
        ask(202, "2022-03-01", "2021-08-26"),
    ]
    await asyncio.gather(
        *(enrol_in_trial(clients[i % 4], a, task_queue) for i, a in enumerate(asks))
    )
    return workflow_id


async def open_like_the_gateway(client: Client, scenario: Scenario, task_queue: str) -> str:
    """Open the case as the gateway does (update-with-start), then once more as a client
    retry does: the histories then hold the `open_case` update, and every continued run
    carries the opening."""
    workflow_id = f"case-test-{scenario.case.case_id}-{uuid.uuid4().hex[:8]}"
    clock = CaseClock(legal_anchor=scenario.case.opened_on)
    opening = CaseOpening(start=scenario.case, legal_anchor=clock.legal_anchor)
    for _ in range(2):
        request_id = uuid.uuid4().hex
        await client.execute_update_with_start_workflow(
            CaseWorkflow.open_case,
            OpenCaseInput(opening=opening, request_id=request_id),
            start_workflow_operation=WithStartWorkflowOperation(
                CaseWorkflow.run,
                CaseWorkflowInput(start=scenario.case, clock=clock, opened_by=request_id),
                id=workflow_id,
                task_queue=task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            ),
        )
    return workflow_id


async def main(
    names: tuple[str, ...] = RECORDED,
    tag: str = "",
    registry: bool = False,
    via_update: bool = False,
) -> None:
    """Record `names`; a `tag` keeps older histories of the same scenario (their files are
    `<name>.run<i>.json`, the new ones `<name>.<tag>.run<i>.json`) so both keep replaying.
    `via_update`: open each case as the gateway does (`open_like_the_gateway`)."""
    env = await WorkflowEnvironment.start_time_skipping_v2(
        ts_config=TimeSkippingConfig(enabled=False),
        dev_server_existing_path=str(resolve_temporal_bin(CaseflowConfig())),
        dev_server_extra_args=[*TIME_SKIPPING_FLAGS, *dev_server_flags()],
        data_converter=data_converter(),
    )
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            async with new_worker(
                env.client,
                CaseWorkflow,
                EnrolmentWorkflow,
                activities=case_activities(Path(data_dir)),
            ) as worker:
                if registry:
                    workflow_id = await race_registry(env, worker.task_queue)
                    write("enrolment_registry", tag, await histories_of(env.client, workflow_id))
                    return
                for name in names:
                    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
                    if via_update:
                        workflow_id = await open_like_the_gateway(
                            env.client, scenario, worker.task_queue
                        )
                    else:
                        workflow_id = (await start_case(env.client, scenario, worker.task_queue)).id
                    handle = case_handle(env.client, workflow_id)
                    await drive(env, handle, scenario.events)
                    assert scenario.until is not None
                    await move_to(env, handle, scenario.until)
                    write(name, tag, await histories_of(env.client, workflow_id))
    finally:
        await env.shutdown()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("names", nargs="*", default=list(RECORDED), help="scenario names")
    parser.add_argument("--tag", default="", help="keep older histories: <name>.<tag>.run<i>")
    parser.add_argument("--registry", action="store_true", help="record the enrolment registry")
    parser.add_argument("--via-update", action="store_true", help="open cases as the gateway does")
    args = parser.parse_args()
    asyncio.run(main(tuple(args.names), args.tag, args.registry, args.via_update))
