"""FK-1.d's volume condition, reported (DOMAIN §3.9, §8.14).

FK-1.d was granted on the condition that follow-up "samlet set" stays at the current
level: the statutory number of contacts becomes an *average per target group*, not a
minimum per citizen [001:L945, L3471]. So the core does not enforce it per case; this
report checks it per municipality × target group × calendar quarter: conversations held
in contact courses against the number the standard rules would have required of the same
cases in the same quarter.

"Required" is the statutory schedule anchored at each course's start (dagpenge: N
conversations every I weeks; aktivitetsparat kontanthjælp: N per year; aktivitetsparat
uddannelseshjælp: every N weeks; integration: N per year), counted up to the course's end
or the report date, with the numbers FK-1.d never overrides. Jobparate (2.2, 2.12) have no
number in the seeds, so they count held conversations against 0. A restart after a short
job (2020 law) is not re-anchored here: the report under-counts the requirement for those
cases, which it says in its caption.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from domain.case.dates import add_months, add_weeks
from domain.case.model import CaseState, PhaseName, TimelineKind
from domain.case.phases.kontaktforloeb import course_of
from domain.case.rules_view import RuleView
from domain.rulebook import Rulebook

__all__ = ["TRIAL", "Fk1dRow", "fk1d_report", "quarter_of", "standard_due_dates"]

TRIAL = "FK-1.d"
# "N per 12 months": a year is a calendar fact; N is law and lives in the rulebook.
_MONTHS_PER_YEAR = 12
_MONTHS_PER_QUARTER = 3


@dataclass(frozen=True, slots=True)
class Fk1dRow:
    municipality: str
    target_group: str
    quarter: str
    cases: int
    held: int
    required: int
    fk1d_in_force: bool
    """FK-1.d covers this municipality and target group on the quarter's first day."""

    @property
    def meets_standard(self) -> bool:
        return self.held >= self.required


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // _MONTHS_PER_QUARTER + 1}"


def _quarter_start(quarter: str) -> date:
    year, number = quarter.split("Q")
    return date(int(year), (int(number) - 1) * _MONTHS_PER_QUARTER + 1, 1)


def _course_window(state: CaseState, as_of: date) -> tuple[date, date] | None:
    """[start, end] of the case's contact course, from its phase history."""
    history = state.phase_history
    for index, (phase, start) in enumerate(history):
        if phase is PhaseName.KONTAKTFORLOEB:
            end = history[index + 1][1] if index + 1 < len(history) else min(state.today, as_of)
            return start, end
    return None


def standard_due_dates(state: CaseState, rulebook: Rulebook, start: date, end: date) -> list[date]:
    """The conversations the standard schedule requires in [start, end] for this course."""
    view = RuleView(rulebook, state, start)
    course = course_of(state)
    if course == "2.1":
        weeks = view.int_value("kontakt.dagpenge.jobsamtale.interval_weeks")
        count = view.int_value("kontakt.dagpenge.min_count_first_6_months")
        dues = [add_weeks(start, k * weeks) for k in range(1, count + 1)]
    elif course in ("integration", "2.3"):
        rule = (
            "kontakt.integration.min_count"
            if course == "integration"
            else "kontakt.coordinating_caseworker.kontanthjaelp.min_count"
        )
        months = _MONTHS_PER_YEAR // view.int_value(rule)
        dues = _every(start, end, lambda k: add_months(start, k * months))
    elif course == "2.13":
        weeks = view.int_value("kontakt.coordinating_caseworker.uddannelseshjaelp.interval_weeks")
        dues = _every(start, end, lambda k: add_weeks(start, k * weeks))
    else:
        dues = []
    return [d for d in dues if d <= end]


def _every(start: date, end: date, nth: Callable[[int], date]) -> list[date]:
    dues: list[date] = []
    k = 1
    while (due := nth(k)) <= end:
        dues.append(due)
        k += 1
    return dues


def fk1d_report(states: Iterable[CaseState], rulebook: Rulebook, as_of: date) -> list[Fk1dRow]:
    """Held vs standard-required conversations per municipality × target group × quarter."""
    held: dict[tuple[str, str, str], int] = {}
    required: dict[tuple[str, str, str], int] = {}
    cases: dict[tuple[str, str, str], set[str]] = {}
    for state in states:
        window = _course_window(state, as_of)
        if window is None:
            continue
        start, end = window
        group = state.target_group

        def key(
            day: date, group: str = group, municipality: str = state.municipality
        ) -> tuple[str, str, str]:
            return municipality, group, quarter_of(day)

        meetings = [
            entry.on
            for entry in state.timeline
            if entry.kind is TimelineKind.EVENT
            and entry.subject == "meeting_held"
            and entry.phase is PhaseName.KONTAKTFORLOEB
            and entry.on <= end
        ]
        for day in meetings:
            held[key(day)] = held.get(key(day), 0) + 1
        for day in standard_due_dates(state, rulebook, start, end):
            required[key(day)] = required.get(key(day), 0) + 1
        day = date(
            start.year, (start.month - 1) // _MONTHS_PER_QUARTER * _MONTHS_PER_QUARTER + 1, 1
        )
        while day <= end:
            cases.setdefault(key(day), set()).add(state.case_id)
            day = add_months(day, _MONTHS_PER_QUARTER)
    rows = []
    for municipality, group, quarter in sorted(set(held) | set(required) | set(cases)):
        k = (municipality, group, quarter)
        rows.append(
            Fk1dRow(
                municipality=municipality,
                target_group=group,
                quarter=quarter,
                cases=len(cases.get(k, ())),
                held=held.get(k, 0),
                required=required.get(k, 0),
                fk1d_in_force=TRIAL
                in rulebook.trials_in_scope(municipality, group, _quarter_start(quarter)),
            )
        )
    return rows
