"""Errors raised by the rulebook.

"No rule in force" is an error, never a silent default (Catala's "no applicable rule"):
an unmodelled period must not look like "not entitled" in a citizen's case.
Messages never contain personal data: only rule ids, municipality ids, LAB codes and dates.
"""

from __future__ import annotations


class RulebookError(Exception):
    """The law data is malformed. The message names the file, the entry and the reason."""

    def __init__(self, file: str, entry: str, reason: str) -> None:
        self.file = file
        self.entry = entry
        self.reason = reason
        super().__init__(f"{file}: {entry}: {reason}")


class RuleNotInForce(LookupError):
    """No dated value of the rule covers the date asked for."""


class UnknownRule(KeyError):
    """The rule id is not in the rulebook."""

    def __str__(self) -> str:  # KeyError would repr() the message; keep it readable
        return str(self.args[0]) if self.args else ""


class UnknownMunicipality(KeyError):
    """The municipality is not one of the network's municipalities."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class UnknownTargetGroup(KeyError):
    """The target group is neither a LAB § 2 code nor a known alias."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class UnknownReform(KeyError):
    """The reform named in a resolution context does not exist."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class UnknownTrial(KeyError):
    """The trial id is not in the master table."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""
