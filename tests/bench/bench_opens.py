"""Concurrent case opens through the gateway (a script, not a test):
`python -m tests.bench.bench_opens --clients 50 --rounds 3`.

Starts the embedded stack (`caseflow up` on free ports, a fresh data dir, no demo cases).
Each round, C clients open C new cases at once, then every client sends its own request
again (a retry, as a client does after a timeout or a 503). It prints how each answer
came back, by status, for the first tries and the retries, and whether every retry
named the same workflow as its first answer. Figures are counts, not timings: the floor
is no 5xx and no 409 for first tries and retries, and every retry naming the same case
as its first answer (200/201 with the case, or 202 with its URL when it was not ready in
time; status 0 in the counts: no HTTP answer at all).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from tests.bench.bench_gateway import OPENED, case_id
from tests.bench.stack import stack_up


def body(case: str) -> dict[str, Any]:
    return {
        "case_id": case,
        "municipality": "thisted",
        "opened_on": OPENED,
        "entry": {"first_absence_day": "2019-03-01"},
        "legal_anchor": OPENED,
    }


async def open_case(http: httpx.AsyncClient, case: str) -> tuple[int, str | None]:
    """(status, workflow id of the case in the answer); status 0: no HTTP answer at all."""
    try:
        answer = await http.post("/v1/cases", json=body(case))
    except httpx.HTTPError as error:
        print(f"  no answer: {type(error).__name__}")
        return 0, None
    # 200/201 carry the case, 202 its workflow id and URL (accepted, still starting).
    named = answer.status_code in {200, 201, 202}
    return answer.status_code, answer.json()["workflow_id"] if named else None


async def round_of(http: httpx.AsyncClient, clients: int) -> tuple[Counter[int], Counter[int], int]:
    cases = [case_id("OP") for _ in range(clients)]
    first = await asyncio.gather(*(open_case(http, c) for c in cases))
    again = await asyncio.gather(*(open_case(http, c) for c in cases))
    same = sum(1 for a, b in zip(first, again, strict=True) if a[1] is not None and a[1] == b[1])
    return Counter(a[0] for a in first), Counter(b[0] for b in again), same


async def bench(clients: int, rounds: int, data_dir: Path) -> int:
    async with stack_up(data_dir) as (url, token, _grpc):
        headers = {"Authorization": f"Bearer {token}"}
        limits = httpx.Limits(max_connections=clients + 10, max_keepalive_connections=clients + 10)
        async with httpx.AsyncClient(
            base_url=url, headers=headers, timeout=120, limits=limits
        ) as http:
            firsts: Counter[int] = Counter()
            retries: Counter[int] = Counter()
            same_total = 0
            for n in range(rounds):
                first, again, same = await round_of(http, clients)
                firsts += first
                retries += again
                same_total += same
                print(
                    f"round {n + 1}: {clients} opens {dict(sorted(first.items()))}  "
                    f"retries {dict(sorted(again.items()))}  same workflow {same}/{clients}"
                )
            total = clients * rounds
            bad = sum(v for k, v in (firsts + retries).items() if k not in {200, 201, 202})
            print(
                f"\ntotal {total} opens: first {dict(sorted(firsts.items()))}, "
                f"retry {dict(sorted(retries.items()))}, same workflow {same_total}/{total}"
            )
            ok = bad == 0 and same_total == total
            verdict = "PASS" if ok else "FAIL"
            print(f"floor     no 5xx, no 409, every retry names the same case: {verdict}")
            return 0 if ok else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-opens-") as tmp:
        code = asyncio.run(bench(args.clients, args.rounds, Path(tmp)))
    raise SystemExit(code)


if __name__ == "__main__":
    main()
