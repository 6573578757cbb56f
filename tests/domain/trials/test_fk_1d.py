"""FK-1.d: form freedom for conversations [001:L896-917]; for JAF (target group 2.14) in
Vesthimmerland only [001:L4043]; 2017-07-01 to 2021-12-31, extended one year [003:L19].
The timeline line of a held conversation names the regime that permitted its form."""

from __future__ import annotations

from datetime import date as D

from domain.case.engine import CaseStart
from domain.case.model import PhaseName, TimelineKind
from domain.rulebook import Rulebook
from tests.domain.conftest import CaseDriver


def _jaf(rulebook: Rulebook, municipality: str, opened_on: D) -> CaseDriver:
    return CaseDriver(
        rulebook,
        CaseStart(
            case_id="T-0001",
            municipality=municipality,
            opened_on=opened_on,
            phase=PhaseName.JOBAFKLARINGSFORLOEB,
        ),
    )


def _held_line_regime(c: CaseDriver) -> str | None:
    lines = [e for e in c.state.timeline if e.kind is TimelineKind.EVENT]
    return lines[-1].regime


def test_a_phone_jaf_conversation_is_allowed_and_says_so_inside_the_trial(
    rulebook: Rulebook,
) -> None:
    c = _jaf(rulebook, "vesthimmerland", D(2019, 1, 7))
    c.event(D(2019, 2, 1), "meeting_held", meeting="contact_conversation", form="phone")
    assert _held_line_regime(c) == "TRIAL:FK-1.d"
    assert c.obligation("jaf.1.conversation.w1.1").met_on == D(2019, 2, 1)


def test_outside_the_trial_it_is_refused_and_a_personal_one_says_standard(
    rulebook: Rulebook,
) -> None:
    c = _jaf(rulebook, "thisted", D(2019, 1, 7))
    refused = c.refused(D(2019, 2, 1), "meeting_held", meeting="contact_conversation", form="phone")
    assert "STANDARD_2015" in refused.reason
    c.event(D(2019, 2, 1), "meeting_held", meeting="contact_conversation")
    assert _held_line_regime(c) == "STANDARD_2015"


def test_on_both_sides_of_the_extended_end(rulebook: Rulebook) -> None:
    # The 2021 extension (decided 2021-08-26 [003:L19]) moves the end to 2022-12-31.
    c = _jaf(rulebook, "vesthimmerland", D(2022, 6, 1))
    c.event(D(2022, 12, 30), "meeting_held", meeting="contact_conversation", form="phone")
    assert _held_line_regime(c) == "TRIAL:FK-1.d"
    refused = c.refused(D(2023, 1, 2), "meeting_held", meeting="contact_conversation", form="phone")
    assert "jaf.conversations.forms" in refused.reason
