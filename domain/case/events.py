"""Events: the only way a case changes.

Sent by caseworker systems, the GP's certificate system or the meeting calendar. Each
carries the sender's `event_id` (idempotency: the same id twice gives the first answer)
and the `effective_date` on which it happened, which the core checks against the case.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    TypeAdapter,
    ValidationInfo,
    field_validator,
)

from domain.case.identifiers import check_reference, check_text
from domain.case.model import FactValue

__all__ = [
    "EARLIEST_DAY",
    "EVENT_ADAPTER",
    "LATEST_DAY",
    "MAX_AMOUNT_DKK",
    "MAX_FACT_NUMBER",
    "MAX_MONTHS",
    "MAX_SEAT",
    "MAX_TEXT",
    "AssessmentRecorded",
    "CaseDay",
    "CaseEvent",
    "CertificateReceived",
    "ConsentGiven",
    "ConsentWithdrawn",
    "DecisionMade",
    "MeetingHeld",
    "Screened",
    "check_fact_value",
    "check_fact_values",
    "day_input",
]

# Bounds on what a sender can write into a case. They are not law (the phases check the
# legal limits, from the rulebook): they keep every value far inside what the core's
# date arithmetic and the payloads can carry, so an absurd input is refused at the edge
# with a reason instead of overflowing deep inside a case. tests/gateway/test_error_edge.py
# holds each bound above the rulebook's own largest value.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2199, 12, 31)
"""Case calendar: deadlines are computed years past any input date, within date.max."""
MAX_MONTHS = 120
"""A decision's months: ten years, twice the longest period the rulebook grants."""
MAX_AMOUNT_DKK = 10_000_000
"""A granted amount: far above any amount range in the rulebook."""
MAX_SEAT = 100_000
"""A capped trial's participant number: far above any trial's cap."""
MAX_FACT_NUMBER = 10**12
"""A numeric fact (weeks, hours, counts, DKK): larger magnitudes are not facts of a case."""
MAX_TEXT = 2000
"""A code or short text (meeting, route, recommendation): a sentence or two, not a file."""


_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def day_input(value: Any) -> Any:
    # Lax pydantic reads 0 and "0" as 1970-01-01: a date is a date or an ISO day.
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DAY.match(value)):
        return value
    raise ValueError("must be a date (YYYY-MM-DD)")


def _on_calendar(value: date) -> date:
    if not EARLIEST_DAY <= value <= LATEST_DAY:
        raise ValueError(f"must be between {EARLIEST_DAY.isoformat()} and {LATEST_DAY.isoformat()}")
    return value


def _strict_int(value: Any) -> Any:
    # Lax pydantic reads true, 2.0 and "2" as 2: a count is an integer.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError("must be an integer")


CaseDay = Annotated[date, BeforeValidator(day_input), AfterValidator(_on_calendar)]
"""A day a sender names: a date on the case calendar (EARLIEST_DAY..LATEST_DAY)."""
_Text = Annotated[str, Field(max_length=MAX_TEXT)]


def check_fact_value(value: FactValue, field: str) -> FactValue:
    """A fact's value as it may be stored: finite, bounded, no personal data in text.

    JSON parsers read NaN and Infinity, which no fact means and JSON cannot answer back.
    """
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{field} must be a finite number")
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and abs(value) > MAX_FACT_NUMBER:  # type: ignore[arg-type]
        # Grouped digits: a bare 13-digit bound is CPR-shaped and would reach the client masked.
        raise ValueError(f"{field} must be between -{MAX_FACT_NUMBER:,} and {MAX_FACT_NUMBER:,}")
    if isinstance(value, date):
        try:
            _on_calendar(value)
        except ValueError as error:
            raise ValueError(f"{field} {error}") from None
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise ValueError(f"{field} must be at most {MAX_TEXT} characters")
        check_text(value, field)
    return value


def check_fact_values(values: dict[str, FactValue], field: str) -> dict[str, FactValue]:
    """Each name and value of a facts mapping may be stored (see check_text, check_fact_value)."""
    for name, value in values.items():
        check_text(name, field)
        check_fact_value(value, field)
    return values


