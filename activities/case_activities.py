"""The case activities: thin Temporal adapters over the ports (STYLE lesson 4).

The worker builds one `CaseActivities` (see `activities.factory.build_case_activities`) and
registers its three bound methods. Each call logs exactly one canonical line carrying
identifiers and outcome only (never the summary, which is free text).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.errors import (
    INVALID_MEETING_CAPACITY,
    INVALID_MEETING_WINDOW,
    NON_RETRYABLE_ERROR_TYPES,
    business_failure,
)
from activities.models import (
    BOOK_MEETING,
    NOTIFY_CITIZEN,
    REQUEST_CERTIFICATE,
    CertificateRequestInput,
    CertificateRequestResult,
    MeetingBookingInput,
    MeetingBookingResult,
    MeetingKind,
    NotificationInput,
    NotificationResult,
)
from activities.ports import CertificatePort, MeetingPort, NotificationPort

__all__ = ["NON_RETRYABLE_ERROR_TYPES", "CaseActivities"]

_LOGGER_NAME = "caseflow.activities"

_R = TypeVar("_R")


class CaseActivities:
    """Certificate requests, meeting bookings and citizen notices for case workflows."""

    def __init__(
        self,
        certificates: CertificatePort,
        meetings: MeetingPort,
        notifications: NotificationPort,
        *,
        on_close: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Inject the adapters; `on_close` releases what they hold (e.g. an HTTP pool)."""
        self._certificates = certificates
        self._meetings = meetings
        self._notifications = notifications
        self._on_close = on_close

    async def aclose(self) -> None:
        """Release the adapters' resources; call once when the worker shuts down."""
        if self._on_close is not None:
            await self._on_close()

    @activity.defn(name=REQUEST_CERTIFICATE)
    async def request_certificate(self, input: CertificateRequestInput) -> CertificateRequestResult:
        """Request a certificate for an obligation, once per (workflow id, obligation id)."""
        return await _logged(
            REQUEST_CERTIFICATE,
            {"workflow_id": input.case.workflow_id, "obligation_id": input.obligation_id},
            lambda: self._certificates.request(input),
            lambda r: {"created": r.created},
        )

    @activity.defn(name=BOOK_MEETING)
    async def book_meeting(self, input: MeetingBookingInput) -> MeetingBookingResult:
        """Book a meeting for an obligation, once per (workflow id, obligation id)."""

        async def book() -> MeetingBookingResult:
            # Checked here rather than in each adapter so every adapter refuses the same
            # inputs with the same error type.
            _check_meeting_input(input)
            return await self._meetings.book(input)

        return await _logged(
            BOOK_MEETING,
            {"workflow_id": input.case.workflow_id, "obligation_id": input.obligation_id},
            book,
            lambda r: {"created": r.created, "overbooked": r.overbooked},
        )

    @activity.defn(name=NOTIFY_CITIZEN)
    async def notify_citizen(self, input: NotificationInput) -> NotificationResult:
        """Send a notice to the citizen, once per (workflow id, notice id)."""
        return await _logged(
            NOTIFY_CITIZEN,
            {"workflow_id": input.case.workflow_id, "notice_id": input.notice_id},
            lambda: self._notifications.notify(input),
            lambda r: {"created": r.created},
        )


def _check_meeting_input(input: MeetingBookingInput) -> None:
    if input.latest < input.earliest:
        raise business_failure(
            INVALID_MEETING_WINDOW,
            f"meeting window for obligation {input.obligation_id} is empty: "
            f"latest {input.latest.isoformat()} is before earliest {input.earliest.isoformat()}",
        )
    capacity = input.capacity_per_meeting
    if input.kind == MeetingKind.RT_MEETING and capacity is None:
        raise business_failure(
            INVALID_MEETING_CAPACITY,
            f"rt_meeting for obligation {input.obligation_id} needs capacity_per_meeting "
            "(cases per meeting, from the rulebook)",
        )
    if capacity is not None and capacity < 1:
        raise business_failure(
            INVALID_MEETING_CAPACITY,
            f"capacity_per_meeting for obligation {input.obligation_id} must be at least 1, "
            f"got {capacity}",
        )


async def _logged(
    name: str,
    ids: dict[str, str],
    call: Callable[[], Awaitable[_R]],
    outcome: Callable[[_R], dict[str, Any]],
) -> _R:
    """Run one activity call and emit its single canonical log line."""
    # Fetched per call, not cached at import: a module-level proxy would pin whatever
    # structlog configuration was live at first use (the worker caches loggers).
    log = structlog.get_logger(_LOGGER_NAME)
    fields: dict[str, Any] = {**ids, "attempt": activity.info().attempt}
    try:
        result = await call()
    except ApplicationError as err:
        if err.non_retryable:
            log.warning(name, outcome="rejected", error_type=err.type, **fields)
        else:
            log.warning(name, outcome="retrying", error_type=err.type, **fields)
        raise
    except Exception as err:
        # The class name only: an exception's text may quote a response body.
        log.warning(name, outcome="retrying", error_type=type(err).__name__, **fields)
        raise
    log.info(name, outcome="ok", **fields, **outcome(result))
    return result
