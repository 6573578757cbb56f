"""Contact courses (DOMAIN §3.9): cadence, fællessamtale, forms per regime, FK-1.d variants,
FK-3.g integration, the 2020 restart and the June 2021 form choice."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from domain.case.engine import CaseStart, EventRefused
from domain.case.model import ObligationStatus, PhaseName
from domain.case.scenario import load_scenario, run_scenario
from domain.reports.fk1d import fk1d_report
from domain.rulebook import Rulebook
from tests.domain.conftest import CaseDriver
from workers.cli.reports import app

D = date
SEASONAL = {"dagpenge.seasonal_unemployed": True}


def course(
    rulebook: Rulebook, municipality: str, opened: date, group: str = "2.1", /, **facts: Any
) -> CaseDriver:
    return CaseDriver(
        rulebook,
        CaseStart(
            case_id="T-KONTAKT",
            municipality=municipality,
            opened_on=opened,
            phase=PhaseName.KONTAKTFORLOEB,
            target_group=group,
            facts=facts,
        ),
    )


# --- 2.1 dagpenge: cadence and the fællessamtale --------------------------------------


def test_dagpenge_standard_six_conversations_every_four_weeks(rulebook: Rulebook) -> None:
    case = course(rulebook, "morsoe", D(2019, 1, 7))
    faelles = case.obligation("kontakt.faellessamtale")
    assert faelles.due_on == D(2019, 2, 18)  # end of the 3-6 week window
    # The first jobsamtale is the joint one [001:L1069-1071]: one conversation, one
    # deadline (the joint window's [001:L5874], not also the 4-weekly rhythm's 4 Feb).
    assert case.obligation("kontakt.1.jobsamtale.1").due_on == faelles.due_on
    case.event(D(2019, 2, 1), "meeting_held", meeting="faellessamtale")
    assert case.obligation("kontakt.faellessamtale").status is ObligationStatus.MET
    assert case.obligation("kontakt.1.jobsamtale.1").status is ObligationStatus.MET
    held = D(2019, 2, 1)
    for number in range(2, 7):
        due = case.obligation(f"kontakt.1.jobsamtale.{number}").due_on
        assert (due - held).days == 28
        held = due
        case.event(held, "meeting_held", meeting="jobsamtale")
    case.until(D(2019, 9, 1))
    assert "kontakt.1.jobsamtale.7" not in case.state.obligations
    assert case.state.open_obligations() == []


def test_standard_first_conversation_without_the_a_kasse_misses_the_joint_one(
    rulebook: Rulebook,
) -> None:
    case = course(rulebook, "morsoe", D(2019, 1, 7))
    case.event(D(2019, 1, 30), "meeting_held", meeting="jobsamtale")
    case.until(D(2019, 2, 1))
    faelles = case.obligation("kontakt.faellessamtale")
    assert faelles.status is ObligationStatus.MISSED
    assert faelles.due_on == D(2019, 1, 30)


def test_fk1d_joint_conversation_may_be_the_third(rulebook: Rulebook) -> None:
    case = course(rulebook, "aalborg", D(2019, 1, 7))
    faelles = case.obligation("kontakt.faellessamtale")
    assert faelles.regime == "TRIAL:FK-1.d"
    assert faelles.due_on == D(2019, 4, 1)  # 3 x 4 weeks
    case.event(D(2019, 2, 1), "meeting_held", meeting="jobsamtale")
    case.event(D(2019, 3, 1), "meeting_held", meeting="jobsamtale")
    assert case.obligation("kontakt.faellessamtale").status is ObligationStatus.OPEN
    case.event(D(2019, 3, 28), "meeting_held", meeting="faellessamtale")
    assert case.obligation("kontakt.faellessamtale").status is ObligationStatus.MET


def test_fk1d_cadence_agreed_at_each_conversation_needs_the_documented_deviation(
    rulebook: Rulebook,
) -> None:
    case = course(rulebook, "aalborg", D(2019, 1, 7))
    case.event(D(2019, 2, 1), "meeting_held", meeting="jobsamtale", next_agreed_on=D(2019, 4, 1))
    assert case.obligation("kontakt.1.jobsamtale.2").due_on == D(2019, 3, 1)
    case.event(
        D(2019, 2, 4),
        "assessment_recorded",
        fact="assessment.cadence_deviation_documented",
        value=True,
    )
    case.event(D(2019, 2, 5), "meeting_held", meeting="jobsamtale", next_agreed_on=D(2019, 4, 15))
    nxt = case.obligation("kontakt.1.jobsamtale.3")
    assert nxt.due_on == D(2019, 4, 15)
    assert nxt.regime == "TRIAL:FK-1.d"
    assert "average per target group" in nxt.reason


def test_outside_fk1d_the_agreed_date_is_ignored(rulebook: Rulebook) -> None:
    case = course(
        rulebook, "morsoe", D(2019, 1, 7), **{"assessment.cadence_deviation_documented": True}
    )
    case.event(
        D(2019, 2, 1), "meeting_held", meeting="faellessamtale", next_agreed_on=D(2019, 5, 1)
    )
    assert case.obligation("kontakt.1.jobsamtale.2").due_on == D(2019, 3, 1)


def test_seasonal_rhythm_dropped_in_mariagerfjord_but_not_in_thisted(rulebook: Rulebook) -> None:
    mariagerfjord = course(rulebook, "mariagerfjord", D(2019, 1, 7), **SEASONAL)
    assert mariagerfjord.obligation("kontakt.1.jobsamtale").status is ObligationStatus.EXEMPTED
    thisted = course(rulebook, "thisted", D(2019, 1, 7), **SEASONAL)
    # Thisted: form only.
    assert thisted.obligation("kontakt.1.jobsamtale.1").status is ObligationStatus.OPEN
    assert thisted.obligation("kontakt.faellessamtale").due_on == D(2019, 2, 18)


# --- forms --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("municipality", "opened", "facts", "allowed"),
    [
        ("aalborg", D(2019, 1, 7), {}, True),
        ("aalborg", D(2017, 6, 1), {}, False),  # before FK-1.d (meeting on 2017-06-30)
        ("thisted", D(2019, 1, 7), {}, False),  # Thisted: seasonal unemployed only
        ("thisted", D(2019, 1, 7), SEASONAL, True),
        ("mariagerfjord", D(2019, 1, 7), {}, False),
        ("mariagerfjord", D(2019, 1, 7), {"citizen.over_50_with_skaanehensyn": True}, True),
        ("morsoe", D(2019, 1, 7), {}, False),  # not in FK-1.d
    ],
)
def test_phone_conversation_per_municipality(
    rulebook: Rulebook, municipality: str, opened: date, facts: dict[str, Any], allowed: bool
) -> None:
    case = course(rulebook, municipality, opened, **facts)
    on = min(D(2019, 2, 1), D(opened.year, 6, 30)) if opened.year == 2017 else D(2019, 2, 1)
    if allowed:
        case.event(on, "meeting_held", meeting="jobsamtale", form="phone")
        return
    refused = case.refused(on, "meeting_held", meeting="jobsamtale", form="phone")
    assert refused.field == "form"
    assert "'phone'" in refused.reason and "STANDARD_2015" in refused.reason


def test_fk1d_forms_end_with_the_extended_trial(rulebook: Rulebook) -> None:
    case = course(rulebook, "aalborg", D(2022, 12, 1))
    case.event(D(2022, 12, 31), "meeting_held", meeting="jobsamtale", form="digital")
    refused = case.refused(D(2023, 1, 1), "meeting_held", meeting="jobsamtale", form="digital")
    assert "STANDARD_2020" in refused.reason


def test_2020_keeps_personal_conversations_only(rulebook: Rulebook) -> None:
    case = course(rulebook, "morsoe", D(2020, 1, 6))
    refused = case.refused(D(2020, 2, 3), "meeting_held", meeting="jobsamtale", form="group")
    assert "STANDARD_2020" in refused.reason


def test_june_2021_citizen_chooses_form_after_six_months(rulebook: Rulebook) -> None:
    case = course(rulebook, "morsoe", D(2020, 11, 2))
    case.refused(D(2021, 5, 31), "meeting_held", meeting="jobsamtale", form="phone")
    case.event(D(2021, 6, 1), "meeting_held", meeting="jobsamtale", form="video")
    early = course(rulebook, "morsoe", D(2021, 3, 1))
    case_reason = early.refused(D(2021, 8, 31), "meeting_held", meeting="jobsamtale", form="phone")
    assert "permitted: personal" in case_reason.reason
    early.event(D(2021, 9, 1), "meeting_held", meeting="jobsamtale", form="phone")


# --- restart after a short job ----------------------------------------------------------


def test_2020_count_restarts_after_a_short_job(rulebook: Rulebook) -> None:
    case = course(rulebook, "morsoe", D(2020, 1, 6))
    case.event(D(2020, 2, 3), "meeting_held", meeting="faellessamtale")
    case.event(D(2020, 2, 24), "decision_made", decision="unemployed_again")
    assert case.obligation("kontakt.1.jobsamtale.2").status is ObligationStatus.WITHDRAWN
    assert case.obligation("kontakt.2.jobsamtale.1").due_on == D(2020, 3, 23)
    assert "kontakt.faellessamtale" not in {o.id for o in case.state.open_obligations()}


def test_2019_no_restart(rulebook: Rulebook) -> None:
    case = course(rulebook, "morsoe", D(2019, 1, 7))
    case.event(D(2019, 2, 1), "meeting_held", meeting="faellessamtale")
    case.event(D(2019, 2, 20), "decision_made", decision="unemployed_again")
    assert case.obligation("kontakt.1.jobsamtale.2").status is ObligationStatus.OPEN


# --- kontanthjælp, uddannelseshjælp --------------------------------------------------


def test_aktivitetsparat_kontanthjaelp_four_per_year(rulebook: Rulebook) -> None:
    case = course(rulebook, "thisted", D(2019, 1, 7), "2.3")
    assert case.obligation("kontakt.coordinating.1").due_on == D(2019, 4, 7)
    refused = case.refused(D(2019, 2, 1), "meeting_held", meeting="jobsamtale", form="group")
    assert "'group'" in refused.reason
    case.event(D(2019, 2, 1), "meeting_held", meeting="jobsamtale", form="phone")  # on request
    assert case.obligation("kontakt.coordinating.2").due_on == D(2019, 5, 1)
    assert case.refused(D(2019, 2, 2), "meeting_held", meeting="faellessamtale").field == "meeting"


def test_fk1d_kontanthjaelp_group_in_vesthimmerland(rulebook: Rulebook) -> None:
    case = course(rulebook, "vesthimmerland", D(2019, 1, 7), "2.2")
    case.event(D(2019, 2, 1), "meeting_held", meeting="jobsamtale", form="group")
    assert case.state.obligations == {}  # no number in the seeds for jobparate


def test_uddannelseshjaelp_every_eight_weeks_and_fk1d_in_jammerbugt(rulebook: Rulebook) -> None:
    case = course(rulebook, "jammerbugt", D(2019, 1, 7), "2.13")
    assert case.obligation("kontakt.coordinating.1").due_on == D(2019, 3, 4)
    case.event(D(2019, 2, 1), "meeting_held", meeting="jobsamtale", form="via_others")
    outside = course(rulebook, "aalborg", D(2019, 1, 7), "2.13")
    outside.refused(D(2019, 2, 1), "meeting_held", meeting="jobsamtale", form="via_others")


def test_unknown_course_refused(rulebook: Rulebook) -> None:
    with pytest.raises(EventRefused, match="no contact course"):
        course(rulebook, "thisted", D(2019, 1, 7), "2.5")


# --- integration and FK-3.g -------------------------------------------------------------

INTEGRATION = {"integration.in_programme": True}
NOTE = {"journalnotat.fk3g_recorded": True}


def test_integration_four_per_twelve_months(rulebook: Rulebook) -> None:
    case = course(rulebook, "morsoe", D(2019, 1, 7), "2.3", **INTEGRATION)
    year = case.obligation("kontakt.integration.1")
    assert year.due_on == D(2020, 1, 6)
    for on in (D(2019, 2, 1), D(2019, 5, 1), D(2019, 8, 1)):
        case.event(on, "meeting_held", meeting="jobsamtale")
    assert case.obligation("kontakt.integration.1").status is ObligationStatus.OPEN
    case.event(D(2019, 11, 1), "meeting_held", meeting="jobsamtale")
    assert case.obligation("kontakt.integration.1").status is ObligationStatus.MET
    case.until(D(2020, 1, 8))
    assert case.obligation("kontakt.integration.2").status is ObligationStatus.OPEN


def test_integration_phone_needs_fk3g_and_its_journal_note(rulebook: Rulebook) -> None:
    without = course(rulebook, "vesthimmerland", D(2019, 1, 7), "2.3", **INTEGRATION)
    refused = without.refused(D(2019, 2, 1), "meeting_held", meeting="jobsamtale", form="phone")
    assert "STANDARD_2015" in refused.reason
    without.event(
        D(2019, 2, 1), "assessment_recorded", fact="journalnotat.fk3g_recorded", value=True
    )
    without.event(D(2019, 2, 1), "meeting_held", meeting="jobsamtale", form="via_mentor")
    before = course(rulebook, "vesthimmerland", D(2018, 7, 2), "2.3", **INTEGRATION, **NOTE)
    before.refused(D(2018, 7, 31), "meeting_held", meeting="jobsamtale", form="phone")
    before.event(D(2018, 8, 1), "meeting_held", meeting="jobsamtale", form="phone")


FEWER = "journalnotat.fk3g_fewer_conversations"
ILL = {"integration.fixed_raskmelding_or_in_treatment": True}


def test_fk3g_below_four_only_for_the_named_subgroups(rulebook: Rulebook) -> None:
    # The note that fewer are needed [001:L4835] settles nothing for a citizen outside the
    # named subgroups (fixed raskmelding date or in treatment [001:L3197-3199]).
    plain = course(rulebook, "vesthimmerland", D(2019, 1, 7), "2.3", **INTEGRATION, **NOTE)
    refused = plain.refused(D(2019, 3, 1), "assessment_recorded", fact=FEWER, value=True)
    assert "kontakt.integration.below_min_allowed" in refused.reason
    assert plain.obligation("kontakt.integration.1").status is ObligationStatus.OPEN
    ill = course(rulebook, "vesthimmerland", D(2019, 1, 7), "2.3", **INTEGRATION, **ILL)
    assert ill.obligation("kontakt.integration.1").status is ObligationStatus.OPEN  # no note
    ill.event(D(2019, 3, 1), "assessment_recorded", fact=FEWER, value=True)
    year = ill.obligation("kontakt.integration.1")
    assert year.status is ObligationStatus.EXEMPTED
    assert year.regime == "TRIAL:FK-3.g"
    assert "2019-03-01" in year.reason


def test_fk3g_fewer_conversations_note_serves_one_course_year(rulebook: Rulebook) -> None:
    ill = course(rulebook, "vesthimmerland", D(2019, 1, 7), "2.3", **INTEGRATION, **ILL)
    ill.event(D(2019, 3, 1), "assessment_recorded", fact=FEWER, value=True)
    assert FEWER not in ill.state.facts  # spent on its year, not kept
    ill.until(D(2020, 1, 8))
    assert ill.obligation("kontakt.integration.1").status is ObligationStatus.EXEMPTED
    assert ill.obligation("kontakt.integration.2").status is ObligationStatus.OPEN
    ill.event(D(2020, 2, 3), "assessment_recorded", fact=FEWER, value=True)
    assert ill.obligation("kontakt.integration.2").status is ObligationStatus.EXEMPTED


def test_fk3g_fewer_conversations_note_is_refused_at_the_opening_and_outside(
    rulebook: Rulebook,
) -> None:
    with pytest.raises(EventRefused, match="record it as an event on its day"):
        course(
            rulebook, "vesthimmerland", D(2019, 1, 7), "2.3", **INTEGRATION, **ILL, **{FEWER: True}
        )
    outside = course(rulebook, "morsoe", D(2019, 1, 7), "2.3", **INTEGRATION, **ILL)
    refused = outside.refused(D(2019, 3, 1), "assessment_recorded", fact=FEWER, value=True)
    assert "FK-3.g" in refused.reason


# --- the FK-1.d report (DOMAIN §8.14) ---------------------------------------------------


def _scenario(case_id: str, municipality: str, group: str, dates: list[date], until: date) -> str:
    events = "\n".join(
        f"  - {{date: {d.isoformat()}, type: meeting_held, meeting: jobsamtale, form: phone}}"
        if municipality == "aalborg"
        else f"  - {{date: {d.isoformat()}, type: meeting_held, meeting: jobsamtale}}"
        for d in dates
    )
    return (
        f"name: {case_id}\ncase: {{case_id: {case_id}, municipality: {municipality}, "
        f"opened_on: 2019-01-07, phase: kontaktforloeb, target_group: '{group}'}}\n"
        f"events:\n{events}\nuntil: {until.isoformat()}\n"
    )


def test_fk1d_report_per_municipality_group_and_quarter(tmp_path: Path, rulebook: Rulebook) -> None:
    few = [D(2019, 2, 1), D(2019, 4, 1)]
    many = [
        D(2019, 2, 1),
        D(2019, 3, 1),
        D(2019, 3, 29),
        D(2019, 4, 26),
        D(2019, 5, 24),
        D(2019, 6, 21),
    ]
    files = {
        "a1": _scenario("A-1", "aalborg", "2.1", few, D(2019, 6, 30)),
        "a2": _scenario("A-2", "aalborg", "2.1", many, D(2019, 6, 30)),
        "m1": _scenario("M-1", "morsoe", "2.1", few, D(2019, 6, 30)),
    }
    for name, text in files.items():
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    states = [run_scenario(load_scenario(tmp_path / f"{n}.yaml"), rulebook).state for n in files]
    rows = {(r.municipality, r.quarter): r for r in fk1d_report(states, rulebook, D(2019, 6, 30))}
    q1, q2 = rows[("aalborg", "2019Q1")], rows[("aalborg", "2019Q2")]
    # Required: 6 conversations every 4 weeks from 2019-01-07 -> 2 in Q1, 4 in Q2 per case.
    assert (q1.cases, q1.held, q1.required, q1.fk1d_in_force) == (2, 4, 4, True)
    assert q1.meets_standard
    assert (q2.held, q2.required, q2.meets_standard) == (4, 8, False)
    assert rows[("morsoe", "2019Q1")].fk1d_in_force is False
    result = CliRunner().invoke(app, ["fk1d", "--scenario-dir", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"municipality": "aalborg", "quarter": "2019Q1", "held": 4}.items() <= data[0].items()