class _EventBase(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: str = Field(description="Sender's unique id for this event (idempotency key).")
    effective_date: CaseDay = Field(
        # One name on the wire, the scenario files' `date`; `effective_date` (the API's name
        # until 0.1) is still accepted, deprecated. The Python attribute keeps its name, and
        # the default serialisation (payloads, event fingerprints) is unchanged, so running
        # cases and recorded histories are not affected.
        validation_alias=AliasChoices("date", "effective_date"),
        serialization_alias="date",
        description="The day it happened, as the sender knows it. `effective_date` is "
        "accepted as a deprecated alias (to be removed in caseflow 0.3).",
    )
    reported_by: str = Field(default="caseworker-system", description="Sending system id.")

    @field_validator("*")
    @classmethod
    def _safe_text(cls, value: Any, info: ValidationInfo) -> Any:
        # Every text a sender writes is stored in the case and shown back.
        if isinstance(value, str):
            return check_text(value, info.field_name or "text")
        return value

    @field_validator("event_id")
    @classmethod
    def _safe_event_id(cls, value: str) -> str:
        return check_reference(value, "event_id")

    @field_validator("reported_by")
    @classmethod
    def _safe_reporter(cls, value: str) -> str:
        return check_reference(value, "reported_by")


class Screened(_EventBase):
    """Sickness-benefit screening: the case's category and, where the rules allow a choice,
    the documentation the caseworker chose instead of LÆ285 (registered with the opt-out)."""

    type: Literal["screened"] = "screened"
    category: Annotated[Literal[1, 2, 3], BeforeValidator(_strict_int)]
    documentation: _Text | None = None


class CertificateReceived(_EventBase):
    type: Literal["certificate_received"] = "certificate_received"
    certificate: _Text


class MeetingHeld(_EventBase):
    """A conversation or meeting took place (follow-up, jobsamtale, RT meeting, ...)."""

    type: Literal["meeting_held"] = "meeting_held"
    meeting: _Text
    form: _Text | None = None
    recommendation: _Text | None = None
    """The rehabiliteringsteam's indstilling, for an RT meeting."""
    next_agreed_on: CaseDay | None = None
    """Where the rules let the cadence be agreed at each conversation: the agreed next date."""


class AssessmentRecorded(_EventBase):
    """A caseworker's documented assessment or journal note, recorded as a declared fact."""

    type: Literal["assessment_recorded"] = "assessment_recorded"
    fact: _Text
    value: FactValue

    @field_validator("value")
    @classmethod
    def _storable(cls, value: FactValue) -> FactValue:
        return check_fact_value(value, "value")


class ConsentGiven(_EventBase):
    type: Literal["consent_given"] = "consent_given"
    consent: _Text


class ConsentWithdrawn(_EventBase):
    type: Literal["consent_withdrawn"] = "consent_withdrawn"
    consent: _Text


class DecisionMade(_EventBase):
    """The municipality's decision (afgørelse) or a caseworker's step that changes the course."""

    type: Literal["decision_made"] = "decision_made"
    decision: _Text
    end_on: CaseDay | None = None
    months: StrictInt | None = Field(default=None, ge=1, le=MAX_MONTHS)
    route: _Text | None = None
    expected_recovery_on: CaseDay | None = None
    amount_dkk: StrictInt | None = Field(default=None, ge=0, le=MAX_AMOUNT_DKK)
    """A granted amount (microloan decision, FK-1.a); checked against the rulebook's range."""
    kind: _Text | None = None
    """The decision's variant where a decision has several (loan or grant; which survey;
    the outcome recorded at the end of a start-up period)."""
    seat: StrictInt | None = Field(default=None, ge=1, le=MAX_SEAT)
    """Participant number a capped trial's enrolment registry gave the case (FK-1.a)."""
    hired_on: CaseDay | None = Field(
        default=None,
        # Left out when absent, so events without it serialise (and fingerprint) as before.
        exclude_if=lambda value: value is None,
        description="With `loentilskud_started` (whose date is the first subsidy payment): "
        "the day the citizen was hired, from which FK-3.j counts the first follow-up.",
    )


CaseEvent = Annotated[
    Screened
    | CertificateReceived
    | MeetingHeld
    | AssessmentRecorded
    | ConsentGiven
    | ConsentWithdrawn
    | DecisionMade,
    Field(discriminator="type"),
]

EVENT_ADAPTER: TypeAdapter[CaseEvent] = TypeAdapter(CaseEvent)
