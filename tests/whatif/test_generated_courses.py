"""Generated JAF and RF lives: counts worked out by hand for one-case cohorts whose event
model is pinned (every share 0 or 1, every delay one day count), the law's differences
between regimes, bad settings named by line and field, and one vs two processes."""

from __future__ import annotations

from datetime import date

import pytest

from domain.case.model import PhaseName
from domain.whatif.cohort import CohortError, parse_cohort
from domain.whatif.regimes import resolve_regime
from domain.whatif.report import build_report
from domain.whatif.run import tally_range
from domain.whatif.simulate import CaseRun, run_case
from domain.whatif.tally import Tally
from workers.whatif.pool import run_cohort

# Every answer on its due date (lead 0, never late, never spread), certificates 10 days
# after the request, nobody leaves early.
PINNED = """
      certificates: {arrive_share: 1.0, delay_days: [10, 10], late_share: 0.0}
      conversations: {held_share: 1.0, lead_days: [0, 0], spread_share: 0.0}
      team: {held_share: 1.0, lead_days: [0, 0], late_share: 0.0}"""

ONE_JAF = f"""
name: One first JAF in Aalborg that moves on to a one-year RF
seed: 1
horizon_years: 2
generate:
  - {{count: 1, phase: jobafklaringsforloeb, municipalities: {{aalborg: 1}},
     opened: {{from: 2019-03-04, to: 2019-03-04}}}}
behaviour:
  meetings: {{lead_days: [0, 0]}}
  phases:
    jobafklaringsforloeb:
      assessed: {{jaf.no_cross_disciplinary_need: 0.0,
                  assessment.health_information_sufficient: 1.0}}{PINNED}
      recovered_by_week: {{26: 0}}
      at_grant_end: {{rf_granted: 1}}
      rf_years: {{1: 1}}
    ressourceforloeb:{PINNED}
      plan: {{updated_share: 1.0, lead_days: [0, 0]}}
      ended_by_month: {{60: 0}}
      at_course_end: {{rf_ended: 1}}
"""

ONE_RF = f"""
name: One RF in Frederikshavn whose efforts were interrupted, twice
seed: 1
horizon_years: 2
generate:
  - {{count: 1, phase: ressourceforloeb, municipalities: {{frederikshavn: 1}},
     opened: {{from: 2019-01-07, to: 2019-01-07}}}}
behaviour:
  meetings: {{lead_days: [0, 0]}}
  phases:
    ressourceforloeb:
      opened_years: {{1: 1}}
      assessed: {{assessment.health_information_sufficient: 0.0}}{PINNED}
      plan: {{updated_share: 1.0, lead_days: [0, 0]}}
      ended_by_month: {{60: 0}}
      at_course_end: {{rf_extended: 1}}
      extension: {{interrupted_share: 1.0, without_team_share: 1.0,
                   admin_months: [6, 6], with_team_months: [12, 12]}}
"""


def _tallies(text: str, regimes: list[str]) -> dict[str, Tally]:
    cohort = parse_cohort(text, "cohort.yaml")
    return tally_range(cohort, [resolve_regime(r) for r in regimes], 0, cohort.size, None)


def _required(tally: Tally) -> dict[str, int]:
    return {label: n for (label, kind), n in tally.duties.items() if kind == "required" and n}


