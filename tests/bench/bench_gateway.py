"""Benchmark of the gateway (a script, not a test): `python -m tests.bench.bench_gateway`.

Starts the embedded stack (`caseflow up` on free ports, a fresh data dir, no demo cases).
C clients (50) open their cases at once through the gateway, then send events; two arms
send the same update over the same stack:

- gateway: `POST /v1/cases/{m}/{id}/events` over HTTP (auth, validation, JSON, Temporal);
- direct: the same update straight to Temporal (`handle.execute_update`, encrypted
  payloads, no HTTP, no auth): what the gateway adds is the ratio of the two.

1. Saturation (closed loop: every client sends again as soon as answered): capacity in
   events/s of each arm, arms interleaved, repeated.
2. Paced at `--rate` events/s in total (20): the p95 of each arm in each round, arms
   interleaved (the order alternates per round) and repeated; per round the ratio gateway
   p95 / direct p95; the median ratio and its spread. Floor: median ratio <= 1.2.
3. Status codes: 0 5xx, except 503 with Retry-After (busy, past saturation), which the
   client honours and retries with the same event id; any other 5xx fails the run.
4. Integrity: every receipt is unique, and each case's timeline holds exactly one event
   entry per receipt (nothing lost, nothing applied twice).
5. Where the time goes: the gateway app in this process (httpx ASGI transport, the same
   stack's Temporal and worker) under cProfile for a few hundred sequential events, its
   own time grouped by layer.

The load generator runs on the same cores as the Temporal server, the worker and the
gateway (one process under `caseflow up`), so figures are pessimistic.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import secrets
import statistics
import string
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from tests.helpers import free_port
from workers.config import CaseflowConfig
from workers.temporal_client import connect
from workflows.case_models import ReportEventInput
from workflows.case_workflow import CaseWorkflow

RATIO_FLOOR = 1.2
"""Paced: gateway p95 at most this multiple of the same-run direct update p95."""
OPENED = "2019-03-04"
RETRY_AFTER_CAP = 5.0


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


class Statuses:
    """Every gateway answer by status; 503s with Retry-After are the allowed 5xx."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def record(self, answer: httpx.Response) -> None:
        key = str(answer.status_code)
        if answer.status_code in {202, 503} and "retry-after" in answer.headers:
            key = f"{answer.status_code}+Retry-After"
        self.counts[key] += 1

    @property
    def bad_5xx(self) -> int:
        return sum(n for k, n in self.counts.items() if k.startswith("5") and "Retry" not in k)


async def post_until_answered(
    http: httpx.AsyncClient, path: str, body: dict[str, Any], statuses: Statuses
) -> httpx.Response:
    """Post; on 503 with Retry-After wait as told and send the same body again, and the
    same on a dropped connection (an idle keep-alive connection the server closed as we
    reused it), and on a start's 202 (accepted, not ready yet: the documented answer is to
    repeat the request): the body carries its own id, so resending is safe."""
    while True:
        try:
            answer = await http.post(path, json=body)
        except httpx.TransportError:
            statuses.counts["connection dropped, resent"] += 1
            await asyncio.sleep(0.05)
            continue
        statuses.record(answer)
        if answer.status_code in {202, 503} and "retry-after" in answer.headers:
            await asyncio.sleep(min(float(answer.headers["retry-after"]), RETRY_AFTER_CAP))
            continue
        return answer


def start_body(case: str) -> dict[str, Any]:
    return {
        "case_id": case,
        "municipality": "thisted",
        "opened_on": OPENED,
        "entry": {"first_absence_day": "2019-03-01"},
        "legal_anchor": OPENED,
    }


