"""This file loads and validates the law directory at start-up.

Every refusal is a ``RulebookError`` naming FILE, ENTRY and REASON, so a bad file stops
the worker before any case is touched. The checks: pydantic shapes, citations, units,
half-open windows without overlap or gap, known municipalities / target groups / facts /
rules, a ``decided:`` day on every dated value, regime, trial, refused part and reform
that names a day of ``decisions.yaml``, and no two exemptions that could claim the same
rule for the same case and date unless one of them declares ``supersedes``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from domain.rulebook import conditions as cond
from domain.rulebook.dates import overlaps, parse_date
from domain.rulebook.errors import RulebookError
from domain.rulebook.model import (
    Decision,
    Fact,
    LawData,
    Municipality,
    Reform,
    RegimesFile,
    Rule,
    TargetGroup,
    Trial,
    check_value_for_unit,
)
from domain.rulebook.scope import BUILTIN_PARAMETERS, clause_period, resolve_value
from domain.rulebook.yamlio import read_yaml

PARAMETERS_ENV = "CASEFLOW_RULEBOOK_PARAMETERS"
DEFAULT_ROOT = Path(__file__).resolve().parent / "law"

M = TypeVar("M", bound=BaseModel)


def _validate(model: type[M], data: Any, file: str, entry: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        where = f"{entry}.{loc}" if loc else entry
        msg = first["msg"].removeprefix("Value error, ")
        if first["type"] == "missing":
            msg = f"missing required field {first['loc'][-1]!r}"
        more = f" (+{len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise RulebookError(file, where, msg + more) from None


def _mapping(data: Any, file: str, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise RulebookError(file, "(file)", f"expected a mapping of {what}")
    return data


def _list(data: Any, file: str, key: str) -> list[Any]:
    items = _mapping(data, file, key).get(key)
    if not isinstance(items, list):
        raise RulebookError(file, key, f"expected a list under {key!r}")
    return items


def _rel(root: Path, path: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def read_law(root: Path) -> LawData:  # noqa: PLR0915 - one linear pass over the law tree
    """Read and validate every file under ``root`` (without parameters)."""
    if not root.is_dir():
        raise RulebookError(str(root), "(directory)", "law directory not found")
    sources: dict[str, str] = {}

    def load(name: str) -> tuple[str, Any]:
        path = root / name
        display = _rel(root, path)
        if not path.is_file():
            raise RulebookError(display, "(file)", "required file missing")
        return display, read_yaml(path, display)

    file, data = load("municipalities.yaml")
    municipalities = [
        _validate(Municipality, m, file, f"municipalities[{i}]")
        for i, m in enumerate(_list(data, file, "municipalities"))
    ]
    file, data = load("target_groups.yaml")
    groups = [
        _validate(TargetGroup, g, file, f"target_groups[{i}]")
        for i, g in enumerate(_list(data, file, "target_groups"))
    ]
    file, data = load("facts.yaml")
    facts = [
        _validate(Fact, f, file, f"facts[{i}]") for i, f in enumerate(_list(data, file, "facts"))
    ]
    _unique(file, "fact", [f.name for f in facts])
    file, data = load("decisions.yaml")
    decisions = [
        _validate(Decision, d, file, f"decisions[{i}]")
        for i, d in enumerate(_list(data, file, "decisions"))
    ]
    _unique(file, "decision day", [d.day.isoformat() for d in decisions])
    decided_days = {d.day for d in decisions}
    file, data = load("regimes.yaml")
    regimes = _validate(RegimesFile, data, file, "regimes").standard
    _check_regimes(file, regimes)
    for r in regimes:
        _check_decided(file, r.id, r.decided, decided_days)

    mun_ids = {m.id for m in municipalities}
    group_codes = {g.code for g in groups}
    fact_types = {f.name: f.type for f in facts}

    rules: dict[str, Rule] = {}
    rule_dir = root / "standard"
    for path in sorted(rule_dir.glob("*.yaml")):
        display = _rel(root, path)
        for rule_id, raw in _mapping(read_yaml(path, display) or {}, display, "rules").items():
            if rule_id in rules:
                raise RulebookError(display, rule_id, f"rule already defined in {sources[rule_id]}")
            rule = _validate(Rule, raw, display, str(rule_id))
            _check_rule(display, str(rule_id), rule, group_codes)
            for v in rule.values:
                _check_decided(
                    display, f"{rule_id}.values[{v.valid_from}]", v.decided, decided_days
                )
            rules[rule_id] = _normalise(rule)
            sources[rule_id] = display

    trials: dict[str, Trial] = {}
    for path in sorted((root / "trials").glob("*.yaml")):
        display = _rel(root, path)
        raw = _mapping(read_yaml(path, display), display, "trial fields")
        trial = _validate(Trial, raw, display, str(raw.get("id", path.stem)))
        if trial.id != path.stem:
            raise RulebookError(display, trial.id, f"file must be named {trial.id}.yaml")
        if trial.id in trials:
            raise RulebookError(display, trial.id, "trial defined twice")
        _check_trial_decided(display, trial, decided_days)
        trials[trial.id] = trial
        sources[trial.id] = display
        for clause in trial.clauses:
            sources[clause.id] = display

    reforms: dict[str, Reform] = {}
    for path in sorted((root / "reforms").glob("*.yaml")):
        display = _rel(root, path)
        reform = _validate(Reform, read_yaml(path, display), display, path.stem)
        if reform.id != path.stem:
            raise RulebookError(display, reform.id, f"file must be named {reform.id}.yaml")
        _check_decided(display, reform.id, reform.decided, decided_days)
        for rule_id, ov in reform.overrides.items():
            if rule_id not in rules:
                raise RulebookError(
                    display,
                    f"{reform.id}.overrides.{rule_id}",
                    f"override of unknown rule {rule_id!r}",
                )
            bad = check_value_for_unit(rules[rule_id].unit, ov.value)
            if bad:
                raise RulebookError(display, f"{reform.id}.overrides.{rule_id}", bad)
        reforms[reform.id] = reform
        sources[reform.id] = display

    law = LawData(
        municipalities=municipalities,
        target_groups=groups,
        facts=facts,
        regimes=regimes,
        rules=rules,
        trials=trials,
        reforms=reforms,
        sources=sources,
        decisions=sorted(decisions, key=lambda d: d.day),
    )
    for trial in trials.values():
        _check_trial(law, sources[trial.id], trial, mun_ids, group_codes, fact_types)
    return law


def _check_decided(file: str, entry: str, decided: Any, days: set[Any]) -> None:
    """Every dated record says when it was decided, and that day is a documented decision.

    A day after the record takes effect is allowed (retroactive law); ``rules explain``
    flags it."""
    if decided is None:
        raise RulebookError(
            file, entry, "missing required field 'decided' (the day the law was decided)"
        )
    if decided not in days:
        raise RulebookError(
            file,
            f"{entry}.decided",
            f"decided {decided} is not a day listed in decisions.yaml; add the decision there "
            "with its citation",
        )


def _check_trial_decided(file: str, trial: Trial, days: set[Any]) -> None:
    _check_decided(file, trial.id, trial.decided, days)
    for ext in trial.extensions:
        _check_decided(file, f"{trial.id}.extensions[{ext.decided}]", ext.decided, days)
    for i, part in enumerate(trial.refused_parts):
        _check_decided(file, f"{trial.id}.refused_parts[{i}]", part.decided, days)
    for clause in trial.clauses:
        # a clause without its own day was decided with the trial
        if clause.decided is not None:
            _check_decided(file, clause.id, clause.decided, days)


def _unique(file: str, what: str, names: list[str]) -> None:
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise RulebookError(file, n, f"{what} declared twice")
        seen.add(n)


def _check_regimes(file: str, regimes: list[Any]) -> None:
    for prev, nxt in itertools.pairwise(regimes):
        if prev.valid_to != nxt.valid_from:
            raise RulebookError(file, nxt.id, f"must start where {prev.id} ends ({prev.valid_to})")
    if regimes[-1].valid_to is not None:
        raise RulebookError(file, regimes[-1].id, "the last standard regime must be open-ended")


def _check_rule(file: str, rule_id: str, rule: Rule, groups: set[str]) -> None:
    if "." not in rule_id:
        raise RulebookError(file, rule_id, "rule ids are '<area>.<thing>'")
    for g in rule.applies_to:
        if g not in groups:
            raise RulebookError(file, f"{rule_id}.applies_to", f"unknown target group {g!r}")
    values = sorted(rule.values, key=lambda v: v.valid_from)
    for i, v in enumerate(values):
        entry = f"{rule_id}.values[{v.valid_from}]"
        bad = check_value_for_unit(rule.unit, v.value)
        if bad:
            raise RulebookError(file, entry, bad)
        if v.value is None and not v.reason:
            raise RulebookError(file, entry, "value null (not applicable) needs a 'reason'")
        if v.valid_to is not None and v.valid_to <= v.valid_from:
            raise RulebookError(file, entry, "valid_to must be after valid_from (half-open)")
        if i + 1 < len(values):
            nxt = values[i + 1]
            if v.valid_from == nxt.valid_from or (
                v.valid_to is not None and v.valid_to > nxt.valid_from
            ):
                raise RulebookError(
                    file,
                    entry,
                    f"overlapping validity with the value from {nxt.valid_from} "
                    "(write each change as a new dated value with half-open windows)",
                )
            if v.valid_to is not None and v.valid_to < nxt.valid_from:
                raise RulebookError(
                    file,
                    entry,
                    f"gap from {v.valid_to} to {nxt.valid_from}; add an explicit value "
                    "(null with a reason if not applicable)",
                )


def _normalise(rule: Rule) -> Rule:
    """Sort the dated values and make every window explicit: an omitted ``valid_to`` ends
    where the next value starts (OpenFisca's reading), the last one stays open."""
    values = sorted(rule.values, key=lambda v: v.valid_from)
    explicit = [
        v
        if v.valid_to is not None or i + 1 == len(values)
        else v.model_copy(update={"valid_to": values[i + 1].valid_from})
        for i, v in enumerate(values)
    ]
    return rule.model_copy(update={"values": explicit})


def _check_trial(  # noqa: PLR0917 - internal helper, called once
    law: LawData,
    file: str,
    trial: Trial,
    muns: set[str],
    groups: set[str],
    fact_types: Mapping[str, str],
) -> None:
    for m in trial.applicants:
        if m not in muns:
            raise RulebookError(file, f"{trial.id}.applicants", f"unknown municipality {m!r}")
    for g in trial.target_groups:
        if g not in groups:
            raise RulebookError(file, f"{trial.id}.target_groups", f"unknown target group {g!r}")
    for part in trial.refused_parts:
        for g in part.target_groups:
            if g not in groups:
                raise RulebookError(
                    file, f"{trial.id}.refused_parts", f"unknown target group {g!r}"
                )
        for r in part.rules:
            if r not in law.rules:
                raise RulebookError(file, f"{trial.id}.refused_parts", f"unknown rule {r!r}")
    if trial.status in ("refused", "granted_not_started") and trial.clauses:
        raise RulebookError(file, trial.id, f"a {trial.status} trial must not have clauses")
    if trial.clauses and trial.valid_from is None and "valid_from" not in trial.parameters:
        raise RulebookError(file, trial.id, "a trial with clauses needs valid_from")
    seen: set[str] = set()
    for clause in trial.clauses:
        entry = clause.id
        if not clause.id.startswith(trial.id + "/"):
            raise RulebookError(file, entry, f"clause ids start with '{trial.id}/'")
        if clause.id in seen:
            raise RulebookError(file, entry, "clause id used twice")
        seen.add(clause.id)
        for m in [*clause.municipalities, *clause.municipality_periods]:
            if m not in muns:
                raise RulebookError(file, f"{entry}.municipalities", f"unknown municipality {m!r}")
        for g in clause.target_groups:
            if g not in groups:
                raise RulebookError(file, f"{entry}.target_groups", f"unknown target group {g!r}")
        for c in clause.conditions:
            reason = cond.check(c, fact_types)
            if reason:
                raise RulebookError(file, f"{entry}.conditions", reason)
        for rule_id, ov in clause.overrides.items():
            where = f"{entry}.overrides.{rule_id}"
            if rule_id not in law.rules:
                raise RulebookError(
                    file, where, f"override of a rule that does not exist: {rule_id!r}"
                )
            param = ov.value.get("$param") if isinstance(ov.value, dict) else None
            if isinstance(param, str) and param not in trial.parameters:
                raise RulebookError(file, where, f"undeclared parameter {param!r}")
            for m in clause.municipalities:
                bad = check_value_for_unit(
                    law.rules[rule_id].unit, resolve_value(law, trial, m, ov.value)
                )
                if bad:
                    raise RulebookError(file, where, bad)
        for sup in clause.supersedes:
            known = sup in law.trials or any(
                sup == c.id for t in law.trials.values() for c in t.clauses
            )
            if not known:
                raise RulebookError(file, f"{entry}.supersedes", f"unknown trial or clause {sup!r}")
        if clause.supersedes and not clause.supersedes_reason:
            raise RulebookError(
                file, f"{entry}.supersedes", "state the legal reading in supersedes_reason"
            )


def supersedes(a_trial: Trial, a: Any, b_trial: Trial, b: Any) -> bool:
    return b.id in a.supersedes or b_trial.id in a.supersedes


def check_exemption_overlaps(law: LawData) -> None:
    """Refuse two clauses that could claim one rule for the same case and date.

    "Could" ignores conditions unless they provably exclude each other; the fix is data:
    ``supersedes: <clause or trial id>`` on the clause that should win.
    """
    by_rule: dict[str, list[tuple[Trial, Any]]] = {}
    for trial in law.trials.values():
        for clause in trial.clauses:
            for rule_id in clause.overrides:
                by_rule.setdefault(rule_id, []).append((trial, clause))
    for rule_id, claims in by_rule.items():
        for i, (ta, a) in enumerate(claims):
            for tb, b in claims[i + 1 :]:
                groups = sorted(set(a.target_groups) & set(b.target_groups))
                if not groups:
                    continue
                for m in sorted(set(a.municipalities) & set(b.municipalities)):
                    pa = clause_period(law, ta, a, m)
                    pb = clause_period(law, tb, b, m)
                    if pa is None or pb is None or not overlaps(pa[0], pa[1], pb[0], pb[1]):
                        continue
                    if cond.mutually_exclusive(a.conditions, b.conditions):
                        continue
                    a_wins, b_wins = supersedes(ta, a, tb, b), supersedes(tb, b, ta, a)
                    if a_wins and b_wins:
                        raise RulebookError(
                            law.sources[b.id], b.id, f"{a.id} and {b.id} supersede each other"
                        )
                    if not (a_wins or b_wins):
                        raise RulebookError(
                            law.sources[b.id],
                            b.id,
                            f"exemption overlaps {a.id} on rule {rule_id} for {m}, target "
                            f"group(s) {', '.join(groups)}, from {max(pa[0], pb[0])}; declare "
                            "'supersedes:' on the clause that should win",
                        )


def read_parameters(law: LawData, parameters: Path | Mapping[str, Any] | None) -> LawData:
    """Apply a parameters file (or mapping) of per-trial / per-municipality settings."""
    if parameters is None:
        return law
    if isinstance(parameters, Path):
        display = str(parameters)
        if not parameters.is_file():
            raise RulebookError(display, "(file)", "parameters file not found")
        data = read_yaml(parameters, display) or {}
    else:
        display, data = "<parameters>", dict(parameters)
    data = _mapping(data, display, "parameters")
    unknown_top = set(data) - {"trials"}
    if unknown_top:
        raise RulebookError(
            display, sorted(unknown_top)[0], "only 'trials:' is allowed at top level"
        )
    muns = {m.id for m in law.municipalities}
    table: dict[str, dict[str, dict[str, Any]]] = {}
    for trial_id, raw_settings in _mapping(data.get("trials") or {}, display, "trials").items():
        if trial_id not in law.trials:
            raise RulebookError(display, str(trial_id), "unknown trial")
        trial = law.trials[trial_id]
        settings = _mapping(raw_settings or {}, display, f"parameters of {trial_id}")
        per: dict[str, dict[str, Any]] = {}
        scopes: list[tuple[str, dict[str, Any]]] = [
            ("*", {k: v for k, v in settings.items() if k != "municipalities"})
        ]
        for m, ms in _mapping(
            settings.get("municipalities") or {}, display, "municipalities"
        ).items():
            if m not in muns:
                raise RulebookError(
                    display, f"{trial_id}.municipalities.{m}", f"unknown municipality {m!r}"
                )
            scopes.append((str(m), _mapping(ms or {}, display, f"{trial_id}.{m}")))
        for scope, values in scopes:
            for name, raw_value in values.items():
                value = raw_value
                entry = (
                    f"{trial_id}.{name}"
                    if scope == "*"
                    else f"{trial_id}.municipalities.{scope}.{name}"
                )
                if name not in BUILTIN_PARAMETERS and name not in trial.parameters:
                    raise RulebookError(
                        display, entry, f"unknown parameter {name!r} for {trial_id}"
                    )
                if name in ("valid_from", "valid_to") and value is not None:
                    try:
                        value = parse_date(value).isoformat()
                    except ValueError as exc:
                        raise RulebookError(display, entry, str(exc)) from None
                if name == "apply_extensions" and not isinstance(value, bool):
                    raise RulebookError(display, entry, "apply_extensions must be true or false")
                per.setdefault(scope, {})[str(name)] = value
        table[str(trial_id)] = per
    return law.model_copy(update={"parameters": table})


def canonical_json(payload: Any) -> str:
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )


