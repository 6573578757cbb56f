"""Benchmark a `/metrics` scrape against `/healthz` (a script, not a test).

Run: ``.venv/bin/python -m tests.bench.bench_metrics [--cases 40]``. Starts the embedded
stack (`caseflow up`, free ports, fresh data dir), opens `--cases` cases so the obligation
counts have series, waits until the gateway has counted them, then in each round sends
`--per-round` sequential requests to each endpoint, arms interleaved (order alternating per
round), and prints each arm's p95 per round, the per-round ratio metrics p95 / healthz
p95, its median and spread. Floor from issue 15: median ratio <= 2.

A scrape reads the cached counts; the count itself (visibility queries) runs in the
background at most once per `CASEFLOW_OBLIGATION_COUNTS_REFRESH` seconds, and the roll-out
statuses once per `CASEFLOW_ROLLOUT_PROGRESS_REFRESH`; this bench sets both to 1 s so that
they are refreshed during the run, as under a real scraper.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from tests.bench.bench_gateway import case_id, percentile, start_body, start_stack, wait_ready

ROUNDS = 9
FLOOR = 2.0


async def timed(http: httpx.AsyncClient, path: str, n: int) -> list[float]:
    walls = []
    for _ in range(n):
        began = time.perf_counter()
        answer = await http.get(path)
        walls.append(time.perf_counter() - began)
        assert answer.status_code == 200, answer.status_code
    return walls


async def bench(cases: int, per_round: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-metrics-") as tmp:
        data_dir = Path(tmp)
        os.environ["CASEFLOW_OBLIGATION_COUNTS_REFRESH"] = "1"
        os.environ["CASEFLOW_ROLLOUT_PROGRESS_REFRESH"] = "1"
        stack, url, _ = start_stack(data_dir)
        try:
            await wait_ready(url, stack)
            token = (data_dir / "data" / "gateway-dev-token").read_text().strip()
            headers = {"Authorization": f"Bearer {token}"}
            async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
                for i in range(cases):
                    started = await http.post("/v1/cases", json=start_body(case_id(f"M{i}")))
                    assert started.status_code == 201, started.text
                series = 0
                for _ in range(300):
                    text = (await http.get("/metrics")).text
                    series = text.count("caseflow_cases_next_obligation{")
                    if series:
                        break
                    await asyncio.sleep(0.2)
                print(f"{cases} cases; obligation series in a scrape: {series}")
                await timed(http, "/metrics", 20)  # warm-up
                await timed(http, "/healthz", 20)
                ratios, metrics_p95, health_p95 = [], [], []
                for n in range(ROUNDS):
                    order = ["/metrics", "/healthz"] if n % 2 == 0 else ["/healthz", "/metrics"]
                    p95 = {}
                    for path in order:
                        p95[path] = percentile(await timed(http, path, per_round), 0.95)
                    metrics_p95.append(p95["/metrics"])
                    health_p95.append(p95["/healthz"])
                    ratios.append(p95["/metrics"] / p95["/healthz"])
            print(f"{ROUNDS} interleaved rounds of {per_round} sequential requests per arm")
            print(f"/healthz p95 median {statistics.median(health_p95) * 1000:.2f} ms")
            print(f"/metrics p95 median {statistics.median(metrics_p95) * 1000:.2f} ms")
            median = statistics.median(ratios)
            print(
                f"ratio metrics/healthz p95: median x{median:.2f} "
                f"(spread x{min(ratios):.2f}-x{max(ratios):.2f})"
            )
            print(f"floor <= x{FLOOR:.0f}: {'met' if median <= FLOOR else 'MISSED'}")
        finally:
            stack.terminate()
            stack.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--per-round", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(bench(args.cases, args.per_round))


if __name__ == "__main__":
    main()
