"""Ports: the outside systems the case activities talk to (STYLE lesson 4).

Each port has an embedded adapter (`activities.embedded`, SQLite on the data directory) and
an HTTP adapter (`activities.http`). Contract shared by every adapter:

- Idempotent: the key is (workflow id, obligation id), or (workflow id, notice id) for
  notifications. A repeated call returns the first result with `created=False` and never
  creates a second request, booking or notification.
- Business failures raise `activities.errors.business_failure(...)` (non-retryable);
  transient failures raise ordinary exceptions so Temporal retries the activity.
"""

from __future__ import annotations

from typing import Protocol

from activities.models import (
    CertificateRequestInput,
    CertificateRequestResult,
    MeetingBookingInput,
    MeetingBookingResult,
    NotificationInput,
    NotificationResult,
)

__all__ = ["CertificatePort", "MeetingPort", "NotificationPort"]


class CertificatePort(Protocol):
    """Requests medical certificates and health information for a case."""

    async def request(self, input: CertificateRequestInput) -> CertificateRequestResult:
        """Record (or find the already recorded) request for this obligation."""
        ...


class MeetingPort(Protocol):
    """Books conversations and meetings in the jobcentre's calendar."""

    async def book(self, input: MeetingBookingInput) -> MeetingBookingResult:
        """Book (or find the already made) booking for this obligation."""
        ...


class NotificationPort(Protocol):
    """Sends notices to the citizen through the municipality's channels."""

    async def notify(self, input: NotificationInput) -> NotificationResult:
        """Send (or find the already sent) notice."""
        ...