def test_a_first_jaf_that_moves_on_to_rf_counted_by_hand() -> None:
    # JAF opens 2019-03-04. The team within 4 weeks: due and held 2019-04-01, after the
    # LÆ265 asked at the start arrived (03-14). "6 conversations in 12 months" all fall due
    # 2020-03-03, after the course: withdrawn when it ends, none counted. The grant ends
    # after 6 months, 2019-09-04: RF granted for 1 year, to 2020-09-04.
    # RF: its 6 conversations due 2020-09-03, held that day; its plan due 2020-03-04 (met;
    # the next, due 09-04, is withdrawn at the close). 12 weeks before the end (06-12) the
    # team and a new LÆ265 (06-22); the team meets 09-04 and the course ends that day
    # (rf_ended closes the case; it is the end decision asked for, so that is met). 2 team
    # presentations, 2 LÆ265, 6 conversations, 2 decisions (JAF's grant end and RF's
    # end), 1 plan update.
    # Under the trials Aalborg's JAF needs no LÆ265 where health information is
    # sufficient (FK-3.m, from 2018-07-01); the team is still held (a cross-disciplinary
    # need, so FK-2.a.1 does not apply) and RF's end still asks a new LÆ265.
    tallies = _tallies(ONE_JAF, ["standard", "trials"])
    standard, trials = tallies["standard"], tallies["trials"]
    assert _required(standard) == {
        "team_presentation": 2,
        "certificate:LAE265": 2,
        "conversation": 6,
        "decision": 2,
        "plan_update": 1,
    }
    assert _required(trials) == {**_required(standard), "certificate:LAE265": 1}
    assert trials.duties[("certificate:LAE265", "exempted")] == 1
    for tally in (standard, trials):
        assert tally.phase_days == {"jobafklaringsforloeb": 184, "ressourceforloeb": 366}
        assert tally.closed == 1
        assert not tally.events_refused


def test_an_rf_extended_without_the_team_under_fk3h_counted_by_hand() -> None:
    # RF opens 2019-01-07 and ends 2020-01-07. 12 weeks before the end (2019-10-15) the
    # caseworker records the efforts as interrupted and no basis for fleksjob/FØP, and the
    # citizen consents to an extension without the team.
    # Standard law: those facts have no effect (refused, not counted); the team (held
    # 2020-01-07) and its LÆ265 (10-25) come first and the RF is extended through the team
    # by 12 months, to 2021-01-07; the same again from 2020-10-15, to 2022-01-07. At the
    # horizon (2021-01-07): 2 team presentations, 2 LÆ265, 2 decisions; plans due every 6
    # months, 4 met and the fifth open; conversations: windows 1 and 2 met, window 3 open.
    # Trials (FK-3.h in Frederikshavn from 2018-07-01): the team and its LÆ265 are waived
    # (the LÆ265 asked is withdrawn) and the RF is extended administratively by 6 months,
    # to 2020-07-07, then 2021-01-07. FK-3.h allows 12 months in all: at the third end the
    # law refuses a third extension either way and the course ends, 2021-01-07. 3
    # presentations waived, 3 decisions (two extensions, and the third end met by the
    # rf_ended the refusal falls back to), 3 plans (the fourth, due at the close,
    # withdrawn), conversations of windows 1 and 2.
    tallies = _tallies(ONE_RF, ["standard", "trials"])
    standard, trials = tallies["standard"], tallies["trials"]
    assert _required(standard) == {
        "team_presentation": 2,
        "certificate:LAE265": 2,
        "decision": 2,
        "plan_update": 5,
        "conversation": 18,
    }
    assert standard.closed == 0
    assert _required(trials) == {"decision": 3, "plan_update": 3, "conversation": 12}
    assert trials.duties[("team_presentation", "exempted")] == 3
    assert trials.closed == 1
    for tally in (standard, trials):
        assert tally.phase_days == {"ressourceforloeb": 731}
        assert not tally.events_refused


MIXED = """
name: Sickness, JAF and RF in three municipalities
seed: 11
generate:
  - {count: 30, phase: sygedagpenge, municipalities: {aalborg: 1, jammerbugt: 1},
     opened: {from: 2018-02-01, to: 2019-06-30}, categories: {3: 1}}
  - {count: 30, phase: jobafklaringsforloeb, municipalities: {aalborg: 1, frederikshavn: 1},
     opened: {from: 2018-02-01, to: 2019-06-30}}
  - {count: 20, phase: ressourceforloeb, municipalities: {frederikshavn: 1, jammerbugt: 1},
     opened: {from: 2018-02-01, to: 2019-06-30}}
behaviour:
  phases:
    sygedagpenge: {recovered_by_week: {52: 0.3}, at_reassessment: {jaf_granted: 1}}
    jobafklaringsforloeb:
      at_grant_end: {jaf_extended: 0.3, rf_granted: 0.5, recovered: 0.2}
"""


