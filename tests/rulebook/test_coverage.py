"""Temporal coverage (Catala's tests_couverture_temporelle): for every rule, municipality and
target group, every day 2015-01-01..2025-12-31 has exactly one answer, a value or an explicit
"not applicable" with a reason.

Two layers keep it fast: the windows of every timeline are checked to be contiguous and to
span the whole horizon (this covers every single day), and every rule is then resolved on
each window's first day, the day before it and its last day, plus a quarterly sample."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from domain.rulebook import ResolutionContext, Rulebook

HORIZON_START = date(2015, 1, 1)
HORIZON_END = date(2026, 1, 1)  # exclusive: 2025-12-31 is the last day checked
QUARTERS = [date(y, m, 1) for y in range(2015, 2026) for m in (1, 4, 7, 10)]


def test_every_timeline_spans_the_horizon_without_gaps(rb: Rulebook) -> None:
    for rule_id in rb.rule_ids():
        for m in rb.municipalities():
            for g in rb.target_groups():
                windows = rb.windows(rule_id, m.id, g.code)
                assert windows[0][0] <= HORIZON_START, (rule_id, m.id, g.code)
                for (_, end, _), (nxt, _, _) in itertools.pairwise(windows):
                    assert end == nxt, f"gap or overlap in {rule_id} for {m.id}/{g.code} at {end}"
                last_end = windows[-1][1]
                assert last_end is None or last_end >= HORIZON_END, (rule_id, m.id, g.code)


def test_every_rule_resolves_around_every_boundary(rb: Rulebook) -> None:
    count = 0
    for m in rb.municipalities():
        for g in rb.target_groups():
            for rule_id in rb.rule_ids():
                days = set(QUARTERS)
                for start, end, _ in rb.windows(rule_id, m.id, g.code):
                    days |= {start, start - timedelta(days=1)}
                    if end is not None:
                        days.add(end - timedelta(days=1))
                for day in days:
                    if not HORIZON_START <= day < HORIZON_END:
                        continue
                    res = rb.resolve(rule_id, ResolutionContext(m.id, g.code, day))
                    assert res.applicable == (res.value is not None)
                    assert res.applicable or res.reason, f"{rule_id}: null without a reason"
                    assert res.since is None or res.since <= day
                    assert res.next_change is None or res.next_change > day
                    count += 1
    assert count > 100_000


def test_regime_label_is_the_standard_regime_on_the_date(rb: Rulebook) -> None:
    for day in (date(2015, 1, 1), date(2019, 12, 31), date(2020, 1, 1), date(2025, 12, 31)):
        res = rb.resolve("sdp.employer_period_days", ResolutionContext("aalborg", "2.5", day))
        assert res.regime == rb.standard_regime(day)
    assert rb.standard_regime(date(2019, 12, 31)) == "STANDARD_2015"
    assert rb.standard_regime(date(2020, 1, 1)) == "STANDARD_2020"
