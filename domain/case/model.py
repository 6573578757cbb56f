"""The case: its state, its obligations and its timeline.

One `CaseState` per citizen case. It is the only thing a workflow carries across
continue-as-new, so everything the core needs to decide the next step lives here and
nothing personal does: the case id is a caseworker-system reference, never a CPR
number, and facts are booleans, counts and dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    TypeAdapter,
)

__all__ = [
    "CLOSED",
    "ActionKind",
    "ActionReceipt",
    "ActionRequest",
    "CaseState",
    "EngineMemo",
    "EventReceipt",
    "ExemptionLock",
    "FactValue",
    "Obligation",
    "ObligationKind",
    "ObligationRecord",
    "ObligationStatus",
    "PhaseName",
    "TimelineEntry",
    "TimelineKind",
]

# Left to right with strict scalars first, so that after a JSON round trip (continue-as-new,
# queries) a date comes back as a date and `true` as a bool, not as strings or numbers.
FactValue = Annotated[
    StrictBool | StrictInt | StrictFloat | date | str | None, Field(union_mode="left_to_right")
]


def _revive_dates(value: Any) -> Any:
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


PhaseValue = Annotated[Any, BeforeValidator(_revive_dates)]
"""Working data of a phase: dates survive the JSON round trip of continue-as-new."""


class PhaseName(StrEnum):
    SYGEDAGPENGE = "sygedagpenge"
    JOBAFKLARINGSFORLOEB = "jobafklaringsforloeb"
    RESSOURCEFORLOEB = "ressourceforloeb"
    REVALIDERING = "revalidering"
    FLEKSJOB = "fleksjob"
    FOERTIDSPENSION = "foertidspension"
    MENTOR = "mentor"
    KONTAKTFORLOEB = "kontaktforloeb"
    PSYKOLOGBEHANDLING = "psykologbehandling"
    MIKROLAAN_SCREENING = "mikrolaan_screening"
    MIKROLAAN_COURSE = "mikrolaan_course"
    MIKROLAAN_DECISION = "mikrolaan_decision"
    MIKROLAAN_STARTUP = "mikrolaan_startup"
    IVAERKSAETTERI = "ivaerksaetteri"
    CLOSED = "closed"


CLOSED = PhaseName.CLOSED
"""Bound once: tested on every step (an enum member read through its class is slow)."""


class ObligationKind(StrEnum):
    SCREENING = "screening"
    CONVERSATION = "conversation"
    CERTIFICATE = "certificate"
    TEAM_PRESENTATION = "team_presentation"
    REASSESSMENT = "reassessment"
    PLAN_UPDATE = "plan_update"
    FOLLOW_UP = "follow_up"
    DECISION = "decision"
    SURVEY = "survey"


# The case and the records it writes (obligation records, timeline lines, receipts, locks)
# are plain dataclasses, not pydantic models: the core writes about a hundred records per
# case-year, updates them in place and reads the case's fields thousands of times, and a
# pydantic model costs several times as much for each. Pydantic still validates and
# serialises them wherever a case crosses a boundary (`CaseState.load`/`dump`, the
# workflow's input), with the same JSON; only the core builds them.


class ObligationStatus(StrEnum):
    OPEN = "open"
    MET = "met"
    MISSED = "missed"
    EXEMPTED = "exempted"
    WITHDRAWN = "withdrawn"


class ActionKind(StrEnum):
    REQUEST_CERTIFICATE = "request_certificate"
    BOOK_MEETING = "book_meeting"
    NOTIFY_CITIZEN = "notify_citizen"


class ActionRequest(BaseModel):
    """What the outside world must be asked to do for an obligation (run as an activity)."""

    model_config = ConfigDict(frozen=True)

    kind: ActionKind
    certificate: str | None = None
    meeting: str | None = None
    earliest: date | None = None
    latest: date | None = None
    capacity_per_meeting: int | None = None


@dataclass(slots=True)
class ActionReceipt:
    """The outside world's answer to an action: an id and, for bookings, the meeting date."""

    reference: str
    performed_on: date
    meeting_on: date | None = None
    overbooked: bool = False


class Obligation(NamedTuple):
    """A duty computed from the rules in force: never stored by hand, recomputed on every step.

    `regime` and `citations` say *why* it exists; `reason` says it in one readable line.
    An immutable named tuple, not a pydantic model or a frozen dataclass: phases build
    several on every step (a frozen dataclass costs three times as much to build), and only
    the `ObligationRecord` made from one is ever stored or serialised.
    """

    id: str
    kind: ObligationKind
    title: str
    opens_on: date
    due_on: date
    regime: str
    citations: tuple[str, ...]
    reason: str
    action: ActionRequest | None = None
    met_by: tuple[str, ...] = ()
    """Event keys that fulfil it: "meeting:followup_conversation", "certificate:LAE285"."""
    exempted: bool = False
    """True when a rule in force removes the duty (e.g. a trial exemption); kept for the record."""


