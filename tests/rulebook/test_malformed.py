"""The loader refuses malformed law with a message naming FILE, ENTRY and REASON."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from domain.rulebook import ResolutionContext, RulebookError, load_rulebook
from tests.rulebook.conftest import CITE, MINIMAL, LawTree


def _rules(**patch: Any) -> dict[str, Any]:
    rules = copy.deepcopy(MINIMAL["standard/area.yaml"])
    assert isinstance(rules, dict)
    for rule_id, changes in patch.items():
        rules[rule_id.replace("__", ".")].update(changes)
    return rules


def _trial(**changes: Any) -> dict[str, Any]:
    trial = copy.deepcopy(MINIMAL["trials/T-1.yaml"])
    assert isinstance(trial, dict)
    trial["clauses"][0].update(changes)
    return trial


def _refused(law_tree: LawTree, file: str, entry: str, reason: str, **files: Any) -> None:
    root = law_tree(**files)
    with pytest.raises(RulebookError) as info:
        load_rulebook(root)
    message = str(info.value)
    assert file in message, message
    assert entry in message, message
    assert reason in message, message


def test_the_minimal_tree_loads(law_tree: LawTree) -> None:
    rb = load_rulebook(law_tree())
    assert rb.rule_ids() == ("area.flag", "area.weeks")


def test_missing_citation(law_tree: LawTree) -> None:
    rules = _rules()
    del rules["area.weeks"]["citation"]
    _refused(
        law_tree,
        "standard/area.yaml",
        "area.weeks",
        "missing required field 'citation'",
        standard__area=rules,
    )


def test_citation_without_provenance_is_refused(law_tree: LawTree) -> None:
    rules = _rules(area__weeks={"citation": {"act": "SDL § 11a", "provenance": "somewhere"}})
    _refused(
        law_tree, "standard/area.yaml", "area.weeks", "must cite a seed line", standard__area=rules
    )


def test_overlapping_validity(law_tree: LawTree) -> None:
    rules = _rules(
        area__weeks={
            "values": [
                {"valid_from": "2013-01-01", "valid_to": "2021-01-01", "value": 8},
                {"valid_from": "2020-01-01", "value": 9},
            ]
        }
    )
    _refused(
        law_tree,
        "standard/area.yaml",
        "area.weeks.values[2013-01-01]",
        "overlapping validity",
        standard__area=rules,
    )


def test_gap_in_validity(law_tree: LawTree) -> None:
    rules = _rules(
        area__weeks={
            "values": [
                {"valid_from": "2013-01-01", "valid_to": "2019-01-01", "value": 8},
                {"valid_from": "2020-01-01", "value": 9},
            ]
        }
    )
    _refused(
        law_tree,
        "standard/area.yaml",
        "area.weeks.values[2013-01-01]",
        "gap from",
        standard__area=rules,
    )


def test_null_value_needs_a_reason(law_tree: LawTree) -> None:
    rules = _rules(area__weeks={"values": [{"valid_from": "2013-01-01", "value": None}]})
    _refused(law_tree, "standard/area.yaml", "area.weeks", "needs a 'reason'", standard__area=rules)


def test_value_must_fit_unit(law_tree: LawTree) -> None:
    rules = _rules(area__weeks={"values": [{"valid_from": "2013-01-01", "value": "eight"}]})
    _refused(
        law_tree, "standard/area.yaml", "area.weeks", "does not fit unit", standard__area=rules
    )


def test_overlapping_exemptions_without_supersedes(law_tree: LawTree) -> None:
    other = {
        "id": "T-2",
        "title": "Trial two",
        "status": "granted",
        "decision": CITE,
        "decided": "2017-12-21",
        "hjemmel": "executive_order",
        "valid_from": "2019-01-01",
        "valid_to": "2021-01-01",
        "clauses": [
            {
                "id": "T-2/a",
                "municipalities": ["aalborg", "thisted"],
                "target_groups": ["2.14"],
                "overrides": {"area.flag": {"value": False, "reason": "T-2"}},
            }
        ],
    }
    _refused(
        law_tree,
        "trials/T-2.yaml",
        "T-2/a",
        "exemption overlaps T-1/a on rule area.flag for aalborg",
        **{"extra:trials/T-2.yaml": other},
    )


def test_supersedes_resolves_the_overlap(law_tree: LawTree) -> None:
    other = {
        "id": "T-2",
        "title": "Trial two",
        "status": "granted",
        "decision": CITE,
        "decided": "2017-12-21",
        "hjemmel": "executive_order",
        "valid_from": "2019-01-01",
        "valid_to": "2021-01-01",
        "clauses": [
            {
                "id": "T-2/a",
                "municipalities": ["aalborg"],
                "target_groups": ["2.14"],
                "supersedes": ["T-1/a"],
                "supersedes_reason": "more specific (test)",
                "overrides": {"area.flag": {"value": False, "reason": "T-2 wins"}},
            }
        ],
    }
    rb = load_rulebook(law_tree(**{"extra:trials/T-2.yaml": other}))
    res = rb.resolve("area.flag", ResolutionContext("aalborg", "2.14", date(2019, 6, 1)))
    assert res.regime == "TRIAL:T-2"
    res = rb.resolve(
        "area.flag", ResolutionContext("aalborg", "2.14", date(2018, 6, 1), {"a.fact": True})
    )
    assert res.regime == "TRIAL:T-1"


def test_contradictory_conditions_are_not_an_overlap(law_tree: LawTree) -> None:
    other = {
        "id": "T-2",
        "title": "Trial two",
        "status": "granted",
        "decision": CITE,
        "decided": "2017-12-21",
        "hjemmel": "executive_order",
        "valid_from": "2019-01-01",
        "clauses": [
            {
                "id": "T-2/a",
                "municipalities": ["aalborg"],
                "target_groups": ["2.14"],
                "conditions": [{"fact": "a.fact", "equals": False}],
                "overrides": {"area.flag": {"value": False, "reason": "T-2"}},
            }
        ],
    }
    load_rulebook(law_tree(**{"extra:trials/T-2.yaml": other}))


def test_unknown_municipality(law_tree: LawTree) -> None:
    _refused(
        law_tree,
        "trials/T-1.yaml",
        "T-1/a.municipalities",
        "unknown municipality 'aarhus'",
        **{"extra:trials/T-1.yaml": _trial(municipalities=["aarhus"])},
    )


def test_unknown_target_group(law_tree: LawTree) -> None:
    _refused(
        law_tree,
        "trials/T-1.yaml",
        "T-1/a.target_groups",
        "unknown target group '2.99'",
        **{"extra:trials/T-1.yaml": _trial(target_groups=["2.99"])},
    )


def test_unparseable_date(law_tree: LawTree) -> None:
    rules = _rules(area__weeks={"values": [{"valid_from": "2018-13-01", "value": 8}]})
    _refused(
        law_tree,
        "standard/area.yaml",
        "area.weeks.values.0.valid_from",
        "unparseable date '2018-13-01'",
        standard__area=rules,
    )


def test_unparseable_date_in_words(law_tree: LawTree) -> None:
    trial = copy.deepcopy(MINIMAL["trials/T-1.yaml"])
    assert isinstance(trial, dict)
    trial["valid_from"] = "1. juli 2018"
    _refused(
        law_tree,
        "trials/T-1.yaml",
        "T-1.valid_from",
        "expected YYYY-MM-DD",
        **{"extra:trials/T-1.yaml": trial},
    )


def test_override_of_unknown_rule(law_tree: LawTree) -> None:
    clause = _trial(overrides={"area.nope": {"value": False, "reason": "x"}})
    _refused(
        law_tree,
        "trials/T-1.yaml",
        "T-1/a.overrides.area.nope",
        "override of a rule that does not exist",
        **{"extra:trials/T-1.yaml": clause},
    )


def test_condition_on_undeclared_fact(law_tree: LawTree) -> None:
    clause = _trial(conditions=[{"fact": "consent.unknown", "equals": True}])
    _refused(
        law_tree,
        "trials/T-1.yaml",
        "T-1/a.conditions",
        "condition on undeclared fact 'consent.unknown'",
        **{"extra:trials/T-1.yaml": clause},
    )


def test_duplicate_yaml_keys(law_tree: LawTree) -> None:
    text = """
