"""The bare baseline of the engine benchmark: a case's timers, activities and updates with
no domain logic. Its own module so the workflow sandbox imports nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from temporalio import activity, workflow


@dataclass
class BarePlan:
    opened_on: date
    timer_days: list[int]
    activities_per_update: int


@activity.defn(name="bench_noop")
async def bench_noop(step: int) -> int:
    return step


@workflow.defn
class BareWorkflow:
    """Same timers, activities and updates as a case, with no domain logic."""

    def __init__(self) -> None:
        self._updates = 0
        self._plan: BarePlan | None = None

    @workflow.run
    async def run(self, plan: BarePlan) -> int:
        self._plan = plan
        start = workflow.now()
        for day in plan.timer_days:
            delay = start + timedelta(days=day) - workflow.now()
            if delay > timedelta(0):
                await workflow.sleep(delay)
        await workflow.wait_condition(lambda: False)
        return self._updates

    @workflow.update
    async def report_event(self, event: dict[str, Any]) -> int:
        assert self._plan is not None
        for step in range(self._plan.activities_per_update):
            await workflow.execute_activity(
                bench_noop, step, start_to_close_timeout=timedelta(seconds=30)
            )
        self._updates += 1
        return self._updates

    @workflow.query
    def clock_day(self) -> int:
        return self._updates
