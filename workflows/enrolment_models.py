"""Wire vocabulary of a capped trial's enrolment registry (FK-1.a: at most 80 citizens).

The registry is one entity workflow per trial and municipality; case workflows never talk
to it directly (a workflow cannot call another workflow's update), so its callers are the
enrolment activity and the gateway. Identifiers only: case workflow ids, codes, dates.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from domain.case.events import DecisionMade

__all__ = [
    "CAP_RULES",
    "ENROL_UPDATE",
    "REGISTRY_WORKFLOW",
    "EnrolInTrialInput",
    "EnrolmentAnswer",
    "EnrolmentRegistryInput",
    "EnrolmentRequest",
    "EnrolmentRoster",
    "admission_event",
    "registry_workflow_id",
]

REGISTRY_WORKFLOW = "EnrolmentWorkflow"
ENROL_UPDATE = "enrol"
# Pinned names, so the activity can address the registry without importing workflow code.

CAP_RULES = {"FK-1.a": "mikrolaan.participants.max"}
"""The rulebook entry holding each capped trial's participant cap."""


def registry_workflow_id(trial_id: str, municipality: str) -> str:
    """`enrolment-<trial>-<municipality>`: one registry per trial where it runs."""
    return f"enrolment-{trial_id}-{municipality}"


class EnrolmentRegistryInput(BaseModel):
    """Start (or continue-as-new) input: which trial, and the seats already given."""

    trial_id: str
    municipality: str
    cap_rule: str
    admitted: dict[str, int] = Field(default_factory=dict)
    """Case workflow id -> seat number (1-based), carried across continue-as-new."""


class EnrolmentRequest(BaseModel):
    """Ask for a seat for one case, on the case's legal date, in its LAB § 2 group."""

    model_config = ConfigDict(frozen=True)

    case_workflow_id: str = Field(min_length=1)
    target_group: str
    on: date


class EnrolmentAnswer(BaseModel):
    """The registry's answer; a refusal is an answer, not an error, so callers can report it."""

    model_config = ConfigDict(frozen=True)

    admitted: bool
    seat: int | None = None
    cap: int | None = None
    admitted_count: int
    reason: str
    citations: tuple[str, ...] = ()


class EnrolmentRoster(BaseModel):
    trial_id: str
    municipality: str
    admitted: dict[str, int]


class EnrolInTrialInput(BaseModel):
    """The enrolment activity's input: the registry to ask, and the request."""

    trial_id: str
    municipality: str
    request: EnrolmentRequest


def admission_event(answer: EnrolmentAnswer, *, event_id: str, on: date) -> DecisionMade:
    """The case event reporting the registry's answer (`mikrolaan_admitted` with its seat,
    or `mikrolaan_admission_refused`); the same mapping for every caller."""
    if answer.admitted:
        return DecisionMade(
            event_id=event_id,
            effective_date=on,
            reported_by="enrolment-registry",
            decision="mikrolaan_admitted",
            seat=answer.seat,
        )
    return DecisionMade(
        event_id=event_id,
        effective_date=on,
        reported_by="enrolment-registry",
        decision="mikrolaan_admission_refused",
    )