@dataclass(slots=True, kw_only=True)
class ObligationRecord:
    """What happened to one obligation: created, met, missed, exempted or withdrawn."""

    id: str
    kind: ObligationKind
    title: str
    status: ObligationStatus
    created_on: date
    due_on: date
    regime: str
    citations: tuple[str, ...]
    reason: str
    met_by: tuple[str, ...] = ()
    met_on: date | None = None
    missed_on: date | None = None
    action: ActionRequest | None = None
    receipt: ActionReceipt | None = None
    phase: PhaseName
    law_changed_on: date | None = None
    """The day a change in the law made it due at once (its new due date had passed); it
    is never due before that day, so the change does not back-date a missed deadline."""


@dataclass(slots=True, kw_only=True)
class ExemptionLock:
    """An exemption decision that stands after its regime ends (DOMAIN §8.15)."""

    obligation_id: str
    regime: str
    reason: str
    decided_on: date


class TimelineKind(StrEnum):
    CASE_OPENED = "case_opened"
    EVENT = "event"
    PHASE_CHANGED = "phase_changed"
    REGIME_CHANGED = "regime_changed"
    OBLIGATION_CREATED = "obligation_created"
    OBLIGATION_EXEMPTED = "obligation_exempted"
    OBLIGATION_RECOMPUTED = "obligation_recomputed"
    OBLIGATION_MET = "obligation_met"
    OBLIGATION_MISSED = "obligation_missed"
    OBLIGATION_WITHDRAWN = "obligation_withdrawn"
    ACTION_PERFORMED = "action_performed"
    ACTION_FAILED = "action_failed"
    RULES_LOADED = "rules_loaded"
    CASE_CLOSED = "case_closed"
    DECISION_FLAGGED = "decision_flagged"
    """A decision the law leaves to the municipality, taken without or against its usual
    basis (e.g. against the team's indstilling): accepted, and the record says so."""


@dataclass(slots=True)
class TimelineEntry:
    """One line of a case's story, with the legal basis and the regime behind it. Written
    once and never changed (`engine.probe` shares the entries between copies)."""

    on: date
    kind: TimelineKind
    subject: str
    summary: str
    regime: str | None = None
    citations: tuple[str, ...] = ()
    phase: PhaseName | None = None


@dataclass(slots=True)
class EventReceipt:
    """The first answer given to an event id, returned again for a repeated id."""

    event_id: str
    event_type: str
    applied_on: date
    phase: PhaseName
    summary: str
    fingerprint: str
    """Content hash of the event, so a reused id with different content is refused."""


@dataclass(slots=True)
class EngineMemo:
    """Answers the engine may reuse until the case changes."""

    next_wakeup: tuple[date | None] | None = None
    """The answer to "when next?", valid until the case changes."""
    rulebook_hash: str | None = None
    """The rules `next_wakeup` was computed with."""
    rules_window: Any = None
    """Rule answers valid until the next rule boundary or fact change (see RuleView)."""
    obligations: tuple[PhaseName, Any, list[Obligation], date | None] | None = None
    """The phase's obligations at the last full step, with the rule window they were
    computed under and the day before which they hold with time alone (None: any day);
    valid until the case changes (see `engine._phase_obligations`)."""

    regimes_noted_in: Any = None
    """The rule window whose regimes `CaseState.regimes` was last compared with."""
    regimes_on_window_start_only: bool = False
    """Compare regimes only on a rule window's first day, as the engine did before a
    back-dated phase change was seen to skip them. A workflow replaying a run recorded
    then sets it, so the replay issues the same commands; never set otherwise."""
    plans_on_all_law: bool = False
    """Plan on the law as finally decided, whatever the case's today, and step a late case
    straight to today, as the engine did before decision dates. A workflow replaying a run
    recorded then sets it, so the replay issues the same commands; never set otherwise."""
    schedules_stop_at_a_miss: bool = False
    """Build a repeating duty's next instance only once the current one is met, as the
    engine did before a missed instance was seen to silence the schedule. Set only by a
    workflow replaying a run recorded then (see `phases.base.recurring`)."""
    decisions_without_preconditions: bool = False
    """Let decisions through without the preconditions the rulebook lists, and keep trial
    exemptions alive past their trial, as the engine did before decisions were judged on
    their own day. Set only by a workflow replaying a run recorded then."""
    phases_outlive_their_law: bool = False
    """Leave a case in a phase that only a trial provides once that trial has ended, and
    open a case in a phase the law abolished, as the engine did before phases ended with
    their law (see `phase.EndedByLaw`, `MentorPhase.enter`). Set only by a workflow
    replaying a run recorded then."""
    facts_outlive_their_occasion: bool = False
    """Keep a fact the law requires per occasion (a note per deviation, a consent per
    extension) for the whole course, label a start-up duty after FK-1.a by the trial, ask
    for no LÆ265 again after an exempted one, and read no hiring date, as the engine did
    before facts were consumed by their occasion (see `phases.occasions`). Set only by a
    workflow replaying a run recorded then."""
    conversation_rules_unread: bool = False
    """Take a revalidering jobsamtale or a sygedagpenge follow-up in any form, and ignore
    FK-1.d's cadence for JAF, RF, LY and revalidering conversations, as the engine did
    before those rules were read. Set only by a workflow replaying a run recorded then."""
    end_decisions_withdrawn: bool = False
    """Leave the ressourceforløb's end decision open when a decision other than an
    extension ends the course (it is then withdrawn with the phase), as the engine did
    before every decision that answers a phase's end met it. Set only by a workflow
    replaying a run recorded then."""
    missed_in_step: bool = False
    """A deadline was marked missed in the running step (see `engine._step`)."""
    phase_records: dict[str, ObligationRecord] | None = None
    """The current phase's obligation records, in step with `CaseState.obligations`: only
    these can be open, and a long case has many more. None until first needed."""

    def forget_changes(self) -> None:
        """The case changed (an event): answers about it must be computed again."""
        self.next_wakeup = None
        self.obligations = None

    def forget_everything(self) -> None:
        """Every answer computed again, down to the rules (for reference runs)."""
        self.forget_changes()
        self.rulebook_hash = self.rules_window = self.phase_records = None
        self.regimes_noted_in = None

    def wakeup_under(self, content_hash: str) -> tuple[date | None] | None:
        """The cached next wake-up if it was computed with these rules, else None."""
        return self.next_wakeup if self.rulebook_hash == content_hash else None


