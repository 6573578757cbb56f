"""Regimes a cohort can be run under: which rulebook, and which what-if reform."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from domain.rulebook import Rulebook, RulebookError, RuleNotInForce, knowledge, load_rulebook
from domain.rulebook.loader import content_hash

__all__ = ["Regime", "RegimeError", "reform_keys", "resolve_regime"]

KINDS = "standard, trials, known-on:DATE, reform:ID, dir:PATH"


class RegimeError(ValueError):
    """A regime that cannot be run, with the reason."""


@dataclass(frozen=True)
class Regime:
    label: str
    rulebook: Rulebook
    reform: str | None = None

    def reform_keys(self) -> list[str]:
        """The rules the regime's reform overrides (none without a reform)."""
        if self.reform is None:
            return []
        return sorted(self.rulebook.law.reforms[self.reform].overrides)


def reform_keys(specs: list[str]) -> dict[str, list[str]]:
    """Regime label -> its reform's keys, for the reform regimes among `specs`."""
    found = {spec: resolve_regime(spec) for spec in specs}
    return {label: r.reform_keys() for label, r in found.items() if r.reform is not None}


def _without_trials(rulebook: Rulebook) -> Rulebook:
    """The same law with no trial granted: standard law only (reforms stay selectable)."""
    law = rulebook.law.model_copy(update={"trials": {}})
    return Rulebook(law, content_hash(law))


def _frozen(rulebook: Rulebook, day: date, spec: str) -> Rulebook:
    """The law decided by `day`, as a rulebook of its own: a case under it learns nothing
    decided later, whatever its own date (the engine reads each case's rules as known on
    the case's day, and that cannot reach past this rulebook's last decision)."""
    try:
        rulebook.as_known_on(day)  # refuses a day before the first decision
    except RuleNotInForce as error:
        raise RegimeError(f"regime {spec!r}: {error}") from None
    law = knowledge.as_known_on(rulebook.law, day)
    return Rulebook(law, content_hash(law))


_STANDARD: dict[str, Rulebook] = {}


def resolve_regime(spec: str, base: Rulebook | None = None) -> Regime:
    """`standard`, `trials`, `known-on:2019-06-30`, `reform:KL2023_HYPOTHETICAL`, `dir:PATH`."""
    rules = base if base is not None else load_rulebook()
    kind, _, arg = spec.partition(":")
    if kind == "trials" and not arg:
        return Regime(spec, rules)
    if kind == "standard" and not arg:
        hit = _STANDARD.get(rules.content_hash)
        if hit is None:
            hit = _STANDARD[rules.content_hash] = _without_trials(rules)
        return Regime(spec, hit)
    if kind == "reform" and arg:
        if arg not in rules.reform_ids():
            raise RegimeError(
                f"regime {spec!r}: unknown reform (known: {', '.join(rules.reform_ids())})"
            )
        # A reform is proposed law for after the trials: it amends standard law only.
        return Regime(spec, resolve_regime("standard", rules).rulebook, reform=arg)
    if kind == "known-on" and arg:
        try:
            day = date.fromisoformat(arg)
        except ValueError:
            raise RegimeError(f"regime {spec!r}: DATE must be YYYY-MM-DD") from None
        return Regime(spec, _frozen(rules, day, spec))
    if kind == "dir" and arg:
        try:
            return Regime(spec, load_rulebook(Path(arg)))
        except RulebookError as error:
            raise RegimeError(f"regime {spec!r}: {error}") from None
        except OSError as error:
            raise RegimeError(f"regime {spec!r}: cannot read ({type(error).__name__})") from None
    raise RegimeError(f"unknown regime {spec!r} (expected one of: {KINDS})")
