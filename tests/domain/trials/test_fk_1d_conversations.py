"""FK-1.d beyond dagpenge: the form of revalidering and sygedagpenge conversations, and the
cadence agreed at each conversation for JAF, RF, LY and revalidering [001:L1105-1216].

Standard law: a revalidering jobsamtale is personal unless the citizen is in an offer
[001:L1109-1110]; a sygedagpenge follow-up is personal, by phone, digital or otherwise, but
held by the municipality itself [001:L1126-1134]. FK-1.d lets Vesthimmerland hold revalidering
conversations by phone or digitally [001:L1105-1110, L4039] and Jammerbugt, Vesthimmerland
and Rebild let others hold the follow-up [001:L1124-1126, L3937-3939]; with a documented
assessment [001:L913] the next date may be agreed at each conversation [001:L1118, L1160,
L1178-1182, L1214-1216]. 2017-07-01 to 2021-12-31, extended to 2022-12-31 [003:L19].
"""

from __future__ import annotations

from datetime import date as D
from typing import Any

from domain.case.engine import CaseStart
from domain.case.model import PhaseName, TimelineKind
from domain.case.obligations import MET, MISSED
from domain.rulebook import Rulebook
from tests.domain.conftest import CaseDriver

DEVIATION = "assessment.cadence_deviation_documented"


def _case(
    rulebook: Rulebook, municipality: str, opened_on: D, phase: PhaseName, **entry: Any
) -> CaseDriver:
    return CaseDriver(
        rulebook,
        CaseStart(
            case_id="T-0001",
            municipality=municipality,
            opened_on=opened_on,
            phase=phase,
            entry=entry,
        ),
    )


def _reval(rulebook: Rulebook, municipality: str, granted_on: D) -> CaseDriver:
    return _case(rulebook, municipality, granted_on, PhaseName.REVALIDERING, granted_on=granted_on)


def _sick(rulebook: Rulebook, municipality: str, opened_on: D) -> CaseDriver:
    c = _case(
        rulebook, municipality, opened_on, PhaseName.SYGEDAGPENGE, first_absence_day=opened_on
    )
    return c.event(opened_on, "screened", category=1)


def _held_line_regime(c: CaseDriver) -> str | None:
    return [e for e in c.state.timeline if e.kind is TimelineKind.EVENT][-1].regime


# --- form: revalidering ---------------------------------------------------------------


def test_a_phone_revalidering_jobsamtale_counts_inside_the_trial_and_says_so(
    rulebook: Rulebook,
) -> None:
    c = _reval(rulebook, "vesthimmerland", D(2019, 1, 7))
    c.event(D(2019, 3, 1), "meeting_held", meeting="jobsamtale", form="phone")
    assert c.obligation("reval.jobsamtale.1").met_on == D(2019, 3, 1)
    assert _held_line_regime(c) == "TRIAL:FK-1.d"


def test_outside_the_trial_a_phone_jobsamtale_is_refused_unless_in_an_offer(
    rulebook: Rulebook,
) -> None:
    c = _reval(rulebook, "thisted", D(2019, 1, 7))
    refused = c.refused(D(2019, 3, 1), "meeting_held", meeting="jobsamtale", form="phone")
    assert "reval.jobsamtale.forms" in refused.reason
    assert refused.field == "form"
    assert c.obligation("reval.jobsamtale.1").status is not MET
    c.event(D(2019, 3, 1), "meeting_held", meeting="jobsamtale", form="phone_in_offer")
    assert c.obligation("reval.jobsamtale.1").met_on == D(2019, 3, 1)
    assert _held_line_regime(c) == "STANDARD_2015"


def test_inside_the_trial_a_phone_jobsamtale_in_an_offer_still_counts(rulebook: Rulebook) -> None:
    # The trial widens the form ("phone" anywhere); it does not take the offer case away.
    c = _reval(rulebook, "vesthimmerland", D(2019, 1, 7))
    c.event(D(2019, 3, 1), "meeting_held", meeting="jobsamtale", form="phone_in_offer")
    assert c.obligation("reval.jobsamtale.1").met_on == D(2019, 3, 1)


def test_revalidering_phone_form_on_both_sides_of_the_extended_end(rulebook: Rulebook) -> None:
    c = _reval(rulebook, "vesthimmerland", D(2022, 10, 3))
    c.event(D(2022, 12, 30), "meeting_held", meeting="jobsamtale", form="phone")
    assert _held_line_regime(c) == "TRIAL:FK-1.d"
    refused = c.refused(D(2023, 1, 2), "meeting_held", meeting="jobsamtale", form="phone")
    assert "reval.jobsamtale.forms" in refused.reason


def test_revalidering_phone_form_on_both_sides_of_the_original_end(rulebook: Rulebook) -> None:
    # Known since 2021-08-26 [003:L19]: 2022-01-01 no longer ends the form freedom.
    c = _reval(rulebook, "vesthimmerland", D(2021, 10, 1))
    c.event(D(2021, 12, 31), "meeting_held", meeting="jobsamtale", form="phone")
    c.event(D(2022, 1, 3), "meeting_held", meeting="jobsamtale", form="phone")
    assert _held_line_regime(c) == "TRIAL:FK-1.d"


