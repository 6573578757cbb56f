"""The law as known on a day: bitemporal filtering of the law data by ``decided:``.

A value is valid on the days of its window and known from the day it was decided. "The law
valid on D as known on K" keeps only what was decided on or before K; an earlier value whose
window ended where a later, not yet decided value begins runs on, as it did for anyone
reading the law on K. Records without a decision day (slices recorded before decision days
existed) are known from the start, so such a slice answers as it always did.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date

from domain.rulebook.model import Decision, LawData, Regime, Rule, Trial

__all__ = [
    "as_known_on",
    "decision_days",
    "decisions_touching",
    "knows",
    "regimes_as_known",
    "rule_as_known",
    "trial_as_known",
    "trial_days",
]


def knows(decided: date | None, known_on: date) -> bool:
    return decided is None or decided <= known_on


def decision_days(law: LawData) -> list[date]:
    """The days law was decided, in order (empty for a slice without decision days)."""
    return [d.day for d in law.decisions]


def decision_on(law: LawData, day: date, days: list[date] | None = None) -> Decision | None:
    """The decision taken on `day`; `days` is `decision_days(law)` when the caller keeps it
    (a case asks on every step that passes a decision day)."""
    if days is None:
        days = decision_days(law)
    i = bisect_right(days, day) - 1
    return law.decisions[i] if i >= 0 and days[i] == day else None


def rule_as_known(rule: Rule, known_on: date) -> Rule:
    """One rule as it could be read on ``known_on`` (the same object if nothing is hidden)."""
    if all(knows(v.decided, known_on) for v in rule.values):
        return rule
    values = list(rule.values)  # sorted, windows explicit (the loader normalised them)
    kept = [(i, v) for i, v in enumerate(values) if knows(v.decided, known_on)]
    out = []
    for n, (i, v) in enumerate(kept):
        if n + 1 < len(kept):
            end = kept[n + 1][1].valid_from
        elif i + 1 < len(values):
            end = None  # its successors are not decided yet: it runs on
        else:
            end = v.valid_to
        out.append(v if end == v.valid_to else v.model_copy(update={"valid_to": end}))
    # model_copy does not validate: a rule may have no value known yet (RuleNotInForce)
    return rule.model_copy(update={"values": out})


def trial_as_known(trial: Trial, known_on: date) -> Trial:
    """One trial as it could be read on ``known_on`` (the same object if nothing is hidden)."""
    if not knows(trial.decided, known_on):
        # Not decided yet: the trial exists for status answers only, with no effect.
        return trial.model_copy(update={"clauses": [], "extensions": [], "refused_parts": []})
    extensions = [e for e in trial.extensions if knows(e.decided, known_on)]
    clauses = [c for c in trial.clauses if knows(c.decided, known_on)]
    parts = [p for p in trial.refused_parts if knows(p.decided, known_on)]
    if (
        len(extensions) == len(trial.extensions)
        and len(clauses) == len(trial.clauses)
        and len(parts) == len(trial.refused_parts)
    ):
        return trial
    return trial.model_copy(
        update={"extensions": extensions, "clauses": clauses, "refused_parts": parts}
    )


def regimes_as_known(law: LawData, known_on: date) -> list[Regime]:
    regimes = [r for r in law.regimes if knows(r.decided, known_on)]
    if regimes and len(regimes) < len(law.regimes):
        # the last known regime runs on until a later one is decided
        regimes[-1] = regimes[-1].model_copy(update={"valid_to": None})
    return regimes


def as_known_on(law: LawData, known_on: date) -> LawData:
    """The law data as it could be read on ``known_on`` (the same object if nothing is hidden)."""
    regimes = regimes_as_known(law, known_on)
    rules = {rid: rule_as_known(rule, known_on) for rid, rule in law.rules.items()}
    trials = {tid: trial_as_known(trial, known_on) for tid, trial in law.trials.items()}
    # A reform is a what-if chosen by name ("what if KL 2023 had applied in 2019?"): its
    # publication day is recorded, but it stays selectable on any knowledge day.
    decisions = [d for d in law.decisions if d.day <= known_on]
    return law.model_copy(
        update={
            "regimes": regimes,
            "rules": rules,
            "trials": trials,
            "decisions": decisions,
        }
    )


def decisions_touching(law: LawData) -> dict[str, list[date]]:
    """For each rule, the decision days that decided one of its values or a trial, clause
    or extension that overrides it, in order. A regime decision touches every rule (it
    relabels their answers)."""
    touching: dict[str, set[date]] = {rid: set() for rid in law.rules}
    for rid, rule in law.rules.items():
        touching[rid].update(v.decided for v in rule.values if v.decided is not None)
    for trial in law.trials.values():
        trial_days = {trial.decided} | {e.decided for e in trial.extensions}
        for clause in trial.clauses:
            days = {d for d in (*trial_days, clause.decided) if d is not None}
            for rid in clause.overrides:
                if rid in touching:
                    touching[rid].update(days)
    regime_days = {r.decided for r in law.regimes if r.decided is not None}
    return {rid: sorted(days | regime_days) for rid, days in touching.items()}


def trial_days(law: LawData) -> list[date]:
    """The decision days that decided a trial, one of its clauses or an extension: the
    only days on which which trial clauses reach where, and when, can change."""
    days: set[date] = set()
    for trial in law.trials.values():
        days.update(d for d in (trial.decided, *(e.decided for e in trial.extensions)) if d)
        days.update(c.decided for c in trial.clauses if c.decided is not None)
    return sorted(days)