def test_the_default_model_takes_cases_through_jaf_and_rf_to_their_ends() -> None:
    tallies = _tallies(MIXED, ["standard", "trials"])
    standard, trials = tallies["standard"], tallies["trials"]
    # Cases reach RF from JAF (not only those opened in it), and RF duties are answered.
    assert standard.phase_cases["ressourceforloeb"] > 20
    assert standard.phase_cases["jobafklaringsforloeb"] > 30
    for family in ("rf.plan", "rf.end", "rf.conversation"):
        assert sum(n for (f, _, _), n in standard.families.items() if f == family) > 0
    # FK-3.h's extensions without the team happen only where and when it applies.
    assert (
        trials.duties[("team_presentation", "exempted")]
        > standard.duties[("team_presentation", "exempted")]
    )
    assert not standard.refused and not trials.refused


def test_one_and_two_processes_and_the_same_seed_give_the_same_report() -> None:
    cohort = parse_cohort(MIXED, "cohort.yaml")
    specs = ["standard", "trials"]
    one = build_report("c", run_cohort(cohort, specs, processes=1, chunk=9), None)
    two = build_report("c", run_cohort(cohort, specs, processes=2, chunk=9), None)
    assert one == two
    again = build_report("c", _tallies(MIXED, specs), None)
    assert again == one
    other = build_report("c", _tallies(MIXED.replace("seed: 11", "seed: 12"), specs), None)
    assert other["regimes"]["standard"]["duties"] != one["regimes"]["standard"]["duties"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "name: x\nbehaviour:\n  phases:\n    ressourceforloeb:\n      extension:\n"
            "        interrupted_share: 3\n",
            r"cohort.yaml:6: behaviour: .*ressourceforloeb\.extension\.interrupted_share: "
            r"expected a share",
        ),
        (
            "name: x\nbehaviour:\n  phases:\n    jobafklaringsforloeb:\n"
            "      team: {late_days: [9, 2]}\n",
            r"cohort.yaml:5: .*jobafklaringsforloeb\.team\.late_days: expected \[low, high\]",
        ),
        (
            "name: x\nbehaviour:\n  phases:\n    ressourceforloeb:\n      sometimes: 1\n",
            r"cohort.yaml:5: .*ressourceforloeb\.sometimes: unknown setting",
        ),
        (
            "name: x\nbehaviour:\n  phases:\n    jobafklaringsforloeb:\n      rf_years: {2: -1}\n",
            r"cohort.yaml:5: .*jobafklaringsforloeb\.rf_years: weights must be non-negative",
        ),
    ],
)
def test_bad_course_settings_name_line_and_field(text: str, expected: str) -> None:
    with pytest.raises(CohortError, match=expected) as raised:
        parse_cohort(text, "cohort.yaml")
    assert "-1" not in str(raised.value) and "[9, 2]" not in str(raised.value)


def _one_rf(retries: int, with_team_months: int = 12, late_team_days: int = 0) -> CaseRun:
    """ONE_RF under standard law, with `retries`, a retried team 14 days after the LÆ265,
    extensions of `with_team_months` and the team `late_team_days` late."""
    text = ONE_RF.replace(
        "with_team_months: [12, 12]}",
        f"with_team_months: [{with_team_months}, {with_team_months}], retries: {retries}, "
        "retry_team_after_days: [14, 14]}",
    )
    if late_team_days:
        text = text.replace(
            "team: {held_share: 1.0, lead_days: [0, 0], late_share: 0.0}",
            "team: {held_share: 1.0, lead_days: [0, 0], late_share: 1.0, "
            f"late_days: [{late_team_days}, {late_team_days}]}}",
        )
    assert "retries" in text and ("late_days" in text) == bool(late_team_days)
    cohort = parse_cohort(text, "cohort.yaml")
    behaviour = cohort.effective_behaviour()
    return run_case(cohort.case(0), resolve_regime("standard"), behaviour, 1, 2)


def _late_team(days: int, retries: int = 0) -> CaseRun:
    return _one_rf(retries, late_team_days=days)


