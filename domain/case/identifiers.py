"""Identifiers that may travel into workflow ids, search attributes and logs.

These strings end up unencrypted in Temporal (workflow ids, search attributes), so they
must be system references. Anything shaped like a CPR number is refused outright.
"""

from __future__ import annotations

import re

__all__ = ["check_reference", "check_text", "is_code", "looks_like_cpr", "quoted"]

_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
# A space between the two halves too: free text is typed by people.
_CPR_SHAPE = re.compile(r"(?<!\d)\d{6}[- ]?\d{4}(?!\d)")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


def looks_like_cpr(text: str) -> bool:
    return bool(_CPR_SHAPE.search(text))


def is_code(text: str) -> bool:
    """Shaped like a code (a field name, a decision, a rule id), so safe to quote back."""
    return bool(_CODE.match(text)) and not looks_like_cpr(text)


def check_text(value: str, field: str) -> str:
    """Return `value` if it may be stored and shown as text, else raise ValueError.

    For the codes and short texts a caller sends (meeting, route, recommendation, kind,
    ...): they reach the case history, receipts and timelines, so a CPR number has no
    place in them, and a lone surrogate (valid JSON, not valid Unicode) could be neither
    encoded into a payload nor answered. The message never repeats the value.
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{field} is not valid Unicode text (a lone surrogate)") from None
    if looks_like_cpr(value):
        raise ValueError(f"{field} looks like a CPR number; personal data does not belong here")
    return value


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
    if is_code(text):
        return repr(text)
    return "(value withheld: not a code)"
