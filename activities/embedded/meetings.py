"""Embedded meeting adapter: a small calendar in the outbox, once per obligation.

Unlike certificates, a booking has a side effect before its insert (taking an RT seat), so
the idempotency key is looked up first; the surrounding BEGIN IMMEDIATE transaction makes
lookup, seat and insert one atomic step. The table's unique key stays as the last line of
defence, with a plain INSERT so a violation would fail loudly rather than leak a seat.
"""

from __future__ import annotations

import sqlite3
import uuid
from datetime import date

from activities.embedded.slots import DEFAULT_RT_WEEKDAY, first_working_day, rt_meeting_dates
from activities.embedded.store import OutboxStore, utc_timestamp
from activities.errors import IDEMPOTENCY_CONFLICT, INVALID_MEETING_CAPACITY, business_failure
from activities.models import MeetingBookingInput, MeetingBookingResult, MeetingKind

__all__ = ["EmbeddedMeetingAdapter"]


class EmbeddedMeetingAdapter:
    """`MeetingPort` backed by the `meeting_bookings` and `rt_meetings` tables.

    Ordinary conversations are booked on the first working day on or after `earliest`.
    An RT meeting case takes the earliest weekly RT meeting in [earliest, latest] holding
    fewer cases than the input's `capacity_per_meeting`; when none has room, the first
    meeting after `latest` that has room, flagged `overbooked` (the deadline is at risk).
    Capacity is never exceeded, so an "overbooked" case waits rather than crowding a team.
    """

    def __init__(self, store: OutboxStore, *, rt_weekday: int = DEFAULT_RT_WEEKDAY) -> None:
        """Write to `store`; RT meetings are held on `rt_weekday` (Monday = 0)."""
        if not 0 <= rt_weekday <= 6:
            raise ValueError(f"rt_weekday must be 0 (Monday) to 6 (Sunday), got {rt_weekday}")
        self._store = store
        self._rt_weekday = rt_weekday

    async def book(self, input: MeetingBookingInput) -> MeetingBookingResult:
        """Book the meeting; a repeat of the same key returns the first with created=False."""
        return await self._store.write(lambda conn: self._book(conn, input))

    def _book(self, conn: sqlite3.Connection, input: MeetingBookingInput) -> MeetingBookingResult:
        existing = conn.execute(
            "SELECT booking_id, kind, meeting_on, overbooked FROM meeting_bookings"
            " WHERE workflow_id = ? AND obligation_id = ?",
            (input.case.workflow_id, input.obligation_id),
        ).fetchone()
        if existing is not None:
            if existing["kind"] != input.kind:
                raise business_failure(
                    IDEMPOTENCY_CONFLICT,
                    f"obligation {input.obligation_id} already has a {existing['kind']} "
                    f"booking; refusing a {input.kind} booking under the same key",
                )
            return MeetingBookingResult(
                booking_id=existing["booking_id"],
                kind=input.kind,
                meeting_on=date.fromisoformat(existing["meeting_on"]),
                created=False,
                overbooked=bool(existing["overbooked"]),
            )

        rt_meeting_id: int | None = None
        if input.kind == MeetingKind.RT_MEETING:
            meeting_on, rt_meeting_id = self._take_rt_seat(conn, input)
        else:
            meeting_on = first_working_day(input.earliest)
        overbooked = meeting_on > input.latest

        booking_id = f"bkg_{uuid.uuid4().hex}"
        conn.execute(
            "INSERT INTO meeting_bookings (booking_id, workflow_id, obligation_id, municipality,"
            " case_id, kind, meeting_on, earliest, latest, overbooked, rt_meeting_id, summary,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                booking_id,
                input.case.workflow_id,
                input.obligation_id,
                input.case.municipality,
                input.case.case_id,
                input.kind,
                meeting_on.isoformat(),
                input.earliest.isoformat(),
                input.latest.isoformat(),
                int(overbooked),
                rt_meeting_id,
                input.summary,
                utc_timestamp(),
            ),
        )
        return MeetingBookingResult(
            booking_id=booking_id,
            kind=input.kind,
            meeting_on=meeting_on,
            created=True,
            overbooked=overbooked,
        )

    def _take_rt_seat(
        self, conn: sqlite3.Connection, input: MeetingBookingInput
    ) -> tuple[date, int]:
        capacity = input.capacity_per_meeting
        if capacity is None or capacity < 1:
            # The activity checks this first; repeated so the adapter is safe on its own.
            raise business_failure(
                INVALID_MEETING_CAPACITY,
                f"rt_meeting for obligation {input.obligation_id} needs capacity_per_meeting >= 1",
            )
        # Terminates: every meeting holds finitely many cases, and a date with no row yet
        # is an empty meeting.
        for meeting_on in rt_meeting_dates(input.earliest, self._rt_weekday):
            conn.execute(
                "INSERT INTO rt_meetings (municipality, meeting_on, booked) VALUES (?, ?, 0)"
                " ON CONFLICT (municipality, meeting_on) DO NOTHING",
                (input.case.municipality, meeting_on.isoformat()),
            )
            meeting = conn.execute(
                "SELECT rt_meeting_id, booked FROM rt_meetings"
                " WHERE municipality = ? AND meeting_on = ?",
                (input.case.municipality, meeting_on.isoformat()),
            ).fetchone()
            if meeting["booked"] < capacity:
                conn.execute(
                    "UPDATE rt_meetings SET booked = booked + 1 WHERE rt_meeting_id = ?",
                    (meeting["rt_meeting_id"],),
                )
                return meeting_on, int(meeting["rt_meeting_id"])
        raise AssertionError("unreachable: rt_meeting_dates is unbounded")
