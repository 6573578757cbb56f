"""Every clause of every granted trial, tested at its edges: the day before its start, its
first day, its last day, its end; inside and outside its municipalities; with its
conditions met and with each condition broken. Generated from the law data, so a new
trial is covered without writing cases by hand."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from domain.rulebook import ResolutionContext, Rulebook, load_rulebook
from domain.rulebook.model import Clause, Condition, Trial
from domain.rulebook.scope import clause_period, resolve_value

_RB = load_rulebook()


def _satisfy(cond: Condition, facts: dict[str, Any]) -> None:
    if cond.fact is None:
        if cond.all is not None:
            for c in cond.all:
                _satisfy(c, facts)
        elif cond.any is not None:
            _satisfy(cond.any[0], facts)
        return
    if "equals" in cond.model_fields_set:
        facts[cond.fact] = cond.equals
    elif "not_equals" in cond.model_fields_set:
        facts.pop(cond.fact, None)
    elif cond.lt is not None:
        facts[cond.fact] = int(cond.lt) - 1
    elif cond.le is not None:
        facts[cond.fact] = int(cond.le)
    elif cond.gt is not None:
        facts[cond.fact] = int(cond.gt) + 1
    elif cond.ge is not None:
        facts[cond.fact] = int(cond.ge)


def _break(cond: Condition, facts: dict[str, Any]) -> None:
    if cond.fact is None:
        for c in cond.all or cond.any or []:
            _break(c, facts)
        return
    if "equals" in cond.model_fields_set:
        if isinstance(cond.equals, bool):
            facts[cond.fact] = not cond.equals
        else:
            facts.pop(cond.fact, None)
    elif "not_equals" in cond.model_fields_set:
        facts[cond.fact] = cond.not_equals
    else:
        bound = next(v for v in (cond.lt, cond.le, cond.gt, cond.ge) if v is not None)
        facts[cond.fact] = int(bound)
        if cond.le is not None:
            facts[cond.fact] = int(bound) + 1
        if cond.ge is not None:
            facts[cond.fact] = int(bound) - 1


def _cases() -> list[Any]:
    out = []
    law = _RB.law
    for trial in law.trials.values():
        for clause in trial.clauses:
            for rule_id in clause.overrides:
                m = clause.municipalities[0]
                out.append(pytest.param(trial, clause, rule_id, m, id=f"{clause.id}:{rule_id}"))
    return out


def _facts(clause: Clause) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for c in clause.conditions:
        _satisfy(c, facts)
    return facts


def _ctx(m: str, g: str, on: date, facts: dict[str, Any]) -> ResolutionContext:
    return ResolutionContext(m, g, on, facts)


@pytest.mark.parametrize(("trial", "clause", "rule_id", "municipality"), _cases())
def test_clause_edges(trial: Trial, clause: Clause, rule_id: str, municipality: str) -> None:
    rb: Rulebook = _RB
    regime = f"TRIAL:{trial.id}"
    group = clause.target_groups[0]
    period = clause_period(rb.law, trial, clause, municipality)
    assert period is not None
    start, end = period
    facts = _facts(clause)
    expected = resolve_value(rb.law, trial, municipality, clause.overrides[rule_id].value)

    # A clause that supersedes this one may answer first where its own conditions also hold
    # (FK-3.m over FK-2.a.2: same condition); that is the declared precedence, not a leak.
    winners = {regime} | {
        f"TRIAL:{t.id}"
        for t in rb.law.trials.values()
        for c in t.clauses
        if clause.id in c.supersedes and rule_id in c.overrides
    }
    last_day = (end if end else date(2026, 1, 1)) - timedelta(days=1)
    for day in (start, last_day):
        res = rb.resolve(rule_id, _ctx(municipality, group, day, facts))
        assert res.regime in winners, res.reason
        if res.regime == regime:
            assert res.value == expected, res.reason

    before = rb.resolve(rule_id, _ctx(municipality, group, start - timedelta(days=1), facts))
    assert before.regime != regime, "a trial never applies before its first day"
    if end is not None:
        after = rb.resolve(rule_id, _ctx(municipality, group, end, facts))
        assert after.regime != regime, "a trial never applies from its end date"

    outside = [
        m.id
        for m in rb.municipalities()
        if all(m.id not in c.municipalities for c in trial.clauses if rule_id in c.overrides)
    ]
    if outside:
        res = rb.resolve(rule_id, _ctx(outside[0], group, start, facts))
        assert res.regime != regime, f"{trial.id} must not apply in {outside[0]}"

    for i, cond in enumerate(clause.conditions):
        broken = dict(facts)
        _break(cond, broken)
        res = rb.resolve(rule_id, _ctx(municipality, group, start, broken))
        assert res.regime != regime, f"condition {i} of {clause.id} broken, still applied"
        if res.regime.startswith("STANDARD_"):
            assert clause.id in res.reason, "the reason names the clause whose conditions failed"


def test_every_granted_trial_has_a_clause_and_refused_ones_none(rb: Rulebook) -> None:
    for trial in rb.law.trials.values():
        if trial.status in ("granted", "partly_granted"):
            assert trial.clauses, trial.id
        else:
            assert not trial.clauses, trial.id


def test_master_table_is_complete(rb: Rulebook) -> None:
    expected = {
        "FK-1.a", "FK-1.b", "FK-1.c", "FK-1.d", "FK-1.e", "FK-1.f", "FK-1.g",
        "FK-2.a.1", "FK-2.a.2", "FK-2.a.3", "FK-2.a.4", "FK-2.b", "FK-2.c", "FK-2.d",
        "FK-3.a", "FK-3.b", "FK-3.c", "FK-3.d", "FK-3.e", "FK-3.f", "FK-3.g", "FK-3.h",
        "FK-3.i", "FK-3.j", "FK-3.k", "FK-3.l", "FK-3.m",
    }  # fmt: skip
    assert set(rb.trial_ids()) == expected
