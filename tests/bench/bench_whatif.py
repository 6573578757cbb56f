"""Benchmark the what-if (not a test): a generated cohort under two regimes.

Run: ``.venv/bin/python -m tests.bench.bench_whatif [--cases 100000] [--processes N]``.
The cohort: sickness-benefit and first-JAF cases across the 11 municipalities, opened
evenly over 2018-2019, each run to its close or three years. Prints

- case-years/s of the core on one process (a sample, run in this process),
- the wall time of the whole two-regime what-if on all cores (the pool the CLI uses),
- peak resident memory of this process and of its worker processes,
- same-run ratios: pool vs one process on the same sample, arms interleaved and repeated
  (median and spread), and the trials regime's cost per case-year relative to standard.

Floors (issue 14): 100,000 cases x 2 regimes under 3 minutes on this 2-core machine,
peak memory under 2 GiB. Printed as met or missed; never asserted.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time

from domain.whatif.cohort import Cohort, Generator, Period
from domain.whatif.regimes import resolve_regime
from domain.whatif.run import tally_range, warm
from domain.whatif.tally import Tally
from workers.whatif.pool import run_cohort

MUNICIPALITIES = [
    "aalborg", "broenderslev", "frederikshavn", "hjoerring", "jammerbugt", "laesoe",
    "mariagerfjord", "morsoe", "rebild", "thisted", "vesthimmerland",
]  # fmt: skip
REGIMES = ["standard", "trials"]
FLOOR_SECONDS = 180
FLOOR_BYTES = 2 * 1024**3


def cohort(cases: int) -> Cohort:
    weights = dict.fromkeys(MUNICIPALITIES, 1.0)
    period = Period.model_validate({"from": "2018-01-01", "to": "2019-12-31"})
    sick = cases * 4 // 5
    return Cohort(
        name=f"bench {cases}",
        seed=1,
        generate=[
            Generator(count=sick, phase="sygedagpenge", municipalities=weights, opened=period),
            Generator(
                count=cases - sick,
                phase="jobafklaringsforloeb",
                municipalities=weights,
                opened=period,
            ),
        ],
    )


def case_years(tally: Tally) -> float:
    return sum(tally.phase_days.values()) / 365.25


def one_process(c: Cohort, stop: int) -> tuple[float, dict[str, Tally]]:
    regimes = [resolve_regime(r) for r in REGIMES]
    started = time.perf_counter()
    tallies = tally_range(c, regimes, 0, stop, None)
    return time.perf_counter() - started, tallies


def peak_bytes() -> tuple[int, int]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return own, children


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    c = cohort(args.cases)
    sample = min(args.sample, c.size)
    small = cohort(sample)
    print(f"cohort: {c.size} cases x {len(REGIMES)} regimes; {args.processes} processes")

    # Warm-up: what every case reads, compiled once before any pool forks (see `warm`).
    started = time.perf_counter()
    warm([resolve_regime(r) for r in REGIMES], set(MUNICIPALITIES))
    compile_s = time.perf_counter() - started
    print(
        f"law views warmed in {compile_s:,.1f} s (slices and change days, once per run, "
        "counted in the wall time; timelines compile where cases ask)"
    )

    # The whole what-if first, so its workers fork from a parent that compiled only what
    # the warm-up does (the sample arms below would compile the timelines they ask).
    started = time.perf_counter()
    result = run_cohort(c, REGIMES, processes=args.processes)
    wall = time.perf_counter() - started + compile_s
    total_years = sum(case_years(t) for t in result.values())
    own, children = peak_bytes()
    print(
        f"whole what-if: {wall:,.1f} s wall for {c.size:,} cases x {len(REGIMES)} regimes "
        f"({total_years:,.0f} case-years, {total_years / wall:,.0f} case-years/s)"
    )
    print(
        f"peak memory: this process {own / 2**20:,.0f} MiB, "
        f"largest worker {children / 2**20:,.0f} MiB"
    )

    one_process(small, min(50, sample))
    ratios, singles = [], []
    for _ in range(args.rounds):
        single, tallies = one_process(small, sample)
        started = time.perf_counter()
        run_cohort(small, REGIMES, processes=args.processes, chunk=max(sample // 8, 1))
        pooled = time.perf_counter() - started
        singles.append(single)
        ratios.append(single / pooled)
    years = sum(case_years(t) for t in tallies.values())
    rate = years / statistics.median(singles)
    print(f"core, one process: {rate:,.0f} case-years/s ({years:,.0f} case-years per round)")
    print(
        f"pool vs one process, same sample: median {statistics.median(ratios):.2f}x "
        f"(min {min(ratios):.2f}, max {max(ratios):.2f}, {args.rounds} interleaved rounds)"
    )
    per_year = {label: case_years(t) / t.cases for label, t in tallies.items()}
    print(f"case-years per case: {', '.join(f'{k} {v:.2f}' for k, v in per_year.items())}")

    scaled = wall * 100_000 / c.size
    print(
        f"floor 100,000 cases < {FLOOR_SECONDS} s: "
        f"{'met' if scaled < FLOOR_SECONDS else 'MISSED'} ({scaled:,.0f} s at 100,000"
        f"{'' if c.size == 100_000 else ', scaled linearly'})"
    )
    peak = own + children * args.processes
    print(
        f"floor peak memory < 2 GiB: {'met' if peak < FLOOR_BYTES else 'MISSED'} "
        f"(at most {peak / 2**20:,.0f} MiB across the processes)"
    )


if __name__ == "__main__":
    main()
