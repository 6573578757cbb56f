"""Building visibility queries from user input, safely.

The visibility query language is a string, so every value that reaches it is first
reduced to a known-good form: municipalities and target groups are resolved through the
rulebook (only their canonical ids go in), phases are an enum, dates are `date` objects,
booleans are booleans, and a regime (free text in the rulebook) must match a strict
whitelist pattern. `_quote` escapes anyway, as a second line of defence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from workflows import search_attributes as sa

__all__ = ["REGIME_PATTERN", "CaseFilter", "build_query"]

REGIME_PATTERN = re.compile(r"^[A-Za-z0-9_.:+-]{1,64}$")
"""Regime names: STANDARD_2020, TRIAL:FK-2.a.2, REFORM:KL2023 ..."""


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class CaseFilter:
    """Validated filter values (construct only from checked values)."""

    def __init__(
        self,
        *,
        municipalities: Iterable[str] | None,
        phase: str | None = None,
        target_group: str | None = None,
        regime: str | None = None,
        overdue: bool | None = None,
        deadline_before: date | None = None,
    ) -> None:
        if regime is not None and not REGIME_PATTERN.match(regime):
            raise ValueError("regime must be 1-64 of letters, digits and _ . : + -")
        self.municipalities = None if municipalities is None else sorted(set(municipalities))
        self.phase = phase
        self.target_group = target_group
        self.regime = regime
        self.overdue = overdue
        self.deadline_before = deadline_before


def build_query(f: CaseFilter) -> str:
    """The visibility query for `f`: case workflows only, one row per case (the runs a case
    continued-as-new from are left out)."""
    clauses = ["WorkflowType = 'CaseWorkflow'", "ExecutionStatus != 'ContinuedAsNew'"]
    if f.municipalities is not None:
        values = ", ".join(_quote(m) for m in f.municipalities)
        clauses.append(f"{sa.CASE_MUNICIPALITY.name} IN ({values})")
    if f.phase is not None:
        clauses.append(f"{sa.CASE_PHASE.name} = {_quote(f.phase)}")
    if f.target_group is not None:
        clauses.append(f"{sa.CASE_TARGET_GROUP.name} = {_quote(f.target_group)}")
    if f.regime is not None:
        clauses.append(f"{sa.CASE_REGIMES.name} = {_quote(f.regime)}")
    if f.overdue is not None:
        clauses.append(f"{sa.CASE_OVERDUE.name} = {'true' if f.overdue else 'false'}")
    if f.deadline_before is not None:
        stamp = f"{f.deadline_before.isoformat()}T00:00:00Z"
        clauses.append(f"{sa.CASE_NEXT_DEADLINE.name} < {_quote(stamp)}")
    return " AND ".join(clauses)
