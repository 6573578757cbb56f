"""This file defines the resolver: a pure function of (rule, municipality, target group,
date, facts, reform) -> value + regime + citations + reason + validity window.

Everything that does not depend on facts is compiled once, on the first ask: for every
(rule, municipality, target group) a timeline of half-open segments, each with the
standard answer and, where a trial clause is in scope, the trial answers in precedence
order. A lookup is one dict access, one bisect and, inside a trial, a few fact tests.
The ``Resolution`` objects are built once and shared, so treat their values as read-only.
"""

from __future__ import annotations

import threading
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from typing import Any, Literal

from domain.rulebook import conditions as cond
from domain.rulebook import knowledge
from domain.rulebook.errors import (
    RuleNotInForce,
    UnknownMunicipality,
    UnknownReform,
    UnknownRule,
    UnknownTargetGroup,
    UnknownTrial,
)
from domain.rulebook.model import Citation, LawData, Municipality, Rule, TargetGroup, Trial
from domain.rulebook.scope import APPLYING_STATUSES, clause_period, resolve_value, trial_period
from domain.rulebook.slice import RuleSlice, cut, verify

FactValue = bool | int | float | str | date | None


@dataclass(frozen=True, slots=True)
class ResolutionContext:
    """What a resolution depends on. Facts are booleans, counts or codes, never personal data."""

    municipality: str
    """Municipality id slug, e.g. ``"jammerbugt"``."""
    target_group: str
    """LAB § 2 code, e.g. ``"2.5"``."""
    on: date
    """The decision date (``workflow.now().date()`` in a workflow, never the wall clock)."""
    facts: Mapping[str, FactValue] = field(default_factory=dict)
    reform: str | None = None
    """A named hypothetical reform for what-if runs, e.g. ``"KL2023_HYPOTHETICAL"``."""
    known_on: date | None = None
    """Answer with the law as known on this day: what was decided later is invisible.
    ``None`` answers with everything the rulebook holds (the law as finally decided)."""


@dataclass(frozen=True, slots=True)
class Resolution:
    """The answer for one rule: value, the regime and law behind it, and its dated window."""

    rule_id: str
    value: Any
    applicable: bool
    unit: str
    regime: str
    citations: tuple[str, ...]
    reason: str
    since: date | None
    next_change: date | None


TrialState = Literal[
    "in_force",
    "not_decided",
    "refused",
    "not_started",
    "municipality_not_in_scope",
    "target_group_not_in_scope",
    "before_start",
    "after_end",
]


@dataclass(frozen=True, slots=True)
class TrialStatus:
    """Answer to "may trial X apply here, on this date?" (conditions not evaluated)."""

    trial_id: str
    status: TrialState
    in_force: bool
    reason: str
    citations: tuple[str, ...]
    valid_from: date | None
    valid_to: date | None


@dataclass(frozen=True, slots=True)
class _Segment:
    start: date
    end: date | None
    base: Resolution
    candidates: tuple[tuple[cond.Predicate | None, Resolution], ...]
    fallback: Resolution


_Timeline = tuple[list[date], list[_Segment]]
_Windows = dict[tuple[str, str], list[tuple[str, date, date | None]]]
"""(municipality, group) -> the trials whose clauses reach there, with their periods."""


@lru_cache(maxsize=4096)  # cases ask by the same few ids on every step
def _fold(text: str) -> str:
    """Case- and accent-insensitive key: "Brønderslev", "broenderslev" and "bronderslev" meet."""
    t = text.strip().casefold()
    for a, b in (("æ", "ae"), ("ø", "oe"), ("å", "aa")):
        t = t.replace(a, b)
    t = unicodedata.normalize("NFKD", t)
    return "".join(ch for ch in t if not unicodedata.combining(ch)).replace(" ", "")


def fmt_value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(fmt_value(v) for v in value) if value else "(none)"
    if isinstance(value, dict):
        # sorted: the same answer reads the same from YAML and from a JSON slice
        return ", ".join(f"{k}={fmt_value(v)}" for k, v in sorted(value.items()))
    return "n/a" if value is None else str(value)


def _cite(*cites: Citation | None) -> tuple[str, ...]:
    out: list[str] = []
    for c in cites:
        if c is not None and c.text not in out:
            out.append(c.text)
    return tuple(out)


_LAST = date.max

_Claim = tuple[Any, Any, date, date | None]
"""A trial clause in scope for one (rule, municipality, group): trial, clause, period."""


