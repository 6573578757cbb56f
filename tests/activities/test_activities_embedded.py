"""Case activities over the embedded SQLite adapters, run in Temporal's ActivityEnvironment."""

from __future__ import annotations

import asyncio
import calendar
import sqlite3
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from structlog.testing import capture_logs
from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.case_activities import NON_RETRYABLE_ERROR_TYPES, CaseActivities
from activities.embedded import EmbeddedAdapters, OutboxStore, open_embedded_adapters
from activities.embedded.meetings import EmbeddedMeetingAdapter
from activities.errors import (
    IDEMPOTENCY_CONFLICT,
    INVALID_MEETING_CAPACITY,
    INVALID_MEETING_WINDOW,
)
from activities.models import (
    BOOK_MEETING,
    NOTIFY_CITIZEN,
    REQUEST_CERTIFICATE,
    CaseRef,
    CertificateRequestInput,
    CertificateType,
    MeetingBookingInput,
    MeetingBookingResult,
    MeetingKind,
    NotificationInput,
)

MONDAY = date(2025, 3, 3)
TUESDAY = MONDAY + timedelta(days=1)
SATURDAY = MONDAY + timedelta(days=5)
JAF_CAPACITY = 10  # the rulebook's number for JAF cases; passed in by the workflow
RF_CAPACITY = 6


@pytest.fixture
def outbox(tmp_path: Path) -> EmbeddedAdapters:
    return open_embedded_adapters(tmp_path)


@pytest.fixture
def acts(outbox: EmbeddedAdapters) -> CaseActivities:
    return CaseActivities(outbox.certificates, outbox.meetings, outbox.notifications)


def new_case(municipality: str = "0101") -> CaseRef:
    return CaseRef(workflow_id=f"case-{uuid4()}", municipality=municipality, case_id="S-17")


def certificate_input(case: CaseRef, obligation_id: str = "ob-1") -> CertificateRequestInput:
    return CertificateRequestInput(
        case=case,
        obligation_id=obligation_id,
        certificate=CertificateType.LAE285,
        requested_on=MONDAY,
        due_on=MONDAY + timedelta(days=14),
        summary="LÆ285 — SDL § 36",
    )


def rt_input(
    case: CaseRef, earliest: date, latest: date, capacity: int = JAF_CAPACITY
) -> MeetingBookingInput:
    return MeetingBookingInput(
        case=case,
        obligation_id="rt-1",
        kind=MeetingKind.RT_MEETING,
        earliest=earliest,
        latest=latest,
        capacity_per_meeting=capacity,
        summary="Rehabiliteringsteam — LAB § 68",
    )


def conversation_input(case: CaseRef, earliest: date, latest: date) -> MeetingBookingInput:
    return MeetingBookingInput(
        case=case,
        obligation_id="ob-samtale-1",
        kind=MeetingKind.FOLLOWUP_CONVERSATION,
        earliest=earliest,
        latest=latest,
        summary="Opfølgningssamtale 1 — SDL § 13b",
    )


async def run_booking(acts: CaseActivities, input: MeetingBookingInput) -> MeetingBookingResult:
    return await ActivityEnvironment().run(acts.book_meeting, input)


def test_activity_names_are_pinned(acts: CaseActivities) -> None:
    """The workflow calls the activities by these names, whatever the methods are called."""
    names = {
        activity._Definition.must_from_callable(fn).name
        for fn in (acts.request_certificate, acts.book_meeting, acts.notify_citizen)
    }
    assert names == {REQUEST_CERTIFICATE, BOOK_MEETING, NOTIFY_CITIZEN}


async def test_certificate_retry_returns_first_request(
    acts: CaseActivities, outbox: EmbeddedAdapters
) -> None:
    """A retried certificate request returns the first request's id with created=False."""
    case = new_case()
    first = await ActivityEnvironment().run(acts.request_certificate, certificate_input(case))
    again = await ActivityEnvironment().run(acts.request_certificate, certificate_input(case))

    assert first.created is True
    assert again.created is False
    assert again.request_id == first.request_id
    assert again.certificate == CertificateType.LAE285
    rows = outbox.store.list_certificate_requests(case.workflow_id)
    assert [r.request_id for r in rows] == [first.request_id]
    assert rows[0].due_on == MONDAY + timedelta(days=14)


async def test_same_obligation_different_certificate_is_refused(acts: CaseActivities) -> None:
    """Reusing an obligation's key for another certificate type is a non-retryable conflict."""
    case = new_case()
    await ActivityEnvironment().run(acts.request_certificate, certificate_input(case))
    other = certificate_input(case).model_copy(update={"certificate": CertificateType.LAE265})

    with pytest.raises(ApplicationError) as info:
        await ActivityEnvironment().run(acts.request_certificate, other)
    assert info.value.type == IDEMPOTENCY_CONFLICT
    assert info.value.non_retryable


