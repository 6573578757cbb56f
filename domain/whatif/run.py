"""Run a slice of a cohort under every regime and count it (what one worker process does)."""

from __future__ import annotations

from datetime import date

from domain.case.rules_view import rules_asked
from domain.case.scenario import sliced
from domain.whatif.cohort import Cohort
from domain.whatif.regimes import Regime
from domain.whatif.simulate import run_case
from domain.whatif.tally import Tally, tally_case

__all__ = ["tally_range", "warm"]


def warm(regimes: list[Regime], municipalities: set[str]) -> None:
    """Compile, once, what every case reads whatever its rules: each municipality's slice
    and, in each view of it as known on a decision day, the days on which any answer may
    change (that needs every rule's standard law). A pool forked afterwards shares them;
    the timelines of the rules cases ask are compiled where they are asked (a view shares
    them with the views before it, so that costs little)."""
    for regime in regimes:
        for municipality in sorted(municipalities):
            try:
                rules = sliced(regime.rulebook, regime.rulebook.municipality(municipality).id)
            except LookupError:
                continue  # counted as refused when a case asks
            m = rules.municipality(municipality).id
            for decision in rules.decisions():
                view = rules.as_known_on(decision.day)
                for group in view.target_groups():
                    view.next_boundary(m, group.code, decision.day)


def tally_range(
    cohort: Cohort, regimes: list[Regime], start: int, stop: int, price_date: date | None
) -> dict[str, Tally]:
    """Cases `start` to `stop - 1`, each run and counted under each regime, then dropped."""
    behaviour = cohort.effective_behaviour()
    tallies = {regime.label: Tally() for regime in regimes}
    for index in range(start, stop):
        case = cohort.case(index)
        for regime in regimes:
            run = run_case(case, regime, behaviour, cohort.seed, cohort.horizon_years)
            tally_case(tallies[regime.label], run, price_date)
    for regime in regimes:
        if regime.reform is not None:
            tallies[regime.label].rules_asked |= rules_asked(regime.reform)
    return tallies
