"""Where and when a trial clause reaches: parameters (DOMAIN §8) and effective periods.

Shared by the loader (to refuse overlapping exemptions) and the resolver (to build
timelines), so both read the same periods.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.rulebook.dates import add_months, parse_date
from domain.rulebook.model import Clause, LawData, Trial

# Parameters every trial has without declaring them: its period and whether its recorded
# extensions count. ``valid_to`` is the end *before* extensions (DOMAIN §8.1-8.2).
BUILTIN_PARAMETERS = ("valid_from", "valid_to", "apply_extensions")

APPLYING_STATUSES = frozenset({"granted", "partly_granted"})


def parameter(law: LawData, trial: Trial, municipality: str | None, name: str) -> Any:
    """The value of a trial parameter for one municipality: municipality setting, else the
    trial-wide setting from the parameters file, else the recommended default."""
    table = law.parameters.get(trial.id, {})
    for scope in (municipality, "*"):
        if scope is not None and name in table.get(scope, {}):
            return table[scope][name]
    if name == "valid_from":
        return trial.valid_from
    if name == "valid_to":
        return trial.valid_to
    if name == "apply_extensions":
        return True
    return trial.parameters[name].default


def _as_date(v: Any) -> date | None:
    return None if v is None else parse_date(v)


def trial_period(
    law: LawData, trial: Trial, municipality: str | None
) -> tuple[date, date | None] | None:
    """The trial's half-open period for a municipality, extensions included; ``None`` when the
    trial never ran (refused, or granted but never started)."""
    if trial.status not in APPLYING_STATUSES:
        return None
    start = _as_date(parameter(law, trial, municipality, "valid_from"))
    if start is None:
        return None
    end = _as_date(parameter(law, trial, municipality, "valid_to"))
    if end is not None and parameter(law, trial, municipality, "apply_extensions"):
        end = add_months(end, sum(ext.months for ext in trial.extensions))
    return start, end


def clause_period(
    law: LawData, trial: Trial, clause: Clause, municipality: str
) -> tuple[date, date | None] | None:
    """The clause's period in one municipality: the trial period, replaced by a
    per-municipality period if the clause gives one, clamped by the clause's own window."""
    if municipality not in clause.municipalities:
        return None
    base = trial_period(law, trial, municipality)
    if base is None:
        return None
    start, end = base
    own = clause.municipality_periods.get(municipality)
    if own is not None:
        start = own.valid_from or start
        end = own.valid_to or end
    if clause.valid_from is not None:
        start = max(start, clause.valid_from)
    if clause.valid_to is not None:
        end = clause.valid_to if end is None else min(end, clause.valid_to)
    if end is not None and end <= start:
        return None
    return start, end


def resolve_value(law: LawData, trial: Trial, municipality: str, value: Any) -> Any:
    """Replace ``{"$param": name}`` with the parameter's value for the municipality."""
    if isinstance(value, dict) and set(value) == {"$param"}:
        return parameter(law, trial, municipality, str(value["$param"]))
    return value
