"""The worker's domain metrics: certificate requests, meeting bookings and notices by
outcome, counted where they run.

Recorded through the Temporal runtime's meter (`activity.metric_meter()`), so they are
served on the worker's metrics port beside the SDK's `temporal_*` series, with the same
`namespace`, `task_queue` and `activity_type` labels: one scrape target per worker, no second
port. Each worker counts only the attempts it ran, so summing over workers is right here
(unlike the gateway's visibility counts).

Outcomes: `created` (the outside system recorded it now), `existing` (an idempotent retry
found it recorded), `overbooked` (a booking put after the deadline window: deadline at
risk), `rejected` (a non-retryable refusal) and `retrying` (the attempt failed and
Temporal will retry it).
"""

from __future__ import annotations

from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

COUNTER = "caseflow_activity_outcomes"


def outcome_of(result: Any) -> str:
    if getattr(result, "overbooked", False):
        return "overbooked"
    created = getattr(result, "created", None)
    if created is None:
        return "completed"
    return "created" if created else "existing"


class _Inbound(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        counter = activity.metric_meter().create_counter(
            COUNTER, "Activity attempts by outcome (certificate requests, bookings, notices)."
        )
        try:
            result = await super().execute_activity(input)
        except ApplicationError as error:
            counter.add(1, {"outcome": "rejected" if error.non_retryable else "retrying"})
            raise
        except BaseException:
            counter.add(1, {"outcome": "retrying"})
            raise
        counter.add(1, {"outcome": outcome_of(result)})
        return result


class ActivityOutcomeMetrics(Interceptor):
    """Worker interceptor: count every activity attempt by outcome."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _Inbound(next)
