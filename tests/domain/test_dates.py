"""Calendar arithmetic of the case core."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.case.dates import add_months
from domain.rulebook import dates as law_dates


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2019, 1, 31), 1, date(2019, 2, 28)),
        (date(2020, 1, 31), 1, date(2020, 2, 29)),
        (date(2019, 3, 31), -1, date(2019, 2, 28)),
        (date(2019, 8, 31), 1, date(2019, 9, 30)),
        (date(2019, 12, 15), 1, date(2020, 1, 15)),
        (date(2019, 1, 28), 13, date(2020, 2, 28)),
    ],
)
def test_add_months_keeps_the_day_and_clamps_at_the_month_end(
    start: date, months: int, expected: date
) -> None:
    assert add_months(start, months) == expected


def test_add_months_agrees_with_the_rulebook_on_every_day_of_four_years() -> None:
    day = date(2018, 1, 1)
    while day < date(2022, 1, 1):
        for months in (-13, -1, 1, 2, 3, 6, 12, 18):
            assert add_months(day, months) == law_dates.add_months(day, months), (day, months)
        day += timedelta(days=1)
