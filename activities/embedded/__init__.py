"""Embedded default adapters: the ports persisted to `DATA_DIR/outbox.db` (SQLite).

They let the whole system run on one machine; `OutboxStore` also offers the read API
operators and tests use to see what was requested, booked and sent for a case.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from activities.embedded.certificates import EmbeddedCertificateAdapter
from activities.embedded.meetings import EmbeddedMeetingAdapter
from activities.embedded.notifications import EmbeddedNotificationAdapter
from activities.embedded.records import (
    CertificateRequestRecord,
    MeetingBookingRecord,
    NotificationRecord,
    RtMeetingRecord,
)
from activities.embedded.slots import DEFAULT_RT_WEEKDAY
from activities.embedded.store import OUTBOX_FILENAME, OutboxStore

__all__ = [
    "DEFAULT_RT_WEEKDAY",
    "OUTBOX_FILENAME",
    "CertificateRequestRecord",
    "EmbeddedAdapters",
    "EmbeddedCertificateAdapter",
    "EmbeddedMeetingAdapter",
    "EmbeddedNotificationAdapter",
    "MeetingBookingRecord",
    "NotificationRecord",
    "OutboxStore",
    "RtMeetingRecord",
    "open_embedded_adapters",
]


@dataclass(frozen=True)
class EmbeddedAdapters:
    """The three embedded adapters over one outbox, plus the outbox for reading."""

    store: OutboxStore
    certificates: EmbeddedCertificateAdapter
    meetings: EmbeddedMeetingAdapter
    notifications: EmbeddedNotificationAdapter


def open_embedded_adapters(
    data_dir: Path, *, rt_weekday: int = DEFAULT_RT_WEEKDAY
) -> EmbeddedAdapters:
    """Open `data_dir/outbox.db` (created if missing) and the adapters writing to it."""
    store = OutboxStore.in_data_dir(data_dir)
    return EmbeddedAdapters(
        store=store,
        certificates=EmbeddedCertificateAdapter(store),
        meetings=EmbeddedMeetingAdapter(store, rt_weekday=rt_weekday),
        notifications=EmbeddedNotificationAdapter(store),
    )
