"""Wire vocabulary of the case workflow: its input, its update, its queries.

One pydantic model per message (fields can be added without breaking running cases).
Nothing here is personal: case references, codes, dates and the rules' own words.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from pydantic import BaseModel, ConfigDict, Field

from domain.case.dates import ONE_DAY
from domain.case.engine import CaseStart
from domain.case.events import CaseEvent
from domain.case.identifiers import check_reference
from domain.case.model import (
    CaseState,
    EventReceipt,
    FactValue,
    ObligationRecord,
    ObligationStatus,
    PhaseName,
    TimelineEntry,
)
from domain.rulebook.packed import PackedRuleSlice

__all__ = [
    "CaseClock",
    "CaseOpened",
    "CaseOpening",
    "CaseSnapshot",
    "CaseWorkflowInput",
    "CaseWorkflowResult",
    "OpenCaseInput",
    "ReportEventInput",
    "ReportEventResult",
    "overdue",
    "workflow_id_for",
]


def workflow_id_for(municipality_code: str, case_id: str) -> str:
    """`case-<municipality code>-<case id>`: the case system's reference, never a CPR number.

    Raises ValueError (naming `case_id`, never repeating it) for an id no case may carry:
    a workflow id is stored unencrypted, and a case started under one refuses it in its
    first task and ends FAILED. The gateway validates an opening's id before it gets here;
    this stops every other starter (the demo, benches, scripts) the same way, before
    anything reaches Temporal.
    """
    check_reference(case_id, "case_id")
    return f"case-{municipality_code}-{case_id}"


class CaseClock(BaseModel):
    """Maps the workflow's clock onto the legal calendar.

    In production the legal date is today's date (UTC). For training, demos, what-if runs
    and tests a case can live on a *simulated* calendar: legal day `legal_anchor` began at
    workflow instant `wall_anchor`, and a day of workflow time is a day of legal time, so
    Temporal's per-workflow time skipping fast-forwards a 2019 case through 2020-01-01.
    """

    model_config = ConfigDict(frozen=True)

    legal_anchor: date | None = None
    wall_anchor: datetime | None = None

    @property
    def simulated(self) -> bool:
        return self.legal_anchor is not None

    @property
    def needs_pinning(self) -> bool:
        """A simulated calendar whose wall anchor the first run has yet to fix."""
        return self.legal_anchor is not None and self.wall_anchor is None

    def pinned(self, now: datetime) -> CaseClock:
        """Fix the wall anchor at the first run so later runs keep the same calendar."""
        if not self.needs_pinning:
            return self
        return CaseClock(legal_anchor=self.legal_anchor, wall_anchor=now)

    def today(self, now: datetime) -> date:
        if self.legal_anchor is None or self.wall_anchor is None:
            return now.astimezone(UTC).date()
        return self.legal_anchor + timedelta(days=(now - self.wall_anchor) // ONE_DAY)

    def instant(self, day: date) -> datetime:
        """The workflow instant at which legal `day` begins."""
        if self.legal_anchor is None or self.wall_anchor is None:
            return datetime.combine(day, time(), tzinfo=UTC)
        return self.wall_anchor + timedelta(days=(day - self.legal_anchor).days)


class CaseWorkflowInput(BaseModel):
    """First run: `start`. Continued runs (continue-as-new): `state`, and `start` again so
    every run can tell a repeated opening from a different one (runs continued before
    that have no `start`)."""

    start: CaseStart | None = None
    state: CaseState | None = None
    clock: CaseClock = Field(default_factory=CaseClock)
    opened_by: str | None = None
    """The id of the request that opened the case (first run only), so that request, and
    no other, is told it created the case."""
    rule_slice: PackedRuleSlice | None = None
    """The slice a roll-out gave the case: kept across continue-as-new, so the case stays
    on the version it was rolled out to, whatever files the next worker carries."""
    rollouts: list[str] = Field(default_factory=list)
    """Ids of the roll-outs this case has applied (the latest few): each once."""
    lean_history: bool = False
    """Set by a run that recorded the `lean-history` patch, for the run it continues as:
    that run asks no patch at all (see `workflows.case_workflow.LEAN_HISTORY`)."""
    end_decisions_met: bool = False
    """Set by a run that recorded (or was handed) the `end-decisions-met` patch, for the run
    it continues as: that run does not ask it again (see
    `workflows.case_workflow.END_DECISIONS_MET`)."""


class CaseOpening(BaseModel):
    """What a case was opened with: the start and the calendar it runs on."""

    start: CaseStart
    legal_anchor: date | None = None

    def differences(self, other: CaseOpening) -> list[str]:
        """Names of the fields in which `other` differs (names only: values may be personal)."""
        mine = self.start.model_dump(mode="json")
        theirs = other.start.model_dump(mode="json")
        names = [name for name in CaseStart.model_fields if mine.get(name) != theirs.get(name)]
        if self.legal_anchor != other.legal_anchor:
            names.append("legal_anchor")
        return names


class OpenCaseInput(BaseModel):
    opening: CaseOpening
    request_id: str
    """Unique per request: equal to the start's `opened_by` only for the request that
    started the case."""


class ReportEventInput(BaseModel):
    event: CaseEvent


class CaseSnapshot(BaseModel):
    """What an operator or caseworker system sees of a case (no personal data)."""

    case_id: str
    municipality: str
    target_group: str
    phase: PhaseName
    phase_started_on: date
    opened_on: date
    today: date
    regimes: tuple[str, ...]
    facts: dict[str, FactValue]
    open_obligations: list[ObligationRecord]
    overdue: list[ObligationRecord]
    rulebook_hash: str | None
    closed: bool
    next_review: date | None = None
    """When the case will next be looked at without an event (deadline, boundary)."""

    @classmethod
    def of(cls, state: CaseState, next_review: date | None = None) -> CaseSnapshot:
        return cls(
            case_id=state.case_id,
            municipality=state.municipality,
            target_group=state.target_group,
            phase=state.phase,
            phase_started_on=state.phase_started_on,
            opened_on=state.opened_on,
            today=state.today,
            regimes=state.regimes,
            facts=dict(state.facts),
            open_obligations=state.open_obligations(),
            overdue=overdue(state),
            rulebook_hash=state.rulebook_hash,
            closed=state.closed,
            next_review=next_review,
        )


def overdue(state: CaseState) -> list[ObligationRecord]:
    """Missed duties, and open ones a change in the law made due at once (their new due
    date had already passed): both are late, the second "because the law changed"."""
    return [
        o
        for o in state.obligations.values()
        if o.status is ObligationStatus.MISSED
        or (o.status is ObligationStatus.OPEN and o.law_changed_on is not None)
    ]


class ReportEventResult(BaseModel):
    receipt: EventReceipt
    case: CaseSnapshot


class CaseOpened(BaseModel):
    case: CaseSnapshot
    created: bool
    """True only for the request that started the case."""
    checked: bool
    """Whether the case knew its opening and compared it (runs continued before it kept
    its opening do not; the caller compares with the first run's input instead)."""


class CaseWorkflowResult(BaseModel):
    case_id: str
    closed_on: date
    last_phase: PhaseName
    timeline: list[TimelineEntry]
