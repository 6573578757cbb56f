"""Wire vocabulary of a capped trial's enrolment registry (FK-1.a: at most 80 citizens).

The registry is one entity workflow per trial and municipality; case workflows never talk
to it directly (a workflow cannot call another workflow's update), so its callers are the
enrolment activity and the gateway. Identifiers only: case workflow ids, codes, dates.

It lives with the activities, below the workflows: the registry workflow, the activity that
asks it and the gateway all import it, and imports point inward only.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from domain.case.events import DecisionMade

__all__ = [
    "CAP_RULES",
    "ENROL_BATCH_UPDATE",
    "ENROL_UPDATE",
    "MAX_BATCH",
    "REGISTRY_WORKFLOW",
    "EnrolInTrialInput",
    "EnrolmentAnswer",
    "EnrolmentBatch",
    "EnrolmentBatchAnswer",
    "EnrolmentRegistryInput",
    "EnrolmentRequest",
    "EnrolmentRoster",
    "admission_event",
    "registry_workflow_id",
]

REGISTRY_WORKFLOW = "EnrolmentWorkflow"
ENROL_UPDATE = "enrol"
ENROL_BATCH_UPDATE = "enrol_batch"
# Pinned names, so the activity can address the registry without importing workflow code.
# `enrol` (one request per update) stays for callers deployed before batching.

MAX_BATCH = 100
"""Requests per `enrol_batch` update: ~300 bytes of answer each keeps one update's payload
far below Temporal's 256 KB warning, and one batch is decided in one workflow task."""

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
    requests_per_run: int = Field(default=1000, ge=1)
    """Continue-as-new after this many decided requests, to keep the history short (each
    run also stays below Temporal's 2,000 updates per run). Tests lower it to race a
    continue-as-new; runs started before the field existed read the same 1,000."""


class EnrolmentRequest(BaseModel):
    """Ask for a seat for one case, on the case's legal date, in its LAB § 2 group."""

    model_config = ConfigDict(frozen=True)

    case_workflow_id: str = Field(min_length=1)
    target_group: str
    on: date
    asked_on: date | None = None
    """The day the seat is asked for (the caller's today; a simulated case's own calendar
    day): the trial is judged on the law as known that day. None (a caller deployed
    before): the day `on`."""


class EnrolmentAnswer(BaseModel):
    """The registry's answer; a refusal is an answer, not an error, so callers can report it."""

    model_config = ConfigDict(frozen=True)

    admitted: bool
    seat: int | None = None
    cap: int | None = None
    admitted_count: int
    reason: str
    citations: tuple[str, ...] = ()


class EnrolmentBatch(BaseModel):
    """Requests decided in one update, in order: how one caller process sends everything
    that queued up while its previous update was in flight (`activities.update_batcher`)."""

    model_config = ConfigDict(frozen=True)

    requests: tuple[EnrolmentRequest, ...] = Field(min_length=1, max_length=MAX_BATCH)


class EnrolmentBatchAnswer(BaseModel):
    """One answer per request of the batch, in the same order."""

    model_config = ConfigDict(frozen=True)

    answers: tuple[EnrolmentAnswer, ...]


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
