"""Citations read as act and paragraph; the seed line stays available as provenance."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from domain.rulebook import Rulebook, citation_text, load_rulebook
from workers.cli.app import app as cli_app

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


def _trial_texts(trial: Any) -> list[str]:
    return [c.text for c in (trial.decision, trial.period_citation) if c is not None]


def test_every_trial_reads_as_its_programme_id_and_grant_letter_from_the_data() -> None:
    rb = load_rulebook()
    read = citation_text.reader(rb)
    letters = {d.day: d.grant_letter for d in rb.decisions() if d.grant_letter is not None}
    assert letters, "decisions.yaml names the grant letters"
    for trial in rb.law.trials.values():
        letter = letters.get(trial.decided)
        assert letter is not None, f"{trial.id}: its decision day has no grant letter"
        label = f"{letter.programme}, {trial.id} ({letter.letter.act})"
        assert read.trial_label(trial.id) == label
        texts = [*_trial_texts(trial), "SDL § 11a [001:L2273]"]
        assert read.acts(texts, f"TRIAL:{trial.id}") == [label, "SDL § 11a"]
        assert trial.decision.act not in read.readable(texts, f"TRIAL:{trial.id}")
        # the seed lines stay, each once, after what they stand behind
        with_sources = read.readable(texts, f"TRIAL:{trial.id}", provenance=True)
        assert with_sources.startswith(f"{label} {trial.decision.provenance}")
        assert with_sources.count(trial.decision.provenance) == 1


def test_a_note_two_trials_share_is_read_as_the_trial_the_regime_names() -> None:
    rb = load_rulebook()
    read = citation_text.reader(rb)
    shared = rb.law.trials["FK-3.i"].period_citation
    assert shared is not None and shared == rb.law.trials["FK-3.j"].period_citation
    assert read.acts([shared.text], "TRIAL:FK-3.j") == [read.trial_label("FK-3.j")]
    assert read.acts([shared.text], "TRIAL:FK-3.i") == [read.trial_label("FK-3.i")]
    # without a regime to say whose it is, it is not guessed
    assert read.acts([shared.text]) == [shared.act]


def test_a_slice_reads_trials_like_the_whole_rulebook_and_unknown_text_reads_as_its_act() -> None:
    rb = load_rulebook()
    piece = citation_text.reader(Rulebook.from_slice(rb.slice_for("jammerbugt")))
    trial = rb.law.trials["FK-2.c"]
    assert piece.acts(_trial_texts(trial), "TRIAL:FK-2.c") == [
        citation_text.reader(rb).trial_label("FK-2.c")
    ]
    assert piece.acts(["Lov om noget § 1 [001:L1]"], "TRIAL:FK-2.c") == ["Lov om noget § 1"]


def test_rules_explain_names_the_trial_by_its_grant_letter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    args = ["rules", "explain", "-m", "jammerbugt", "-g", "2.5", "-d", "2019-06-01"]
    shown = CliRunner().invoke(cli_app, args)
    assert shown.exit_code == 0, shown.output
    assert "Frikommuneforsøg II, FK-2.c (bevilling 26-06-2017, sagsnr. 2017-2328)" in shown.output
    assert "Tilsagnsskrivelse 26-06-2017 (round 2)" not in shown.output
    as_json = CliRunner().invoke(cli_app, [*args, "--json"])
    rows = [r for r in json.loads(as_json.output)["rules"] if r["regime"] == "TRIAL:FK-2.c"]
    assert rows and all(r["cited_as"][0].startswith("Frikommuneforsøg II, FK-2.c") for r in rows)
    assert all(any("Tilsagnsskrivelse" in c for c in r["citations"]) for r in rows)


def test_citations_inside_a_reason_read_as_people_cite_them() -> None:
    rb = load_rulebook()
    cite = citation_text.reader(rb)
    trial = rb.law.trials["FK-1.c"]
    reason = (
        f"referral refused: FK-1.c does not cover Thisted ({trial.decision.text}); "
        f"rule x.y: {rb.law.rules['sdp.followup.first_by_week'].citation.text}; STANDARD_2015"
    )
    shown = cite.in_text(reason)
    assert f"({cite.trial_label('FK-1.c')})" in shown, shown
    assert trial.decision.act not in shown
    assert not re.search(r"\[\d{3}:", shown), shown
    assert shown.endswith("; STANDARD_2015")
    assert cite.in_text("no citation here") == "no citation here"