async def test_concurrent_duplicates_create_one_request(
    acts: CaseActivities, outbox: EmbeddedAdapters
) -> None:
    """Five simultaneous deliveries of one request store one row and agree on its id."""
    case = new_case()
    results = await asyncio.gather(
        *(
            ActivityEnvironment().run(acts.request_certificate, certificate_input(case))
            for _ in range(5)
        )
    )
    assert sum(r.created for r in results) == 1
    assert len({r.request_id for r in results}) == 1
    assert len(outbox.store.list_certificate_requests(case.workflow_id)) == 1


async def test_notification_retry_returns_first_notification(
    acts: CaseActivities, outbox: EmbeddedAdapters
) -> None:
    """A retried notice returns the first notification with created=False."""
    case = new_case()
    notice = NotificationInput(case=case, notice_id="n-1", kind="meeting_invite", summary="x")
    first = await ActivityEnvironment().run(acts.notify_citizen, notice)
    again = await ActivityEnvironment().run(acts.notify_citizen, notice)

    assert (first.created, again.created) == (True, False)
    assert again.notification_id == first.notification_id
    assert len(outbox.store.list_notifications(case.workflow_id)) == 1


async def test_outbox_survives_reopening(acts: CaseActivities, tmp_path: Path) -> None:
    """The outbox is a real file: a worker restarted on the same data dir sees earlier rows."""
    case = new_case()
    first = await ActivityEnvironment().run(acts.request_certificate, certificate_input(case))

    reopened = open_embedded_adapters(tmp_path)
    again = await reopened.certificates.request(certificate_input(case))

    assert (again.request_id, again.created) == (first.request_id, False)
    with sqlite3.connect(tmp_path / "outbox.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_conversation_on_first_working_day(
    acts: CaseActivities, outbox: EmbeddedAdapters
) -> None:
    """A conversation whose window opens on a Saturday is booked on the Monday after."""
    case = new_case()
    result = await run_booking(
        acts, conversation_input(case, SATURDAY, SATURDAY + timedelta(days=7))
    )
    again = await run_booking(
        acts, conversation_input(case, SATURDAY, SATURDAY + timedelta(days=7))
    )

    assert result.meeting_on == SATURDAY + timedelta(days=2)
    assert (result.created, result.overbooked) == (True, False)
    assert (again.booking_id, again.created) == (result.booking_id, False)
    assert len(outbox.store.list_meeting_bookings(case.workflow_id)) == 1


async def test_conversation_window_without_working_day_is_overbooked(
    acts: CaseActivities,
) -> None:
    """A weekend-only window has no slot: the case goes to Monday, flagged overbooked."""
    result = await run_booking(
        acts, conversation_input(new_case(), SATURDAY, SATURDAY + timedelta(days=1))
    )
    assert result.meeting_on == SATURDAY + timedelta(days=2)
    assert result.overbooked is True


async def test_eleventh_jaf_case_goes_to_next_rt_meeting(acts: CaseActivities) -> None:
    """With room for 10 JAF cases per meeting, the 11th case takes the next Tuesday."""
    window = (MONDAY, MONDAY + timedelta(days=14))  # Tuesdays 4 and 11 March
    results = [await run_booking(acts, rt_input(new_case(), *window)) for _ in range(11)]

    assert {r.meeting_on for r in results[:10]} == {TUESDAY}
    assert results[10].meeting_on == TUESDAY + timedelta(weeks=1)
    assert not any(r.overbooked for r in results)


async def test_full_window_puts_case_after_latest_overbooked(acts: CaseActivities) -> None:
    """When every RT meeting in the window is full, the case is overbooked onto a later one."""
    window = (MONDAY, MONDAY + timedelta(days=6))  # only Tuesday 4 March
    results = [await run_booking(acts, rt_input(new_case(), *window)) for _ in range(11)]

    assert results[9].overbooked is False
    assert results[10].meeting_on == TUESDAY + timedelta(weeks=1)
    assert results[10].overbooked is True


async def test_capacity_is_the_callers_number(acts: CaseActivities) -> None:
    """An RF case (6 per meeting) does not join a meeting already holding 6 JAF cases."""
    window = (MONDAY, MONDAY + timedelta(days=14))
    for _ in range(6):
        await run_booking(acts, rt_input(new_case(), *window))

    rf = await run_booking(acts, rt_input(new_case(), *window, capacity=RF_CAPACITY))
    jaf = await run_booking(acts, rt_input(new_case(), *window))

    assert rf.meeting_on == TUESDAY + timedelta(weeks=1)
    assert jaf.meeting_on == TUESDAY


