"""Where opening a case spends its time (a script, not a test).

`python -m tests.bench.bench_opening [--cases N]`.

Starts the embedded stack as `bench_rollout` does, opens N real-clock cases the same way
(concurrent starts, one visibility wait), then reads a sample of the cases' histories and
splits each task's time into its wait in the queue (scheduled -> started) and its run
(started -> completed), for workflow tasks and activity tasks. It prints the opening rate,
those figures and the events of one case's opening, with the load average beside them:
the 2-core machine is shared, so the figures say how opening scales, not a fixed cost.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from temporalio.api.enums.v1 import EventType

from activities.rulebook_store import RulebookStore
from domain.rulebook import load_rulebook
from tests.bench.bench_gateway import wait_ready
from tests.bench.bench_rollout import _load, _stack, history, open_cases, wait_count
from tests.helpers import free_port
from workers.config import CaseflowConfig
from workers.temporal_client import connect

SAMPLE = 20
# (what is timed, the event that starts the span, the event that ends it)
SPANS = (
    ("workflow task queue", "WORKFLOW_TASK_SCHEDULED", "WORKFLOW_TASK_STARTED"),
    ("workflow task run", "WORKFLOW_TASK_STARTED", "WORKFLOW_TASK_COMPLETED"),
    ("activity queue", "ACTIVITY_TASK_SCHEDULED", "ACTIVITY_TASK_STARTED"),
    ("activity run", "ACTIVITY_TASK_STARTED", "ACTIVITY_TASK_COMPLETED"),
)


def _when(event: Any) -> datetime:
    when: datetime = event.event_time.ToDatetime()
    return when


def spans(events: list[Any]) -> dict[str, list[float]]:
    """Seconds of each span in one history (tasks of one kind run one at a time per case)."""
    found: dict[str, list[float]] = defaultdict(list)
    began: dict[str, datetime] = {}
    for event in events:
        name = EventType.Name(event.event_type).removeprefix("EVENT_TYPE_")
        for label, start, end in SPANS:
            if name == end and start in began:
                found[label].append((_when(event) - began[start]).total_seconds())
        began[name] = _when(event)
    found["whole opening"].append((_when(events[-1]) - _when(events[0])).total_seconds())
    return found


async def bench(n: int, tmp: Path) -> None:
    data = tmp / "data"
    data.mkdir()
    RulebookStore.in_data_dir(data).publish(load_rulebook())
    grpc, ui, gw = free_port(), free_port(), free_port()
    log = (tmp / "stack.log").open("wb")
    stack = _stack(data, grpc, ui, gw, log)
    try:
        await wait_ready(f"http://127.0.0.1:{gw}", stack)
        temporal = await connect(
            CaseflowConfig(codec_key_file=data / "keys.json"), address=f"127.0.0.1:{grpc}"
        )
        began = time.monotonic()
        ids = await open_cases(temporal, n)
        print(f"started {n} workflows in {time.monotonic() - began:.1f} s")
        query = (
            "WorkflowType = 'CaseWorkflow' AND ExecutionStatus = 'Running'"
            " AND CaseRulebookHash IS NOT NULL"
        )
        await wait_count(temporal, query, n, within=max(1800, 1.5 * n))
        opened_s = time.monotonic() - began
        print(f"{n} open cases in {opened_s:.1f} s ({n / opened_s:.1f} cases/s, {_load()})")
        figures: dict[str, list[float]] = defaultdict(list)
        kinds: Counter[str] = Counter()
        for workflow_id in random.Random(1).sample(ids, min(SAMPLE, n)):
            events = await history(temporal, workflow_id)
            kinds = Counter(
                EventType.Name(e.event_type).removeprefix("EVENT_TYPE_") for e in events
            )
            for label, seconds in spans(events).items():
                figures[label].extend(seconds)
        print(f"one opening's {kinds.total()} events: {dict(kinds)}")
        for label, seconds in figures.items():
            print(
                f"{label:20s} n={len(seconds):4d} median {statistics.median(seconds):6.3f} s "
                f"mean {statistics.mean(seconds):6.3f} s max {max(seconds):6.3f} s"
            )
    finally:
        stack.terminate()
        stack.wait(timeout=60)
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-opening-") as tmp:
        asyncio.run(bench(args.cases, Path(tmp)))


if __name__ == "__main__":
    main()
