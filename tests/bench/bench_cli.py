"""Benchmark `caseflow` start-up (not a test): `caseflow --help` and `caseflow --version`
against `python -c pass` in the same run.

Run: ``.venv/bin/python -m tests.bench.bench_cli``. Each round runs every arm once, in
turn, as a fresh process (interleaved, so load on the shared machine hits all arms alike);
it prints each arm's median wall time and the median ratio to the baseline with its spread.
Floor from issue 15: `caseflow --help` <= 3x `python -c pass`.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROUNDS = 21
FLOOR = 3.0


def _caseflow() -> str:
    beside = Path(sys.executable).with_name("caseflow")
    return str(beside) if beside.exists() else shutil.which("caseflow") or "caseflow"


def _wall(argv: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - began


def main() -> None:
    arms = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "caseflow --help": [_caseflow(), "--help"],
        "caseflow --version": [_caseflow(), "--version"],
    }
    for argv in arms.values():  # warm the file cache and the .pyc files
        _wall(argv)
    times: dict[str, list[float]] = {name: [] for name in arms}
    for _ in range(ROUNDS):
        for name, argv in arms.items():
            times[name].append(_wall(argv))
    base = times["python -c pass"]
    print(f"{ROUNDS} interleaved rounds")
    for name, walls in times.items():
        line = f"{name:20} median {statistics.median(walls) * 1000:7.1f} ms"
        if walls is not base:
            ratios = [t / b for t, b in zip(walls, base, strict=True)]
            line += (
                f"  ratio median x{statistics.median(ratios):.2f} "
                f"(spread x{min(ratios):.2f}-x{max(ratios):.2f})"
            )
        print(line)
    help_ratio = statistics.median(
        t / b for t, b in zip(times["caseflow --help"], base, strict=True)
    )
    verdict = "met" if help_ratio <= FLOOR else "MISSED"
    print(f"floor caseflow --help <= x{FLOOR:.0f} python -c pass: {verdict}")


if __name__ == "__main__":
    main()
