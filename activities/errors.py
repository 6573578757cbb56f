"""Business-failure types of the case activities.

A business failure is an answer that will not change on retry (a bad window, a request the
other system refuses); it is raised as `ApplicationError(type=..., non_retryable=True)` and
its type is listed in the workflow's `RetryPolicy.non_retryable_error_types` (STYLE lesson 5).
Anything else (HTTP 5xx, timeouts, a busy database) is raised as an ordinary exception so
Temporal retries it.

Messages name fields, codes and dates only: failure messages are stored in Temporal history
unencrypted, so they must never carry personal data.
"""

from __future__ import annotations

from temporalio.exceptions import ApplicationError

__all__ = [
    "IDEMPOTENCY_CONFLICT",
    "INVALID_MEETING_CAPACITY",
    "INVALID_MEETING_WINDOW",
    "NON_RETRYABLE_ERROR_TYPES",
    "REQUEST_REJECTED",
    "UNSUPPORTED_CERTIFICATE_TYPE",
    "business_failure",
]

INVALID_MEETING_WINDOW = "InvalidMeetingWindow"
"""`latest` is before `earliest`."""
INVALID_MEETING_CAPACITY = "InvalidMeetingCapacity"
"""An RT meeting without a positive `capacity_per_meeting`."""
UNSUPPORTED_CERTIFICATE_TYPE = "UnsupportedCertificateType"
"""The certificate system does not handle this certificate type."""
IDEMPOTENCY_CONFLICT = "IdempotencyConflict"
"""The idempotency key was already used for a different request (e.g. another meeting kind
for the same obligation): a bug in the caller, never silently answered with the old row."""
REQUEST_REJECTED = "RequestRejected"
"""The external system refused the request as invalid (HTTP 4xx other than conflicts)."""

NON_RETRYABLE_ERROR_TYPES: tuple[str, ...] = (
    INVALID_MEETING_WINDOW,
    INVALID_MEETING_CAPACITY,
    UNSUPPORTED_CERTIFICATE_TYPE,
    IDEMPOTENCY_CONFLICT,
    REQUEST_REJECTED,
)
"""Pass to `RetryPolicy(non_retryable_error_types=list(NON_RETRYABLE_ERROR_TYPES))`."""


def business_failure(error_type: str, message: str) -> ApplicationError:
    """A non-retryable `ApplicationError` of one of the listed types."""
    if error_type not in NON_RETRYABLE_ERROR_TYPES:
        # A typo here would silently turn a business outcome into endless retries.
        raise ValueError(f"unknown business failure type {error_type!r}")
    return ApplicationError(message, type=error_type, non_retryable=True)
