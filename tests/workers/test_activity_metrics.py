"""Activity outcomes are named from what the outside system answered."""

from __future__ import annotations

from datetime import date

from activities.models import CertificateRequestResult, MeetingBookingResult
from workers.activity_metrics import outcome_of


def test_a_new_request_an_idempotent_retry_and_an_overbooked_meeting_are_told_apart() -> None:
    assert (
        outcome_of(CertificateRequestResult(request_id="r", certificate="LAE285", created=True))
        == "created"
    )
    assert (
        outcome_of(CertificateRequestResult(request_id="r", certificate="LAE285", created=False))
        == "existing"
    )
    booking = dict(booking_id="b", kind="followup_conversation", meeting_on=date(2019, 4, 1))
    assert outcome_of(MeetingBookingResult(**booking, created=True, overbooked=False)) == "created"
    assert (
        outcome_of(MeetingBookingResult(**booking, created=True, overbooked=True)) == "overbooked"
    )
    assert outcome_of(None) == "completed"
