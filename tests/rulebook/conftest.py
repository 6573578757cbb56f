"""Fixtures for the rulebook tests: the packaged rulebook, and a tiny law tree builder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from domain.rulebook import Rulebook, load_rulebook


@pytest.fixture(scope="session")
def rb() -> Rulebook:
    return load_rulebook()


CITE = {"act": "Test act § 1", "provenance": "[001:L1]"}

MINIMAL: dict[str, object] = {
    "municipalities.yaml": {
        "municipalities": [
            {"id": "aalborg", "name": "Aalborg", "code": 851, "citation": CITE},
            {"id": "thisted", "name": "Thisted", "code": 787, "citation": CITE},
        ]
    },
    "target_groups.yaml": {
        "target_groups": [
            {"code": "2.5", "name": "sygedagpenge", "citation": CITE},
            {"code": "2.14", "name": "jaf", "citation": CITE},
        ]
    },
    "facts.yaml": {
        "facts": [
            {"name": "a.fact", "type": "bool", "recorded_by": "assessment", "description": "x"}
        ]
    },
    "decisions.yaml": {
        "decisions": [
            {"day": "2013-01-01", "title": "baseline", "citation": CITE},
            {"day": "2017-12-21", "title": "grant", "citation": CITE},
            {"day": "2019-05-07", "title": "new law", "citation": CITE},
        ]
    },
    "regimes.yaml": {
        "standard": [
            {
                "id": "S1",
                "valid_from": "2013-01-01",
                "valid_to": "2020-01-01",
                "decided": "2013-01-01",
                "description": "old",
                "citation": CITE,
            },
            {
                "id": "S2",
                "valid_from": "2020-01-01",
                "decided": "2019-05-07",
                "description": "new",
                "citation": CITE,
            },
        ]
    },
    "standard/area.yaml": {
        "area.weeks": {
            "description": "Some weeks",
            "unit": "weeks",
            "citation": CITE,
            "values": [{"valid_from": "2013-01-01", "decided": "2013-01-01", "value": 8}],
        },
        "area.flag": {
            "description": "A duty",
            "unit": "bool",
            "citation": CITE,
            "values": [{"valid_from": "2013-01-01", "decided": "2013-01-01", "value": True}],
        },
    },
    "trials/T-1.yaml": {
        "id": "T-1",
        "title": "Trial one",
        "status": "granted",
        "decision": CITE,
        "decided": "2017-12-21",
        "hjemmel": "executive_order",
        "valid_from": "2018-01-01",
        "valid_to": "2022-01-01",
        "clauses": [
            {
                "id": "T-1/a",
                "municipalities": ["aalborg"],
                "target_groups": ["2.14"],
                "conditions": [{"fact": "a.fact", "equals": True}],
                "overrides": {"area.flag": {"value": False, "reason": "T-1 in {municipality}"}},
            }
        ],
    },
}


LawTree = Callable[..., Path]


@pytest.fixture
def law_tree(tmp_path: Path) -> LawTree:
    """Write the minimal valid law tree, with some files replaced by raw text or data."""

    def build(**replace: object) -> Path:
        root = tmp_path / "law"
        for rel, content in MINIMAL.items():
            key = rel.replace("/", "__").removesuffix(".yaml")
            data = replace.get(key, content)
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
            path.write_text(text, encoding="utf-8")
        (root / "reforms").mkdir(exist_ok=True)
        for rel, data in replace.items():
            if rel.startswith("extra:"):
                path = root / rel.removeprefix("extra:")
                path.parent.mkdir(parents=True, exist_ok=True)
                text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
                path.write_text(text, encoding="utf-8")
        return root

    return build