# --- form: sygedagpenge ----------------------------------------------------------------


def test_a_follow_up_held_by_others_counts_inside_the_trial_and_says_so(
    rulebook: Rulebook,
) -> None:
    c = _sick(rulebook, "jammerbugt", D(2019, 3, 4))
    c.event(D(2019, 4, 1), "meeting_held", meeting="followup_conversation", form="via_others")
    assert c.obligation("sdp.followup.1").met_on == D(2019, 4, 1)
    assert _held_line_regime(c) == "TRIAL:FK-1.d"


def test_outside_the_trial_a_follow_up_held_by_others_is_refused(rulebook: Rulebook) -> None:
    c = _sick(rulebook, "thisted", D(2019, 3, 4))
    refused = c.refused(
        D(2019, 4, 1), "meeting_held", meeting="followup_conversation", form="via_others"
    )
    assert "sdp.followup.forms" in refused.reason
    # Phone is the law's own form for sickness follow-up [001:L1134].
    c.event(D(2019, 4, 1), "meeting_held", meeting="followup_conversation", form="phone")
    assert _held_line_regime(c) == "STANDARD_2015"


def test_follow_up_by_others_on_both_sides_of_the_extended_end(rulebook: Rulebook) -> None:
    c = _sick(rulebook, "rebild", D(2022, 11, 1))
    c.event(D(2022, 12, 29), "meeting_held", meeting="followup_conversation", form="via_others")
    assert _held_line_regime(c) == "TRIAL:FK-1.d"
    refused = c.refused(
        D(2023, 1, 3), "meeting_held", meeting="followup_conversation", form="via_others"
    )
    assert "sdp.followup.forms" in refused.reason


# --- cadence: revalidering (an interval from the last held) ----------------------------


def _documented(c: CaseDriver, on: D) -> CaseDriver:
    return c.event(on, "assessment_recorded", fact=DEVIATION, value=True)


def test_revalidering_next_jobsamtale_is_due_on_the_date_agreed_inside_the_trial(
    rulebook: Rulebook,
) -> None:
    c = _documented(_reval(rulebook, "vesthimmerland", D(2019, 1, 7)), D(2019, 1, 8))
    c.event(D(2019, 3, 1), "meeting_held", meeting="jobsamtale", next_agreed_on=D(2019, 8, 1))
    second = c.obligation("reval.jobsamtale.2")
    assert second.due_on == D(2019, 8, 1)
    assert second.regime == "TRIAL:FK-1.d"


def test_revalidering_without_the_documented_assessment_keeps_three_months(
    rulebook: Rulebook,
) -> None:
    c = _reval(rulebook, "vesthimmerland", D(2019, 1, 7))
    c.event(D(2019, 3, 1), "meeting_held", meeting="jobsamtale", next_agreed_on=D(2019, 8, 1))
    assert c.obligation("reval.jobsamtale.2").due_on == D(2019, 6, 1)


def test_revalidering_a_missed_agreed_date_leaves_the_law_to_run_on(rulebook: Rulebook) -> None:
    c = _documented(_reval(rulebook, "vesthimmerland", D(2019, 1, 7)), D(2019, 1, 8))
    c.event(D(2019, 3, 1), "meeting_held", meeting="jobsamtale", next_agreed_on=D(2019, 8, 1))
    c.until(D(2019, 8, 2))
    assert c.obligation("reval.jobsamtale.2").status is MISSED
    assert c.obligation("reval.jobsamtale.3").due_on == D(2019, 11, 1)


def test_revalidering_agreed_date_after_the_extended_end_is_not_honoured(
    rulebook: Rulebook,
) -> None:
    c = _documented(_reval(rulebook, "vesthimmerland", D(2022, 10, 3)), D(2022, 10, 4))
    c.event(D(2022, 12, 30), "meeting_held", meeting="jobsamtale", next_agreed_on=D(2023, 9, 1))
    assert c.obligation("reval.jobsamtale.2").due_on == D(2023, 9, 1)
    # From 2023 the standard cadence governs the open instance: three months from the last.
    c.until(D(2023, 1, 2))
    assert c.obligation("reval.jobsamtale.2").due_on == D(2023, 3, 30)


# --- cadence: LY (a fixed calendar of months of LY) --------------------------------------


def _ly(rulebook: Rulebook, municipality: str, on: D) -> CaseDriver:
    c = _case(rulebook, municipality, on, PhaseName.FLEKSJOB)
    return c.event(on, "decision_made", decision="ly_started")


def test_ly_contact_is_due_on_the_date_agreed_inside_the_trial(rulebook: Rulebook) -> None:
    c = _documented(_ly(rulebook, "vesthimmerland", D(2019, 1, 1)), D(2019, 1, 2))
    c.event(D(2019, 2, 1), "meeting_held", meeting="jobsamtale", next_agreed_on=D(2019, 6, 15))
    second = c.obligation("ly.1.contact.2")
    assert second.due_on == D(2019, 6, 15)
    # Vesthimmerland also runs FK-3.b on these conversations; the reason names FK-1.d.
    assert "FK-1.d in Vesthimmerland" in second.reason