class _Lazy(dict[Any, Any]):
    """A table filled on first ask: ``build(key)`` makes the entry or raises ``KeyError``.

    Threads that race on a key build equal entries; ``setdefault`` keeps the first, so every
    caller shares one object."""

    __slots__ = ("_build",)

    def __init__(self, build: Callable[[Any], Any]) -> None:
        super().__init__()
        self._build = build

    def __missing__(self, key: Any) -> Any:
        return self.setdefault(key, self._build(key))


class Rulebook:
    """The compiled, immutable rulebook. Build with ``load_rulebook`` or ``from_slice``.

    ``as_known_on(K)`` gives the same rulebook as it could be read on day K (a view of the
    law decided by then, with the same content hash); every lookup that takes a
    ``known_on`` answers through it.

    Timelines are compiled per (rule, municipality, group) on first ask. A view shares
    each rule's answers with the earliest view that knows the same law for it: a rule's
    timeline changes only on the decision days that touch it (``decisions_touching``), so
    between two of them every view asks one owner, and after its last one, the whole
    rulebook. A view therefore costs only what the decisions of its own day changed.
    """

    content_hash: str
    known_from: date | None
    """The decision day this view knows the law up to; ``None`` for the whole rulebook."""

    def __init__(
        self,
        law: LawData,
        content_hash: str,
        *,
        only: str | None = None,
        _known: tuple[date, date, Rulebook] | None = None,
        _shared: bool = True,
    ) -> None:
        self.content_hash = content_hash
        self._only = only
        self._shared = _shared
        if _known is None:
            self._law = law
            self._rules = dict(law.rules)
            self._root: Rulebook = self
            self.known_from = None
            self._decision_days = knowledge.decision_days(law)
            # every record is known from the last decision day on
            self._lo = self._decision_days[-1] if self._decision_days else date.min
            self._hi = _LAST
            self._epochs: dict[date, Rulebook] = {}
            self._epochs_lock = threading.Lock()
            self._touching = knowledge.decisions_touching(law)
            self._trial_days = knowledge.trial_days(law)
            self._muns = [m for m in law.municipalities if only is None or m.id == only]
            self._mun_ids = frozenset(m.id for m in self._muns)
            self._mun_by_key: dict[str, Municipality] = {}
            for m in self._muns:
                for key in (m.id, m.name, str(m.code), *m.aliases):
                    self._mun_by_key[_fold(key)] = m
            self._groups = list(law.target_groups)
            self._group_codes = frozenset(g.code for g in self._groups)
            self._group_by_key: dict[str, TargetGroup] = {}
            for g in self._groups:
                for key in (g.code, g.name, *g.aliases):
                    self._group_by_key[_fold(key)] = g
            # the conditions of a clause are the same in every view: compiled once
            self._predicates: dict[tuple[str, str], cond.Predicate | None] = {}
            self._slices: dict[str, RuleSlice] = {}
        else:
            root = _known[2]
            self._lo, self._hi, self._root = _known
            self.known_from = self._lo
            # who the municipalities and groups are is not decided law: shared
            self._decision_days = root._decision_days
            self._muns, self._mun_ids, self._mun_by_key = (
                root._muns,
                root._mun_ids,
                root._mun_by_key,
            )
            self._groups, self._group_codes, self._group_by_key = (
                root._groups,
                root._group_codes,
                root._group_by_key,
            )
        self._index: dict[tuple[str, str, str], _Timeline] = _Lazy(self._timeline)
        self._boundaries: dict[tuple[str, str], list[date]] = _Lazy(self._bounds_for)
        self._owners: dict[str, Rulebook] = {}
        self._base: dict[str, list[tuple[date, date | None, Resolution]]] = {}
        self._base_timelines: dict[str, _Timeline] = {}
        self._rule_bounds: dict[str, frozenset[date]] = {}
        self._all_bounds: frozenset[date] | None = None
        self._scope_cache: tuple[_Windows, dict[tuple[str, str, str], list[_Claim]]] | None = None
        # reforms are selected by name on any knowledge day: one table for every view
        self._reforms: dict[str, dict[str, Resolution]] = (
            self._compile_reforms() if _known is None else _known[2]._reforms
        )

    # ------------------------------------------------------------------ knowledge
    def as_known_on(self, known_on: date | None) -> Rulebook:
        """This rulebook as it could be read on ``known_on`` (``None``: all of it).

        Raises ``RuleNotInForce`` for a day before the first decision the rulebook holds."""
        root = self._root
        if known_on is None:
            return root
        if root._lo <= known_on:
            return root
        days = root._decision_days
        i = bisect_right(days, known_on) - 1
        if i < 0:
            raise RuleNotInForce(
                f"no law is known on {known_on}: the first rule was decided on {days[0]}"
            )
        day = days[i]
        view = root._epochs.get(day)
        if view is None:
            with root._epochs_lock:
                view = root._epochs.get(day)
                if view is None:
                    view = root._epochs[day] = root._epoch(day, days[i + 1])
        return view

    def _epoch(self, day: date, until: date, *, shared: bool = True) -> Rulebook:
        """The view of the law decided by ``day`` (cheap: it compiles nothing, and filters
        the whole law it is given down to what was decided by ``day``, only when asked).

        ``shared=False`` compiles every answer from this view's own law, as if no other view
        existed (the reference the shared views are tested against)."""
        return Rulebook(
            self._law,
            self.content_hash,
            only=self._only,
            _known=(day, until, self),
            _shared=shared,
        )

    # A view reads its law only when it compiles something of its own (or is asked about
    # trials): most answers come from another view, and filtering the law costs as much.
    @cached_property
    def _law(self) -> LawData:
        return knowledge.as_known_on(self._root._law, self._lo)

    @cached_property
    def _rules(self) -> dict[str, Rule]:
        return dict(self._law.rules)

    def _rule_known(self, rule_id: str) -> Rule:
        """One rule as known in this view, without filtering the whole law."""
        if "_rules" in self.__dict__ or self._root is self:
            return self._rules[rule_id]
        return knowledge.rule_as_known(self._root._rules[rule_id], self._lo)

    @cached_property
    def _regimes(self) -> list[tuple[date, date | None, str]]:
        law = self._root._law
        regimes = law.regimes if self._root is self else knowledge.regimes_as_known(law, self._lo)
        return [(r.valid_from, r.valid_to, r.id) for r in regimes]

    @cached_property
    def _regime_starts(self) -> list[date]:
        return [r[0] for r in self._regimes]

    def _view(self, known_on: date | None) -> Rulebook:
        if known_on is None or (self._lo <= known_on < self._hi):
            return self
        return self._root.as_known_on(known_on)

    def decisions(self) -> tuple[Any, ...]:
        """The decision days the whole rulebook holds (``decisions.yaml``), in order."""
        return tuple(self._root._law.decisions)

    def decision_on(self, day: date) -> Any:
        """The decision taken on ``day`` (with its citation), or ``None``."""
        root = self._root
        return knowledge.decision_on(root._law, day, root._decision_days)

    def next_decision(self, after: date) -> date | None:
        """The first decision day after ``after`` (a day a case may learn new law)."""
        days = self._root._decision_days
        i = bisect_right(days, after)
        return days[i] if i < len(days) else None

    def _next_touch(self, rule_id: str) -> date | None:
        """In a view of the past, the next decision day that touches the rule."""
        if self._root is self:
            return None
        days = self._root._touching.get(rule_id, ())
        i = bisect_right(days, self._lo)
        return days[i] if i < len(days) else None

    def _owner(self, rule_id: str) -> Rulebook:
        """The view whose answers for this rule are this view's: the first view after the
        last decision day that touched the rule, or the whole rulebook if none touches it
        later. Between two such days the law of the rule, its regimes and its trial clauses
        are the same, and so is the next day it changes."""
        owner = self._owners.get(rule_id)
        if owner is not None:
            return owner
        root = self._root
        if root is self or not self._shared:
            owner = self
        else:
            days = root._touching.get(rule_id, ())
            i = bisect_right(days, self._lo)
            if i == len(days):
                owner = root
            else:
                first = days[i - 1] if i else root._decision_days[0]
                owner = self if first == self._lo else root.as_known_on(first)
        self._owners[rule_id] = owner
        return owner

    def _fold_next_decision(self, rule_id: str, timeline: _Timeline) -> _Timeline:
        """In a view of the past, an answer also changes on the next decision day that
        touches its rule: its ``next_change`` says so (for a case whose today advances)."""
        nxt = self._next_touch(rule_id)
        if nxt is None:
            return timeline
        rebuilt: dict[int, Resolution] = {}  # segments share answers: fold each once

        def fold(res: Resolution) -> Resolution:
            hit = rebuilt.get(id(res))
            if hit is not None:
                return hit
            new = res
            if res.next_change is None or nxt < res.next_change:
                new = Resolution(
                    res.rule_id,
                    res.value,
                    res.applicable,
                    res.unit,
                    res.regime,
                    res.citations,
                    res.reason,
                    res.since,
                    nxt,
                )
            rebuilt[id(res)] = new
            return new

        starts, segs = timeline
        return (
            starts,
            [
                _Segment(
                    seg.start,
                    seg.end,
                    fold(seg.base),
                    tuple((p, fold(r)) for p, r in seg.candidates),
                    fold(seg.fallback),
                )
                for seg in segs
            ],
        )

    # ------------------------------------------------------------------ compile
    def _regime_at(self, on: date) -> str:
        i = bisect_right(self._regime_starts, on) - 1
        if i < 0:
            raise RuleNotInForce(f"no standard regime in force on {on}")
        return self._regimes[i][2]

    def _timeline(self, key: tuple[str, str, str]) -> _Timeline:
        """Build one entry of ``_index`` (or ``KeyError`` for a key that names no rule,
        municipality or group by its id)."""
        rule_id, m, g = key
        if (
            rule_id not in self._root._rules  # every view has the same rules
            or m not in self._mun_ids
            or g not in self._group_codes
        ):
            raise KeyError(key)
        owner = self._owner(rule_id)
        if owner is not self:
            return owner._index[key]
        claims = self._scope()[1].get(key)
        base = self._base_of(rule_id)
        if claims and base:
            return self._fold_next_decision(rule_id, self._trial_timeline(rule_id, m, base, claims))
        timeline = self._base_timelines.get(rule_id)
        if timeline is None:  # the same for every municipality and group without a trial
            timeline = self._fold_next_decision(
                rule_id,
                ([s for s, _, _ in base], [_Segment(s, e, r, (), r) for s, e, r in base]),
            )
            timeline = self._base_timelines.setdefault(rule_id, timeline)
        return timeline

    def _base_of(self, rule_id: str) -> list[tuple[date, date | None, Resolution]]:
        base = self._base.get(rule_id)
        if base is None:
            base = self._base[rule_id] = self._base_segments(rule_id, self._rule_known(rule_id))
        return base

    def _bounds_of(self, rule_id: str) -> frozenset[date]:
        """Where the rule's standard answer changes (asked of the rule's owner)."""
        bounds = self._rule_bounds.get(rule_id)
        if bounds is None:
            base = self._base_of(rule_id)
            bounds = self._rule_bounds[rule_id] = frozenset(
                {s for s, _, _ in base} | {e for _, e, _ in base if e is not None}
            )
        return bounds

    def _bounds_for(self, key: tuple[str, str]) -> list[date]:
        """Build one entry of ``_boundaries``: every day an answer may change there."""
        m, g = key
        if m not in self._mun_ids or g not in self._group_codes:
            raise KeyError(key)
        common = self._all_bounds
        if common is None:
            found: set[date] = set()
            for rule_id in self._root._rules:
                found |= self._owner(rule_id)._bounds_of(rule_id)
            if self._hi is not _LAST:
                found.add(self._hi)  # a view of the past ends where new law is decided
            common = self._all_bounds = frozenset(found)
        bounds = set(common)
        for _tid, s, e in self._scope()[0].get(key, []):
            bounds.add(s)
            if e is not None:
                bounds.add(e)
        return sorted(bounds)

    def _scope(self) -> tuple[_Windows, dict[tuple[str, str, str], list[_Claim]]]:
        """The trial windows per (municipality, group) and, per (rule, municipality,
        group), the clauses in scope with their periods there."""
        scope = self._scope_cache
        if scope is not None:
            return scope
        owner = self._scope_owner()
        if owner is not self:
            scope = self._scope_cache = owner._scope()
            return scope
        law = self._root._law  # its parameters; the trials as known here
        trials: list[Trial] = list(law.trials.values())
        if self._root is not self:
            trials = [knowledge.trial_as_known(t, self._lo) for t in trials]
        windows: _Windows = {}
        claims: dict[tuple[str, str, str], list[_Claim]] = {}
        for trial in trials:
            for clause in trial.clauses:
                for m in clause.municipalities:
                    if m not in self._mun_ids:
                        continue
                    period = clause_period(law, trial, clause, m)
                    if period is None:
                        continue
                    for g in clause.target_groups:
                        windows.setdefault((m, g), []).append((trial.id, *period))
                        for rid in clause.overrides:
                            claims.setdefault((rid, m, g), []).append((trial, clause, *period))
        scope = self._scope_cache = (windows, claims)
        return scope

    def _scope_owner(self) -> Rulebook:
        """Trial scopes change only on the days a trial, clause or extension was decided:
        between two of them every view has the scope of the first."""
        root = self._root
        if root is self or not self._shared:
            return self
        days = root._trial_days
        i = bisect_right(days, self._lo)
        if i == len(days):
            return root
        first = days[i - 1] if i else root._decision_days[0]
        return self if first == self._lo else root.as_known_on(first)

    def _predicate(self, trial: Any, clause: Any) -> cond.Predicate | None:
        predicates = self._root._predicates
        key = (trial.id, clause.id)
        if key not in predicates:
            predicates[key] = cond.compile_all(clause.conditions)
        return predicates[key]

    def _base_segments(
        self, rule_id: str, rule: Rule
    ) -> list[tuple[date, date | None, Resolution]]:
        """Standard-law windows of one rule, split at regime changes and merged where the
        answer (value, regime, reason) stays the same."""
        values = sorted(rule.values, key=lambda v: v.valid_from)
        if not values:
            return []  # no value decided yet (a view of the past): RuleNotInForce
        cuts: list[tuple[date, date | None, Any]] = []
        regime_cuts = [r[0] for r in self._regimes[1:]]
        for v in values:
            end = v.valid_to
            points = [v.valid_from] + [
                c for c in regime_cuts if v.valid_from < c and (end is None or c < end)
            ]
            for i, start in enumerate(points):
                cuts.append((start, points[i + 1] if i + 1 < len(points) else end, v))
        raw: list[tuple[date, date | None, Any, str, str]] = []
        for start, end, v in cuts:
            regime = (
                self._regime_at(start) if start >= self._regime_starts[0] else self._regimes[0][2]
            )
            text = v.reason or f"{rule.description}: {fmt_value(v.value)}"
            raw.append((start, end, v, regime, f"Standard law ({regime}): {text}"))
        merged: list[list[Any]] = []
        for start, end, v, regime, reason in raw:
            if (
                merged
                and merged[-1][1] == start
                and merged[-1][2].value == v.value
                and merged[-1][3] == regime
                and merged[-1][4] == reason
            ):
                merged[-1][1] = end
            else:
                merged.append([start, end, v, regime, reason])
        return [
            (
                start,
                end,
                Resolution(
                    rule_id=rule_id,
                    value=v.value,
                    applicable=v.value is not None,
                    unit=rule.unit,
                    regime=regime,
                    citations=_cite(rule.citation, v.citation),
                    reason=reason,
                    since=start,
                    next_change=end,
                ),
            )
            for start, end, v, regime, reason in merged
        ]

    def _compile_reforms(self) -> dict[str, dict[str, Resolution]]:
        tables: dict[str, dict[str, Resolution]] = {}
        for reform in self._law.reforms.values():
            table: dict[str, Resolution] = {}
            for rid, ov in reform.overrides.items():
                rule = self._rules[rid]
                table[rid] = Resolution(
                    rule_id=rid,
                    value=ov.value,
                    applicable=ov.value is not None,
                    unit=rule.unit,
                    regime=reform.id,
                    citations=_cite(ov.citation or reform.citation, rule.citation),
                    reason=f"{reform.id} (hypothetical, not law): {ov.reason}",
                    since=None,
                    next_change=None,
                )
            tables[reform.id] = table
        return tables

    def _trial_timeline(
        self,
        rule_id: str,
        municipality: str,
        base: list[tuple[date, date | None, Resolution]],
        claims: list[_Claim],
    ) -> _Timeline:
        rule = self._root._rules[rule_id]  # its unit and citation: the same in every view
        mun_name = next(m.name for m in self._muns if m.id == municipality)
        points = {s for s, _, _ in base} | {e for _, e, _ in base if e is not None}
        for _t, _c, s, e in claims:
            points.add(s)
            if e is not None:
                points.add(e)
        # what a clause says does not depend on the window it is in: worked out once
        said: dict[int, tuple[cond.Predicate | None, Any, tuple[str, ...], str, str]] = {}
        for trial, clause, _s, _e in claims:
            ov = clause.overrides[rule_id]
            said[id(clause)] = (
                self._predicate(trial, clause),
                resolve_value(self._law, trial, municipality, ov.value),
                _cite(trial.decision, trial.period_citation, rule.citation),
                ov.reason.format(municipality=mun_name, trial=trial.id),
                f"{clause.id} in scope but not met: {cond.describe(clause.conditions)}",
            )
        ordered = sorted(points)
        last_end = base[-1][1]
        starts: list[date] = []
        segs: list[_Segment] = []
        base_starts = [s for s, _, _ in base]
        for i, start in enumerate(ordered):
            if start < base[0][0] or (last_end is not None and start >= last_end):
                continue
            end = ordered[i + 1] if i + 1 < len(ordered) else None
            b = base[bisect_right(base_starts, start) - 1][2]
            active = [(t, c) for t, c, s, e in claims if s <= start and (e is None or start < e)]
            # precedence: a clause that supersedes another is tried first
            # (list.sort empties the list while sorting, so rank against a copy)
            peers = list(active)
            active.sort(
                key=lambda tc: (
                    -sum(
                        1
                        for t2, c2 in peers
                        if c2.id in tc[1].supersedes or t2.id in tc[1].supersedes
                    )
                )
            )
            cands: list[tuple[cond.Predicate | None, Resolution]] = []
            for trial, clause in active:
                pred, value, cites, reason, _unmet = said[id(clause)]
                cands.append(
                    (
                        pred,
                        Resolution(
                            rule_id=rule_id,
                            value=value,
                            applicable=value is not None,
                            unit=rule.unit,
                            regime=f"TRIAL:{trial.id}",
                            citations=cites,
                            reason=reason,
                            since=start,
                            next_change=end,
                        ),
                    )
                )
            unmet = "; ".join(said[id(c)][4] for _t, c in active)
            base_here = Resolution(
                rule_id=rule_id,
                value=b.value,
                applicable=b.applicable,
                unit=b.unit,
                regime=b.regime,
                citations=b.citations,
                reason=f"{b.reason}; {unmet}" if unmet else b.reason,
                since=start,
                next_change=end,
            )
            if (
                segs
                and not active
                and not segs[-1].candidates
                and segs[-1].base.value == b.value
                and segs[-1].base.regime == b.regime
                and segs[-1].base.reason == b.reason
            ):
                # same standard answer continues: widen the previous window
                prev = segs[-1].base
                widened = Resolution(
                    prev.rule_id,
                    prev.value,
                    prev.applicable,
                    prev.unit,
                    prev.regime,
                    prev.citations,
                    prev.reason,
                    prev.since,
                    end,
                )
                segs[-1] = _Segment(segs[-1].start, end, widened, (), widened)
                continue
            if not active:
                base_here = Resolution(
                    b.rule_id,
                    b.value,
                    b.applicable,
                    b.unit,
                    b.regime,
                    b.citations,
                    b.reason,
                    start,
                    end,
                )
            segs.append(_Segment(start, end, base_here, tuple(cands), base_here))
            starts.append(start)
        if last_end is not None and segs and segs[-1].end is None:
            tail = segs[-1]
            segs[-1] = _Segment(tail.start, last_end, tail.base, tail.candidates, tail.fallback)
        return starts, segs

    # ------------------------------------------------------------------ lookup
    def resolve(self, rule_id: str, ctx: ResolutionContext) -> Resolution:
        """Resolve one rule. Raises ``RuleNotInForce`` outside every dated value."""
        known_on = ctx.known_on
        if known_on is not None and not (self._lo <= known_on < self._hi):
            return self._root.as_known_on(known_on).resolve(rule_id, ctx)
        if ctx.reform is not None:
            table = self._reforms.get(ctx.reform)
            if table is None:
                raise UnknownReform(f"unknown reform {ctx.reform!r}")
            hit = table.get(rule_id)
            if hit is not None:
                return hit
        try:
            timeline = self._index[(rule_id, ctx.municipality, ctx.target_group)]
        except KeyError:  # asked by name or alias, or not a rule
            timeline = self._slow_timeline(rule_id, ctx)
        starts, segs = timeline
        i = bisect_right(starts, ctx.on) - 1
        seg = segs[i] if i >= 0 else None
        if seg is None or (seg.end is not None and ctx.on >= seg.end):
            known = "" if self.known_from is None else f" as known on {ctx.known_on}"
            raise RuleNotInForce(
                f"no value of {rule_id} in force for {ctx.municipality}, target group "
                f"{ctx.target_group}, on {ctx.on}{known}"
            )
        if not seg.candidates:
            return seg.base
        facts = ctx.facts
        for pred, res in seg.candidates:
            if pred is None or pred(facts):
                return res
        return seg.fallback

    def value(self, rule_id: str, ctx: ResolutionContext) -> Any:
        """The value, or ``RuleNotInForce`` when the rule is not applicable on that date."""
        res = self.resolve(rule_id, ctx)
        if not res.applicable:
            raise RuleNotInForce(
                f"{rule_id} not applicable for {ctx.municipality}, target group "
                f"{ctx.target_group}, on {ctx.on}: {res.reason}"
            )
        return res.value

    def _slow_timeline(self, rule_id: str, ctx: ResolutionContext) -> _Timeline:
        if rule_id not in self._root._rules:
            raise UnknownRule(f"unknown rule {rule_id!r}")
        m = self.municipality(ctx.municipality).id
        g = self.target_group(ctx.target_group).code
        return self._index[(rule_id, m, g)]

    def windows(
        self, rule_id: str, municipality: str, target_group: str, known_on: date | None = None
    ) -> tuple[tuple[date, date | None, bool], ...]:
        """The dated windows of one rule for a municipality and group: (start, end, has_trial).

        Contiguous by construction; used by the temporal-coverage test and for explanations.
        """
        if known_on is not None:
            return self._view(known_on).windows(rule_id, municipality, target_group)
        ctx = ResolutionContext(municipality, target_group, date.min)
        try:
            timeline = self._index[(rule_id, municipality, target_group)]
        except KeyError:
            timeline = self._slow_timeline(rule_id, ctx)
        return tuple((seg.start, seg.end, bool(seg.candidates)) for seg in timeline[1])

    def next_boundary(
        self, municipality: str, target_group: str, after: date, known_on: date | None = None
    ) -> date | None:
        """Earliest date > ``after`` where any rule's answer could change (facts ignored).

        With ``known_on``, the law as known then, and the next decision day after it."""
        if known_on is not None:
            return self._view(known_on).next_boundary(municipality, target_group, after)
        key = (self.municipality(municipality).id, self.target_group(target_group).code)
        bounds = self._boundaries[key]
        i = bisect_right(bounds, after)
        return bounds[i] if i < len(bounds) else None

    def standard_regime(self, on: date, known_on: date | None = None) -> str:
        return self._view(known_on)._regime_at(on)

    def trials_in_scope(
        self, municipality: str, target_group: str, on: date, known_on: date | None = None
    ) -> tuple[str, ...]:
        """Granted trials whose scope and period cover the case on a date (conditions ignored)."""
        if known_on is not None:
            return self._view(known_on).trials_in_scope(municipality, target_group, on)
        key = (self.municipality(municipality).id, self.target_group(target_group).code)
        return tuple(
            sorted(
                {
                    tid
                    for tid, s, e in self._scope()[0].get(key, [])
                    if s <= on and (e is None or on < e)
                }
            )
        )

    def trial_status(
        self,
        trial_id: str,
        municipality: str,
        target_group: str,
        on: date,
        known_on: date | None = None,
    ) -> TrialStatus:
        if known_on is not None:
            return self._view(known_on).trial_status(trial_id, municipality, target_group, on)
        trial = self._law.trials.get(trial_id)
        if trial is None:
            raise UnknownTrial(f"unknown trial {trial_id!r}")
        m = self.municipality(municipality)
        g = self.target_group(target_group).code
        cites = _cite(trial.decision)

        def answer(
            state: TrialState,
            reason: str,
            period: tuple[date, date | None] | None = None,
            extra: tuple[str, ...] = (),
        ) -> TrialStatus:
            return TrialStatus(
                trial.id,
                state,
                state == "in_force",
                reason,
                cites + extra,
                period[0] if period else None,
                period[1] if period else None,
            )

        if not knowledge.knows(trial.decided, self._lo):
            return answer(
                "not_decided",
                f"{trial.id} was not decided yet on {self._lo} (decided {trial.decided})",
            )
        if trial.status == "refused":
            return answer(
                "refused", f"{trial.id} was refused: {trial.title} ({trial.decision.text})"
            )
        if trial.status == "granted_not_started":
            return answer(
                "not_started", f"{trial.id} was granted but never started ({trial.decision.text})"
            )
        clauses = [c for c in trial.clauses if m.id in c.municipalities]
        if not clauses:
            return answer("municipality_not_in_scope", f"{trial.id} does not cover {m.name}")
        clauses = [c for c in clauses if g in c.target_groups]
        if not clauses:
            for part in trial.refused_parts:
                if g in part.target_groups:
                    return answer(
                        "refused",
                        f"{trial.id} for target group {g} was refused: {part.description}",
                        extra=(part.citation.text,),
                    )
            return answer(
                "target_group_not_in_scope",
                f"{trial.id} in {m.name} does not cover target group {g}",
            )
        periods = [p for c in clauses if (p := clause_period(self._law, trial, c, m.id))]
        if not periods:
            return answer("not_started", f"{trial.id} has no period in {m.name}")
        start = min(p[0] for p in periods)
        ends = [p[1] for p in periods]
        end = None if any(e is None for e in ends) else max(e for e in ends if e is not None)
        if on < start:
            return answer("before_start", f"{trial.id} starts in {m.name} on {start}", (start, end))
        if end is not None and on >= end:
            return answer(
                "after_end",
                f"{trial.id} ended in {m.name} on {end} (last day the day before)",
                (start, end),
            )
        return answer(
            "in_force",
            f"{trial.id} is in force in {m.name} for target group {g} (conditions per case)",
            (start, end),
        )

    # ------------------------------------------------------------------ reference data
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(sorted(self._rules))

    def describe(self, rule_id: str) -> tuple[str, str, str]:
        rule = self._rules.get(rule_id)
        if rule is None:
            raise UnknownRule(f"unknown rule {rule_id!r}")
        return rule.description, rule.unit, rule.citation.text

    def rule(self, rule_id: str) -> Rule:
        """The validated rule entry (for explanations; not for the hot path)."""
        rule = self._rules.get(rule_id)
        if rule is None:
            raise UnknownRule(f"unknown rule {rule_id!r}")
        return rule

    def municipality(self, id_or_code_or_name: str) -> Municipality:
        m = self._mun_by_key.get(_fold(str(id_or_code_or_name)))
        if m is None:
            raise UnknownMunicipality(f"unknown municipality {id_or_code_or_name!r}")
        return m

    def target_group(self, code_or_alias: str) -> TargetGroup:
        g = self._group_by_key.get(_fold(str(code_or_alias)))
        if g is None:
            raise UnknownTargetGroup(f"unknown target group {code_or_alias!r}")
        return g

    def municipalities(self) -> tuple[Municipality, ...]:
        return tuple(self._muns)

    def target_groups(self) -> tuple[TargetGroup, ...]:
        return tuple(self._groups)

    def trial_ids(self) -> tuple[str, ...]:
        return tuple(sorted(self._law.trials))

    def reform_ids(self) -> tuple[str, ...]:
        return tuple(sorted(self._law.reforms))

    @property
    def law(self) -> LawData:
        """The validated law data this rulebook was compiled from."""
        return self._law

    def trial_period(
        self, trial_id: str, municipality: str | None = None, known_on: date | None = None
    ) -> tuple[date, date | None] | None:
        if known_on is not None:
            return self._view(known_on).trial_period(trial_id, municipality)
        trial = self._law.trials.get(trial_id)
        if trial is not None and not knowledge.knows(trial.decided, self._lo):
            return None
        if trial is None:
            raise UnknownTrial(f"unknown trial {trial_id!r}")
        return trial_period(self._law, trial, municipality)

    @property
    def applying_statuses(self) -> frozenset[str]:
        return APPLYING_STATUSES

    # ------------------------------------------------------------------ slices
    def slice_for(self, municipality: str) -> RuleSlice:
        """The part of the rulebook a case in ``municipality`` can need, with its own hash."""
        if self._root is not self:
            return self._root.slice_for(municipality)
        m = self.municipality(municipality).id
        cached = self._slices.get(m)
        if cached is None:
            cached = self._slices[m] = cut(self._law, m, self.content_hash)
        return cached

    @classmethod
    def from_slice(cls, rule_slice: RuleSlice) -> Rulebook:
        """A rulebook that resolves exactly like the full one for the slice's municipality."""
        return cls(verify(rule_slice), rule_slice.content_hash, only=rule_slice.municipality)
