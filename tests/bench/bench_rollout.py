"""Benchmark of a rulebook roll-out (a script, not a test): `python -m tests.bench.bench_rollout`.

Starts the embedded stack (`caseflow up` on free ports, a fresh data dir, no demo cases),
opens N real-clock jobafklaringsforløb cases spread over the demo municipalities, publishes
a second rulebook in which the rehabilitation-team deadline is 6 weeks instead of 4 (it
moves a deadline in every one of those cases), then, arms interleaved and repeated:

1. Preview: `GET /v1/rollouts/preview` (every open case, from its memo snapshot) -- time,
   and that it finds every case affected.
2. Roll-out: `POST /v1/rollouts` at `--rps`, polled through `GET /v1/rollouts/{id}` until
   every case is re-planned -- wall time, cases/s. Rounds alternate between the two
   versions, so each round really moves a deadline in every case.
3. Bare fan-out, same cases, same stack: one signal to each workflow straight from a
   client (`reload_rules` with the roll-out id just applied, which a case ignores), until
   every signal was accepted and the worker has handled them (sampled histories end in a
   completed workflow task) -- cases/s. The roll-out's rate over this one is the ratio.
4. With `--direct`: the same re-plan without the batcher -- `reload_rules` with a fresh
   roll-out id and the other version, sent to each case straight from a client like the
   bare arm, until no case is left on the old slice. What a roll-out of our own that
   signals at the bare arm's pace could reach (not built); the next round's roll-out
   then moves the cases again.

From a sample of cases per round: p95 per-case re-plan latency (the signal's event to the
workflow task that completed the re-plan, from the case's history) and the history events
the roll-out added to each case. Floors (printed, not asserted): 10,000 cases in < 10
min; >= 0.5x the bare fan-out; <= 12 events per case; preview of 10,000 < 60 s (scaled
to N for other sizes). Everything runs on the same 2 cores as the server and the worker.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import statistics
import string
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from activities.rulebook_store import RulebookStore
from domain.case.engine import CaseStart
from domain.case.identifiers import check_reference
from domain.case.model import PhaseName
from domain.rulebook import load_rulebook
from tests.bench.bench_gateway import percentile, wait_ready
from tests.helpers import free_port
from tests.helpers.rulebooks import law_with_rt_weeks
from workers.config import CaseflowConfig
from workers.rollouts import RolloutScope, targets_query
from workers.temporal_client import connect
from workflows.case_models import CaseWorkflowInput, workflow_id_for
from workflows.case_workflow import CaseWorkflow
from workflows.constants import TASK_QUEUE
from workflows.rollout_models import RELOAD_RULES_SIGNAL, ReloadRules

MUNICIPALITIES = ("thisted", "jammerbugt", "aalborg", "frederikshavn", "vesthimmerland")
SAMPLE = 100
EVENTS_FLOOR = 12
RATIO_FLOOR = 0.5


def _stack(
    data: Path, grpc: int, ui: int, gw: int, log: Any, *, pace: tuple[int, int] | None = None
) -> subprocess.Popen[bytes]:
    """`caseflow up` on free ports; `pace` = the batcher's (operations/s, concurrency)."""
    env = dict(os.environ, CASEFLOW_LOG_LEVEL="WARNING", CASEFLOW_LOG_FORMAT="json")
    if pace is not None:
        env["CASEFLOW_BATCHER_RPS"], env["CASEFLOW_BATCHER_CONCURRENCY"] = map(str, pace)
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "caseflow"),
            "up",
            "--data-dir",
            str(data),
            "--grpc-port",
            str(grpc),
            "--ui-port",
            str(ui),
            "--gateway-port",
            str(gw),
            "--metrics-port",
            "0",
            "--no-demo",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )


def _load() -> str:
    # The machine is shared: the figures mean little without what else ran beside them.
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


async def _gather_limited(coros: list[Any], limit: int) -> list[Any]:
    gate = asyncio.Semaphore(limit)

    async def one(coro: Any) -> Any:
        async with gate:
            return await coro

    return await asyncio.gather(*(one(c) for c in coros))


def case_ids(n: int, tag: str) -> list[str]:
    """`BR-<tag>-<i>`, refused like the gateway refuses an opening's case id.

    The tag is letters only: a digit run beside the index could take a CPR number's shape
    (the old `BR-<8 hex>-<i>` did in 2.2% of ids from i = 1000 on: `...865371-9990`), and
    a case refuses such an id when it opens (it ends FAILED, EventRefused)."""
    if not tag.isalpha():
        raise ValueError("tag must be letters only")
    ids = [f"BR-{tag}-{i}" for i in range(n)]
    for case_id in ids:
        check_reference(case_id, "case_id")
    return ids