async def test_rt_calendar_is_per_municipality(acts: CaseActivities) -> None:
    """Another municipality's full meeting does not take this municipality's seats."""
    window = (MONDAY, MONDAY + timedelta(days=6))
    for _ in range(10):
        await run_booking(acts, rt_input(new_case("0101"), *window))
    other = await run_booking(acts, rt_input(new_case("0147"), *window))
    assert (other.meeting_on, other.overbooked) == (TUESDAY, False)


async def test_concurrent_rt_bookings_never_exceed_capacity(
    outbox: EmbeddedAdapters, tmp_path: Path
) -> None:
    """25 simultaneous bookings, through two stores on one file, fill meetings 10/10/5."""
    # A second store on the same file stands in for a second worker process.
    second = EmbeddedMeetingAdapter(OutboxStore.in_data_dir(tmp_path))
    workers = [
        CaseActivities(outbox.certificates, meetings, outbox.notifications)
        for meetings in (outbox.meetings, second)
    ]
    window = (MONDAY, MONDAY + timedelta(days=6))
    results = await asyncio.gather(
        *(run_booking(workers[i % 2], rt_input(new_case(), *window)) for i in range(25))
    )

    per_meeting = Counter(r.meeting_on for r in results)
    assert per_meeting == {
        TUESDAY: 10,
        TUESDAY + timedelta(weeks=1): 10,
        TUESDAY + timedelta(weeks=2): 5,
    }
    assert sum(r.overbooked for r in results) == 15
    calendar_rows = outbox.store.list_rt_meetings("0101")
    assert {m.meeting_on: m.booked for m in calendar_rows} == per_meeting


async def test_rt_weekday_is_configurable(tmp_path: Path) -> None:
    """A municipality holding RT meetings on Thursdays gets Thursday bookings."""
    outbox = open_embedded_adapters(tmp_path, rt_weekday=calendar.THURSDAY)
    acts = CaseActivities(outbox.certificates, outbox.meetings, outbox.notifications)
    result = await run_booking(acts, rt_input(new_case(), MONDAY, MONDAY + timedelta(days=6)))
    assert result.meeting_on == MONDAY + timedelta(days=3)


async def test_inverted_window_is_a_business_failure(
    acts: CaseActivities, outbox: EmbeddedAdapters
) -> None:
    """latest before earliest fails non-retryably, naming the obligation and both dates."""
    case = new_case()
    with pytest.raises(ApplicationError) as info:
        await run_booking(acts, conversation_input(case, TUESDAY, MONDAY))

    assert info.value.type == INVALID_MEETING_WINDOW
    assert info.value.non_retryable
    assert info.value.type in NON_RETRYABLE_ERROR_TYPES
    assert info.value.message == (
        "meeting window for obligation ob-samtale-1 is empty: "
        "latest 2025-03-03 is before earliest 2025-03-04"
    )
    assert outbox.store.list_meeting_bookings(case.workflow_id) == []


@pytest.mark.parametrize("capacity", [None, 0])
async def test_rt_meeting_needs_a_capacity(acts: CaseActivities, capacity: int | None) -> None:
    """An RT booking without a positive capacity fails non-retryably."""
    input = rt_input(new_case(), MONDAY, TUESDAY).model_copy(
        update={"capacity_per_meeting": capacity}
    )
    with pytest.raises(ApplicationError) as info:
        await run_booking(acts, input)
    assert info.value.type == INVALID_MEETING_CAPACITY
    assert info.value.non_retryable


async def test_busy_database_is_retryable(tmp_path: Path) -> None:
    """A write lock held past the busy timeout surfaces as a plain (retryable) error."""
    store = OutboxStore(tmp_path / "outbox.db", busy_timeout_s=0.05)
    outbox = open_embedded_adapters(tmp_path)
    acts = CaseActivities(outbox.certificates, EmbeddedMeetingAdapter(store), outbox.notifications)
    blocker = sqlite3.connect(tmp_path / "outbox.db", isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            await run_booking(acts, conversation_input(new_case(), MONDAY, TUESDAY))
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


async def test_one_log_line_per_call_with_identifiers_only(acts: CaseActivities) -> None:
    """Each call logs one line with workflow and obligation ids, never the free-text summary."""
    case = new_case()
    with capture_logs() as logs:
        await ActivityEnvironment().run(acts.request_certificate, certificate_input(case))
        with pytest.raises(ApplicationError):
            await run_booking(acts, conversation_input(case, TUESDAY, MONDAY))

    assert [(e["event"], e["outcome"]) for e in logs] == [
        (REQUEST_CERTIFICATE, "ok"),
        (BOOK_MEETING, "rejected"),
    ]
    assert all(e["workflow_id"] == case.workflow_id for e in logs)
    assert [e["obligation_id"] for e in logs] == ["ob-1", "ob-samtale-1"]
    assert logs[1]["error_type"] == INVALID_MEETING_WINDOW
    assert not any("summary" in e or "SDL" in str(e) for e in logs)
