"""Rows of the embedded outbox as returned by its read API (identifiers, codes, dates only)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

__all__ = [
    "CertificateRequestRecord",
    "MeetingBookingRecord",
    "NotificationRecord",
    "RtMeetingRecord",
]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class CertificateRequestRecord(_Record):
    """One recorded certificate request."""

    request_id: str
    workflow_id: str
    obligation_id: str
    municipality: str
    case_id: str
    certificate: str
    requested_on: date
    due_on: date | None
    summary: str
    created_at: datetime


class MeetingBookingRecord(_Record):
    """One recorded meeting booking."""

    booking_id: str
    workflow_id: str
    obligation_id: str
    municipality: str
    case_id: str
    kind: str
    meeting_on: date
    earliest: date
    latest: date
    overbooked: bool
    summary: str
    created_at: datetime


class NotificationRecord(_Record):
    """One recorded citizen notification."""

    notification_id: str
    workflow_id: str
    notice_id: str
    municipality: str
    case_id: str
    kind: str
    summary: str
    created_at: datetime


class RtMeetingRecord(_Record):
    """One RT meeting in the calendar and how many cases it holds."""

    municipality: str
    meeting_on: date
    booked: int
