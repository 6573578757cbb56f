"""A view of the law as known on a day shares each rule's answers with the view after the
last decision that touched the rule. These tests hold it to a view that compiles every
answer from its own law (``shared=False``), for every decision day of the shipped rulebook,
its slices and test rulebooks, and for generated law histories."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.rulebook import Rulebook, load_rulebook
from domain.rulebook.loader import content_hash
from domain.rulebook.model import Citation, Clause, DatedValue, Decision, Extension, LawData
from domain.whatif.regimes import resolve_regime
from tests.helpers.rulebooks import law_with_rt_weeks
from tests.rulebook.conftest import MINIMAL, LawTree


def views(root: Rulebook) -> list[tuple[Rulebook, Rulebook]]:
    """(shared view, view compiled alone) for every decision day before the last."""
    days = [d.day for d in root.decisions()]
    return [
        (root.as_known_on(day), root._epoch(day, until, shared=False))
        for day, until in itertools.pairwise(days)
    ]


def assert_same_view(shared: Rulebook, alone: Rulebook) -> int:
    """Every answer the view can give, compared; returns how many timelines."""
    assert shared.known_from == alone.known_from
    muns = [m.id for m in alone.municipalities()]
    groups = [g.code for g in alone.target_groups()]
    checked = 0
    for m in muns:
        for g in groups:
            bounds = alone._boundaries[(m, g)]
            assert shared._boundaries[(m, g)] == bounds, (m, g)
            for on in (*bounds, date(2019, 6, 1)):
                assert shared.trials_in_scope(m, g, on) == alone.trials_in_scope(m, g, on)
            for rid in alone.rule_ids():
                a_starts, a_segs = alone._index[(rid, m, g)]
                b_starts, b_segs = shared._index[(rid, m, g)]
                assert b_starts == a_starts, (rid, m, g)
                assert len(b_segs) == len(a_segs), (rid, m, g)
                for x, y in zip(b_segs, a_segs, strict=True):
                    assert (x.start, x.end, x.base, x.fallback) == (
                        y.start,
                        y.end,
                        y.base,
                        y.fallback,
                    ), (rid, m, g)
                    # conditions are compiled once per clause: the same predicate objects
                    assert [(p, r) for p, r in x.candidates] == list(y.candidates)
                checked += 1
    for tid in alone.trial_ids():
        for m in muns:
            assert shared.trial_period(tid, m) == alone.trial_period(tid, m)
            for g in groups[:3]:
                on = date(2019, 6, 1)
                assert shared.trial_status(tid, m, g, on) == alone.trial_status(tid, m, g, on)
    return checked


def assert_same_views(root: Rulebook) -> int:
    checked = sum(assert_same_view(shared, alone) for shared, alone in views(root))
    assert checked, "a rulebook with decision days has views to compare"
    return checked


def test_every_view_of_the_shipped_rulebook_equals_its_own_compile(rb: Rulebook) -> None:
    fresh = Rulebook(rb.law, rb.content_hash)  # nothing asked of it yet
    assert assert_same_views(fresh) == (len(fresh.decisions()) - 1) * len(fresh.rule_ids()) * (
        len(fresh.municipalities()) * len(fresh.target_groups())
    )


@pytest.mark.parametrize("municipality", ["jammerbugt", "aalborg", "laesoe"])
def test_every_view_of_a_slice_equals_its_own_compile(rb: Rulebook, municipality: str) -> None:
    assert_same_views(Rulebook.from_slice(rb.slice_for(municipality)))


def test_views_of_the_what_if_regimes_equal_their_own_compile() -> None:
    for spec in ("standard", "known-on:2021-06-30"):
        rules = resolve_regime(spec).rulebook
        assert_same_views(Rulebook.from_slice(rules.slice_for("jammerbugt")))


def test_views_of_a_rulebook_with_a_later_change_equal_their_own_compile(
    tmp_path: Path,
) -> None:
    root = load_rulebook(law_with_rt_weeks(tmp_path / "law", 6, date(2024, 3, 1)))
    assert_same_views(Rulebook.from_slice(root.slice_for("thisted")))


def test_views_of_the_minimal_test_rulebook_equal_their_own_compile(law_tree: LawTree) -> None:
    assert_same_views(load_rulebook(law_tree()))


def test_asking_in_any_order_gives_the_same_answers(rb: Rulebook) -> None:
    """Owners are found on demand: a late view asked first, or the whole rulebook asked
    last, must not change what an earlier view answers."""
    piece = rb.slice_for("thisted")
    forward = Rulebook.from_slice(piece)
    backward = Rulebook.from_slice(piece)
    days = [d.day for d in forward.decisions()]
    key = ("kontakt.dagpenge.forms", "thisted", "2.1")
    for day in reversed(days):
        backward.as_known_on(day)._index[key]
    assert [plain(forward.as_known_on(d)._index[key]) for d in days] == [
        plain(backward.as_known_on(d)._index[key]) for d in days
    ]


def plain(timeline: Any) -> list[tuple[Any, ...]]:
    """A timeline without its predicates (two rulebooks compile their own)."""
    return [
        (s.start, s.end, s.base, s.fallback, [(p is None, r) for p, r in s.candidates])
        for s in timeline[1]
    ]


# ---------------------------------------------------------------- generated law histories
_CITE = Citation(act="Test act § 1", provenance="[001:L1]")
_DAYS = [date(2013, 1, 1) + timedelta(days=200 * i) for i in range(12)]


@st.composite
def histories(draw: st.DrawFn, base: LawData) -> LawData:
    """The minimal law with generated decisions: new values of a rule decided on their own
    days, a trial decided late, extended, and given a clause decided later still."""
    days = sorted(draw(st.sets(st.sampled_from(_DAYS[1:]), min_size=1, max_size=6)))
    rules = dict(base.rules)
    weeks = rules["area.weeks"]
    starts = sorted(draw(st.sets(st.sampled_from(_DAYS[1:]), max_size=4)))
    values = [weeks.values[0].model_copy(update={"valid_to": starts[0] if starts else None})]
    for i, start in enumerate(starts):
        values.append(
            DatedValue(
                valid_from=start,
                valid_to=starts[i + 1] if i + 1 < len(starts) else None,
                value=draw(st.integers(1, 30)),
                decided=draw(st.sampled_from([_DAYS[0], *days])),
            )
        )
    rules["area.weeks"] = weeks.model_copy(update={"values": values})
    trial = base.trials["T-1"]
    granted = draw(st.sampled_from([_DAYS[0], *days]))
    extensions = [
        Extension(decided=day, months=draw(st.integers(1, 18)), citation=_CITE)
        for day in draw(st.lists(st.sampled_from(days), max_size=2))
    ]
    late = Clause(
        id="T-1/b",
        municipalities=["aalborg", "thisted"],
        target_groups=["2.5", "2.14"],
        conditions=draw(st.sampled_from([[], trial.clauses[0].conditions])),
        overrides={"area.weeks": {"value": 2, "reason": "T-1/b in {municipality}"}},
        supersedes=draw(st.sampled_from([[], ["T-1/a"]])),
        decided=draw(st.sampled_from([None, *days])),
    )
    clauses = [trial.clauses[0], late] if draw(st.booleans()) else [trial.clauses[0]]
    if len(clauses) == 2:
        first = clauses[0].model_copy(
            update={
                "overrides": {**clauses[0].overrides, "area.weeks": late.overrides["area.weeks"]}
            }
        )
        clauses = [first, late]
    trials = {
        "T-1": trial.model_copy(
            update={"decided": granted, "extensions": extensions, "clauses": clauses}
        )
    }
    known = {d.day: d for d in base.decisions}
    known |= {day: Decision(day=day, title="generated", citation=_CITE) for day in days}
    decisions = sorted(known.items())
    law = base.model_copy(
        update={"rules": rules, "trials": trials, "decisions": [d for _, d in decisions]}
    )
    used = {v.decided for r in law.rules.values() for v in r.values} | {granted}
    used |= {e.decided for e in extensions} | {c.decided for c in clauses}
    assert used - {None} <= {d.day for d in law.decisions}
    return law


@pytest.fixture(scope="module")
def minimal_law(tmp_path_factory: pytest.TempPathFactory) -> LawData:
    root = tmp_path_factory.mktemp("minimal") / "law"
    for rel, content in MINIMAL.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    (root / "reforms").mkdir()
    return load_rulebook(root).law


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_views_of_generated_law_histories_equal_their_own_compile(
    minimal_law: LawData, data: Any
) -> None:
    law = data.draw(histories(minimal_law))
    assert_same_views(Rulebook(law, content_hash(law)))