def test_ly_contact_outside_the_trial_keeps_the_calendar(rulebook: Rulebook) -> None:
    c = _ly(rulebook, "thisted", D(2019, 1, 1))
    c.event(D(2019, 2, 1), "meeting_held", meeting="jobsamtale", next_agreed_on=D(2019, 6, 15))
    assert c.obligation("ly.1.contact.2").due_on == D(2019, 7, 1)


def test_ly_agreed_contact_on_both_sides_of_the_extended_end(rulebook: Rulebook) -> None:
    c = _documented(_ly(rulebook, "vesthimmerland", D(2022, 10, 3)), D(2022, 10, 4))
    c.event(D(2022, 12, 1), "meeting_held", meeting="jobsamtale", next_agreed_on=D(2023, 6, 1))
    assert c.obligation("ly.1.contact.2").due_on == D(2023, 6, 1)
    # From 2023 the calendar of months of LY governs the open instance again.
    c.until(D(2023, 1, 2))
    assert c.obligation("ly.1.contact.2").due_on == D(2023, 4, 3)


# --- cadence: JAF and RF (a count in a window) --------------------------------------------


def test_jaf_count_stays_and_dates_are_agreed_inside_the_trial(rulebook: Rulebook) -> None:
    c = _case(rulebook, "vesthimmerland", D(2019, 1, 7), PhaseName.JOBAFKLARINGSFORLOEB)
    booked = c.obligation("jaf.1.conversation.w1.2")
    assert booked.action is not None
    _documented(c, D(2019, 1, 8))
    window = [c.obligation(f"jaf.1.conversation.w1.{n}") for n in range(1, 7)]
    assert {o.due_on for o in window} == {D(2020, 1, 6)}
    assert {o.regime for o in window} == {"TRIAL:FK-1.d"}
    # The next window's dates are agreed conversation by conversation: none is booked
    # on the law's spacing.
    c.until(D(2020, 1, 7))
    following = [c.obligation(f"jaf.1.conversation.w2.{n}") for n in range(1, 7)]
    assert all(o.action is None for o in following)
    assert all("agreed at the one before" in o.reason for o in following)


def test_jaf_agreed_dates_on_both_sides_of_the_extended_end(rulebook: Rulebook) -> None:
    c = _case(rulebook, "vesthimmerland", D(2022, 1, 3), PhaseName.JOBAFKLARINGSFORLOEB)
    _documented(c, D(2022, 1, 4))
    assert c.obligation("jaf.1.conversation.w1.6").regime == "TRIAL:FK-1.d"
    c.until(D(2023, 1, 4))
    following = [c.obligation(f"jaf.1.conversation.w2.{n}") for n in range(1, 7)]
    assert all(o.action is not None for o in following)
    assert {o.regime for o in following} == {"STANDARD_2020"}


def test_jaf_outside_the_trial_the_law_spaces_the_bookings(rulebook: Rulebook) -> None:
    c = _case(rulebook, "thisted", D(2019, 1, 7), PhaseName.JOBAFKLARINGSFORLOEB)
    window = [c.obligation(f"jaf.1.conversation.w1.{n}") for n in range(1, 7)]
    assert all(o.action is not None for o in window)
    assert {o.regime for o in window} == {"STANDARD_2015"}


def test_rf_dates_agreed_inside_the_trial_and_spaced_by_law_outside(rulebook: Rulebook) -> None:
    end_on = D(2021, 1, 4)
    inside = _case(
        rulebook, "frederikshavn", D(2019, 1, 7), PhaseName.RESSOURCEFORLOEB, end_on=end_on
    )
    _documented(inside, D(2019, 1, 8)).until(D(2020, 1, 8))
    agreed = [o for i, o in inside.state.obligations.items() if ".w2." in i]
    assert agreed and all(o.action is None and o.regime == "TRIAL:FK-1.d" for o in agreed)
    outside = _case(rulebook, "thisted", D(2019, 1, 7), PhaseName.RESSOURCEFORLOEB, end_on=end_on)
    outside.until(D(2020, 1, 8))
    spaced = [o for i, o in outside.state.obligations.items() if ".w2." in i]
    assert spaced and all(o.action is not None for o in spaced)


def test_a_follow_up_in_a_form_described_in_words_is_other_and_never_echoed(
    rulebook: Rulebook,
) -> None:
    # "eller på anden måde" [001:L1134]: a described form counts as "other"; where no
    # "other" is permitted the refusal does not repeat the words (they may be health data).
    c = _sick(rulebook, "thisted", D(2019, 3, 4))
    c.event(D(2019, 4, 1), "meeting_held", meeting="followup_conversation", form="SYNTHETIC-X1")
    assert c.obligation("sdp.followup.1").met_on == D(2019, 4, 1)
    r = _reval(rulebook, "thisted", D(2019, 1, 7))
    refused = r.refused(D(2019, 3, 1), "meeting_held", meeting="jobsamtale", form="SYNTHETIC-X2")
    assert "SYNTHETIC-X2" not in refused.reason