area.weeks:
  description: Some weeks
  unit: weeks
  citation: {act: "Test act § 1", provenance: "[001:L1]"}
  values:
    - {valid_from: 2013-01-01, value: 8}
area.weeks:
  description: Again
  unit: weeks
  citation: {act: "Test act § 1", provenance: "[001:L1]"}
  values:
    - {valid_from: 2013-01-01, value: 9}
"""
    _refused(
        law_tree, "standard/area.yaml", "line 8", "duplicate key 'area.weeks'", standard__area=text
    )


def test_refused_trial_with_clauses_is_refused(law_tree: LawTree) -> None:
    trial = copy.deepcopy(MINIMAL["trials/T-1.yaml"])
    assert isinstance(trial, dict)
    trial["status"] = "refused"
    _refused(
        law_tree,
        "trials/T-1.yaml",
        "T-1",
        "must not have clauses",
        **{"extra:trials/T-1.yaml": trial},
    )


def test_a_dated_value_without_its_decision_day_is_refused(law_tree: LawTree) -> None:
    rules = _rules(area__weeks={"values": [{"valid_from": "2013-01-01", "value": 8}]})
    _refused(
        law_tree,
        "standard/area.yaml",
        "area.weeks.values[2013-01-01]",
        "missing required field 'decided'",
        standard__area=rules,
    )


def test_a_trial_without_its_decision_day_is_refused(law_tree: LawTree) -> None:
    trial = copy.deepcopy(MINIMAL["trials/T-1.yaml"])
    assert isinstance(trial, dict)
    del trial["decided"]
    _refused(
        law_tree,
        "trials/T-1.yaml",
        "T-1",
        "missing required field 'decided'",
        **{"trials__T-1": trial},
    )


def test_a_decision_day_not_in_the_register_is_refused(law_tree: LawTree) -> None:
    rules = _rules(
        area__weeks={"values": [{"valid_from": "2013-01-01", "decided": "2012-06-01", "value": 8}]}
    )
    _refused(
        law_tree,
        "standard/area.yaml",
        "area.weeks.values[2013-01-01].decided",
        "not a day listed in decisions.yaml",
        standard__area=rules,
    )


def test_a_value_decided_after_it_takes_effect_loads(law_tree: LawTree) -> None:
    # retroactive law is allowed; `rules explain` flags it
    rules = _rules(
        area__weeks={"values": [{"valid_from": "2013-01-01", "decided": "2017-12-21", "value": 8}]}
    )
    rb = load_rulebook(law_tree(standard__area=rules))
    assert rb.rule("area.weeks").values[0].decided == date(2017, 12, 21)
