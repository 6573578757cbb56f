"""`caseflow rules diff --version A --version B`: two published versions by content hash."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from activities.rulebook_store import RulebookStore
from domain.rulebook import load_rulebook
from tests.helpers.rulebooks import RT_RULE, law_with_rt_weeks
from workers.cli.app import app

SEED_LINE = re.compile(r"\[\d{3}:")


def _diff(data: Path, *args: str) -> tuple[int, str]:
    versions = [a for v in args for a in ("--version", v)]
    result = CliRunner().invoke(
        app, ["rules", "diff", *versions, "--data-dir", str(data), "--json"]
    )
    return result.exit_code, result.output


def test_two_published_versions_differ_by_the_rule_that_changed_in_every_municipality(
    tmp_path: Path,
) -> None:
    store = RulebookStore.in_data_dir(tmp_path)
    old = store.publish(load_rulebook())
    new = store.publish(load_rulebook(law_with_rt_weeks(tmp_path / "law", 6, date(2026, 1, 1))))

    code, out = _diff(tmp_path, old.content_hash[:12], new.content_hash)
    assert code == 0, out
    payload = json.loads(out)
    assert payload["before"]["rulebook_hash"] == old.content_hash
    assert payload["after"]["rulebook_hash"] == new.content_hash
    rules = [d for d in payload["differences"] if d["kind"] == "rule"]
    assert {d["id"] for d in rules} == {RT_RULE}
    # One line per change, naming every municipality whose slice it changes.
    assert all(d["municipalities"] == sorted(old.slices) for d in rules)
    assert any("6 [2026-01-01, open)" in d["change"] for d in rules)
    assert all(d["citations_after"] for d in rules)
    # People read the act; the seed lines stay in the sources, for auditors.
    assert not any(SEED_LINE.search(c) for d in rules for c in d["citations_after"])
    assert all(SEED_LINE.search(s["provenance"]) for d in rules for s in d["sources_after"])

    code, out = _diff(tmp_path, new.content_hash, new.content_hash)
    assert code == 0 and json.loads(out)["differences"] == []


def test_an_unknown_version_is_refused_naming_the_option(tmp_path: Path) -> None:
    store = RulebookStore.in_data_dir(tmp_path)
    old = store.publish(load_rulebook())
    code, out = _diff(tmp_path, old.content_hash, "ab" * 6)
    assert code == 2
    assert "--version" in out and "no published rulebook has this hash" in out
    code, out = _diff(tmp_path, old.content_hash)
    assert code == 2 and "give two versions" in out
