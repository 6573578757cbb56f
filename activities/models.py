"""Wire vocabulary of the case activities, shared with the case workflow.

One input and one result model per activity (STYLE lesson 3), so fields can be added
later without breaking running cases. Every field is a case reference, an obligation or
notice id, a date or a code: never a CPR number, a name or a diagnosis, because these
models travel in Temporal history, in HTTP calls to other systems and into the outbox.

The models deliberately carry no cross-field validators: a workflow that built an
inconsistent input would otherwise fail inside workflow code (a stuck workflow task),
whereas the activity rejects it as a typed, non-retryable business error that the
workflow can handle (see `activities.errors`).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

__all__ = [
    "BOOK_MEETING",
    "NOTIFY_CITIZEN",
    "REQUEST_CERTIFICATE",
    "CaseRef",
    "CertificateRequestInput",
    "CertificateRequestResult",
    "CertificateType",
    "MeetingBookingInput",
    "MeetingBookingResult",
    "MeetingKind",
    "NotificationInput",
    "NotificationResult",
]

# Activity names are pinned here, not derived from method names, so the workflow can call
# them by name and a refactoring of `CaseActivities` never renames a type in history.
REQUEST_CERTIFICATE = "request_certificate"
BOOK_MEETING = "book_meeting"
NOTIFY_CITIZEN = "notify_citizen"


class _Wire(BaseModel):
    # Frozen: inputs are recorded in history and results are facts; nobody should mutate
    # them on the way. Unknown fields are ignored so an older worker accepts a newer input.
    model_config = ConfigDict(frozen=True, extra="ignore")


class CaseRef(_Wire):
    """Which case an activity acts for. Identifiers only."""

    workflow_id: str
    """Temporal workflow id of the case (never contains personal data)."""
    municipality: str
    """Municipality code owning the case."""
    case_id: str
    """The municipality's case reference (not the CPR number)."""


class CertificateType(StrEnum):
    """Certificates and health information a jobcentre requests (codes, not content)."""

    LAE265 = "LAE265"
    LAE285 = "LAE285"
    STATUSATTEST = "STATUSATTEST"
    JOURNALOPLYSNINGER = "JOURNALOPLYSNINGER"
    LAE271 = "LAE271"


class CertificateRequestInput(_Wire):
    """Ask the health system for a certificate for one obligation of a case."""

    case: CaseRef
    obligation_id: str
    """The obligation that needs the certificate; with the workflow id, the idempotency key."""
    certificate: str
    """A code from the rulebook's `certificate.types` (CertificateType names the common ones).

    Open on purpose: the law decides which certificates exist, and a new one must not
    make the workflow fail while building this input."""
    requested_on: date
    due_on: date | None
    """When the certificate is needed by, if the obligation has a deadline."""
    summary: str
    """Readable, non-personal summary, e.g. "LÆ285 — SDL § 36 — STANDARD_2020"."""


class CertificateRequestResult(_Wire):
    """The request as recorded by the certificate system."""

    request_id: str
    certificate: str
    created: bool
    """False when the same request already existed (an idempotent retry)."""


class MeetingKind(StrEnum):
    """Kinds of meeting the jobcentre books for a case."""

    FOLLOWUP_CONVERSATION = "followup_conversation"
    JOBSAMTALE = "jobsamtale"
    CV_CONVERSATION = "cv_conversation"
    CONTACT_CONVERSATION = "contact_conversation"
    RT_MEETING = "rt_meeting"
    JOINT_MEETING = "joint_meeting"
    REASSESSMENT = "reassessment"


class MeetingBookingInput(_Wire):
    """Book a meeting for one obligation within a date window."""

    case: CaseRef
    obligation_id: str
    kind: str
    """The meeting kind the phase defines (MeetingKind names the common ones; open on
    purpose, like `certificate`)."""
    earliest: date
    latest: date
    """Last date that still meets the obligation's deadline (inclusive)."""
    capacity_per_meeting: int | None = None
    """Cases per meeting; required for RT meetings (10 for JAF, 6 for RF/fleksjob/FØP).

    The workflow passes the number from the rulebook, so the law stays in the rulebook.
    """
    summary: str


class MeetingBookingResult(_Wire):
    """The booking as recorded by the calendar."""

    booking_id: str
    kind: str
    meeting_on: date
    created: bool
    """False when the same booking already existed (an idempotent retry)."""
    overbooked: bool
    """True when no slot with free capacity existed within [earliest, latest] and the case
    was put on the first meeting after `latest`: the deadline is at risk."""


class NotificationInput(_Wire):
    """Send the citizen a notice (the letter's content lives in the case system)."""

    case: CaseRef
    notice_id: str
    """Id of the notice; with the workflow id, the idempotency key."""
    kind: str
    summary: str


class NotificationResult(_Wire):
    """The notification as recorded by the notification system."""

    notification_id: str
    created: bool
    """False when the same notification already existed (an idempotent retry)."""
