"""Benchmark of the gateway (a script, not a test): `python -m tests.bench.bench_gateway`.

Starts the embedded stack (`caseflow up` on free ports, a fresh data dir, no demo cases),
then, with C concurrent clients each owning one case and sending E events in sequence:

1. Gateway: `POST /v1/cases/{m}/{id}/events` over HTTP until the update is accepted —
   p50/p95/max latency and events/s.
2. Baseline, same run, same stack: the same update sent straight to Temporal
   (`handle.execute_update`, encrypted payloads, no HTTP, no auth) with the same
   concurrency — what the gateway adds is the ratio of the two.
3. Integrity: every receipt is unique, and each case's timeline holds exactly one event
   entry per receipt (nothing lost, nothing applied twice).

Two load shapes: saturation (closed loop, every client sends again as soon as answered:
latency = clients / throughput, so it measures capacity) and paced (the same 50 clients
sending at half the capacity the baseline showed: latency under load). Floor: paced
gateway p95 < 150 ms. The load generator runs on the same 2 cores as the Temporal server,
the worker and the gateway (one process under `caseflow up`), so figures are pessimistic.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from tests.helpers import free_port
from workers.config import CaseflowConfig
from workers.temporal_client import connect
from workflows.case_models import ReportEventInput
from workflows.case_workflow import CaseWorkflow

P95_FLOOR_MS = 150.0
OPENED = "2019-03-04"


def case_id(prefix: str) -> str:
    return prefix + "-" + "".join(secrets.choice(string.ascii_uppercase) for _ in range(10))


def event(n: int, case: str) -> dict[str, Any]:
    # Assessments can be recorded any number of times on the opening day: a steady stream
    # of accepted events that each change the case (a fact flips) and run the full update.
    return {
        "type": "assessment_recorded",
        "event_id": f"{case}-e{n}",
        "effective_date": OPENED,
        "fact": "assessment.sufficiently_informed",
        "value": n % 2 == 0,
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def wait_ready(url: str, stack: subprocess.Popen[bytes], within: float = 60) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(base_url=url) as http:
        while time.monotonic() < deadline:
            if stack.poll() is not None:
                raise SystemExit(f"caseflow up exited with {stack.returncode}")
            try:
                if (await http.get("/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit("the stack did not become ready")


async def run_clients(
    cases: list[str],
    events: int,
    send: Callable[[str, int], Awaitable[None]],
    interval: float | None = None,
    first: int = 0,
) -> tuple[list[float], float]:
    """Closed loop (interval None: each client sends as soon as it has its answer), or
    paced: each client sends every `interval` s from a random offset (an open-loop rate of
    len(cases) / interval events/s, as caseworker systems send them)."""
    latencies: list[float] = []

    async def client(case: str) -> None:
        start = time.perf_counter() + (secrets.randbelow(1000) / 1000 * (interval or 0))
        for n in range(first, first + events):
            if interval is not None:
                await asyncio.sleep(max(0.0, start + (n - first) * interval - time.perf_counter()))
            began = time.perf_counter()
            await send(case, n)
            latencies.append((time.perf_counter() - began) * 1000)

    began = time.perf_counter()
    await asyncio.gather(*(client(c) for c in cases))
    return latencies, time.perf_counter() - began


def report(name: str, latencies: list[float], seconds: float) -> dict[str, float]:
    figures = {
        "p50": statistics.median(latencies),
        "p95": percentile(latencies, 0.95),
        "max": max(latencies),
        "rate": len(latencies) / seconds,
    }
    print(
        f"{name:<9} {len(latencies):5d} events  p50 {figures['p50']:6.1f} ms  "
        f"p95 {figures['p95']:6.1f} ms  max {figures['max']:6.1f} ms  "
        f"{figures['rate']:6.1f} events/s"
    )
    return figures


async def bench(clients: int, events: int, paced: int, paced_share: float, data_dir: Path) -> int:
    grpc, ui, gw = free_port(), free_port(), free_port()
    url = f"http://127.0.0.1:{gw}"
    env = dict(os.environ, CASEFLOW_LOG_LEVEL="WARNING", CASEFLOW_LOG_FORMAT="json")
    log = (data_dir / "stack.log").open("wb")
    stack = subprocess.Popen(  # noqa: ASYNC220 - returns at once; the stack runs alongside
        [
            str(Path(sys.executable).parent / "caseflow"),
            "up",
            "--data-dir",
            str(data_dir / "data"),
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
    try:
        began = time.monotonic()
        await wait_ready(url, stack)
        print(f"stack up in {time.monotonic() - began:.1f} s; {clients} clients x {events} events")
        token = (data_dir / "data" / "gateway-dev-token").read_text().strip()
        headers = {"Authorization": f"Bearer {token}"}
        limits = httpx.Limits(max_connections=clients + 10, max_keepalive_connections=clients + 10)
        async with httpx.AsyncClient(
            base_url=url, headers=headers, timeout=60, limits=limits
        ) as http:
            gateway_cases = [case_id("GW") for _ in range(clients)]
            direct_cases = [case_id("TC") for _ in range(clients)]
            for case in gateway_cases + direct_cases:
                started = await http.post(
                    "/v1/cases",
                    json={
                        "case_id": case,
                        "municipality": "thisted",
                        "opened_on": OPENED,
                        "entry": {"first_absence_day": "2019-03-01"},
                        "legal_anchor": OPENED,
                    },
                )
                assert started.status_code == 201, started.text
            receipts: list[str] = []

            async def via_gateway(case: str, n: int) -> None:
                answer = await http.post(f"/v1/cases/thisted/{case}/events", json=event(n, case))
                assert answer.status_code == 200, answer.text
                receipts.append(answer.json()["receipt"]["event_id"])

            temporal = await connect(
                CaseflowConfig(codec_key_file=data_dir / "data" / "keys.json"),
                address=f"127.0.0.1:{grpc}",
            )
            from domain.case.events import EVENT_ADAPTER  # noqa: PLC0415 - after the stack

            async def direct(case: str, n: int) -> None:
                handle = temporal.get_workflow_handle(f"case-787-{case}")
                update = ReportEventInput(event=EVENT_ADAPTER.validate_python(event(n, case)))
                await handle.execute_update(CaseWorkflow.report_event, update)

            # Warm-up: connections, caches, first workflow tasks.
            await run_clients(gateway_cases[:5], 2, lambda c, n: via_gateway(c, 1000 + n))
            await run_clients(direct_cases[:5], 2, lambda c, n: direct(c, 1000 + n))
            warm = len(receipts)

            print("\nsaturation (closed loop: every client sends again at once)")
            gateway_lat, gateway_s = await run_clients(gateway_cases, events, via_gateway)
            direct_lat, direct_s = await run_clients(direct_cases, events, direct)
            g = report("gateway", gateway_lat, gateway_s)
            d = report("baseline", direct_lat, direct_s)
            print(
                f"ratio     p50 x{g['p50'] / d['p50']:.2f}  p95 x{g['p95'] / d['p95']:.2f}  "
                f"throughput x{g['rate'] / d['rate']:.2f} (gateway / direct update)"
            )
            # Paced at half the capacity just measured (the lower of the two): latency
            # under load, not queueing (closed loop: latency = clients / throughput).
            rate = max(1.0, min(g["rate"], d["rate"]) * paced_share)
            interval = clients / rate
            print(f"\npaced ({clients} clients, {rate:.1f} events/s in total, {paced} each)")
            gateway_lat, gateway_s = await run_clients(
                gateway_cases, paced, via_gateway, interval, first=events
            )
            direct_lat, direct_s = await run_clients(
                direct_cases, paced, direct, interval, first=events
            )
            g = report("gateway", gateway_lat, gateway_s)
            d = report("baseline", direct_lat, direct_s)
            print(f"ratio     p50 x{g['p50'] / d['p50']:.2f}  p95 x{g['p95'] / d['p95']:.2f}")

            # Integrity: receipts vs the cases' own timelines.
            events_in_timelines = 0
            for case in gateway_cases:
                timeline = await http.get(f"/v1/cases/thisted/{case}/timeline")
                entries = timeline.json()["entries"]
                events_in_timelines += sum(1 for e in entries if e["kind"] == "event")
            unique = len(set(receipts))
            print(
                f"integrity receipts {len(receipts)} (unique {unique}), event entries in "
                f"timelines {events_in_timelines}"
            )
            ok = unique == len(receipts) == events_in_timelines == warm + clients * (events + paced)
            floor = g["p95"] < P95_FLOOR_MS
            print(f"floor     paced p95 < {P95_FLOOR_MS:.0f} ms: {'PASS' if floor else 'FAIL'}")
            print(f"integrity nothing lost or duplicated: {'PASS' if ok else 'FAIL'}")
            return 0 if ok and floor else 1
    finally:
        stack.terminate()  # SIGTERM: the stack drains and stops its dev server
        try:
            stack.wait(timeout=30)
        except subprocess.TimeoutExpired:
            stack.kill()
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--events", type=int, default=20, help="closed-loop events per client")
    parser.add_argument("--paced", type=int, default=4, help="paced events per client")
    parser.add_argument(
        "--paced-share", type=float, default=0.5, help="paced rate as a share of capacity"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-gateway-") as tmp:
        code = asyncio.run(
            bench(args.clients, args.events, args.paced, args.paced_share, Path(tmp))
        )
    raise SystemExit(code)


if __name__ == "__main__":
    main()
