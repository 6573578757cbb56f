"""One arm of the frozen-baseline comparison: run as a script, never imported.

`bench_engine` starts this file once per core under test, in its own process, with that
core's tree first on `PYTHONPATH` (the current tree, or a `git worktree` of the frozen
commit), so the two cores never share a process or a module cache. It reads the scenarios
from a JSON file (the same data for both arms), validates them with its own core's
`Scenario`, warms up, says `ready`, and then answers each `run SECONDS` line on stdin with
the case-years per second it ran in that slice. The parent alternates the arms' slices.

It imports only `domain` (and the standard library): the frozen tree has no copy of this
file, and `tests` from the wrong tree must not be found first.
"""

import json
import sys
import time
from itertools import cycle
from pathlib import Path

import domain
from domain.case.scenario import Scenario, run_scenario
from domain.rulebook import load_rulebook


def main() -> None:
    data = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    scenarios = [Scenario.model_validate(item) for item in data]
    rulebook = load_rulebook()
    for scenario in scenarios:
        run_scenario(scenario, rulebook)  # warm: each core's own caches, once
    print(json.dumps({"ready": str(Path(domain.__file__).parent.parent)}), flush=True)
    for line in sys.stdin:
        command, _, argument = line.partition(" ")
        if command != "run":
            break
        seconds = float(argument)
        runs, started = 0, time.perf_counter()
        # Case by case round the list, so a slice ends on time whatever the core's speed.
        for scenario in cycle(scenarios):
            run_scenario(scenario, rulebook)
            runs += 1
            if time.perf_counter() - started >= seconds:
                break
        print(json.dumps({"rate": runs / (time.perf_counter() - started)}), flush=True)


if __name__ == "__main__":
    main()
