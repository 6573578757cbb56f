"""Benchmark of the trajectory engine (a script, not a test): `python -m tests.bench.bench_engine`.

Prints:
1. Pure core against a frozen baseline: this tree's core and the core at commit
   `BASELINE_COMMIT` (checked out by the script into a temporary `git worktree`), each in its
   own process, run on the same 600 case-years in alternating slices; the per-round ratio
   new/old with its median and spread (floor: median >= 4x). Absolute speeds differ 2.5x
   between machines of this kind, so only the same-run ratio binds.
2. Pure core in this process: case-years/s, against looking at the case every day, and per
   committed scenario (informative).
3. Workflows: case workflows and bare workflows doing the same timers, activities and
   updates, in alternating rounds on one dev server with per-workflow time skipping; the
   per-round throughput ratio case/bare with its median and spread (floor: median >= 0.8,
   i.e. caseflow's own overhead at most 25 %).
4. History events per case-year and the largest single run's history (floor: <= 300).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from temporalio.api.enums.v1 import EventType
from temporalio.client import (
    Client,
    WorkflowHistory,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.service import RPCError
from temporalio.testing import TimeSkippingConfig, WorkflowEnvironment

from domain.case.events import CaseEvent
from domain.case.scenario import (
    Scenario,
    ScenarioResult,
    load_scenario,
    run_scenario,
    run_scenario_every_day,
)
from domain.rulebook import Rulebook, load_rulebook
from tests.bench.bare_workflow import BarePlan, BareWorkflow, bench_noop
from tests.helpers import new_worker
from tests.replay.record import histories_of
from tests.workflows.driver import case_activities, case_handle, report, start_case
from workers.config import CaseflowConfig
from workers.devserver import TIME_SKIPPING_FLAGS, resolve_temporal_bin
from workers.temporal_client import data_converter
from workflows.case_workflow import CaseWorkflow
from workflows.search_attributes import dev_server_flags

SCENARIO = Path(__file__).parent.parent / "scenarios" / "thisted_sdp_standard_to_jaf.yaml"
# Municipalities where the scenario's events are valid as written (no FK-2.c choice needed).
MUNICIPALITIES = ("thisted", "aalborg", "frederikshavn", "hjoerring", "broenderslev", "laesoe")


OPENING_DAYS = 300
"""The scenario is opened on one of this many consecutive days. Its events stay valid as
written for all of them: from day 302 its screening falls under 2020 law, which asks the
caseworker to choose the documentation."""


def year_scenario(index: int) -> Scenario:
    """Case `index`: the scenario in municipality `index % 6`, with every date moved on by
    `index // 6` days (modulo `OPENING_DAYS`). Cases differ in their dates, so an answer
    the core keeps for one case's dates is not simply found again for the next one."""
    base = load_scenario(SCENARIO)
    count = len(MUNICIPALITIES)
    data = _later(base.model_dump(), timedelta(days=(index // count) % OPENING_DAYS))
    data["case"] |= {"case_id": f"BENCH-{index:05d}", "municipality": MUNICIPALITIES[index % count]}
    return one_year(Scenario.model_validate(data))


def _later(value: Any, days: timedelta) -> Any:
    """Every date in a scenario's data moved on by `days`."""
    if isinstance(value, date):
        return value + days
    if isinstance(value, dict):
        return {key: _later(item, days) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_later(item, days) for item in value]
    return value


def one_year(scenario: Scenario) -> Scenario:
    """The scenario run on to one year after its case opens: one case-year."""
    return scenario.model_copy(update={"until": scenario.case.opened_on + timedelta(days=365)})


Runner = Callable[[Scenario, Rulebook], ScenarioResult]


@lru_cache(maxsize=1)
def _rulebook() -> Rulebook:
    return load_rulebook()  # read and validated once per benchmark, not once per figure


def case_years_per_second(
    scenarios: Sequence[Scenario], runner: Runner = run_scenario, seconds: float = 3.0
) -> float:
    """Each scenario is one case-year; they run in turn on this one core."""
    rulebook = _rulebook()
    for scenario in scenarios:
        runner(scenario, rulebook)  # warm: rule slices compiled once per municipality
    runs, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for scenario in scenarios:
            runner(scenario, rulebook)
            runs += 1
    return runs / (time.perf_counter() - started)


PURE_CASES = 600
"""Distinct case-years in the headline figure: 100 opening days in 6 municipalities."""


def bench_pure(seconds: float = 3.0) -> float:
    """The headline figure: the Thisted trajectory (10 events, three phases), 600 distinct
    case-years (100 opening days in 6 municipalities), each run in turn."""
    scenarios = [year_scenario(i) for i in range(PURE_CASES)]
    return case_years_per_second(scenarios, seconds=seconds)


def committed_years() -> list[tuple[str, Scenario]]:
    """Every committed scenario, run on to one year after it opens."""
    paths = sorted(SCENARIO.parent.glob("*.yaml"))
    return [(path.stem, one_year(load_scenario(path))) for path in paths]


# --- the frozen baseline -----------------------------------------------------------------

BASELINE_COMMIT = "c06831a"
"""The core the 4x floor is measured against (issue 14, "Numbers")."""

REPO = Path(__file__).resolve().parents[2]
ARM_SCRIPT = Path(__file__).with_name("core_arm.py")


@contextmanager
def frozen_tree(commit: str) -> Iterator[Path]:
    """The repository at `commit`, checked out into a temporary worktree, removed after."""
    with tempfile.TemporaryDirectory(prefix="caseflow-baseline-") as parent:
        tree = Path(parent) / "tree"
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--quiet", "--detach", str(tree), commit],
            check=True,
        )
        try:
            yield tree
        finally:
            subprocess.run(
                ["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)], check=False
            )


class CoreArm:
    """One core under test in its own process (see `core_arm.py`): started, warmed, then
    asked for one timed slice at a time, so the parent can alternate the arms."""

    def __init__(self, tree: Path, scenarios_json: Path) -> None:
        self.tree = tree
        self.process = subprocess.Popen(
            # -P: the script's own folder (this tree's tests/bench) is not put on the path.
            [sys.executable, "-P", str(ARM_SCRIPT), str(scenarios_json)],
            cwd=tree,
            env={**os.environ, "PYTHONPATH": str(tree)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def _answer(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the core arm for {self.tree} exited (see its stderr above)")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def ready(self) -> None:
        imported = Path(self._answer()["ready"])
        if imported.resolve() != self.tree.resolve():
            raise RuntimeError(f"the arm for {self.tree} imported the core from {imported}")

    def run(self, seconds: float) -> float:
        assert self.process.stdin is not None
        self.process.stdin.write(f"run {seconds}\n")
        self.process.stdin.flush()
        rate: float = self._answer()["rate"]
        return rate

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


def spread(values: Sequence[float]) -> str:
    return f"median {statistics.median(values):.2f}, min {min(values):.2f}, max {max(values):.2f}"


def print_frozen_baseline(rounds: int, seconds: float) -> None:
    """Both cores on the same case-years, alternating slices (old-new, new-old, ...) so drift
    in the machine's load falls on both arms alike."""
    scenarios = [year_scenario(i).model_dump(mode="json") for i in range(PURE_CASES)]
    with tempfile.TemporaryDirectory() as scratch, frozen_tree(BASELINE_COMMIT) as old_tree:
        scenarios_json = Path(scratch) / "scenarios.json"
        scenarios_json.write_text(json.dumps(scenarios), encoding="utf-8")
        old, new = CoreArm(old_tree, scenarios_json), CoreArm(REPO, scenarios_json)
        try:
            old.ready()
            new.ready()
            old_rates: list[float] = []
            new_rates: list[float] = []
            for round_ in range(rounds):
                order = [(old, old_rates), (new, new_rates)]
                for arm, rates in order if round_ % 2 == 0 else reversed(order):
                    rates.append(arm.run(seconds))
        finally:
            old.close()
            new.close()
    ratios = [n / o for n, o in zip(new_rates, old_rates, strict=True)]
    print(
        f"pure core vs {BASELINE_COMMIT}, {PURE_CASES} case-years, {rounds} alternating rounds "
        f"of {seconds:.1f} s per arm, one process per arm:"
    )
    print(
        f"  new {statistics.median(new_rates):,.0f} case-years/s, "
        f"{BASELINE_COMMIT} {statistics.median(old_rates):,.0f} case-years/s (medians)"
    )
    verdict = "met" if statistics.median(ratios) >= 4.0 else "MISSED"
    print(f"  ratio new/old per round: {spread(ratios)} (floor >= 4.0: {verdict})")
    print(f"  rounds: {', '.join(f'{r:.2f}' for r in ratios)}")


def print_pure() -> None:
    rates = [bench_pure(2.0) for _ in range(3)]
    headline = statistics.median(rates)
    # The slow reference runs a sample of the same cases (every 50th): same work per case.
    daily = case_years_per_second(
        [year_scenario(i) for i in range(0, PURE_CASES, 50)], run_scenario_every_day, 2.0
    )
    print(
        f"pure core: {headline:,.0f} case-years/s in this process (median of 3); "
        f"baseline looking at the case every day: {daily:,.0f}/s (x{headline / daily:.1f})"
    )
    for name, scenario in committed_years():
        rate = case_years_per_second([scenario], seconds=1.0)
        print(f"  {name:<40} {rate:7,.0f} case-years/s  ({len(scenario.events)} events)")


# --- drivers ---------------------------------------------------------------------------


async def drive_case(env: WorkflowEnvironment, scenario: Scenario, queue: str) -> str:
    """Drive a case exactly as `drive_bare` drives the baseline: same calls, same dates."""
    started = await start_case(env.client, scenario, queue)
    handle = case_handle(env.client, started.id)
    current = scenario.case.opened_on
    extra = timedelta(hours=12)  # land at noon, away from the case's day-boundary timers
    for event in scenario.events:
        if event.effective_date > current:
            await env.fast_forward(
                handle, timedelta(days=(event.effective_date - current).days) + extra
            )
            current, extra = event.effective_date, timedelta(0)
        await report(handle, event)
    assert scenario.until is not None
    await env.fast_forward(handle, timedelta(days=(scenario.until - current).days))
    return started.id


async def drive_bare(
    env: WorkflowEnvironment, scenario: Scenario, plan: BarePlan, queue: str, index: int
) -> None:
    handle = await env.client.start_workflow(
        BareWorkflow.run, plan, id=f"bare-{index:05d}-{time.time_ns()}", task_queue=queue
    )
    current = scenario.case.opened_on
    extra = timedelta(hours=12)
    events: list[CaseEvent] = list(scenario.events)
    for event in events:
        if event.effective_date > current:
            await env.fast_forward(
                handle, timedelta(days=(event.effective_date - current).days) + extra
            )
            current, extra = event.effective_date, timedelta(0)
        await handle.execute_update(BareWorkflow.report_event, event.model_dump(mode="json"))
    assert scenario.until is not None
    await env.fast_forward(handle, timedelta(days=(scenario.until - current).days))


STUCK_AFTER = 300.0
"""Seconds after which one driver is counted as stuck (a dev-server fast-forward poll can
hang under overload) instead of holding up the whole run."""


async def gather_limited(limit: int, coroutines: list[Any]) -> tuple[int, float]:
    """Run with at most `limit` at once. Returns how many did not finish in time, and
    when the last one that did finish finished (so a stuck driver's wait is not timed)."""
    semaphore = asyncio.Semaphore(limit)
    finished: list[float] = []

    async def run(coroutine: Any) -> bool:
        async with semaphore:
            try:
                await asyncio.wait_for(coroutine, STUCK_AFTER)
            except (TimeoutError, RPCError, WorkflowUpdateRPCTimeoutOrCancelledError):
                # An overloaded dev server can also time out an update's RPC: the driver
                # is counted as not finished, like a stuck one, and the run goes on.
                return False
            finished.append(time.perf_counter())
            return True

    done = await asyncio.gather(*(run(c) for c in coroutines))
    return done.count(False), max(finished, default=time.perf_counter())


class HistoryShape(NamedTuple):
    total: int
    """Events in all runs."""
    largest: int
    """Events in the largest run."""
    by_type: Counter[str]
    """Events of each type in all runs (`TIMER_STARTED`, ...)."""

    @property
    def timers(self) -> int:
        return self.by_type["TIMER_STARTED"]

    @property
    def activities(self) -> int:
        return self.by_type["ACTIVITY_TASK_SCHEDULED"]

    @property
    def updates(self) -> int:
        return self.by_type["WORKFLOW_EXECUTION_UPDATE_ACCEPTED"]


async def history_shape(client: Client, workflow_id: str) -> HistoryShape:
    """What one case wrote into its history, in all its runs."""
    total = largest = 0
    by_type: Counter[str] = Counter()
    for history_json in await histories_of(client, workflow_id):
        history = WorkflowHistory.from_json(workflow_id, history_json)
        total += len(history.events)
        largest = max(largest, len(history.events))
        by_type.update(
            EventType.Name(event.event_type).removeprefix("EVENT_TYPE_") for event in history.events
        )
    return HistoryShape(total, largest, by_type)


@asynccontextmanager
async def one_stack() -> AsyncIterator[tuple[WorkflowEnvironment, str]]:
    """One dev server and worker for both arms: the rounds alternate on it, so the
    histories piling up in the server's memory weigh on both arms alike."""
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
                BareWorkflow,
                activities=[*case_activities(Path(data_dir)), bench_noop],
                max_concurrent_workflow_tasks=100,
            ) as worker:
                yield env, worker.task_queue
    finally:
        await env.shutdown()


def bare_plan(scenario: Scenario, timers: int, activities: int, updates: int) -> BarePlan:
    """A bare workflow with a case's timers, activities and updates, on the case's dates."""
    opened = scenario.case.opened_on
    event_days = {(e.effective_date - opened).days for e in scenario.events}
    spread = [round(365 * (i + 1) / (timers + 1)) for i in range(timers)]
    return BarePlan(
        opened_on=opened,
        timer_days=sorted(set(spread) | event_days)[:timers],
        activities_per_update=max(1, round(activities / max(1, updates))),
    )


async def bench_workflows(cases: int, rounds: int, concurrency: int) -> None:
    """`rounds` rounds; in each, `cases` case workflows and `cases` bare ones, one arm after
    the other, the order alternating between rounds. Every case-year is a distinct case."""
    async with one_stack() as (env, queue):
        probe = year_scenario(0)
        probe_id = await drive_case(env, probe, queue)
        shape = await history_shape(env.client, probe_id)
        print(
            f"one case-year: {shape.total} history events in all runs (floor <= 300), "
            f"largest run {shape.largest}; {shape.timers} timers, {shape.activities} "
            f"activities, {shape.updates} updates"
        )
        print("  by type: " + ", ".join(f"{name} {n}" for name, n in shape.by_type.most_common()))
        plan = bare_plan(probe, shape.timers, shape.activities, shape.updates)
        case_rates: list[float] = []
        bare_rates: list[float] = []
        stuck = {"case": 0, "bare": 0}
        for round_ in range(rounds):
            first = 1 + round_ * cases
            scenarios = [year_scenario(i) for i in range(first, first + cases)]
            arms: list[tuple[str, list[Any], list[float]]] = [
                ("case", [drive_case(env, s, queue) for s in scenarios], case_rates),
                (
                    "bare",
                    [drive_bare(env, s, plan, queue, first + i) for i, s in enumerate(scenarios)],
                    bare_rates,
                ),
            ]
            for name, drivers, rates in arms if round_ % 2 == 0 else reversed(arms):
                started = time.perf_counter()
                not_finished, last = await gather_limited(concurrency, drivers)
                stuck[name] += not_finished
                rates.append((cases - not_finished) / (last - started))
    ratios = [c / b for c, b in zip(case_rates, bare_rates, strict=True)]
    print(
        f"workflows: {rounds} alternating rounds of {cases} case and {cases} bare workflows "
        f"x 1 virtual year, {concurrency} at a time, one server:"
    )
    print(
        f"  case {statistics.median(case_rates):.1f} case-years/s, "
        f"bare {statistics.median(bare_rates):.1f}/s (medians)"
    )
    verdict = "met" if statistics.median(ratios) >= 0.8 else "MISSED"
    print(f"  ratio case/bare throughput per round: {spread(ratios)} (floor >= 0.8: {verdict})")
    print(f"  rounds: {', '.join(f'{r:.2f}' for r in ratios)}")
    print(
        f"  drivers that did not finish (stuck > {STUCK_AFTER:.0f} s or an update RPC "
        f"timed out; left out of the rates): case {stuck['case']}, bare {stuck['bare']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=150, help="per arm and round")
    parser.add_argument("--rounds", type=int, default=6, help="workflow rounds")
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--core-rounds", type=int, default=7)
    parser.add_argument("--core-seconds", type=float, default=2.0, help="per arm and round")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--skip-workflows", action="store_true")
    args = parser.parse_args()
    if not args.skip_baseline:
        print_frozen_baseline(args.core_rounds, args.core_seconds)
    print_pure()
    if not args.skip_workflows:
        asyncio.run(bench_workflows(args.cases, args.rounds, args.concurrency))


if __name__ == "__main__":
    main()
