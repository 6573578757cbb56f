"""Citations read as act and paragraph; the seed line stays available as provenance."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from domain.rulebook import citation_text

LAW = Path(__file__).resolve().parents[2] / "domain" / "rulebook" / "law"


def _citations(node: Any) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        if "act" in node and "provenance" in node:
            yield str(node["act"]), str(node["provenance"])
        for value in node.values():
            yield from _citations(value)
    elif isinstance(node, list):
        for value in node:
            yield from _citations(value)


def _all_citations() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for path in sorted(LAW.rglob("*.yaml")):
        found.extend(_citations(yaml.safe_load(path.read_text(encoding="utf-8"))))
    return found


def test_every_rulebook_citation_splits_back_into_its_act_and_provenance() -> None:
    pairs = _all_citations()
    assert len(pairs) > 100
    for act, provenance in pairs:
        parts = citation_text.split(f"{act} {provenance}")
        assert (parts.act, parts.provenance) == (act, provenance)


@pytest.mark.parametrize(
    ("text", "act", "provenance"),
    [
        ("SDL § 11a [001:L2273]", "SDL § 11a", "[001:L2273]"),
        ("SDL § 13b public law, to confirm", "SDL § 13b", "public law, to confirm"),
        ("SDL §§ 13a-13b § [001:L1142]; number", "SDL §§ 13a-13b", "§ [001:L1142]; number"),
        ("LAB § 16", "LAB § 16", ""),
    ],
)
def test_split(text: str, act: str, provenance: str) -> None:
    assert citation_text.split(text) == citation_text.CitationParts(act, provenance)


def test_an_act_cited_from_two_seed_lines_is_named_once() -> None:
    cites = ["SDL § 11a [001:L2273]", "SDL § 11a [001:L2273, L2335-2344]", "LAB § 16 [001:L9]"]
    assert citation_text.readable(cites) == "SDL § 11a; LAB § 16"
    assert citation_text.readable(cites, provenance=True) == (
        "SDL § 11a [001:L2273] [001:L2273, L2335-2344]; LAB § 16 [001:L9]"
    )
    assert "[" not in citation_text.readable(cites)