def start_stack(data_dir: Path) -> tuple[subprocess.Popen[bytes], str, int]:
    grpc, ui, gw = free_port(), free_port(), free_port()
    env = dict(os.environ, CASEFLOW_LOG_LEVEL="WARNING", CASEFLOW_LOG_FORMAT="json")
    log = (data_dir / "stack.log").open("wb")
    stack = subprocess.Popen(
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
    return stack, f"http://127.0.0.1:{gw}", grpc


_LAYERS = (
    ("temporal client + codec", ("temporalio", "workers/codec", "cryptography", "grpc")),
    ("pydantic validation/serialisation", ("pydantic",)),
    ("fastapi/starlette routing + deps", ("fastapi", "starlette")),
    ("http client/transport (load side)", ("httpx", "httpcore", "h11", "anyio")),
    ("caseflow gateway code", ("workers/gateway", "workers/auth")),
    ("domain (event union, snapshot)", ("domain/",)),
    ("asyncio event loop", ("asyncio",)),
)


def _layer(filename: str, name: str) -> str:
    if filename == "~":  # C functions: named by what they belong to
        if "poll" in name or "select" in name:
            return "idle: waiting on Temporal + worker"
        if "pydantic" in name:
            return "pydantic validation/serialisation"
        return "C builtins (json, hashing, crypto, ...)"
    return next((n for n, keys in _LAYERS if any(k in filename for k in keys)), "other Python")


def where_time_goes(profile: cProfile.Profile, wall: float, cpu: float, events: int) -> None:
    stats = pstats.Stats(profile)
    own: Counter[str] = Counter()
    top: Counter[str] = Counter()
    for (filename, line, name), row in stats.stats.items():  # type: ignore[attr-defined]
        tottime = row[2]
        own[_layer(filename, name)] += tottime
        top[f"{Path(filename).name}:{line} {name}"] += tottime
    total = sum(own.values())
    print(
        f"\nwhere the time goes ({events} sequential events, in-process gateway: "
        f"{wall / events * 1000:.1f} ms each, {cpu / events * 1000:.1f} ms CPU of this process)"
    )
    for layer, seconds in own.most_common():
        print(f"  {layer:<40} {seconds / events * 1000:6.2f} ms/event  {seconds / total:5.1%}")
    print("  top functions by own time:")
    for function, seconds in top.most_common(8):
        print(f"    {seconds / events * 1000:6.2f} ms/event  {function[:90]}")


async def profile_gateway(
    data_dir: Path, grpc: int, token: str, cases: list[str], events: int
) -> None:
    from workers.auth import TokenFileStore  # noqa: PLC0415 - profiling step only
    from workers.gateway.app import create_app  # noqa: PLC0415

    tokens = data_dir / "data" / "gateway-tokens.yaml"
    config = CaseflowConfig(
        codec_key_file=data_dir / "data" / "keys.json",
        gateway_tokens_file=tokens,
        demo_features=True,
    )
    client = await connect(config, address=f"127.0.0.1:{grpc}")
    app = create_app(config, client=client, verifier=TokenFileStore(tokens))
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://gw", headers=headers, timeout=60
    ) as http:
        statuses = Statuses()
        for n in range(5):  # warm-up
            await post_until_answered(
                http, f"/v1/cases/thisted/{cases[0]}/events", event(5000 + n, cases[0]), statuses
            )
        profile = cProfile.Profile()
        began, cpu_began = time.perf_counter(), time.process_time()
        profile.enable()
        for n in range(events):
            case = cases[n % len(cases)]
            answer = await post_until_answered(
                http, f"/v1/cases/thisted/{case}/events", event(6000 + n, case), statuses
            )
            assert answer.status_code == 200, answer.text
        profile.disable()
        wall, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    where_time_goes(profile, wall, cpu, events)