@dataclass(kw_only=True)
class CaseState:
    """Everything the core knows about one case.

    A plain dataclass, validated and serialised by pydantic wherever it crosses a boundary
    (the workflow's input, `load`/`dump` here). The core reads and writes its fields
    thousands of times per case-year, and a pydantic model's attribute access (it has a
    `__getattr__` hook) and assignment cost several times as much."""

    case_id: str
    municipality: str
    target_group: str
    phase: PhaseName
    phase_started_on: date
    opened_on: date
    today: date
    """The last date the core processed; the case's clock never goes backwards."""
    facts: dict[str, FactValue] = field(default_factory=dict)
    phase_data: dict[str, PhaseValue] = field(default_factory=dict)
    """Phase-specific working data (category, chosen documentation, end dates, ...)."""
    phase_history: list[tuple[PhaseName, date]] = field(default_factory=list)
    obligations: dict[str, ObligationRecord] = field(default_factory=dict)
    pending_actions: list[str] = field(default_factory=list)
    """Obligation ids whose action has not been performed yet (the shell runs them)."""
    exemption_locks: dict[str, ExemptionLock] = field(default_factory=dict)
    regimes: tuple[str, ...] = ()
    events: dict[str, EventReceipt] = field(default_factory=dict)
    timeline: list[TimelineEntry] = field(default_factory=list)
    rulebook_hash: str | None = None
    """Content hash of the rules the case was last evaluated with (recorded in history)."""
    settings: dict[str, int] = field(default_factory=dict)
    """Operational practice (see domain/case/operations.py); not law."""
    reform: str | None = None
    """A named hypothetical reform (what-if runs only); None under the law in force."""

    def __post_init__(self) -> None:
        # Not a field: never serialised or compared. Pydantic calls this when it builds a
        # case from JSON, and `dataclasses.replace` when it copies one.
        self.memo = EngineMemo()
        """The engine's reusable answers."""

    @property
    def closed(self) -> bool:
        return self.phase is CLOSED

    def open_obligations(self) -> list[ObligationRecord]:
        return sorted(
            (o for o in self.obligations.values() if o.status is ObligationStatus.OPEN),
            key=lambda o: (o.due_on, o.id),
        )

    def dump(self, *, mode: Literal["json", "python"] = "python", **options: Any) -> Any:
        """As pydantic dumps it (`mode="json"` for JSON-ready values)."""
        return _CASE_STATE.dump_python(self, mode=mode, **options)

    def dump_json(self) -> bytes:
        return _CASE_STATE.dump_json(self)

    @classmethod
    def load(cls, data: Any) -> CaseState:
        """Validated from dumped data; a `ValidationError` names the bad field."""
        return _CASE_STATE.validate_python(data)

    @classmethod
    def load_json(cls, raw: str | bytes) -> CaseState:
        return _CASE_STATE.validate_json(raw)


_CASE_STATE: TypeAdapter[CaseState] = TypeAdapter(CaseState)
