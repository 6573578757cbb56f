"""Running a cohort over all cores: file reading, the process pool and the progress bar.

Each worker process builds the regimes' rulebooks once and counts slices of the cohort;
the slices' tallies are merged in slice order. A tally holds only integer counters, so
the result is the same with one process or many.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from datetime import date
from pathlib import Path

import yaml

from domain.whatif.cohort import Cohort, CohortError, cohort_from_rows, parse_cohort
from domain.whatif.regimes import Regime, resolve_regime
from domain.whatif.run import tally_range, warm
from domain.whatif.tally import Tally

__all__ = ["load_cohort", "run_cohort"]

WARM_FROM = 1000
"""Cohorts this large have their law views compiled before the pool forks (see `warm`)."""
CHUNK = 200
"""Cases per task: large enough that pickling tallies is cheap, small enough to balance."""


def load_cohort(path: Path) -> Cohort:
    """Read a cohort file (YAML, or CSV one case a row) and the scenario files it lists."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CohortError(f"{path}: cannot read ({type(error).__name__})") from None
    if path.suffix.lower() == ".csv":
        return cohort_from_rows(text, str(path))
    members: dict[str, str] = {}
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        data = None
    listed = data.get("members") if isinstance(data, dict) else None
    for member in listed or []:
        if isinstance(member, str):
            for candidate in (path.parent / member, Path(member)):
                if candidate.is_file():
                    members[member] = candidate.read_text(encoding="utf-8")
                    break
    return parse_cohort(text, str(path), members)


_STATE: dict[str, object] = {}


def _init(cohort: Cohort, specs: list[str]) -> None:
    _STATE["cohort"] = cohort
    _STATE["regimes"] = [resolve_regime(spec) for spec in specs]


def _task(start: int, stop: int, price_date: date | None) -> dict[str, Tally]:
    cohort = _STATE["cohort"]
    regimes = _STATE["regimes"]
    assert isinstance(cohort, Cohort)
    assert isinstance(regimes, list)
    return tally_range(cohort, regimes, start, stop, price_date)


def run_cohort(
    cohort: Cohort,
    specs: list[str],
    *,
    processes: int | None = None,
    price_date: date | None = None,
    progress: Callable[[int], None] | None = None,
    chunk: int = CHUNK,
) -> dict[str, Tally]:
    """Every case under every regime (`specs`, resolved first so a bad one fails early)."""
    regimes: list[Regime] = [resolve_regime(spec) for spec in specs]
    workers = processes or os.cpu_count() or 1
    slices = [(s, min(s + chunk, cohort.size)) for s in range(0, cohort.size, chunk)]
    results: list[dict[str, Tally] | None] = [None] * len(slices)
    if workers > 1 and cohort.size >= WARM_FROM:
        warm(regimes, cohort.municipalities())
    if workers == 1:
        for i, (start, stop) in enumerate(slices):
            results[i] = tally_range(cohort, regimes, start, stop, price_date)
            if progress:
                progress(stop - start)
    else:
        with ProcessPoolExecutor(workers, initializer=_init, initargs=(cohort, specs)) as pool:
            futures: dict[Future[dict[str, Tally]], int] = {
                pool.submit(_task, start, stop, price_date): i
                for i, (start, stop) in enumerate(slices)
            }
            for future in as_completed(futures):
                i = futures[future]
                results[i] = future.result()
                if progress:
                    progress(slices[i][1] - slices[i][0])
    merged = {regime.label: Tally() for regime in regimes}
    for part in results:
        assert part is not None
        for label, tally in part.items():
            merged[label].add(tally)
    return merged
