"""Events: the only way a case changes.

Sent by caseworker systems, the GP's certificate system or the meeting calendar. Each
carries the sender's `event_id` (idempotency: the same id twice gives the first answer)
and the `effective_date` on which it happened, which the core checks against the case.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from domain.case.identifiers import check_reference
from domain.case.model import FactValue

__all__ = [
    "EVENT_ADAPTER",
    "AssessmentRecorded",
    "CaseEvent",
    "CertificateReceived",
    "ConsentGiven",
    "ConsentWithdrawn",
    "DecisionMade",
    "MeetingHeld",
    "Screened",
]


class _EventBase(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: str = Field(description="Sender's unique id for this event (idempotency key).")
    effective_date: date = Field(
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
    category: Literal[1, 2, 3]
    documentation: str | None = None


class CertificateReceived(_EventBase):
    type: Literal["certificate_received"] = "certificate_received"
    certificate: str


class MeetingHeld(_EventBase):
    """A conversation or meeting took place (follow-up, jobsamtale, RT meeting, ...)."""

    type: Literal["meeting_held"] = "meeting_held"
    meeting: str
    form: str | None = None
    recommendation: str | None = None
    """The rehabiliteringsteam's indstilling, for an RT meeting."""
    next_agreed_on: date | None = None
    """Where the rules let the cadence be agreed at each conversation: the agreed next date."""


class AssessmentRecorded(_EventBase):
    """A caseworker's documented assessment or journal note, recorded as a declared fact."""

    type: Literal["assessment_recorded"] = "assessment_recorded"
    fact: str
    value: FactValue


class ConsentGiven(_EventBase):
    type: Literal["consent_given"] = "consent_given"
    consent: str


class ConsentWithdrawn(_EventBase):
    type: Literal["consent_withdrawn"] = "consent_withdrawn"
    consent: str


class DecisionMade(_EventBase):
    """The municipality's decision (afgørelse) or a caseworker's step that changes the course."""

    type: Literal["decision_made"] = "decision_made"
    decision: str
    end_on: date | None = None
    months: int | None = Field(default=None, ge=1)
    route: str | None = None
    expected_recovery_on: date | None = None
    amount_dkk: int | None = Field(default=None, ge=0)
    """A granted amount (microloan decision, FK-1.a); checked against the rulebook's range."""
    kind: str | None = None
    """The decision's variant where a decision has several (loan or grant; which survey;
    the outcome recorded at the end of a start-up period)."""
    seat: int | None = Field(default=None, ge=1)
    """Participant number a capped trial's enrolment registry gave the case (FK-1.a)."""


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
