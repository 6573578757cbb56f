"""Cohorts: counts worked out by hand, trial vs standard, KL2023, errors, determinism."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from domain.whatif.cohort import CohortError, cohort_from_rows, parse_cohort
from domain.whatif.regimes import RegimeError, reform_keys, resolve_regime
from domain.whatif.report import build_report
from domain.whatif.run import tally_range
from domain.whatif.tally import Tally
from workers.whatif.pool import load_cohort, run_cohort

SCENARIOS = Path(__file__).parents[1] / "scenarios"
THISTED = "thisted_sdp_standard_to_jaf.yaml"


def _run(
    text: str,
    regimes: list[str],
    members: dict[str, str] | None = None,
    price_date: date | None = None,
) -> dict[str, Tally]:
    cohort = parse_cohort(text, "cohort.yaml", members)
    return tally_range(cohort, [resolve_regime(r) for r in regimes], 0, cohort.size, price_date)


def test_a_listed_case_counted_by_hand() -> None:
    # The Thisted scenario: screened 2019-03-05 (category 2 -> LÆ285), follow-ups 1-4 held
    # (the 5th withdrawn when JAF starts 2019-07-25; so are JAF's yearly conversations),
    # the team with its LÆ265 and the JAF grant-end decision, then RF from 2019-09-02 to
    # 12-31: its plan and its six conversations due within the first year (one window).
    members = {THISTED: (SCENARIOS / THISTED).read_text()}
    tallies = _run(f"name: hand\nmembers: [{THISTED}]\n", ["standard"], members, date(2020, 4, 1))
    report = build_report("hand", tallies, "2020-04-01")["regimes"]["standard"]
    required = {label: n["required"] for label, n in report["duties"].items()}
    assert required == {
        "screening": 1,
        "certificate:LAE285": 1,
        "conversation": 4 + 6,
        "reassessment": 1,
        "team_presentation": 1,
        "certificate:LAE265": 1,
        "decision": 1,
        "plan_update": 1,
    }
    assert report["costs"]["gross_dkk"] == 1120 + 1742
    days = {p: v["days"] for p, v in report["phases"].items()}
    assert days == {"sygedagpenge": 143, "jobafklaringsforloeb": 39, "ressourceforloeb": 120}


def test_priced_at_their_own_date_before_2020_the_price_is_unknown() -> None:
    members = {THISTED: (SCENARIOS / THISTED).read_text()}
    tallies = _run(f"name: hand\nmembers: [{THISTED}]\n", ["standard"], members)
    costs = build_report("hand", tallies, None)["regimes"]["standard"]["costs"]
    assert costs["gross_dkk"] == 0
    assert costs["unpriced_certificates"] == 2


SICK_JAMMERBUGT = """
name: Jammerbugt sickness 2018-19
seed: 3
generate:
  - {count: 120, phase: sygedagpenge, municipalities: {jammerbugt: 1},
     opened: {from: 2018-01-01, to: 2019-12-31}, categories: {2: 1, 3: 1}}
behaviour: {phases: {sygedagpenge: {at_reassessment: {sdp_extended: 1}}}}
"""
JAF_JAMMERBUGT = """
name: Jammerbugt first JAF 2018-19
seed: 4
generate:
  - {count: 60, phase: jobafklaringsforloeb, municipalities: {jammerbugt: 1},
     opened: {from: 2018-01-01, to: 2019-12-31}}
