"""The case snapshot's `overdue` list: missed duties, and duties a law change made due."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from domain.case import rollout
from domain.case.engine import CaseStart
from domain.case.model import ObligationStatus, PhaseName
from domain.rulebook import Rulebook, load_rulebook
from tests.domain.conftest import CaseDriver
from tests.helpers.rulebooks import law_with_rt_weeks
from workflows.case_models import CaseSnapshot

OPENED = date(2026, 9, 1)
RT = "jaf.1.rt"


def _jaf_case() -> CaseDriver:
    start = CaseStart(
        case_id="OV-1",
        municipality="thisted",
        opened_on=OPENED,
        phase=PhaseName.JOBAFKLARINGSFORLOEB,
    )
    return CaseDriver(load_rulebook(), start)


def test_a_duty_the_roll_out_made_due_at_once_is_overdue_in_the_snapshot(
    tmp_path: Path,
) -> None:
    case = _jaf_case().until(OPENED + timedelta(weeks=2))
    assert case.obligation(RT).due_on == OPENED + timedelta(weeks=4)
    assert RT not in {o.id for o in CaseSnapshot.of(case.state).overdue}

    # One week from 2026 on: the team deadline passed a week ago, so it is due today.
    one_week = load_rulebook(law_with_rt_weeks(tmp_path / "law", 1, date(2026, 1, 1)))
    rules = Rulebook.from_slice(one_week.slice_for("thisted"))
    today = case.state.today
    rollout.apply_version(case.state, rules, today, "ro-20260915-000000-000001", "ab" * 32)

    record = case.obligation(RT)
    assert (record.status, record.due_on, record.law_changed_on) == (
        ObligationStatus.OPEN,
        today,
        today,
    )
    snapshot = CaseSnapshot.of(case.state)
    assert RT in {o.id for o in snapshot.overdue}
    assert RT in {o.id for o in snapshot.open_obligations}  # still open: it can be met today


def test_duties_due_later_are_not_overdue(tmp_path: Path) -> None:
    case = _jaf_case().until(OPENED + timedelta(days=1))
    six_weeks = load_rulebook(law_with_rt_weeks(tmp_path / "law", 6, date(2026, 1, 1)))
    rules = Rulebook.from_slice(six_weeks.slice_for("thisted"))
    rollout.apply_version(case.state, rules, case.state.today, "ro-x", "cd" * 32)
    assert case.obligation(RT).due_on == OPENED + timedelta(weeks=6)
    assert CaseSnapshot.of(case.state).overdue == []