async def open_cases(temporal: Client, n: int) -> list[str]:
    rules = load_rulebook()
    codes = {m: str(rules.municipality(m).code) for m in MUNICIPALITIES}
    today = datetime.now(UTC).date()
    tag = "".join(secrets.choice(string.ascii_uppercase) for _ in range(6))
    ids: list[str] = []
    starts = []
    for i, case_id in enumerate(case_ids(n, tag)):
        municipality = MUNICIPALITIES[i % len(MUNICIPALITIES)]
        ids.append(workflow_id_for(codes[municipality], case_id))
        start = CaseStart(
            case_id=case_id,
            municipality=municipality,
            opened_on=today,
            phase=PhaseName.JOBAFKLARINGSFORLOEB,
        )
        starts.append(
            temporal.start_workflow(
                CaseWorkflow.run,
                CaseWorkflowInput(start=start),
                id=ids[-1],
                task_queue=TASK_QUEUE,
            )
        )
    await _gather_limited(starts, 64)
    return ids


ENDED_QUERY = (
    "WorkflowType = 'CaseWorkflow' AND ExecutionStatus IN ('Failed', 'Terminated', 'TimedOut')"
)


async def ended_reason(temporal: Client, workflow_id: str) -> str:
    """Why a case ended, decoded by caseflow's data converter (the failure is encrypted)."""
    try:
        await temporal.get_workflow_handle(workflow_id).result(follow_runs=False)
    except Exception as error:  # the outcome itself: failed, terminated, timed out
        chain: list[str] = []
        cause: BaseException | None = error
        while cause is not None:
            kind = getattr(cause, "type", None) or type(cause).__name__
            extra = [
                f"{name}={getattr(cause, name)}"
                for name in ("activity_type", "retry_state", "details")
                if getattr(cause, name, None) not in (None, (), "")
            ]
            chain.append(f"{kind}: {cause}" + (f" ({', '.join(extra)})" if extra else ""))
            cause = cause.__cause__
        return " <- ".join(chain)
    return "completed"


async def fail_on_ended(temporal: Client) -> None:
    """Stop the bench with the decoded reason once any case ended while opening."""
    ended = (await temporal.count_workflows(ENDED_QUERY)).count
    if not ended:
        return
    first = [w.id async for w in temporal.list_workflows(ENDED_QUERY, limit=3)]
    reasons = [f"  {w}: {await ended_reason(temporal, w)}" for w in first]
    raise SystemExit(
        f"{ended} case(s) ended (failed, terminated or timed out) while opening:\n"
        + "\n".join(reasons)
    )


async def wait_count(temporal: Client, query: str, want: int, within: float = 1800) -> None:
    deadline = time.monotonic() + within
    shown = time.monotonic()
    while time.monotonic() < deadline:
        count = (await temporal.count_workflows(query)).count
        if count == want:
            return
        await fail_on_ended(temporal)
        if time.monotonic() - shown >= 60:
            shown = time.monotonic()
            print(f"  {time.strftime('%H:%M:%S')} {count}/{want}  {_load()}", flush=True)
        # A count scans visibility (SQLite on the dev stack): sparser for more cases.
        await asyncio.sleep(max(1.0, want / 1000))
    raise SystemExit(f"visibility never showed {want} for {query}")


async def history(temporal: Client, workflow_id: str) -> list[Any]:
    return [e async for e in temporal.get_workflow_handle(workflow_id).fetch_history_events()]


def replan_latency(events: list[Any]) -> float | None:
    """Seconds from the last reload signal to the first workflow task completed after it."""
    signalled = [
        i
        for i, e in enumerate(events)
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
        and e.workflow_execution_signaled_event_attributes.signal_name == RELOAD_RULES_SIGNAL
    ]
    if not signalled:
        return None
    start = events[signalled[-1]]
    for e in events[signalled[-1] :]:
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
            seconds: float = (
                e.event_time.ToDatetime() - start.event_time.ToDatetime()
            ).total_seconds()
            return seconds
    return None


async def drained(temporal: Client, sample: list[str], signals: int) -> bool:
    for workflow_id in sample:
        events = await history(temporal, workflow_id)
        got = sum(
            1 for e in events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
        )
        if got < signals or events[-1].event_type != EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
            return False
    return True


