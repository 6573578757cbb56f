"""Embedded notification adapter: records each notice in the outbox, once per notice id."""

from __future__ import annotations

import sqlite3
import uuid

from activities.embedded.store import OutboxStore, utc_timestamp
from activities.errors import IDEMPOTENCY_CONFLICT, business_failure
from activities.models import NotificationInput, NotificationResult

__all__ = ["EmbeddedNotificationAdapter"]


class EmbeddedNotificationAdapter:
    """`NotificationPort` backed by the `notifications` table."""

    def __init__(self, store: OutboxStore) -> None:
        """Write to `store`."""
        self._store = store

    async def notify(self, input: NotificationInput) -> NotificationResult:
        """Record the notice; a repeat of the same key returns the first with created=False."""
        return await self._store.write(lambda conn: _notify(conn, input))


def _notify(conn: sqlite3.Connection, input: NotificationInput) -> NotificationResult:
    inserted = conn.execute(
        "INSERT INTO notifications (notification_id, workflow_id, notice_id, municipality,"
        " case_id, kind, summary, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (workflow_id, notice_id) DO NOTHING",
        (
            f"ntf_{uuid.uuid4().hex}",
            input.case.workflow_id,
            input.notice_id,
            input.case.municipality,
            input.case.case_id,
            input.kind,
            input.summary,
            utc_timestamp(),
        ),
    ).rowcount
    row = conn.execute(
        "SELECT notification_id, kind FROM notifications WHERE workflow_id = ? AND notice_id = ?",
        (input.case.workflow_id, input.notice_id),
    ).fetchone()
    if row["kind"] != input.kind:
        raise business_failure(
            IDEMPOTENCY_CONFLICT,
            f"notice {input.notice_id} was already sent as kind {row['kind']!r}; "
            f"refusing kind {input.kind!r} under the same key",
        )
    return NotificationResult(notification_id=row["notification_id"], created=inserted == 1)
