"""Fingerprints of everything the pure core outputs (a script, not a test):
`PYTHONPATH=. python -m tests.bench.core_hashes`.

For speed work on `domain/case` that must not change behaviour: run it before and after a
change; the three hashes (200 bench_engine case-years, every committed scenario as written
and run on one year, a 1,500-case two-regime what-if tally) must be identical.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, is_dataclass
from pathlib import Path

from domain.case.scenario import ScenarioResult, load_scenario, run_scenario
from domain.rulebook import load_rulebook
from domain.whatif.regimes import resolve_regime
from domain.whatif.run import tally_range
from tests.bench.bench_engine import one_year, year_scenario
from tests.bench.bench_whatif import REGIMES, cohort

SCENARIOS = Path(__file__).parent.parent / "scenarios"


def fingerprint(result: ScenarioResult) -> str:
    """The full case state, its timeline and the refusals, hashed."""
    state = result.state
    text = json.dumps(asdict(state) if is_dataclass(state) else repr(state), default=str)
    payload = text + repr(state.timeline) + repr(result.refusals)
    return hashlib.sha256(payload.encode()).hexdigest()


def main() -> None:
    rulebook = load_rulebook()
    bench = hashlib.sha256()
    for index in range(0, 1200, 6):
        bench.update(fingerprint(run_scenario(year_scenario(index), rulebook)).encode())
    print("bench", bench.hexdigest()[:16])
    scenarios = hashlib.sha256()
    for path in sorted(SCENARIOS.glob("*.yaml")):
        scenario = load_scenario(path)
        for case in (scenario, one_year(scenario)):
            scenarios.update(fingerprint(run_scenario(case, rulebook)).encode())
    print("scenarios", scenarios.hexdigest()[:16])
    tallies = tally_range(cohort(1500), [resolve_regime(r) for r in REGIMES], 0, 1500, None)
    print("whatif", hashlib.sha256(repr(sorted(tallies.items())).encode()).hexdigest()[:16])


if __name__ == "__main__":
    main()
