"""HTTP adapters: the three ports as POSTs to the municipality's integration endpoints."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from activities.errors import UNSUPPORTED_CERTIFICATE_TYPE
from activities.http.client import IntegrationClient, idempotency_key
from activities.models import (
    CertificateRequestInput,
    CertificateRequestResult,
    MeetingBookingInput,
    MeetingBookingResult,
    NotificationInput,
    NotificationResult,
)

__all__ = [
    "CERTIFICATE_REQUESTS_PATH",
    "MEETING_BOOKINGS_PATH",
    "NOTIFICATIONS_PATH",
    "HttpCertificateAdapter",
    "HttpMeetingAdapter",
    "HttpNotificationAdapter",
]

CERTIFICATE_REQUESTS_PATH = "/certificate-requests"
MEETING_BOOKINGS_PATH = "/meeting-bookings"
NOTIFICATIONS_PATH = "/notifications"


class _Body(BaseModel):
    # The other side may send more than we need; we read only our fields.
    model_config = ConfigDict(extra="ignore")


class _CertificateBody(_Body):
    request_id: str


class _BookingBody(_Body):
    booking_id: str
    meeting_on: date
    overbooked: bool = False


class _NotificationBody(_Body):
    notification_id: str


class HttpCertificateAdapter:
    """`CertificatePort` over POST /certificate-requests."""

    def __init__(self, client: IntegrationClient) -> None:
        """Send through `client`."""
        self._client = client

    async def request(self, input: CertificateRequestInput) -> CertificateRequestResult:
        """POST the request; a 422 on `certificate` means the type is not supported there."""
        reply = await self._client.post(
            CERTIFICATE_REQUESTS_PATH,
            idempotency_key(input.case.workflow_id, input.obligation_id),
            input,
            field_error_types={"certificate": UNSUPPORTED_CERTIFICATE_TYPE},
        )
        body = reply.parse(_CertificateBody)
        return CertificateRequestResult(
            request_id=body.request_id, certificate=input.certificate, created=reply.created
        )


class HttpMeetingAdapter:
    """`MeetingPort` over POST /meeting-bookings."""

    def __init__(self, client: IntegrationClient) -> None:
        """Send through `client`."""
        self._client = client

    async def book(self, input: MeetingBookingInput) -> MeetingBookingResult:
        """POST the booking; the calendar system chooses the date and reports overbooking."""
        reply = await self._client.post(
            MEETING_BOOKINGS_PATH,
            idempotency_key(input.case.workflow_id, input.obligation_id),
            input,
        )
        body = reply.parse(_BookingBody)
        return MeetingBookingResult(
            booking_id=body.booking_id,
            kind=input.kind,
            meeting_on=body.meeting_on,
            created=reply.created,
            overbooked=body.overbooked,
        )


class HttpNotificationAdapter:
    """`NotificationPort` over POST /notifications."""

    def __init__(self, client: IntegrationClient) -> None:
        """Send through `client`."""
        self._client = client

    async def notify(self, input: NotificationInput) -> NotificationResult:
        """POST the notice."""
        reply = await self._client.post(
            NOTIFICATIONS_PATH,
            idempotency_key(input.case.workflow_id, input.notice_id),
            input,
        )
        body = reply.parse(_NotificationBody)
        return NotificationResult(notification_id=body.notification_id, created=reply.created)