"""


def _by_family(t: Tally) -> Counter[tuple[str, str]]:
    return Counter({(f, lab): n for (f, lab, b), n in t.families.items() if b == "required"})


def _changed(a: Tally, b: Tally) -> set[tuple[str, str]]:
    fa, fb = _by_family(a), _by_family(b)
    return {key for key in fa | fb if fa[key] != fb[key]}


def test_standard_vs_trial_changes_exactly_what_the_trial_exempts() -> None:
    # Jammerbugt 2018-19, sickness benefit: FK-2.c lets the caseworker choose other
    # documentation than LÆ285 for the first follow-up; nothing else may change.
    tallies = _run(SICK_JAMMERBUGT, ["standard", "trials"])
    standard, trials = tallies["standard"], tallies["trials"]
    assert {family for family, _ in _changed(standard, trials)} == {"sdp.documentation"}
    # (A request still open when the citizen recovers is withdrawn, so not every case
    # counts one; the same cases do under both regimes.)
    docs = {lab: n for (f, lab), n in _by_family(trials).items() if f == "sdp.documentation"}
    before = {lab: n for (f, lab), n in _by_family(standard).items() if f == "sdp.documentation"}
    assert set(before) == {"certificate:LAE285"}
    assert sum(docs.values()) == before["certificate:LAE285"] > 60
    assert docs["certificate:LAE285"] < before["certificate:LAE285"]
    assert {"certificate:JOURNALOPLYSNINGER", "certificate:STATUSATTEST"} <= set(docs)
    assert standard.phase_days == trials.phase_days


def test_standard_vs_trial_first_jaf_drops_the_team_and_its_certificate() -> None:
    # FK-2.a.1: a first JAF where the team would only advise is not presented to the RT,
    # so neither the presentation nor its LÆ265 is required; the rest of JAF is unchanged.
    tallies = _run(JAF_JAMMERBUGT, ["standard", "trials"])
    standard, trials = tallies["standard"], tallies["trials"]
    assert {family for family, _ in _changed(standard, trials)} == {"jaf.rt", "jaf.lae265"}
    assert trials.duties[("team_presentation", "exempted")] > 0
    assert (
        _by_family(trials)[("jaf.rt", "team_presentation")]
        < _by_family(standard)[("jaf.rt", "team_presentation")]
    )


JAF_AND_SICK = """
name: JAF and sickness in Aalborg
seed: 5
generate:
  - {count: 40, phase: jobafklaringsforloeb, municipalities: {aalborg: 1},
     opened: {from: 2018-02-01, to: 2019-06-30}}
  - {count: 60, phase: sygedagpenge, municipalities: {aalborg: 1},
     opened: {from: 2018-02-01, to: 2019-06-30}}
behaviour:
  phases:
    sygedagpenge:
      recovered_by_week: {52: 0.2}
      at_reassessment: {jaf_granted: 1}
"""


def test_kl2023_removes_what_it_abolishes() -> None:
    tallies = _run(JAF_AND_SICK, ["standard", "reform:KL2023_HYPOTHETICAL"])
    standard, reform = tallies["standard"], tallies["reform:KL2023_HYPOTHETICAL"]
    assert standard.phase_cases["jobafklaringsforloeb"] > 40
    assert standard.duties[("team_presentation", "required")] > 0
    # JAF, RF and the RT are abolished [002:L217, L250]: no case opens in or moves to JAF,
    # no team presentation and no LÆ265 for it; a case opened in JAF is refused, counted.
    assert reform.phase_cases["jobafklaringsforloeb"] == 0
    assert reform.phase_cases["ressourceforloeb"] == 0
    assert reform.duties[("team_presentation", "required")] == 0
    assert reform.duties[("certificate:LAE265", "required")] == 0
    assert sum(reform.refused.values()) == 40
    assert all("abolished under KL2023_HYPOTHETICAL" in reason for reason in reform.refused)
    assert reform.phase_cases["sygedagpenge"] == standard.phase_cases["sygedagpenge"] == 60
    assert reform.phase_days["sygedagpenge"] > standard.phase_days["sygedagpenge"]

    # Follow-up cadence replaced by measured results [002:L246-252]: the first only.
    def followups(t: Tally) -> int:
        return sum(n for (f, _, _), n in t.families.items() if f == "sdp.followup")

    assert followups(reform) <= 60 < followups(standard)
    report = build_report("c", tallies, None, reform_keys(list(tallies)))
    keys = report["regimes"]["reform:KL2023_HYPOTHETICAL"]["reform_keys"]
    assert keys["trajectory.phases"] == keys["sdp.followup.cadence"] == "read by the core"
    assert keys["las.sanctions.temporary_exemption"] == "not read by the core in this cohort"


def test_one_and_two_processes_give_the_same_report() -> None:
    cohort = parse_cohort(JAF_AND_SICK, "cohort.yaml")
    specs = ["standard", "trials"]
    one = run_cohort(cohort, specs, processes=1, chunk=7)
    two = run_cohort(cohort, specs, processes=2, chunk=7)
    assert build_report("c", one, None) == build_report("c", two, None)
    assert one["trials"].cases == cohort.size


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "name: x\ngenerate:\n  - {count: -1, municipalities: {aalborg: 1},\n"
            "     opened: {from: 2018-01-01, to: 2018-02-01}}\n",
            r"cohort.yaml:3: generate\.0\.count",
        ),
        (
            "name: x\ngenerate:\n  - count: 3\n    municipalities: {aalborg: 1}\n"
            "    opened: {from: 2018-01-01, to: not-a-date}\n",
            r"cohort.yaml:5: generate\.0\.opened\.to",
        ),
        ("name: x\nhorizon_years: 99\n", r"cohort.yaml:2: horizon_years"),
        ("name: x\nbehaviour: {meetings: {held_share: 3}}\n", r"behaviour\.meetings\.held_share"),
        ("name: x\nmembers: [missing.yaml]\n", r"cohort.yaml:2: members\.0: file not found"),
        ("name: [x\n", r"cohort.yaml:\d+: not valid YAML"),
    ],
)
def test_bad_cohorts_name_line_and_field(text: str, expected: str) -> None:
    with pytest.raises(CohortError, match=expected):
        parse_cohort(text, "cohort.yaml")


def test_unknown_municipality_and_out_of_range_date_are_counted_as_refused() -> None:
    text = """
