"""Record the histories that the replay test replays: `python -m tests.replay.record`.

Run it after an *intended* change to the workflow's commands (and say why in the commit);
never to make a failing replay test pass by accident. Each scenario is driven through the
real workflow on a throw-away dev server and its histories (one per run: the case
continues as new at every phase change) are written next to this file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from pathlib import Path

from temporalio.client import Client
from temporalio.testing import TimeSkippingConfig, WorkflowEnvironment

from domain.case.scenario import load_scenario
from tests.helpers import new_worker
from tests.workflows.driver import case_activities, case_handle, drive, move_to, start_case
from workers.config import CaseflowConfig
from workers.devserver import TIME_SKIPPING_FLAGS, resolve_temporal_bin
from workers.temporal_client import data_converter
from workflows.case_workflow import CaseWorkflow
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


async def main(names: tuple[str, ...] = RECORDED, tag: str = "") -> None:
    """Record `names`; a `tag` keeps older histories of the same scenario (their files are
    `<name>.run<i>.json`, the new ones `<name>.<tag>.run<i>.json`) so both keep replaying."""
    env = await WorkflowEnvironment.start_time_skipping_v2(
        ts_config=TimeSkippingConfig(enabled=False),
        dev_server_existing_path=str(resolve_temporal_bin(CaseflowConfig())),
        dev_server_extra_args=[*TIME_SKIPPING_FLAGS, *dev_server_flags()],
        data_converter=data_converter(),
    )
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            async with new_worker(
                env.client, CaseWorkflow, activities=case_activities(Path(data_dir))
            ) as worker:
                for name in names:
                    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
                    started = await start_case(env.client, scenario, worker.task_queue)
                    handle = case_handle(env.client, started.id)
                    await drive(env, handle, scenario.events)
                    assert scenario.until is not None
                    await move_to(env, handle, scenario.until)
                    for index, history in enumerate(await histories_of(env.client, started.id)):
                        stem = f"{name}.{tag}" if tag else name
                        path = HERE / f"{stem}.run{index}.json"
                        path.write_text(json.dumps(json.loads(history), indent=1) + "\n")
                        print(f"wrote {path.relative_to(HERE.parent.parent)}")
    finally:
        await env.shutdown()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("names", nargs="*", default=list(RECORDED), help="scenario names")
    parser.add_argument("--tag", default="", help="keep older histories: <name>.<tag>.run<i>")
    args = parser.parse_args()
    asyncio.run(main(tuple(args.names), args.tag))
