"""Identifiers that may travel into workflow ids, search attributes and logs.

These strings end up unencrypted in Temporal (workflow ids, search attributes), so they
must be system references. Anything shaped like a CPR number is refused outright.
"""

from __future__ import annotations

import re

__all__ = ["check_reference", "looks_like_cpr", "quoted"]

_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
_CPR_SHAPE = re.compile(r"(?<!\d)\d{6}-?\d{4}(?!\d)")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


def looks_like_cpr(text: str) -> bool:
    return bool(_CPR_SHAPE.search(text))


def check_reference(value: str, field: str) -> str:
    """Return `value` if it is a safe reference, else raise ValueError naming the field.

    The message never repeats the value: a rejected value may be a CPR number.
    """
    if looks_like_cpr(value):
        raise ValueError(
            f"{field} looks like a CPR number; use the case system's reference instead"
        )
    if not _REFERENCE.match(value):
        raise ValueError(
            f"{field} must be 1-64 characters of letters, digits and . _ : - "
            "(starting with a letter or digit)"
        )
    return value


def quoted(value: object) -> str:
    """A refused input, quoted back only if it is shaped like a code.

    Refusal texts reach callers, logs and (encoded) history; free text a caller put in a
    code field could be a diagnosis or a CPR number, so it is withheld.
    """
    text = str(value)
    if _CODE.match(text) and not looks_like_cpr(text):
        return repr(text)
    return "(value withheld: not a code)"
