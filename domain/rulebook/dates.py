"""Dates in the law data: strict ISO parsing and half-open windows.

All validity windows are half-open, ``[valid_from, valid_to)``, as in Catala's archives:
the day a new value takes effect is the first day of its window and never the last day
of the previous one. ``None`` as an end means "until further notice".
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(raw: Any) -> date:
    """Parse ``YYYY-MM-DD`` only; reject timestamps, datetimes and free text.

    The YAML loader keeps dates as strings so that a bad date reaches this function and
    is reported with its entry instead of failing deep inside the YAML parser.
    """
    if isinstance(raw, date) and not hasattr(raw, "hour"):
        return raw
    if isinstance(raw, str) and _ISO.match(raw):
        try:
            return date.fromisoformat(raw)
        except ValueError as exc:
            raise ValueError(f"unparseable date {raw!r}: {exc}") from None
    raise ValueError(f"unparseable date {raw!r}, expected YYYY-MM-DD")


def add_months(day: date, months: int) -> date:
    """Shift by whole calendar months, clamping to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    total = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(total, 12)
    month = month0 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(f"cannot add {months} months to {day}")  # pragma: no cover


def overlaps(a_from: date, a_to: date | None, b_from: date, b_to: date | None) -> bool:
    """True when two half-open windows share at least one day."""
    a_end = a_to or date.max
    b_end = b_to or date.max
    return a_from < b_end and b_from < a_end


def contains(valid_from: date, valid_to: date | None, on: date) -> bool:
    return valid_from <= on and (valid_to is None or on < valid_to)
