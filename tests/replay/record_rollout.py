"""Record a history that went through a roll-out: `python -m tests.replay.record_rollout`.

The Thisted trajectory (sygedagpenge -> jobafklaringsforløb -> ressourceforløb) on a
simulated calendar; the day after the JAF decision a roll-out signal names a published
version in which the rehabilitation-team deadline is 6 weeks, so the case loads that
slice (a local activity result in its history) and re-plans; then the story goes on to
its end. Written as `thisted_sdp_standard_to_jaf.rollout.run<i>.json` next to the others.
Run it only for an intended change of the roll-out's commands (`--tag` keeps the older
ones replaying beside the new).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from datetime import date, timedelta
from pathlib import Path

from temporalio.testing import TimeSkippingConfig, WorkflowEnvironment

from activities.rulebook_activity import RulebookActivities
from activities.rulebook_store import RulebookStore
from domain.case.scenario import load_scenario
from domain.rulebook import load_rulebook
from tests.helpers import new_worker
from tests.helpers.rulebooks import law_with_rt_weeks
from tests.replay.record import HERE, SCENARIOS, histories_of
from tests.workflows.driver import case_activities, case_handle, drive, move_to, start_case
from workers.config import CaseflowConfig
from workers.devserver import TIME_SKIPPING_FLAGS, resolve_temporal_bin
from workers.temporal_client import data_converter
from workflows.case_workflow import CaseWorkflow
from workflows.rollout_models import RELOAD_RULES_SIGNAL, ReloadRules
from workflows.search_attributes import dev_server_flags

NAME = "thisted_sdp_standard_to_jaf"
TAG = "rollout"


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
            store = RulebookStore.in_data_dir(data)
            changed = load_rulebook(law_with_rt_weeks(data / "law", 6, date(2019, 1, 1)))
            version = store.publish(changed).content_hash
            activities = [*case_activities(data), RulebookActivities(store).load_published_slice]
            async with new_worker(env.client, CaseWorkflow, activities=activities) as worker:
                scenario = load_scenario(SCENARIOS / f"{NAME}.yaml")
                started = await start_case(env.client, scenario, worker.task_queue)
                handle = case_handle(env.client, started.id)
                split = next(
                    i + 1
                    for i, e in enumerate(scenario.events)
                    if getattr(e, "decision", None) == "jaf_granted"
                )
                await drive(env, handle, scenario.events[:split])
                await move_to(env, handle, scenario.events[split - 1].effective_date + timedelta(1))
                signal = ReloadRules(rollout_id="ro-20190726-000000-000001", version=version)
                await handle.signal(RELOAD_RULES_SIGNAL, signal)
                await handle.signal(RELOAD_RULES_SIGNAL, signal)  # a repeat is a no-op
                await drive(env, handle, scenario.events[split:])
                assert scenario.until is not None
                await move_to(env, handle, scenario.until)
                for index, history in enumerate(await histories_of(env.client, started.id)):
                    path = HERE / f"{NAME}.{tag}.run{index}.json"
                    path.write_text(json.dumps(json.loads(history), indent=1) + "\n")
                    print(f"wrote {path.relative_to(HERE.parent.parent)}")
    finally:
        await env.shutdown()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tag", default=TAG, help="keep older histories: <name>.<tag>.run<i>")
    asyncio.run(main(parser.parse_args().tag))
