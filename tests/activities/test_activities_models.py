"""The activity models survive Temporal's pydantic data converter unchanged."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import BaseModel
from temporalio.contrib.pydantic import pydantic_data_converter

from activities.models import (
    CaseRef,
    CertificateRequestInput,
    CertificateRequestResult,
    CertificateType,
    MeetingBookingInput,
    MeetingBookingResult,
    MeetingKind,
    NotificationInput,
    NotificationResult,
)

CASE = CaseRef(workflow_id="case-1", municipality="0101", case_id="S-1")

EXAMPLES: list[BaseModel] = [
    CertificateRequestInput(
        case=CASE,
        obligation_id="ob-1",
        certificate=CertificateType.JOURNALOPLYSNINGER,
        requested_on=date(2025, 3, 3),
        due_on=None,
        summary="Journaloplysninger",
    ),
    CertificateRequestResult(request_id="r-1", certificate=CertificateType.LAE265, created=True),
    MeetingBookingInput(
        case=CASE,
        obligation_id="ob-2",
        kind=MeetingKind.RT_MEETING,
        earliest=date(2025, 3, 3),
        latest=date(2025, 3, 17),
        capacity_per_meeting=6,
        summary="RT",
    ),
    MeetingBookingResult(
        booking_id="b-1",
        kind=MeetingKind.CV_CONVERSATION,
        meeting_on=date(2025, 3, 4),
        created=False,
        overbooked=True,
    ),
    NotificationInput(case=CASE, notice_id="n-1", kind="invite", summary="x"),
    NotificationResult(notification_id="n-1", created=True),
]


@pytest.mark.parametrize("model", EXAMPLES, ids=lambda m: type(m).__name__)
async def test_round_trip_through_the_data_converter(model: BaseModel) -> None:
    """Dates and enums come back as dates and enums, equal to what was sent."""
    converter = pydantic_data_converter
    payloads = await converter.encode([model])
    [decoded] = await converter.decode(payloads, [type(model)])
    assert decoded == model


def test_enum_values_are_the_wire_codes() -> None:
    """The wire strings are fixed; renaming a member must not change history's payloads."""
    assert [c.value for c in CertificateType] == [
        "LAE265",
        "LAE285",
        "STATUSATTEST",
        "JOURNALOPLYSNINGER",
        "LAE271",
    ]
    assert MeetingKind.RT_MEETING.value == "rt_meeting"
    assert MeetingKind.FOLLOWUP_CONVERSATION.value == "followup_conversation"