name: odd cases
generate:
  - {count: 2, municipalities: {atlantis: 1}, opened: {from: 2018-01-01, to: 2018-01-02}}
  - {count: 1, municipalities: {aalborg: 1}, opened: {from: 2001-01-01, to: 2001-01-01}}
"""
    tally = _run(text, ["trials"])["trials"]
    assert tally.cases == 3
    assert tally.refused == {
        "municipality: unknown municipality": 2,
        "opened_on: outside the rulebook's coverage": 1,
    }


def test_csv_cohort_names_the_row(tmp_path: Path) -> None:
    good = "case_id,municipality,opened_on,category\nC1,aalborg,2019-02-01,2\n"
    assert cohort_from_rows(good, "c.csv").size == 1
    bad = good + "C2,aalborg,2019-13-01,2\n"
    with pytest.raises(CohortError, match=r"c.csv:3: opened_on"):
        cohort_from_rows(bad, "c.csv")
    path = tmp_path / "c.csv"
    path.write_text(good)
    assert load_cohort(path).case(0).municipality == "aalborg"  # type: ignore[union-attr]


def test_unknown_regimes_are_refused_with_the_reason() -> None:
    with pytest.raises(RegimeError, match="unknown regime 'tomorrow'"):
        resolve_regime("tomorrow")
    with pytest.raises(RegimeError, match="unknown reform"):
        resolve_regime("reform:NOPE")
    with pytest.raises(RegimeError, match="DATE must be"):
        resolve_regime("known-on:yesterday")


def test_known_on_a_day_before_the_grants_is_standard_law_and_after_is_the_trials() -> None:
    # The round-2 grants (FK-2.a.1, FK-2.c) were decided 26-06-2017 [001:L3552]: the law as
    # known on 2017-01-01 has no such trial; as known on 2017-07-01 it has.
    text = """
name: Jammerbugt both
seed: 2
generate:
  - {count: 60, phase: sygedagpenge, municipalities: {jammerbugt: 1},
     opened: {from: 2018-01-01, to: 2019-12-31}, categories: {2: 1}}
  - {count: 30, phase: jobafklaringsforloeb, municipalities: {jammerbugt: 1},
     opened: {from: 2018-01-01, to: 2019-12-31}}
"""
    # FK-3.m (LÆ265 optional in JAF where health information is sufficient) was decided
    # 21-12-2017, in round 3: as known on 2017-07-01 every LÆ265 is still required.
    specs = [
        "standard",
        "trials",
        "known-on:2017-01-01",
        "known-on:2017-07-01",
        "known-on:2018-01-01",
    ]
    tallies = _run(text, specs)
    assert tallies["known-on:2017-01-01"].duties == tallies["standard"].duties
    assert tallies["known-on:2018-01-01"].duties == tallies["trials"].duties
    assert tallies["standard"].duties != tallies["trials"].duties
    mid, trials = tallies["known-on:2017-07-01"].duties, tallies["trials"].duties
    assert {k for k in mid | trials if mid[k] != trials[k]} == {
        ("certificate:LAE265", "required"),
        ("certificate:LAE265", "exempted"),
    }
    assert mid[("team_presentation", "exempted")] == trials[("team_presentation", "exempted")] > 0
    with pytest.raises(RegimeError, match="no law is known"):
        resolve_regime("known-on:1990-01-01")
