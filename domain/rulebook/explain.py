"""Explain the rules for one case context: every rule that applies, valid on a day, as known
on a day. Shared by `caseflow rules explain` and the gateway's `GET /v1/rules/explain`, so
both say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from domain.rulebook.citation_text import reader
from domain.rulebook.errors import RuleNotInForce
from domain.rulebook.resolver import FactValue, Resolution, ResolutionContext, Rulebook
from domain.rulebook.scope import parameter

__all__ = ["ExplainRefused", "explain", "parse_day", "parse_fact", "view_known_on"]


class ExplainRefused(ValueError):
    """A question that cannot be answered, naming the input to fix (never echoing it)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def parse_day(text: str | date, field: str) -> date:
    if isinstance(text, date):
        return text
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise ExplainRefused(field, "expected a date YYYY-MM-DD") from None


def parse_fact(rb: Rulebook, raw: str) -> tuple[str, FactValue]:
    """``name=value`` for a fact declared in facts.yaml, typed as declared."""
    name, sep, text = raw.partition("=")
    if not sep:
        raise ExplainRefused("fact", "expected name=value")
    declared = {f.name: f.type for f in rb.law.facts}
    kind = declared.get(name)
    if kind is None:
        raise ExplainRefused("fact", "not a fact declared in facts.yaml")
    if kind == "bool":
        if text.lower() not in ("true", "false", "yes", "no", "1", "0"):
            raise ExplainRefused("fact", f"{name} takes true or false")
        return name, text.lower() in ("true", "yes", "1")
    if kind == "int":
        try:
            return name, int(text)
        except ValueError:
            raise ExplainRefused("fact", f"{name} takes an integer") from None
    if kind == "date":
        return name, parse_day(text, "fact")
    return name, text


def view_known_on(rb: Rulebook, known_on: date | None, field: str = "known_on") -> Rulebook:
    """The rulebook as known on a day; refused before the first decision it holds."""
    try:
        return rb.as_known_on(known_on)
    except RuleNotInForce:
        first = rb.decisions()[0].day.isoformat()
        raise ExplainRefused(
            field, f"before the first rule was decided ({first}); nothing was known yet"
        ) from None


def _decided(view: Rulebook, res: Resolution, on: date) -> tuple[date | None, date | None]:
    """When the answer in use was decided, and from when it applies (for the flag that law
    decided after it took effect is retroactive)."""
    if res.regime.startswith("TRIAL:"):
        trial = view.law.trials.get(res.regime.removeprefix("TRIAL:"))
        if trial is None:
            return None, None
        # from the trial's first end on, the answer rests on the extensions
        end = parse_day(str(parameter(view.law, trial, None, "valid_to") or "9999-12-31"), "end")
        if trial.extensions and on >= end:
            return max(e.decided for e in trial.extensions), end
        start = parameter(view.law, trial, None, "valid_from")
        return trial.decided, None if start is None else parse_day(str(start), "start")
    rule = view.law.rules.get(res.rule_id)
    if rule is None:
        return None, None
    for value in rule.values:
        if value.valid_from <= on and (value.valid_to is None or on < value.valid_to):
            return value.decided, value.valid_from
    return None, None


def _row(view: Rulebook, res: Resolution, on: date) -> dict[str, Any]:
    decided, effective = _decided(view, res, on)
    retroactive = decided is not None and effective is not None and decided > effective
    return {
        "rule_id": res.rule_id,
        "value": res.value,
        "applicable": res.applicable,
        "unit": res.unit,
        "regime": res.regime,
        "citations": list(res.citations),
        "cited_as": reader(view).acts(res.citations, res.regime),
        "reason": res.reason,
        "since": res.since.isoformat() if res.since else None,
        "next_change": res.next_change.isoformat() if res.next_change else None,
        "decided": decided.isoformat() if decided else None,
        "retroactive": (
            f"decided {decided.isoformat()}, after it took effect on {effective.isoformat()}"
            if retroactive and decided and effective
            else None
        ),
    }


def explain(
    rb: Rulebook,
    *,
    municipality: str,
    target_group: str,
    on: date,
    facts: Mapping[str, FactValue] | None = None,
    reform: str | None = None,
    known_on: date | None = None,
    all_rules: bool = False,
) -> dict[str, Any]:
    """Every rule that applies on `on` as known on `known_on` (None: everything decided)."""
    try:
        mun = rb.municipality(municipality)
    except LookupError:
        raise ExplainRefused("municipality", "unknown municipality") from None
    try:
        group = rb.target_group(target_group)
    except LookupError:
        raise ExplainRefused("target_group", "unknown target group") from None
    view = view_known_on(rb, known_on)
    if reform is not None and reform not in view.reform_ids():
        raise ExplainRefused("reform", "unknown reform")
    facts = dict(facts or {})
    ctx = ResolutionContext(mun.id, group.code, on, facts, reform, known_on)
    rows: list[dict[str, Any]] = []
    for rule_id in rb.rule_ids():
        scope = rb.rule(rule_id).applies_to
        if scope and group.code not in scope and not all_rules:
            continue
        try:
            rows.append(_row(view, rb.resolve(rule_id, ctx), on))
        except LookupError as exc:  # RuleNotInForce: show it, never hide it
            rows.append(
                _row(
                    view,
                    Resolution(
                        rule_id, None, False, rb.rule(rule_id).unit, "-", (), str(exc), None, None
                    ),
                    on,
                )
            )
    next_boundary = rb.next_boundary(mun.id, group.code, on, known_on)
    next_decision = rb.next_decision(known_on) if known_on is not None else None
    return {
        "municipality": mun.id,
        "municipality_name": mun.name,
        "municipality_code": mun.code,
        "target_group": group.code,
        "target_group_name": group.name,
        "date": on.isoformat(),
        "known_on": known_on.isoformat() if known_on else None,
        "known_up_to_decision": (
            view.known_from.isoformat() if view.known_from else rb.decisions()[-1].day.isoformat()
        )
        if rb.decisions()
        else None,
        "next_decision": next_decision.isoformat() if next_decision else None,
        "facts": {k: (v.isoformat() if isinstance(v, date) else v) for k, v in facts.items()},
        "reform": reform,
        "standard_regime": rb.standard_regime(on, known_on),
        "trials_in_scope": list(rb.trials_in_scope(mun.id, group.code, on, known_on)),
        "next_boundary": next_boundary.isoformat() if next_boundary else None,
        "rulebook_hash": rb.content_hash,
        "rules": rows,
    }
