"""The pool's warm-up compiles law views in the parent before it forks; what the workers
then compile themselves must not change a count."""

from __future__ import annotations

import pytest

import workers.whatif.pool as pool
from domain.whatif.cohort import parse_cohort
from domain.whatif.report import build_report

ACROSS_THE_TRIALS = """
name: three municipalities across the 2021 extension
seed: 11
generate:
  - {count: 30, phase: sygedagpenge, municipalities: {jammerbugt: 1, aalborg: 1, thisted: 1},
     opened: {from: 2018-01-01, to: 2021-06-30}}
  - {count: 30, phase: jobafklaringsforloeb, municipalities: {jammerbugt: 1, aalborg: 1},
     opened: {from: 2019-01-01, to: 2021-06-30}}
"""


def test_a_warmed_pool_counts_what_one_cold_process_counts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cohort = parse_cohort(ACROSS_THE_TRIALS, "cohort.yaml")
    specs = ["standard", "trials"]
    one = pool.run_cohort(cohort, specs, processes=1, chunk=9)
    monkeypatch.setattr(pool, "WARM_FROM", 0)  # warm even this small cohort
    warmed = pool.run_cohort(cohort, specs, processes=2, chunk=9)
    assert build_report("c", one, None) == build_report("c", warmed, None)
    assert one["trials"].cases == warmed["trials"].cases == cohort.size
    # the trial regime differs from standard law here, so the views were really read
    assert (
        build_report("c", one, None)["regimes"]["trials"]
        != (build_report("c", one, None)["regimes"]["standard"])
    )
