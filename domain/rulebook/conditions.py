"""Trial conditions: validation against the fact vocabulary, compilation to predicates,
and a conservative test for two clauses that can never hold for the same case.

Semantics chosen so that a missing fact never grants an exemption by accident:
``equals``/``lt``/... hold only when the fact is recorded; ``not_equals`` holds when the
fact is absent or different (e.g. "the citizen has not asked for the RT").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from domain.rulebook.model import Condition

Predicate = Callable[[Mapping[str, Any]], bool]

_COMPARISONS = ("lt", "le", "gt", "ge")


def _leaf_ops(cond: Condition) -> list[str]:
    # Presence is "not None", not "in model_fields_set": a condition decoded from a rule
    # slice (JSON with every field written out) must compile exactly like the YAML one.
    ops: list[str] = [op for op in ("equals", "not_equals") if getattr(cond, op) is not None]
    ops += [op for op in _COMPARISONS if getattr(cond, op) is not None]
    return ops


def check(cond: Condition, facts: Mapping[str, str]) -> str | None:
    """Return a reason if the condition is malformed or tests an undeclared fact.

    ``facts`` maps fact name -> declared type.
    """
    combinators = [k for k in ("all", "any", "not_") if getattr(cond, k) is not None]
    if cond.fact is None:
        if len(combinators) != 1 or _leaf_ops(cond):
            return "a condition needs either 'fact' with one test, or exactly one of all/any/not"
        children: list[Condition] = (
            [cond.not_] if cond.not_ is not None else list(cond.all or cond.any or [])
        )
        if not children:
            return "all/any needs at least one condition"
        for child in children:
            reason = check(child, facts)
            if reason:
                return reason
        return None
    if combinators:
        return f"condition on fact {cond.fact!r} cannot also combine all/any/not"
    if cond.fact not in facts:
        return f"condition on undeclared fact {cond.fact!r} (declare it in facts.yaml)"
    ops = _leaf_ops(cond)
    if len(ops) != 1:
        return f"condition on fact {cond.fact!r} needs exactly one test, got {ops or 'none'}"
    kind = facts[cond.fact]
    if ops[0] in _COMPARISONS and kind != "int":
        return f"fact {cond.fact!r} is {kind}; lt/le/gt/ge need an int fact"
    if ops[0] in ("equals", "not_equals"):
        v = getattr(cond, ops[0])
        expected = {"bool": bool, "int": int, "str": str, "date": str}[kind]
        if not isinstance(v, expected) or (kind == "int" and isinstance(v, bool)):
            return f"fact {cond.fact!r} is {kind}; cannot compare with {v!r}"
    return None


def compile_all(conds: list[Condition]) -> Predicate | None:
    """Compile a clause's condition list (implicitly "all"); ``None`` means unconditional."""
    if not conds:
        return None
    preds = tuple(_compile(c) for c in conds)
    if len(preds) == 1:
        return preds[0]
    return lambda facts: all(p(facts) for p in preds)


def _compile(cond: Condition) -> Predicate:
    if cond.fact is None:
        if cond.not_ is not None:
            inner = _compile(cond.not_)
            return lambda facts: not inner(facts)
        children = tuple(_compile(c) for c in (cond.all or cond.any or []))
        if cond.all is not None:
            return lambda facts: all(p(facts) for p in children)
        return lambda facts: any(p(facts) for p in children)
    name = cond.fact
    op = _leaf_ops(cond)[0]
    target: Any = getattr(cond, op)
    if op == "equals":
        # `is True` style comparison for bools: 1 must not count as True for a consent.
        if isinstance(target, bool):
            return lambda facts: facts.get(name) is target
        return lambda facts: name in facts and facts[name] == target
    if op == "not_equals":
        if isinstance(target, bool):
            return lambda facts: facts.get(name) is not target
        return lambda facts: facts.get(name) != target

    def _num(facts: Mapping[str, Any]) -> float | None:
        v = facts.get(name)
        return v if isinstance(v, int | float) and not isinstance(v, bool) else None

    if op == "lt":
        return lambda facts: (v := _num(facts)) is not None and v < target
    if op == "le":
        return lambda facts: (v := _num(facts)) is not None and v <= target
    if op == "gt":
        return lambda facts: (v := _num(facts)) is not None and v > target
    return lambda facts: (v := _num(facts)) is not None and v >= target


def facts_used(conds: list[Condition]) -> Iterator[str]:
    for c in conds:
        if c.fact is not None:
            yield c.fact
        for child in [c.not_] if c.not_ is not None else (c.all or c.any or []):
            yield from facts_used([child])


def _interval(cond: Condition) -> tuple[float, bool, float, bool] | None:
    """A numeric leaf as (low, low_inclusive, high, high_inclusive)."""
    inf = float("inf")
    if cond.lt is not None:
        return (-inf, False, cond.lt, False)
    if cond.le is not None:
        return (-inf, False, cond.le, True)
    if cond.gt is not None:
        return (cond.gt, False, inf, False)
    if cond.ge is not None:
        return (cond.ge, True, inf, False)
    return None


def _leaves_contradict(a: Condition, b: Condition) -> bool:
    if a.fact is None or a.fact != b.fact:
        return False
    a_eq = a.equals is not None
    b_eq = b.equals is not None
    if a_eq and b_eq:
        return bool(a.equals != b.equals)
    if a_eq and b.not_equals is not None:
        return bool(a.equals == b.not_equals)
    if b_eq and a.not_equals is not None:
        return bool(b.equals == a.not_equals)
    ia, ib = _interval(a), _interval(b)
    if ia is None or ib is None:
        return False
    lo, lo_inc = max((ia[0], ia[1]), (ib[0], ib[1]), key=lambda t: (t[0], not t[1]))
    hi, hi_inc = min((ia[2], ia[3]), (ib[2], ib[3]), key=lambda t: (t[0], t[1]))
    return lo > hi or (lo == hi and not (lo_inc and hi_inc))


def mutually_exclusive(a: list[Condition], b: list[Condition]) -> bool:
    """True only when some top-level test of ``a`` provably contradicts one of ``b``
    (e.g. ``ly.months_on_ly < 18`` vs ``> 18``). Anything less certain counts as overlap."""
    return any(_leaves_contradict(x, y) for x in a for y in b)


def describe(conds: list[Condition]) -> str:
    """Readable one-line form for explanations, e.g. ``consent.x = true and not citizen.y``."""
    return " and ".join(_describe(c) for c in conds) if conds else "no conditions"


def _describe(c: Condition) -> str:
    if c.fact is None:
        if c.not_ is not None:
            return f"not ({_describe(c.not_)})"
        joiner = " and " if c.all is not None else " or "
        return "(" + joiner.join(_describe(x) for x in (c.all or c.any or [])) + ")"
    op = _leaf_ops(c)[0]
    symbol = {"equals": "=", "not_equals": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}[op]
    v = getattr(c, op)
    shown = str(v).lower() if isinstance(v, bool) else str(v)
    return f"{c.fact} {symbol} {shown}"
