"""The embedded calendar's date rules."""

from __future__ import annotations

from datetime import date

from activities.embedded.slots import first_working_day, rt_meeting_dates


def test_calendar_helpers() -> None:
    """Weekends roll to Monday; RT dates step weekly from the first matching weekday."""
    saturday = date(2025, 3, 8)
    assert first_working_day(saturday) == date(2025, 3, 10)
    assert first_working_day(date(2025, 3, 5)) == date(2025, 3, 5)
    dates = rt_meeting_dates(date(2025, 3, 5), weekday=1)
    assert [next(dates) for _ in range(2)] == [date(2025, 3, 11), date(2025, 3, 18)]
    assert next(rt_meeting_dates(date(2025, 3, 4), weekday=1)) == date(2025, 3, 4)
