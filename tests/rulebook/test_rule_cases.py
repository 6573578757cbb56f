"""Rule cases as data: every YAML row under cases/ is one resolution and its expected answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from domain.rulebook import ResolutionContext, Rulebook

CASES = [
    row
    for path in sorted((Path(__file__).parent / "cases").glob("*.yaml"))
    for row in yaml.safe_load(path.read_text(encoding="utf-8"))
]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_rule_case(rb: Rulebook, case: dict[str, Any]) -> None:
    ctx = ResolutionContext(
        municipality=case["municipality"],
        target_group=str(case["target_group"]),
        on=case["date"],
        facts=case.get("facts") or {},
        reform=case.get("reform"),
    )
    res = rb.resolve(case["rule"], ctx)
    expected = case["expected"]
    assert res.value == expected["value"], res.reason
    assert res.regime == expected["regime"], res.reason
    assert res.applicable == expected.get("applicable", expected["value"] is not None)
    assert res.citations, "every answer carries at least one citation"
    assert res.reason