async def bench(
    clients: int, saturation: int, paced: int, rounds: int, rate: float, data_dir: Path
) -> int:
    stack, url, grpc = start_stack(data_dir)
    try:
        began = time.monotonic()
        await wait_ready(url, stack)
        print(f"stack up in {time.monotonic() - began:.1f} s; {clients} clients")
        token = (data_dir / "data" / "gateway-dev-token").read_text().strip()
        headers = {"Authorization": f"Bearer {token}"}
        limits = httpx.Limits(max_connections=clients + 10, max_keepalive_connections=clients + 10)
        statuses = Statuses()
        async with httpx.AsyncClient(
            base_url=url, headers=headers, timeout=60, limits=limits
        ) as http:
            gateway_cases = [case_id("GW") for _ in range(clients)]
            direct_cases = [case_id("TC") for _ in range(clients)]
            # 50 clients open their cases at once (both arms' cases, through the gateway).
            opened_at = time.perf_counter()
            starts = await asyncio.gather(
                *(
                    post_until_answered(http, "/v1/cases", start_body(c), statuses)
                    for c in gateway_cases + direct_cases
                )
            )
            opening = time.perf_counter() - opened_at
            start_codes = Counter(a.status_code for a in starts)
            print(
                f"opened {len(starts)} cases concurrently in {opening:.1f} s: "
                f"{dict(start_codes)} (after Retry-After retries)"
            )
            starts_ok = not set(start_codes) - {200, 201}
            if not starts_ok:
                print("FAIL: a concurrent start was not answered with the case")
            # Whatever the starts answered, both arms need every case loaded before timing.
            for c in gateway_cases + direct_cases:
                for _ in range(300):
                    if (await http.get(f"/v1/cases/thisted/{c}")).status_code == 200:
                        break
                    await asyncio.sleep(0.2)
            receipts: list[str] = []

            async def via_gateway(case: str, n: int) -> None:
                answer = await post_until_answered(
                    http, f"/v1/cases/thisted/{case}/events", event(n, case), statuses
                )
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

            arms: dict[str, tuple[list[str], Callable[[str, int], Awaitable[None]]]] = {
                "gateway": (gateway_cases, via_gateway),
                "direct": (direct_cases, direct),
            }
            # Warm-up: connections, caches, first workflow tasks.
            await run_clients(gateway_cases[:5], 2, lambda c, n: via_gateway(c, 1000 + n))
            await run_clients(direct_cases[:5], 2, lambda c, n: direct(c, 1000 + n))
            warm = len(receipts)
            sent = 0

            print("\nsaturation (closed loop: every client sends again at once)")
            capacity: dict[str, list[float]] = {"gateway": [], "direct": []}
            for r in range(2):
                for name in ("gateway", "direct") if r % 2 == 0 else ("direct", "gateway"):
                    cases, send = arms[name]
                    lat, secs = await run_clients(cases, saturation, send, first=sent)
                    capacity[name].append(report(f"{name}", lat, secs)["rate"])
                sent += saturation
            g_cap, d_cap = (statistics.median(capacity[n]) for n in ("gateway", "direct"))
            print(
                f"capacity  gateway {g_cap:.1f} events/s, direct {d_cap:.1f} events/s "
                f"(x{g_cap / d_cap:.2f})"
            )

            interval = clients / rate
            print(f"\npaced ({clients} clients, {rate:.0f} events/s in total, {paced} each)")
            ratios: list[float] = []
            achieved: list[float] = []
            for r in range(rounds):
                p95: dict[str, float] = {}
                for name in ("gateway", "direct") if r % 2 == 0 else ("direct", "gateway"):
                    cases, send = arms[name]
                    lat, secs = await run_clients(cases, paced, send, interval, first=sent)
                    figures = report(f"r{r} {name}", lat, secs)
                    p95[name] = figures["p95"]
                    achieved.append(figures["rate"])
                sent += paced
                ratios.append(p95["gateway"] / p95["direct"])
                print(f"r{r} ratio p95 x{ratios[-1]:.2f}")
            median = statistics.median(ratios)
            if min(achieved) < 0.9 * rate:
                print(
                    f"note      paced rate not reached in every arm (lowest {min(achieved):.1f} "
                    "events/s): past saturation the ratio compares queues, not the gateway"
                )
            print(
                f"ratio     gateway p95 / direct p95: median x{median:.2f}, spread "
                f"x{min(ratios):.2f}..x{max(ratios):.2f} over {rounds} rounds"
            )

            events_in_timelines = 0
            for case in gateway_cases:
                timeline = await http.get(f"/v1/cases/thisted/{case}/timeline")
                entries = timeline.json()["entries"]
                events_in_timelines += sum(1 for e in entries if e["kind"] == "event")
            unique = len(set(receipts))
            print(
                f"\nintegrity receipts {len(receipts)} (unique {unique}), event entries in "
                f"timelines {events_in_timelines}"
            )
            print(f"statuses  {dict(statuses.counts)}")
            ok = unique == len(receipts) == events_in_timelines == warm + clients * sent
            floor = median <= RATIO_FLOOR
            no_5xx = statuses.bad_5xx == 0
            print(
                f"floor     paced median p95 ratio <= {RATIO_FLOOR}: {'PASS' if floor else 'FAIL'}"
            )
            print(f"5xx       none but 503+Retry-After: {'PASS' if no_5xx else 'FAIL'}")
            print(f"integrity nothing lost or duplicated: {'PASS' if ok else 'FAIL'}")
        await profile_gateway(data_dir, grpc, token, gateway_cases, 300)
        return 0 if ok and floor and no_5xx and starts_ok else 1
    finally:
        stack.terminate()  # SIGTERM: the stack drains and stops its dev server
        try:
            stack.wait(timeout=30)
        except subprocess.TimeoutExpired:
            stack.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--saturation", type=int, default=10, help="closed-loop events/client")
    parser.add_argument("--paced", type=int, default=4, help="paced events per client and arm")
    parser.add_argument("--rounds", type=int, default=5, help="paced rounds (both arms each)")
    parser.add_argument("--rate", type=float, default=20.0, help="paced events/s in total")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-gateway-") as tmp:
        code = asyncio.run(
            bench(args.clients, args.saturation, args.paced, args.rounds, args.rate, Path(tmp))
        )
    raise SystemExit(code)


if __name__ == "__main__":
    main()
