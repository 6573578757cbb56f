"""The embedded outbox: one SQLite file under the data directory.

Stdlib `sqlite3` run through `asyncio.to_thread` so the worker's event loop never blocks on
disk. Every write is one `BEGIN IMMEDIATE` transaction: it takes SQLite's write lock up
front, so "look up the idempotency key, then insert" and "count a meeting's seats, then take
one" cannot interleave between workers or processes. A lock held longer than the busy
timeout surfaces as `sqlite3.OperationalError` ("database is locked"), which the activity
lets through as a transient error for Temporal to retry.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from activities.embedded.records import (
    CertificateRequestRecord,
    MeetingBookingRecord,
    NotificationRecord,
    RtMeetingRecord,
)

__all__ = ["OUTBOX_FILENAME", "OutboxStore", "utc_timestamp"]

OUTBOX_FILENAME = "outbox.db"

_T = TypeVar("_T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS certificate_requests (
    request_id    TEXT PRIMARY KEY,
    workflow_id   TEXT NOT NULL,
    obligation_id TEXT NOT NULL,
    municipality  TEXT NOT NULL,
    case_id       TEXT NOT NULL,
    certificate   TEXT NOT NULL,
    requested_on  TEXT NOT NULL,
    due_on        TEXT,
    summary       TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    UNIQUE (workflow_id, obligation_id)
);

-- The RT calendar: one row per municipality and meeting date, created when its first case
-- is booked. `booked` is kept in the booking's transaction so capacity checks are one read.
CREATE TABLE IF NOT EXISTS rt_meetings (
    rt_meeting_id INTEGER PRIMARY KEY,
    municipality  TEXT NOT NULL,
    meeting_on    TEXT NOT NULL,
    booked        INTEGER NOT NULL CHECK (booked >= 0),
    UNIQUE (municipality, meeting_on)
);

CREATE TABLE IF NOT EXISTS meeting_bookings (
    booking_id    TEXT PRIMARY KEY,
    workflow_id   TEXT NOT NULL,
    obligation_id TEXT NOT NULL,
    municipality  TEXT NOT NULL,
    case_id       TEXT NOT NULL,
    kind          TEXT NOT NULL,
    meeting_on    TEXT NOT NULL,
    earliest      TEXT NOT NULL,
    latest        TEXT NOT NULL,
    overbooked    INTEGER NOT NULL,
    rt_meeting_id INTEGER REFERENCES rt_meetings (rt_meeting_id),
    summary       TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    UNIQUE (workflow_id, obligation_id)
);

CREATE TABLE IF NOT EXISTS notifications (
    notification_id TEXT PRIMARY KEY,
    workflow_id     TEXT NOT NULL,
    notice_id       TEXT NOT NULL,
    municipality    TEXT NOT NULL,
    case_id         TEXT NOT NULL,
    kind            TEXT NOT NULL,
    summary         TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    UNIQUE (workflow_id, notice_id)
);
"""


class OutboxStore:
    """The SQLite file shared by the embedded adapters, plus a read API for operators."""

    def __init__(self, path: Path, *, busy_timeout_s: float = 5.0) -> None:
        """Open (creating if needed) the outbox at `path`; the schema is created here."""
        self.path = path
        self._busy_timeout_s = busy_timeout_s
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as conn:
            # WAL lets operators read while workers write; the mode is stored in the file.
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> OutboxStore:
        """The outbox at `DATA_DIR/outbox.db`."""
        return cls(data_dir / OUTBOX_FILENAME)

    def _connect(self) -> sqlite3.Connection:
        # A connection per operation: sqlite3 connections must not be shared across the
        # to_thread pool's threads, and opening one is cheap next to the fsync of a commit.
        # isolation_level=None hands transaction control to our explicit BEGIN IMMEDIATE.
        conn = sqlite3.connect(self.path, timeout=self._busy_timeout_s, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys=ON")
        # Durable across process crashes in WAL mode; only an OS crash may lose the last
        # commits, and Temporal then retries the activity, which is idempotent.
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with closing(self._connect()) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _write_sync(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        with self._transaction() as conn:
            return work(conn)

    async def write(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run `work` in one write transaction on a worker thread; it commits on return."""
        return await asyncio.to_thread(self._write_sync, work)

    # Read API for operators and tests. Blocking (short local reads): async callers wrap
    # them in asyncio.to_thread.

    def list_certificate_requests(self, workflow_id: str) -> list[CertificateRequestRecord]:
        """The certificate requests recorded for one case workflow, oldest first."""
        rows = self._read(
            "SELECT * FROM certificate_requests WHERE workflow_id = ? ORDER BY created_at, rowid",
            (workflow_id,),
        )
        return [CertificateRequestRecord.model_validate(dict(row)) for row in rows]

    def list_meeting_bookings(self, workflow_id: str) -> list[MeetingBookingRecord]:
        """The meeting bookings recorded for one case workflow, oldest first."""
        rows = self._read(
            "SELECT * FROM meeting_bookings WHERE workflow_id = ? ORDER BY created_at, rowid",
            (workflow_id,),
        )
        return [MeetingBookingRecord.model_validate(dict(row)) for row in rows]

    def list_notifications(self, workflow_id: str) -> list[NotificationRecord]:
        """The notifications recorded for one case workflow, oldest first."""
        rows = self._read(
            "SELECT * FROM notifications WHERE workflow_id = ? ORDER BY created_at, rowid",
            (workflow_id,),
        )
        return [NotificationRecord.model_validate(dict(row)) for row in rows]

    def list_rt_meetings(self, municipality: str) -> list[RtMeetingRecord]:
        """A municipality's RT meetings that have cases booked, by date."""
        rows = self._read(
            "SELECT municipality, meeting_on, booked FROM rt_meetings "
            "WHERE municipality = ? ORDER BY meeting_on",
            (municipality,),
        )
        return [RtMeetingRecord.model_validate(dict(row)) for row in rows]

    def _read(self, sql: str, params: tuple[str, ...]) -> list[sqlite3.Row]:
        with closing(self._connect()) as conn:
            return conn.execute(sql, params).fetchall()


def utc_timestamp() -> str:
    """Wall-clock time of a write, for operators (activities may read the clock)."""
    return datetime.now(UTC).isoformat()
