"""Benchmark of the case page (a script, not a test): `python -m tests.bench.bench_case_page`.

Starts `caseflow up` on free ports (fresh data dir, no demo), opens one case and reports
events until its timeline holds at least N entries (default 300), then requests, with the
arms interleaved request by request over several rounds:

- page: `GET /cases/{m}/{id}` (HTML: two queries, the chart drawn, the table rendered);
- baseline: `GET /v1/cases/{m}/{id}/timeline` (the JSON timeline of the same case).

Prints p50/p95 per arm, the p95 ratio page/JSON (floor: <= 2.0) and the spread of the
per-round ratios. Same stack, same case, same run: only what the page adds is compared.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import string
import tempfile
import time
from pathlib import Path

import httpx

from tests.helpers.stack import demo_stack

P95_RATIO_FLOOR = 2.0
OPENED = "2019-03-04"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def fill_case(http: httpx.Client, entries: int) -> tuple[str, int]:
    case_id = "BENCH-" + "".join(secrets.choice(string.ascii_uppercase) for _ in range(8))
    started = http.post(
        "/v1/cases",
        json={
            "case_id": case_id,
            "municipality": "thisted",
            "opened_on": OPENED,
            "entry": {"first_absence_day": "2019-03-01"},
            "legal_anchor": OPENED,  # a simulated calendar: the case stays on its first day
        },
    )
    assert started.status_code == 201, started.text
    count = 0
    n = 0
    while count < entries:
        for _ in range(25):
            n += 1
            # Assessments may be recorded any number of times on the opening day: each is
            # an accepted event with its own timeline entry.
            answer = http.post(
                f"/v1/cases/thisted/{case_id}/events",
                json={
                    "type": "assessment_recorded",
                    "event_id": f"e{n}",
                    "effective_date": OPENED,
                    "fact": "assessment.sufficiently_informed",
                    "value": n % 2 == 0,
                },
            )
            answer.raise_for_status()
        timeline = http.get(f"/v1/cases/thisted/{case_id}/timeline")
        count = len(timeline.json()["entries"])
    return case_id, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--per-round", type=int, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root, demo_stack(Path(root), demo=False) as stack:
        headers = {"Authorization": f"Bearer {stack.token}"}
        with httpx.Client(base_url=stack.gateway, headers=headers, timeout=60) as http:
            case_id, count = fill_case(http, args.entries)
            arms = {
                "page": f"/cases/thisted/{case_id}",
                "json": f"/v1/cases/thisted/{case_id}/timeline",
            }
            times: dict[str, list[float]] = {arm: [] for arm in arms}
            ratios: list[float] = []
            size = {arm: len(http.get(path).content) for arm, path in arms.items()}  # warm-up
            for round_no in range(args.rounds):
                this_round: dict[str, list[float]] = {arm: [] for arm in arms}
                order = list(arms) if round_no % 2 == 0 else list(reversed(arms))
                for _ in range(args.per_round):
                    for arm in order:
                        began = time.perf_counter()
                        answer = http.get(arms[arm])
                        elapsed = (time.perf_counter() - began) * 1000
                        answer.raise_for_status()
                        this_round[arm].append(elapsed)
                for arm, values in this_round.items():
                    times[arm].extend(values)
                ratios.append(
                    percentile(this_round["page"], 0.95) / percentile(this_round["json"], 0.95)
                )
    print(
        f"case with {count} timeline entries; {args.rounds} rounds x {args.per_round}"
        " requests per arm, interleaved"
    )
    for arm, values in times.items():
        print(
            f"  {arm:5} p50 {percentile(values, 0.5):7.1f} ms  "
            f"p95 {percentile(values, 0.95):7.1f} ms  max {max(values):7.1f} ms"
            f"  body {size[arm] / 1024:6.1f} KiB"
        )
    ratio = percentile(times["page"], 0.95) / percentile(times["json"], 0.95)
    print(
        f"  p95 ratio page/json {ratio:.2f} (floor <= {P95_RATIO_FLOOR}); per-round median "
        f"{statistics.median(ratios):.2f}, min {min(ratios):.2f}, max {max(ratios):.2f}"
    )
    print("  floor " + ("met" if ratio <= P95_RATIO_FLOOR else "MISSED"))


if __name__ == "__main__":
    main()
