"""Standard RF extension (and FK-3.h's administrative route): back to the team with a new
LÆ265 before the meeting [001:L3254, L3267], never past the longest RF (rf.duration.max_years)."""

from __future__ import annotations

from datetime import date as D

from domain.case.engine import CaseStart
from domain.case.model import PhaseName
from domain.rulebook import Rulebook
from tests.domain.conftest import CaseDriver


def _rf(rulebook: Rulebook, municipality: str, opened_on: D, end_on: D) -> CaseDriver:
    return CaseDriver(
        rulebook,
        CaseStart(
            case_id="T-0001",
            municipality=municipality,
            opened_on=opened_on,
            phase=PhaseName.RESSOURCEFORLOEB,
            entry={"end_on": end_on},
        ),
    )


def test_a_lae265_arriving_after_the_team_meeting_does_not_count(rulebook: Rulebook) -> None:
    c = _rf(rulebook, "aalborg", D(2019, 3, 1), D(2020, 3, 1))
    c.event(D(2020, 1, 10), "meeting_held", meeting="rt_meeting", recommendation="ressourceforloeb")
    c.event(D(2020, 1, 20), "certificate_received", certificate="LAE265")
    refused = c.refused(
        D(2020, 1, 25), "decision_made", decision="rf_extended", route="rt", end_on=D(2021, 3, 1)
    )
    assert "rf.extension.lae265_required" in refused.reason
    assert "none received between the course's start 2019-03-01 and the meeting" in refused.reason


def test_an_extension_through_the_team_with_its_new_lae265(rulebook: Rulebook) -> None:
    c = _rf(rulebook, "aalborg", D(2019, 3, 1), D(2020, 3, 1))
    c.event(D(2020, 1, 5), "certificate_received", certificate="LAE265")
    c.event(D(2020, 1, 10), "meeting_held", meeting="rt_meeting", recommendation="ressourceforloeb")
    c.event(
        D(2020, 1, 25), "decision_made", decision="rf_extended", route="rt", end_on=D(2021, 3, 1)
    )
    assert c.state.phase_data["end_on"] == D(2021, 3, 1)


def test_no_extension_past_the_longest_ressourceforloeb(rulebook: Rulebook) -> None:
    c = _rf(rulebook, "aalborg", D(2019, 3, 1), D(2023, 3, 1))
    c.event(D(2023, 1, 5), "certificate_received", certificate="LAE265")
    c.event(D(2023, 1, 10), "meeting_held", meeting="rt_meeting", recommendation="ressourceforloeb")
    refused = c.refused(
        D(2023, 1, 25), "decision_made", decision="rf_extended", route="rt", end_on=D(2025, 3, 1)
    )
    assert "rf.duration.max_years" in refused.reason and "2024-03-01" in refused.reason
    c.event(
        D(2023, 1, 26), "decision_made", decision="rf_extended", route="rt", end_on=D(2024, 3, 1)
    )
    assert c.state.phase_data["end_on"] == D(2024, 3, 1)