async def signal_each(temporal: Client, ids: list[str], signal: ReloadRules) -> None:
    """`signal` to every case straight from this client, 64 in flight (no batcher)."""
    await _gather_limited(
        [temporal.get_workflow_handle(w).signal(RELOAD_RULES_SIGNAL, signal) for w in ids], 64
    )


def other_version(versions: list[str], on: str) -> str:
    return versions[1] if on == versions[0] else versions[0]


async def direct_replan(
    temporal: Client, store: RulebookStore, ids: list[str], target: str, rollout_id: str
) -> float:
    """Seconds to re-plan every case on `target` by signals from this client (64 in flight)."""
    left = targets_query(RolloutScope(municipalities=MUNICIPALITIES), store.version(target))
    signal = ReloadRules(rollout_id=rollout_id, version=target)
    t = time.perf_counter()
    await signal_each(temporal, ids, signal)
    while (await temporal.count_workflows(left)).count:  # noqa: ASYNC110 - polls the server
        await asyncio.sleep(0.5)
    return time.perf_counter() - t


async def bench(
    n: int, rounds: int, rps: int, concurrency: int, tmp: Path, direct: bool = False
) -> int:
    data = tmp / "data"
    data.mkdir()
    store = RulebookStore.in_data_dir(data)
    versions = [
        store.publish(load_rulebook()).content_hash,
        store.publish(
            load_rulebook(law_with_rt_weeks(tmp / "law6", 6, date(2026, 1, 1)))
        ).content_hash,
    ]
    grpc, ui, gw = free_port(), free_port(), free_port()
    url = f"http://127.0.0.1:{gw}"
    log = (tmp / "stack.log").open("wb")
    # The server paces batch jobs at its own setting, not the job's rate (README "Rate
    # limit"), so the bench's --rps is the stack's.
    stack = _stack(data, grpc, ui, gw, log, pace=(rps, concurrency))
    try:
        await wait_ready(url, stack)
        token = (data / "gateway-dev-token").read_text().strip()
        temporal = await connect(
            CaseflowConfig(codec_key_file=data / "keys.json"), address=f"127.0.0.1:{grpc}"
        )
        began = time.monotonic()
        ids = await open_cases(temporal, n)
        print(f"started {n} workflows in {time.monotonic() - began:.1f} s")
        open_query = "WorkflowType = 'CaseWorkflow' AND ExecutionStatus = 'Running'"
        # Opening books each case's first meetings (eight activities, nine workflow tasks per
        # case), so the wait grows with N: one visibility count every few seconds, not a
        # wait per case.
        await wait_count(
            temporal, f"{open_query} AND CaseRulebookHash IS NOT NULL", n, within=max(1800, 1.5 * n)
        )
        opened_s = time.monotonic() - began
        print(
            f"{n} open cases in {len(MUNICIPALITIES)} municipalities in {opened_s:.0f} s "
            f"({n / opened_s:.1f} cases/s, {_load()})"
        )
        sample = random.Random(7).sample(ids, min(SAMPLE, n))
        signals = 0
        results: dict[str, list[float]] = {
            "preview": [],
            "rollout": [],
            "bare": [],
            "p95": [],
            "events": [],
            "direct": [],
        }
        async with httpx.AsyncClient(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=600
        ) as http:
            on = versions[0]
            for round_no in range(rounds):
                target = other_version(versions, on)
                # --- preview
                t = time.perf_counter()
                seen = await http.get(
                    "/v1/rollouts/preview", params={"version": target, "limit": 0}
                )
                preview_s = time.perf_counter() - t
                body = seen.json()
                assert seen.status_code == 200, seen.text
                print(
                    f"round {round_no + 1}: preview {preview_s:6.1f} s  "
                    f"{body['cases_affected']}/{body['open_cases']} cases affected"
                )
                before = {w: len(await history(temporal, w)) for w in sample}
                # --- roll-out
                t = time.perf_counter()
                started = await http.post("/v1/rollouts", json={"version": target, "rps": rps})
                assert started.status_code == 201, started.text
                rollout_id = started.json()["rollout_id"]
                while True:
                    answer = await http.get(f"/v1/rollouts/{rollout_id}")
                    if answer.status_code == 503:
                        # Temporal busy (the 10,000 run met one after its preview): the
                        # documented answer is to ask again.
                        print(f"  progress 503 ({answer.json().get('reason')}), asking again")
                        await asyncio.sleep(float(answer.headers.get("retry-after", "1")))
                        continue
                    if answer.status_code != 200:
                        raise SystemExit(f"roll-out progress {answer.status_code}: {answer.text}")
                    progress = answer.json()
                    if progress["state"] == "completed":
                        break
                    if progress["state"] not in ("running", "applying"):
                        raise SystemExit(f"roll-out ended {progress['state']}: {progress}")
                    await asyncio.sleep(0.5)
                rollout_s = time.perf_counter() - t
                on = target
                signals += 1
                added, latencies = [], []
                for w in sample:
                    events = await history(temporal, w)
                    added.append(len(events) - before[w])
                    latency = replan_latency(events)
                    if latency is not None:
                        latencies.append(latency)
                # --- bare fan-out: one ignored signal to each of the same workflows
                duplicate = ReloadRules(rollout_id=rollout_id, version=target)
                t = time.perf_counter()
                await signal_each(temporal, ids, duplicate)
                signals += 1
                while not await drained(temporal, sample, signals):  # noqa: ASYNC110 - polls the server
                    await asyncio.sleep(0.2)
                bare_s = time.perf_counter() - t
                p95 = percentile(latencies, 0.95)
                print(
                    f"         roll-out {rollout_s:6.1f} s ({n / rollout_s:6.1f} cases/s, "
                    f"replanned {progress['replanned']})  bare fan-out {bare_s:6.1f} s "
                    f"({n / bare_s:6.1f} cases/s)  ratio x{bare_s / rollout_s:.2f}  "
                    f"p95 re-plan {p95 * 1000:6.0f} ms  events/case max {max(added)} "
                    f"median {statistics.median(added)}  {_load()}"
                )
                results["preview"].append(preview_s)
                results["rollout"].append(rollout_s)
                results["bare"].append(bare_s)
                results["p95"].append(p95)
                results["events"].append(max(added))
                if direct:
                    back = other_version(versions, on)
                    direct_s = await direct_replan(
                        temporal, store, ids, back, f"direct-{round_no}-{rollout_id}"
                    )
                    on = back
                    signals += 1
                    print(
                        f"         direct re-plan {direct_s:6.1f} s ({n / direct_s:6.1f} cases/s)"
                        f"  ratio x{bare_s / direct_s:.2f} of bare  {_load()}"
                    )
                    results["direct"].append(direct_s)
        best_rollout = min(results["rollout"])
        ratio = max(b / r for b, r in zip(results["bare"], results["rollout"], strict=True))
        preview_worst = max(results["preview"])
        scale = 10_000 / n
        events_max = max(results["events"])
        print(
            f"\nsummary over {rounds} rounds at --rps {rps} --concurrency {concurrency}: "
            f"preview {statistics.median(results['preview']):.1f} s (worst {preview_worst:.1f}), "
            f"roll-out {statistics.median(results['rollout']):.1f} s "
            f"(best {best_rollout:.1f}, {n / best_rollout:.1f} cases/s), "
            f"p95 re-plan {max(results['p95']) * 1000:.0f} ms, events/case <= {events_max}, "
            f"best ratio x{ratio:.2f} of bare fan-out"
        )
        if results["direct"]:
            best = max(b / d for b, d in zip(results["bare"], results["direct"], strict=True))
            print(f"direct re-plan (no batcher): best ratio x{best:.2f} of bare fan-out")
        minutes = best_rollout * scale / 60
        floors = {
            f"10,000 cases < 10 min (at this rate: {minutes:.1f} min)": minutes < 10,
            f">= {RATIO_FLOOR}x bare fan-out (x{ratio:.2f})": ratio >= RATIO_FLOOR,
            f"<= {EVENTS_FLOOR} events per case ({events_max})": events_max <= EVENTS_FLOOR,
            f"preview of 10,000 < 60 s (scaled: {preview_worst * scale:.1f} s)": (
                preview_worst * scale < 60
            ),
        }
        for name, ok in floors.items():
            print(f"floor  {name}: {'PASS' if ok else 'MISSED'}")
        return 0 if all(floors.values()) else 1
    finally:
        stack.terminate()
        try:
            stack.wait(timeout=60)
        except subprocess.TimeoutExpired:
            stack.kill()
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2, help="roll-out / bare rounds")
    parser.add_argument(
        "--rps", type=int, default=1000, help="roll-out pace: the stack's batcher operations/s"
    )
    parser.add_argument(
        "--concurrency", type=int, default=5, help="signals the batcher has in flight at once"
    )
    parser.add_argument(
        "--direct", action="store_true", help="also re-plan by signals from a client (no batcher)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-rollout-") as tmp:
        code = asyncio.run(
            bench(args.cases, args.rounds, args.rps, args.concurrency, Path(tmp), args.direct)
        )
    raise SystemExit(code)


if __name__ == "__main__":
    main()
