"""Which dates the embedded calendar offers. Pure date arithmetic, no storage.

Deliberately simple (the embedded calendar stands in for the jobcentre's real one):
ordinary conversations take the first working day (Monday to Friday) on or after the
window's start; Danish public holidays and caseworkers' own calendars are not modelled.
RT meetings are held weekly on one weekday, which is operational configuration of a
municipality's rehabiliteringsteam, not law.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, timedelta

__all__ = ["DEFAULT_RT_WEEKDAY", "first_working_day", "rt_meeting_dates"]

DEFAULT_RT_WEEKDAY = calendar.TUESDAY

_SATURDAY = calendar.SATURDAY
_ONE_DAY = timedelta(days=1)
_ONE_WEEK = timedelta(weeks=1)


def first_working_day(on_or_after: date) -> date:
    """The first Monday-to-Friday date on or after `on_or_after`."""
    day = on_or_after
    while day.weekday() >= _SATURDAY:
        day += _ONE_DAY
    return day


def rt_meeting_dates(on_or_after: date, weekday: int) -> Iterator[date]:
    """RT meeting dates on `weekday` (Monday = 0), from `on_or_after` onwards, unbounded."""
    day = on_or_after + timedelta(days=(weekday - on_or_after.weekday()) % 7)
    while True:
        yield day
        day += _ONE_WEEK