def law_payload(law: LawData) -> dict[str, Any]:
    """The JSON form the hash covers: what the law says, not where the files were."""
    # Not exclude_unset: a slice decoded from JSON has every field set, and must hash the same.
    return law.model_dump(mode="json", by_alias=True, exclude={"sources"})


def content_hash(law: LawData) -> str:
    return hashlib.sha256(canonical_json(law_payload(law)).encode()).hexdigest()


def validate_law(law: LawData) -> LawData:
    """Checks that depend on parameters (periods) run after they are applied."""
    for trial in law.trials.values():
        file = law.sources.get(trial.id, trial.id)
        for clause in trial.clauses:
            for m in clause.municipalities:
                try:
                    clause_period(law, trial, clause, m)
                except ValueError as exc:
                    raise RulebookError(file, clause.id, str(exc)) from None
    check_exemption_overlaps(law)
    return law


def _parameters_key(parameters: Path | Mapping[str, Any] | None) -> str | None:
    if parameters is None:
        env = os.environ.get(PARAMETERS_ENV)
        return f"path:{Path(env).resolve()}" if env else None
    if isinstance(parameters, Path):
        return f"path:{parameters.resolve()}"
    return "map:" + canonical_json(parameters)


@lru_cache(maxsize=16)
def _load_cached(root: str, params_key: str | None) -> LawData:
    law = read_law(Path(root))
    params: Path | Mapping[str, Any] | None = None
    if params_key is not None and params_key.startswith("path:"):
        params = Path(params_key[5:])
    elif params_key is not None:
        params = json.loads(params_key[4:])
    return validate_law(read_parameters(law, params))


def load_law(
    root: Path | None = None, parameters: Path | Mapping[str, Any] | None = None
) -> LawData:
    """Validated law data, cached by (root, parameters). ``parameters=None`` falls back to
    the file named by ``CASEFLOW_RULEBOOK_PARAMETERS``."""
    return _load_cached(str((root or DEFAULT_ROOT).resolve()), _parameters_key(parameters))