def test_a_decision_waits_for_the_teams_late_indstilling() -> None:
    # As ONE_RF under standard law, but the team meets 10 days after its due date: the
    # extension through the team is decided that day (2020-01-17), not on the due date
    # when the law would refuse it for want of the indstilling.
    run = _late_team(10)
    assert run.state is not None
    decided = run.state.obligations["rf.end.1"].met_on
    assert decided == run.state.obligations["rf.end.1.rt"].met_on == date(2020, 1, 17)
    # The second end's team is due 2021-01-07, the horizon, and meets after it: one
    # extension so far.
    assert run.state.phase_data["extensions"] == 1
    assert run.state.phase_data["end_on"] == date(2021, 1, 7)
    assert not run.events_refused
    # 20 days late the LÆ265 received 2019-10-25 is 94 days old at the meeting, no longer
    # current (the rulebook's certificate.lae265.current_max_days): the law refuses the
    # extension and, where the model never tries again, the course ends on that day.
    stale = _late_team(20)
    assert stale.state is not None
    assert stale.state.phase_history[-1] == (PhaseName.CLOSED, date(2020, 1, 27))


def test_a_refused_extension_goes_back_to_the_team_once() -> None:
    # As the stale case above, with one retry (the default model's): refused 2020-01-27,
    # the GP's new LÆ265 is in 10 days later (02-06), the team meets 14 days after that
    # (02-20) and the extension is decided there, late; the end decision is met that day.
    run = _late_team(20, retries=1)
    assert run.state is not None and not run.state.closed
    end = run.state.obligations["rf.end.1"]
    assert (end.status.value, end.met_on) == ("met", date(2020, 2, 20))
    assert run.state.phase_data["extensions"] == 1
    assert run.state.phase_data["end_on"] == date(2021, 1, 7)
    assert run.state.phase_data["lae265_received_on"] != date(2019, 10, 25)
    assert not run.events_refused


def test_an_extension_past_the_longest_rf_is_retried_to_its_last_day() -> None:
    # The team (on time, 2020-01-07) is asked for 60 months, to 2025-01-07: past the
    # longest RF (rf.duration.max_years from the start 2019-01-07, 2024-01-07), refused.
    # Without a retry the course ends that day; with one, the team meets again (LÆ265 in
    # 01-17, team 01-31) and extends it to the longest RF's last day.
    ended = _one_rf(0, with_team_months=60)
    assert ended.state is not None
    assert ended.state.phase_history[-1] == (PhaseName.CLOSED, date(2020, 1, 7))
    retried = _one_rf(1, with_team_months=60)
    assert retried.state is not None and not retried.state.closed
    assert retried.state.obligations["rf.end.1"].met_on == date(2020, 1, 31)
    assert retried.state.phase_data["end_on"] == date(2024, 1, 7)
    assert not retried.events_refused


@pytest.mark.parametrize(
    ("phase", "setting", "within_days", "last_phase"),
    [
        ("jobafklaringsforloeb", "recovered_by_week: {4: 1.0}", 28, "jobafklaringsforloeb"),
        ("ressourceforloeb", "ended_by_month: {1: 1.0}", 31, "ressourceforloeb"),
    ],
)
def test_a_course_can_end_early_and_only_while_it_runs(
    phase: str, setting: str, within_days: int, last_phase: str
) -> None:
    text = f"""
name: early ends
seed: 3
generate:
  - {{count: 12, phase: {phase}, municipalities: {{aalborg: 1}},
     opened: {{from: 2019-01-01, to: 2019-12-31}}}}
behaviour: {{phases: {{{phase}: {{{setting}}}}}}}
"""
    cohort = parse_cohort(text, "cohort.yaml")
    for index in range(cohort.size):
        case = cohort.case(index)
        run = run_case(case, resolve_regime("trials"), cohort.effective_behaviour(), cohort.seed, 3)
        assert run.state is not None and run.state.closed
        (course, started), (closed, on) = run.state.phase_history
        assert (course.value, closed) == (last_phase, PhaseName.CLOSED)
        assert 0 < (on - started).days <= within_days
        assert not run.events_refused
