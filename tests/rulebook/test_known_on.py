"""Bitemporal law: the rules valid on a day, as known on a day.

Every dated record says when it was decided; what was decided after the knowledge day is
invisible then. The worked example is the 2021-08-26 decision that extended FK-1.a, FK-1.d
and FK-2.b by a year [003:L19, L29, L30].
"""

from __future__ import annotations

import copy
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from domain.rulebook import DEFAULT_ROOT, ResolutionContext, Rulebook, RuleNotInForce, load_rulebook
from domain.rulebook.diff import diff_rulebooks
from domain.rulebook.explain import explain
from domain.rulebook.slice import RuleSlice, slice_hash
from tests.rulebook.conftest import MINIMAL, LawTree
from workers.cli.app import app

D = date
BEFORE, DECIDED = D(2021, 8, 25), D(2021, 8, 26)
EXTENDED = ("FK-1.a", "FK-1.d", "FK-2.b")


def test_every_dated_record_names_its_decision_day(rb: Rulebook) -> None:
    law = rb.law
    days = {d.day for d in law.decisions}
    assert {D(2017, 2, 1), D(2017, 6, 26), D(2017, 12, 21), DECIDED} <= days
    assert all(v.decided in days for r in law.rules.values() for v in r.values)
    assert all(r.decided in days for r in law.regimes)
    assert all(t.decided in days for t in law.trials.values())
    assert all(e.decided == DECIDED for t in law.trials.values() for e in t.extensions)
    assert all(f.decided in days for f in law.reforms.values())
    assert rb.law.trials["FK-3.a"].decided == D(2017, 12, 21)  # the round-3 grant letter


@pytest.mark.parametrize("trial", EXTENDED)
def test_an_extension_is_invisible_before_its_decision_day(rb: Rulebook, trial: str) -> None:
    before = rb.trial_period(trial, known_on=BEFORE)
    after = rb.trial_period(trial, known_on=DECIDED)
    assert before is not None and after is not None
    assert before[1] == D(2022, 1, 1)
    assert after[1] == D(2023, 1, 1)
    assert rb.trial_period(trial) == after  # without a knowledge day: all decided law


def test_the_trial_regime_ends_on_the_end_known_on_the_day(rb: Rulebook) -> None:
    day = D(2022, 6, 1)
    assert "FK-1.d" not in rb.trials_in_scope("jammerbugt", "2.1", day, known_on=BEFORE)
    assert "FK-1.d" in rb.trials_in_scope("jammerbugt", "2.1", day, known_on=DECIDED)
    ctx = ResolutionContext("jammerbugt", "2.1", day, known_on=BEFORE)
    assert rb.resolve("kontakt.dagpenge.forms", ctx).regime == "STANDARD_2020"
    assert rb.resolve("kontakt.dagpenge.forms", ctx.__class__("jammerbugt", "2.1", day)).regime == (
        "TRIAL:FK-1.d"
    )


def test_next_change_reports_the_next_decision_that_changes_the_answer(rb: Rulebook) -> None:
    ctx = ResolutionContext("jammerbugt", "2.1", D(2021, 7, 1), known_on=D(2021, 7, 1))
    answer = rb.resolve("kontakt.dagpenge.forms", ctx)
    assert answer.regime == "TRIAL:FK-1.d"
    assert answer.next_change == DECIDED  # the trial's end moves then
    # a rule no later decision touches changes only when its window ends
    untouched = rb.resolve(
        "sdp.screening.category_threshold_weeks",
        ctx.__class__("jammerbugt", "2.5", D(2021, 7, 1), known_on=D(2021, 7, 1)),
    )
    assert untouched.next_change is None
    assert rb.next_boundary("jammerbugt", "2.1", D(2021, 7, 1), known_on=D(2021, 7, 1)) == DECIDED


def test_a_value_not_yet_decided_leaves_the_earlier_one_running(rb: Rulebook) -> None:
    # LÆ285 stopped being mandatory on 2020-01-01; known at the latest on 2019-11-18 [004:L28]
    ctx = ResolutionContext("thisted", "2.5", D(2020, 2, 1), known_on=D(2019, 6, 1))
    assert rb.resolve("sdp.lae285.mandatory", ctx).value is True
    known = ResolutionContext("thisted", "2.5", D(2020, 2, 1), known_on=D(2019, 11, 18))
    assert rb.resolve("sdp.lae285.mandatory", known).value is False


def test_a_trial_not_yet_decided_is_not_in_force_and_says_so(rb: Rulebook) -> None:
    status = rb.trial_status("FK-3.a", "jammerbugt", "2.4", D(2018, 8, 1), known_on=D(2017, 7, 1))
    assert status.status == "not_decided"
    assert not status.in_force
    assert "2017-12-21" in status.reason
    assert rb.trial_status("FK-3.a", "jammerbugt", "2.4", D(2018, 8, 1)).in_force


def test_knowledge_before_the_first_rule_is_refused(rb: Rulebook) -> None:
    with pytest.raises(RuleNotInForce, match="first rule was decided on 2013-01-01"):
        rb.resolve(
            "sdp.screening.required",
            ResolutionContext("thisted", "2.5", D(2019, 1, 1), known_on=D(2012, 12, 31)),
        )


def test_a_slice_answers_as_known_like_the_whole_rulebook(rb: Rulebook) -> None:
    piece = Rulebook.from_slice(rb.slice_for("aalborg"))
    for known in (BEFORE, DECIDED):
        assert piece.trial_period("FK-1.a", "aalborg", known) == rb.trial_period(
            "FK-1.a", "aalborg", known
        )


