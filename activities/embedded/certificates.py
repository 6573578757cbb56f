"""Embedded certificate adapter: records each request in the outbox, once per obligation."""

from __future__ import annotations

import sqlite3
import uuid

from activities.embedded.store import OutboxStore, utc_timestamp
from activities.errors import IDEMPOTENCY_CONFLICT, business_failure
from activities.models import CertificateRequestInput, CertificateRequestResult

__all__ = ["EmbeddedCertificateAdapter"]


class EmbeddedCertificateAdapter:
    """`CertificatePort` backed by the `certificate_requests` table."""

    def __init__(self, store: OutboxStore) -> None:
        """Write to `store`."""
        self._store = store

    async def request(self, input: CertificateRequestInput) -> CertificateRequestResult:
        """Record the request; a repeat of the same key returns the first with created=False."""
        return await self._store.write(lambda conn: _request(conn, input))


def _request(conn: sqlite3.Connection, input: CertificateRequestInput) -> CertificateRequestResult:
    inserted = conn.execute(
        "INSERT INTO certificate_requests (request_id, workflow_id, obligation_id, municipality,"
        " case_id, certificate, requested_on, due_on, summary, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (workflow_id, obligation_id) DO NOTHING",
        (
            f"crt_{uuid.uuid4().hex}",
            input.case.workflow_id,
            input.obligation_id,
            input.case.municipality,
            input.case.case_id,
            input.certificate,
            input.requested_on.isoformat(),
            input.due_on.isoformat() if input.due_on else None,
            input.summary,
            utc_timestamp(),
        ),
    ).rowcount
    row = conn.execute(
        "SELECT request_id, certificate FROM certificate_requests"
        " WHERE workflow_id = ? AND obligation_id = ?",
        (input.case.workflow_id, input.obligation_id),
    ).fetchone()
    if row["certificate"] != input.certificate:
        raise business_failure(
            IDEMPOTENCY_CONFLICT,
            f"obligation {input.obligation_id} already has a {row['certificate']} request; "
            f"refusing a {input.certificate} request under the same key",
        )
    return CertificateRequestResult(
        request_id=row["request_id"],
        certificate=row["certificate"],
        created=inserted == 1,
    )
