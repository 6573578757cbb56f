"""Record a roll-out reaching a run that started before roll-outs existed:
`python -m tests.replay.record_rollout_late`.

Such a run never asked the `reload-rules` patch in its first activation, so its replay
takes the `reload-rules-late` path (the patch asked when the signal comes). To get a real
history of it, the first part of the Thisted story runs on a worker of the code *before*
roll-outs (`BEFORE_ROLLOUTS`, extracted with `git archive` into a temporary directory and
run as a subprocess); then that worker stops, today's worker takes the case over (it
replays the old part first, so a non-deterministic change fails right here), a roll-out
signal names a version with a 6-week rehabilitation-team deadline, and the story goes on
to its end. Written as `thisted_sdp_standard_to_jaf.rollout-late.run<i>.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import uuid
from datetime import date
from io import BytesIO
from pathlib import Path

from temporalio.testing import TimeSkippingConfig, WorkflowEnvironment

from activities.rulebook_activity import RulebookActivities
from activities.rulebook_store import RulebookStore
from domain.case.scenario import load_scenario
from domain.rulebook import load_rulebook
from tests.helpers import new_worker
from tests.helpers.rulebooks import law_with_rt_weeks
from tests.replay.record import HERE, SCENARIOS, histories_of
from tests.workflows.driver import case_activities, case_handle, drive, move_to
from workers.config import CaseflowConfig
from workers.devserver import TIME_SKIPPING_FLAGS, resolve_temporal_bin
from workers.temporal_client import data_converter
from workflows.case_workflow import CaseWorkflow
from workflows.rollout_models import RELOAD_RULES_SIGNAL, ReloadRules
from workflows.search_attributes import dev_server_flags

NAME = "thisted_sdp_standard_to_jaf"
TAG = "rollout-late"
BEFORE_ROLLOUTS = "6008651"
"""The last commit on main before the roll-out (reload-rules) was merged."""
REPO = Path(__file__).resolve().parents[2]

_OLD_PART = """
import asyncio, sys
from datetime import timedelta
from pathlib import Path
from temporalio.client import Client
from temporalio.testing import TimeSkipper, TimeSkippingConfig
from domain.case.scenario import load_scenario
from tests.helpers import new_worker
from tests.workflows.driver import case_activities, case_handle, drive, move_to, start_case
from workers.temporal_client import data_converter
from workflows.case_workflow import CaseWorkflow

class Env:  # what the driver asks of a time-skipping environment
    def __init__(self, skipper):
        self.fast_forward, self.get_current_time = skipper.fast_forward, skipper.get_current_time

async def main(address, queue, data, name):
    skipper = TimeSkipper(
        await Client.connect(address, data_converter=data_converter()),
        config=TimeSkippingConfig(enabled=False),
    )
    client, env = skipper.client, Env(skipper)
    scenario = load_scenario(Path("tests/scenarios") / f"{name}.yaml")
    split = 1 + next(
        i for i, e in enumerate(scenario.events) if getattr(e, "decision", None) == "jaf_granted"
    )
    async with new_worker(
        client, CaseWorkflow, activities=case_activities(Path(data)), task_queue=queue
    ):
        handle = case_handle(client, (await start_case(client, scenario, queue)).id)
        refused = await drive(env, handle, scenario.events[:split])
        assert not refused, refused
        day = scenario.events[split - 1].effective_date + timedelta(1)
        await move_to(env, handle, day)
    print(handle.id, day.isoformat(), split, flush=True)

asyncio.run(main(*sys.argv[1:5]))
"""


def _extract(commit: str, into: Path) -> None:
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", commit],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")


async def _listed(env: WorkflowEnvironment, query: str, current: str) -> None:
    for _ in range(600):
        runs = [e.run_id async for e in env.client.list_workflows(query)]
        if len(runs) >= 2 and current in runs:
            return
        await asyncio.sleep(0.2)
    raise AssertionError("visibility never listed the runs")


async def main(tag: str = TAG) -> None:
    env = await WorkflowEnvironment.start_time_skipping_v2(
        ts_config=TimeSkippingConfig(enabled=False),
        dev_server_existing_path=str(resolve_temporal_bin(CaseflowConfig())),
        dev_server_extra_args=[*TIME_SKIPPING_FLAGS, *dev_server_flags()],
        data_converter=data_converter(),
    )
    try:
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp)
            old = data / "before-rollouts"
            _extract(BEFORE_ROLLOUTS, old)
            store = RulebookStore.in_data_dir(data)
            changed = load_rulebook(law_with_rt_weeks(data / "law", 6, date(2019, 1, 1)))
            version = store.publish(changed).content_hash
            queue = f"late-{uuid.uuid4()}"
            target = env.client.service_client.config.target_host
            # The story up to the day after the JAF decision, told by the old code itself
            # (its worker, its scenario file, its client's encoding of the events).
            told = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-c", _OLD_PART, target, queue, str(data / "old"), NAME],
                cwd=old,
                env=dict(os.environ, PYTHONPATH=str(old)),
                stdout=subprocess.PIPE,
                check=True,
            )
            workflow_id, day_text, split_text = told.stdout.decode().split()[-3:]
            day, split = date.fromisoformat(day_text), int(split_text)
            scenario = load_scenario(SCENARIOS / f"{NAME}.yaml")
            handle = case_handle(env.client, workflow_id)
            activities = [*case_activities(data), RulebookActivities(store).load_published_slice]
            async with new_worker(
                env.client, CaseWorkflow, activities=activities, task_queue=queue
            ):
                signal = ReloadRules(rollout_id="ro-20190726-000000-000002", version=version)
                await handle.signal(RELOAD_RULES_SIGNAL, signal)
                await handle.signal(RELOAD_RULES_SIGNAL, signal)  # a repeat is a no-op
                after = await move_to(env, handle, day)
                for _ in range(100):
                    if after.rulebook_hash == store.version(version).slices["thisted"]:
                        break
                    await asyncio.sleep(0.1)
                    after = await move_to(env, handle, day)
                assert after.rulebook_hash == store.version(version).slices["thisted"]
                refused = await drive(env, handle, scenario.events[split:])
                assert not refused, refused
                assert scenario.until is not None
                await move_to(env, handle, scenario.until)
                current = (await handle.describe()).run_id
                # Visibility lists the first run (the old worker's) and the current one.
                await _listed(env, f"WorkflowId = '{workflow_id}'", current)
                for index, history in enumerate(await histories_of(env.client, workflow_id)):
                    path = HERE / f"{NAME}.{tag}.run{index}.json"
                    path.write_text(json.dumps(json.loads(history), indent=1) + "\n")
                    print(f"wrote {path.relative_to(HERE.parent.parent)}")
    finally:
        await env.shutdown()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tag", default=TAG, help="keep older histories: <name>.<tag>.run<i>")
    asyncio.run(main(parser.parse_args().tag))
