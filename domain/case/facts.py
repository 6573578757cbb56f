"""Checking facts a caseworker records against the rulebook's declared fact vocabulary."""

from __future__ import annotations

from datetime import date

from domain.case.model import FactValue
from domain.rulebook import Fact, Rulebook

__all__ = ["accepts", "declared_fact"]


def declared_fact(rulebook: Rulebook, name: str) -> Fact:
    for fact in rulebook.law.facts:
        if fact.name == name:
            return fact
    raise LookupError(name)


def accepts(fact: Fact, value: FactValue) -> bool:
    """Whether `value` has the declared type (bool is not an int here: True is no count)."""
    if value is None:
        return True
    match fact.type:
        case "bool":
            return isinstance(value, bool)
        case "int":
            return isinstance(value, int) and not isinstance(value, bool)
        case "date":
            return isinstance(value, date)
        case _:
            return isinstance(value, str)
