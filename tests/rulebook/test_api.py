"""The public API other packages code against."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

import domain.rulebook as api
from domain.rulebook import (
    ResolutionContext,
    Rulebook,
    RuleNotInForce,
    UnknownMunicipality,
    UnknownReform,
    UnknownRule,
    UnknownTargetGroup,
    load_rulebook,
)

MANDATORY = """
sdp.screening.category_threshold_weeks sdp.lae285.documentation_options sdp.followup.first_by_week
sdp.followup.interval_weeks sdp.followup.forms sdp.followup.cadence sdp.reassessment.by_week
sdp.reassessment.window_months sdp.employer_period_days jaf.rt.required jaf.rt.within_weeks
jaf.rt.exempt_if_recovery_expected_within_weeks jaf.lae265.required jaf.conversations.min_count
jaf.conversations.period_months jaf.grant_months rt.capacity.jaf rt.capacity.other
rf.rt.required_for_new_course rf.indsatsplan.fixed_horizon_required rf.indsatsplan.horizon_months
rf.conversations.min_count rf.conversations.period_months rf.extension.rt_required
rf.extension.lae265_required rf.extension.admin_max_months rf.duration.min_years
rf.duration.max_years reval.lae265.required_for_grant reval.lae265.required_for_later_decisions
reval.lae265.due_days_after_request reval.lae265.due_days_after_consultation
reval.jobsamtale.interval_months fleksjob.rt.required fleksjob.followup_interval_months
fleksjob.first_grant_years ly.cv_conversation.within_weeks ly.contact.interval_months
ly.followup.after_months ly.revurdering.required ly.revurdering.trigger_months
ly.revurdering.window_months ly.revurdering.deadline_months ly.revurdering.after_move_months
ly.sick_followup.interval_months foep.rt.required foep.loentilskud.first_followup_months
foep.loentilskud.followup_interval_months seniorfoep.processing_months certificate.price.LAE265
certificate.price.LAE285 certificate.types
""".split()  # noqa: SIM905

MANDATORY_FACTS = """
assessment.sufficiently_informed assessment.cadence_deviation_documented
assessment.health_information_sufficient jaf.first_course jaf.only_labour_market_challenges
jaf.no_cross_disciplinary_need jaf.cross_disciplinary_efforts_running
consent.rf_extension_without_rt rf.efforts_interrupted rf.basis_for_fleksjob_or_foep
citizen.requests_rt reval.tvivlsag reval.medically_documented journalnotat.fk3i_plan_not_fixed
journalnotat.fk3j_order_cited ly.months_on_ly dagpenge.seasonal_unemployed
citizen.over_50_with_skaanehensyn
""".split()  # noqa: SIM905


def test_public_names() -> None:
    for name in (
        "FactValue",
        "ResolutionContext",
        "Resolution",
        "RulebookError",
        "RuleNotInForce",
        "UnknownRule",
        "Rulebook",
        "RuleSlice",
        "load_rulebook",
    ):
        assert name in api.__all__


def test_mandatory_rules_and_facts_exist(rb: Rulebook) -> None:
    assert set(MANDATORY) <= set(rb.rule_ids())
    assert set(MANDATORY_FACTS) <= {f.name for f in rb.law.facts}
    assert rb.describe("sdp.followup.interval_weeks")[1] == "weeks"
    types = rb.value("certificate.types", ResolutionContext("aalborg", "2.5", date(2019, 1, 1)))
    assert {"LAE265", "LAE285", "STATUSATTEST", "JOURNALOPLYSNINGER", "LAE271"} <= set(types)


def test_value_raises_when_not_applicable(rb: Rulebook) -> None:
    ctx = ResolutionContext("aalborg", "2.14", date(2019, 1, 1))
    with pytest.raises(RuleNotInForce, match=r"certificate\.price\.LAE265"):
        rb.value("certificate.price.LAE265", ctx)


def test_no_rule_in_force_before_the_first_value(rb: Rulebook) -> None:
    with pytest.raises(RuleNotInForce, match=r"jammerbugt.*2\.5.*2012-12-31"):
        rb.resolve(
            "sdp.followup.interval_weeks",
            ResolutionContext("jammerbugt", "2.5", date(2012, 12, 31)),
        )


def test_unknown_names(rb: Rulebook) -> None:
    ctx = ResolutionContext("aalborg", "2.5", date(2019, 1, 1))
    with pytest.raises(UnknownRule):
        rb.resolve("sdp.nope", ctx)
    with pytest.raises(UnknownMunicipality):
        rb.resolve(
            "sdp.followup.interval_weeks", ResolutionContext("aarhus", "2.5", date(2019, 1, 1))
        )
    with pytest.raises(UnknownTargetGroup):
        rb.target_group("2.99")
    with pytest.raises(UnknownReform):
        rb.resolve(
            "jaf.rt.required", ResolutionContext("aalborg", "2.14", date(2019, 1, 1), reform="X")
        )


def test_lookup_by_id_name_code_and_alias(rb: Rulebook) -> None:
    assert rb.municipality("Brønderslev").id == "broenderslev"
    assert rb.municipality("810").id == "broenderslev"
    assert rb.municipality("laesoe").name == "Læsø"
    assert rb.target_group("jaf").code == "2.14"
    assert rb.target_group("jobafklaringsforloeb").code == "2.14"
    assert rb.target_group("sygedagpenge").code == "2.5"
    res = rb.resolve(
        "sdp.followup.interval_weeks", ResolutionContext("Jammerbugt", "sdp", date(2019, 1, 1))
    )
    assert res.value == 4


def test_refused_trials_never_apply(rb: Rulebook) -> None:
    refused = [t.id for t in rb.law.trials.values() if t.status == "refused"]
    assert set(refused) == {
        "FK-1.b",
        "FK-1.g",
        "FK-2.a.3",
        "FK-2.a.4",
        "FK-3.d",
        "FK-3.f",
        "FK-3.l",
    }
    for trial_id in refused:
        for m in rb.municipalities():
            status = rb.trial_status(trial_id, m.id, "2.14", date(2019, 1, 1))
            assert status.status == "refused" and not status.in_force
            assert status.citations and "[001:" in status.citations[0]
    for m in rb.municipalities():
        for g in rb.target_groups():
            for year in range(2015, 2026):
                assert not set(refused) & set(rb.trials_in_scope(m.id, g.code, date(year, 6, 1)))


def test_refused_part_of_a_partly_granted_trial(rb: Rulebook) -> None:
    status = rb.trial_status("FK-2.a.1", "jammerbugt", "fleksjob", date(2019, 1, 1))
    assert status.status == "refused"
    assert "[001:L3552" in " ".join(status.citations)
    assert rb.trial_status("FK-2.a.1", "jammerbugt", "jaf", date(2019, 1, 1)).status == "in_force"


def test_trial_status_edges(rb: Rulebook) -> None:
    assert rb.trial_status("FK-2.c", "rebild", "2.5", date(2017, 12, 31)).status == "before_start"
    assert rb.trial_status("FK-2.c", "rebild", "2.5", date(2020, 1, 1)).status == "after_end"
    assert (
        rb.trial_status("FK-2.c", "aalborg", "2.5", date(2019, 1, 1)).status
        == "municipality_not_in_scope"
    )
    assert (
        rb.trial_status("FK-2.c", "rebild", "2.14", date(2019, 1, 1)).status
        == "target_group_not_in_scope"
    )
    assert rb.trial_status("FK-2.d", "aalborg", "2.12", date(2019, 1, 1)).status == "not_started"
    fk1a = rb.trial_status("FK-1.a", "aalborg", "2.2", date(2022, 12, 31))
    assert fk1a.in_force and fk1a.valid_to == date(2023, 1, 1), "extension stored as a record"


def test_next_boundary_and_since(rb: Rulebook) -> None:
    assert rb.next_boundary("rebild", "2.5", date(2017, 12, 31)) == date(2018, 1, 1)
    nxt = rb.next_boundary("rebild", "2.5", date(2018, 1, 1))
    assert nxt is not None and nxt > date(2018, 1, 1)
    res = rb.resolve(
        "sdp.lae285.documentation_options", ResolutionContext("rebild", "2.5", date(2019, 3, 1))
    )
    assert (res.since, res.next_change) == (date(2018, 1, 1), date(2020, 1, 1))
    res = rb.resolve(
        "sdp.lae285.documentation_options", ResolutionContext("thisted", "2.5", date(2019, 3, 1))
    )
    assert res.next_change == date(2020, 1, 1)


def test_kl2023_only_when_selected(rb: Rulebook) -> None:
    for day in (date(2015, 1, 1), date(2023, 11, 30), date(2025, 12, 31)):
        for m in rb.municipalities():
            ctx = ResolutionContext(m.id, "2.14", day)
            for rule_id in rb.rule_ids():
                assert rb.resolve(rule_id, ctx).regime != "KL2023_HYPOTHETICAL"
    what_if = ResolutionContext("aalborg", "2.1", date(2024, 1, 1), reform="KL2023_HYPOTHETICAL")
    assert rb.value("kontakt.dagpenge.min_count_first_6_months", what_if) == 1
    assert "jobafklaringsforloeb" not in rb.value("trajectory.phases", what_if)


def test_parameters_override_trial_end_per_trial_and_municipality(tmp_path: Path) -> None:
    params = {"trials": {
        "FK-2.a.2": {
            "valid_to": "2021-07-01", "municipalities": {"rebild": {"valid_from": "2018-03-01"}}
        },
        "FK-3.h": {"municipalities": {"jammerbugt": {"admin_max_months": 6}}},
        "FK-1.d": {"apply_extensions": False},
    }}  # fmt: skip
    rb = load_rulebook(parameters=params)
    facts = {"assessment.health_information_sufficient": True}
    rt = "rt.lae265.required"
    assert (
        rb.resolve(rt, ResolutionContext("morsoe", "2.11", date(2021, 6, 30), facts)).value is False
    )
    assert (
        rb.resolve(rt, ResolutionContext("morsoe", "2.11", date(2021, 7, 1), facts)).value is True
    )
    assert (
        rb.resolve(rt, ResolutionContext("rebild", "2.11", date(2018, 2, 1), facts)).value is True
    )
    assert (
        rb.resolve(rt, ResolutionContext("rebild", "2.11", date(2018, 3, 1), facts)).value is False
    )
    ext = {"consent.rf_extension_without_rt": True, "rf.efforts_interrupted": True,
           "rf.basis_for_fleksjob_or_foep": False}  # fmt: skip
    cap = "rf.extension.admin_max_months"
    assert rb.value(cap, ResolutionContext("jammerbugt", "2.11", date(2019, 1, 1), ext)) == 6
    assert rb.value(cap, ResolutionContext("frederikshavn", "2.11", date(2019, 1, 1), ext)) == 12
    assert rb.trial_status("FK-1.d", "rebild", "2.5", date(2022, 6, 1)).status == "after_end"
    assert rb.content_hash != load_rulebook().content_hash, "parameters are part of the hash"

    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    assert load_rulebook(parameters=path).content_hash == rb.content_hash


def test_parameters_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "env-params.yaml"
    path.write_text("trials:\n  FK-2.c:\n    valid_to: 2019-07-01\n", encoding="utf-8")
    monkeypatch.setenv(api.PARAMETERS_ENV, str(path))
    rb = load_rulebook()
    assert rb.trial_status("FK-2.c", "rebild", "2.5", date(2019, 7, 1)).status == "after_end"


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(api.RulebookError, match=r"<parameters>: FK-2.c.nope: unknown parameter"):
        load_rulebook(parameters={"trials": {"FK-2.c": {"nope": 1}}})
    with pytest.raises(api.RulebookError, match="unparseable date"):
        load_rulebook(parameters={"trials": {"FK-2.c": {"valid_to": "soon"}}})


def test_load_is_cached_and_hash_is_stable(rb: Rulebook) -> None:
    assert load_rulebook() is rb
    assert len(rb.content_hash) == 64