def test_a_slice_recorded_before_decision_days_keeps_its_hash_and_knows_everything(
    rb: Rulebook,
) -> None:
    piece = rb.slice_for("aalborg")
    law = piece.law
    old = law.model_copy(
        update={
            "decisions": [],
            "rules": {
                rid: r.model_copy(
                    update={"values": [v.model_copy(update={"decided": None}) for v in r.values]}
                )
                for rid, r in law.rules.items()
            },
            "trials": {
                tid: t.model_copy(update={"decided": None}) for tid, t in law.trials.items()
            },
        }
    )
    dumped = old.model_dump(mode="json", by_alias=True, exclude={"sources"})
    assert "decisions" not in dumped
    assert all("decided" not in v for r in dumped["rules"].values() for v in r["values"])
    recorded = RuleSlice(
        municipality="aalborg",
        content_hash=slice_hash("aalborg", old),
        law_hash=piece.law_hash,
        law=old,
    )
    again = RuleSlice.model_validate_json(recorded.model_dump_json())
    rules = Rulebook.from_slice(again)  # verifies the hash
    # extensions kept their decision day, so a knowledge day still hides them; none asked
    assert rules.trial_period("FK-1.a", "aalborg") == (D(2017, 7, 1), D(2023, 1, 1))


def test_diff_between_two_knowledge_days_lists_the_extensions_with_the_decision(
    rb: Rulebook,
) -> None:
    changes = diff_rulebooks(rb, rb, a_known_on=BEFORE, b_known_on=DECIDED)
    trials = {c.id: c for c in changes if c.kind == "trial"}
    assert set(trials) == set(EXTENDED)
    for trial in EXTENDED:
        change = trials[trial]
        assert "[2017-07-01, 2022-01-01) -> [2017-07-01, 2023-01-01)" in change.change or (
            "2022-01-01) -> [2018-01-01, 2023-01-01)" in change.change
        )
        assert any("2021-4454" in c for c in change.after)
        assert not any("2021-4454" in c for c in change.before)
    assert [c.id for c in changes if c.kind == "decision"] == ["2021-08-26"]
    assert diff_rulebooks(rb, rb, a_known_on=DECIDED, b_known_on=D(2021, 9, 1)) == []


def test_diff_between_two_rulebook_directories(tmp_path: Path, rb: Rulebook) -> None:
    root = tmp_path / "law"
    shutil.copytree(DEFAULT_ROOT, root)
    path = root / "standard/sygedagpenge.yaml"
    old = "    - {valid_from: 2013-01-01, decided: 2013-01-01, value: 8}\n\nsdp.followup.interval"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, old.replace("value: 8", "value: 10")), encoding="utf-8")
    other = load_rulebook(root)
    [change] = diff_rulebooks(rb, other)
    assert change.kind == "rule"
    assert change.id == "sdp.followup.first_by_week"
    assert "8 [2013-01-01, open) -> 10 [2013-01-01, open)" in change.change
    assert change.before == change.after == ("SDL § 13b public law, to confirm (not in seeds)",)

    result = CliRunner().invoke(app, ["rules", "diff", "--other", str(root), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert [d["id"] for d in payload["differences"]] == ["sdp.followup.first_by_week"]
    assert payload["before"]["rulebook_hash"] == rb.content_hash


def test_explain_known_on_shows_the_law_of_that_day() -> None:
    args = ["rules", "explain", "-m", "aalborg", "-g", "2.2", "-d", "2022-06-01", "--json"]
    runner = CliRunner()
    before = json.loads(runner.invoke(app, [*args, "--known-on", "2021-08-25"]).output)
    after = json.loads(runner.invoke(app, [*args, "--known-on", "2021-08-26"]).output)
    assert before["known_on"] == "2021-08-25"
    assert before["trials_in_scope"] == []
    assert before["next_decision"] == "2021-08-26"
    assert after["trials_in_scope"] == ["FK-1.a"]
    rule = next(r for r in after["rules"] if r["regime"] == "TRIAL:FK-1.a")
    assert rule["decided"] == "2021-08-26"  # the answer rests on the extension
    assert rule["retroactive"] is None


@pytest.mark.parametrize(
    ("known_on", "reason"),
    [("2012-12-31", "before the first rule was decided (2013-01-01)"), ("soon", "expected a date")],
)
def test_explain_refuses_a_knowledge_day_it_cannot_answer(known_on: str, reason: str) -> None:
    result = CliRunner().invoke(
        app,
        ["rules", "explain", "-m", "aalborg", "-g", "2.2", "-d", "2020-01-01", "-k", known_on],
    )
    assert result.exit_code == 2
    assert "--known-on" in result.output
    assert reason in " ".join(result.output.split())


def test_explain_flags_a_value_decided_after_it_took_effect(law_tree: LawTree) -> None:
    rules = copy.deepcopy(MINIMAL["standard/area.yaml"])
    assert isinstance(rules, dict)
    rules["area.weeks"]["values"] = [
        {"valid_from": "2013-01-01", "decided": "2013-01-01", "value": 8},
        {"valid_from": "2016-01-01", "decided": "2017-12-21", "value": 6},
    ]
    rb = load_rulebook(law_tree(standard__area=rules))
    day = D(2017, 1, 1)

    now = explain(rb, municipality="aalborg", target_group="2.14", on=day)
    then = explain(rb, municipality="aalborg", target_group="2.14", on=day, known_on=day)

    weeks = next(r for r in now["rules"] if r["rule_id"] == "area.weeks")
    assert weeks["value"] == 6
    assert weeks["retroactive"] == "decided 2017-12-21, after it took effect on 2016-01-01"
    earlier = next(r for r in then["rules"] if r["rule_id"] == "area.weeks")
    assert earlier["value"] == 8  # on 2017-01-01 nobody knew of the change yet
    assert earlier["retroactive"] is None
    assert earlier["next_change"] == "2017-12-21"
