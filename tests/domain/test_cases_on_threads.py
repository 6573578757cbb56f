"""Cases run on several threads at once, as workflows do on a worker's threads.

The core shares rule answers between cases (and keeps other bounded caches at module
level); whatever the interleaving, every case must tell the story it tells alone.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from domain.case.model import TimelineEntry
from domain.case.rules_view import forget_shared_answers
from domain.case.scenario import Scenario, run_scenario
from domain.rulebook import Rulebook
from tests.bench.bench_engine import year_scenario


@pytest.fixture
def frequent_thread_switches() -> Iterator[None]:
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter allows
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


@pytest.mark.usefixtures("frequent_thread_switches")
def test_cases_on_several_threads_tell_the_stories_they_tell_alone(rulebook: Rulebook) -> None:
    scenarios = [year_scenario(case) for case in range(0, 600, 37)]

    def story(scenario: Scenario) -> list[TimelineEntry]:
        result = run_scenario(scenario, rulebook)
        assert result.refusals == []
        return result.state.timeline

    alone = [story(scenario) for scenario in scenarios]
    forget_shared_answers()  # the threads start from nothing and fill the caches together
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(story, scenarios * 3))

    assert together == alone * 3
