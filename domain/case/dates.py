"""Calendar arithmetic used when law says "by the end of week 8" or "every 3 months".

Pure functions only: the same inputs always give the same date, inside and outside a
workflow.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

__all__ = [
    "ONE_DAY",
    "add_days",
    "add_months",
    "add_weeks",
    "add_years",
    "day_after",
    "end_of_week",
    "period",
]

ONE_DAY = timedelta(days=1)
"""Calendar arithmetic, not law: "the day after a deadline", "the last day of a week"."""


def day_after(day: date) -> date:
    return day + ONE_DAY


def add_days(start: date, days: int) -> date:
    return start + timedelta(days=days)


def add_weeks(start: date, weeks: int) -> date:
    return start + timedelta(weeks=weeks)


def add_months(start: date, months: int) -> date:
    """Same day of the month `months` later, clamped to the month's end (31 Jan -> 28/29 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    day = start.day
    if day > 28:  # every month has 28 days; only later days may need clamping
        day = min(day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def add_years(start: date, years: int) -> date:
    return add_months(start, 12 * years)


def end_of_week(anchor: date, week: int) -> date:
    """Last day of the `week`-th week counted from `anchor` (week 1 = anchor .. anchor+6)."""
    return anchor + timedelta(weeks=week) - ONE_DAY


def period(start: date, amount: int, unit: str) -> date:
    """`start` plus `amount` of a rulebook unit ("days", "weeks", "months", "years")."""
    if unit == "days":
        return add_days(start, amount)
    if unit == "weeks":
        return add_weeks(start, amount)
    if unit == "months":
        return add_months(start, amount)
    if unit == "years":
        return add_years(start, amount)
    raise ValueError(f"unit {unit!r} is not a duration unit")
