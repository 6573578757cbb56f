"""How a citation reads to people: the act and paragraph, with the seed line kept apart.

The rulebook's citations are `{act, provenance}` (`model.Citation`); the resolver hands
them on as one text, `"<act> <provenance>"` (`Citation.text`), which is what obligations,
timeline entries and history carry. A caseworker looks up "SDL § 11a", not our seed line
`[001:L2273]`: the act is what is shown, the provenance is kept for `--provenance` and the
API's `sources`. Render-side only, so recorded histories and stored timelines need no
migration.

A trial's citations are its grant decision and its period note, whose acts are the YAML's
own wording ("Tilsagnsskrivelse 26-06-2017 (round 2): forudsætning ..."). People cite the
trial instead: `CitationReader` reads them as "Frikommuneforsøg II, FK-2.c (bevilling
26-06-2017, sagsnr. 2017-2328)", every word of it from the rulebook (the trial's id, its
`decided` day and that day's `grant_letter` in decisions.yaml).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from domain.rulebook.model import Citation

if TYPE_CHECKING:
    from domain.rulebook.model import LawData
    from domain.rulebook.resolver import Rulebook

# Where the provenance begins in "<act> <provenance>": a seed reference ("[001:L2273]",
# sometimes written "§ [001:L1182]") or the plain "public law, to confirm". Checked
# against every citation of the rulebook in tests/rulebook/test_citation_text.py.
_PROVENANCE_START = re.compile(r"\s(?=(?:§\s)?\[\d{3}|public law)", re.IGNORECASE)

# A seed reference left in prose by a citation this rulebook does not hold.
_STRAY_SEED = re.compile(r"\s?(?:§\s)?\[\d{3}:L[^\]]*\]")


@dataclass(frozen=True, slots=True)
class CitationParts:
    act: str
    provenance: str


def split(text: str) -> CitationParts:
    """`"SDL § 11a [001:L2273]"` -> act `SDL § 11a`, provenance `[001:L2273]`."""
    found = _PROVENANCE_START.search(text)
    if found is None:
        return CitationParts(text.strip(), "")
    return CitationParts(text[: found.start()].strip(), text[found.end() :].strip())


def acts(citations: Iterable[str]) -> list[str]:
    """The acts of `citations`, each once, in order: two seed lines of one paragraph are
    one thing to look up."""
    seen: list[str] = []
    for citation in citations:
        act = split(citation).act
        if act and act not in seen:
            seen.append(act)
    return seen


def readable(citations: Iterable[str], *, provenance: bool = False) -> str:
    """One line for people: the acts joined by "; ", or with `provenance` each act with its
    seed lines after it (an act cited from two seed lines is named once)."""
    if not provenance:
        return "; ".join(acts(citations))
    grouped: dict[str, list[str]] = {}
    for citation in citations:
        parts = split(citation)
        sources = grouped.setdefault(parts.act, [])
        if parts.provenance and parts.provenance not in sources:
            sources.append(parts.provenance)
    return "; ".join(
        f"{act} {' '.join(sources)}" if sources else act for act, sources in grouped.items()
    )


_ACTS_KEPT = 4096
"""Citation sets whose acts a reader keeps (a rulebook has a few hundred)."""

# The trials a regime label names: "TRIAL:FK-2.c", also inside a combined label.
_TRIAL_REGIME = re.compile(r"TRIAL:([A-Za-z0-9.\-]+)")


@dataclass(frozen=True, slots=True)
class Cited:
    """One thing a person looks up, and the rulebook citations (act, seed line) behind it."""

    text: str
    sources: tuple[CitationParts, ...]


class CitationReader:
    """Citations as people cite them, for one rulebook: a trial's own citations read as the
    trial and its grant letter, everything else as its act (see the module docstring)."""

    def __init__(self, law: LawData) -> None:
        letters = {d.day: d.grant_letter for d in law.decisions if d.grant_letter is not None}
        self._labels: dict[str, str] = {}
        self._owners: dict[str, set[str]] = {}
        for trial in law.trials.values():
            letter = letters.get(trial.decided) if trial.decided else None
            self._labels[trial.id] = (
                f"{letter.programme}, {trial.id} ({letter.letter.act})"
                if letter is not None
                else f"{trial.id} ({trial.decision.act})"
            )
            for citation in (trial.decision, trial.period_citation):
                if citation is not None:
                    self._owners.setdefault(citation.text, set()).add(trial.id)
        self._law = law
        self._patterns: tuple[re.Pattern[str], re.Pattern[str]] | None = None
        # A case ending a phase names the acts of each duty it withdraws: the same few
        # citation sets in every case, so each is read once per reader.
        self._acts: dict[tuple[tuple[str, ...], str | None], tuple[str, ...]] = {}

    def trial_label(self, trial_id: str) -> str | None:
        """How people cite `trial_id`, or None for a trial this rulebook does not hold."""
        return self._labels.get(trial_id)

    def _trial_of(self, text: str, hint: set[str]) -> str | None:
        owners = self._owners.get(text)
        if not owners:
            return None
        # Two trials may share a note ("Until '1. januar 2022'"): the regime says whose.
        named = sorted(owners & hint) or (sorted(owners) if len(owners) == 1 else [])
        return named[0] if named else None

    def cite(self, citations: Iterable[str], regime: str | None = None) -> list[Cited]:
        """The things to look up, each once, in order, each with its rulebook sources."""
        hint = set(_TRIAL_REGIME.findall(regime or ""))
        grouped: dict[str, list[CitationParts]] = {}
        for citation in citations:
            parts = split(citation)
            trial = self._trial_of(citation.strip(), hint)
            key = self._labels[trial] if trial is not None else parts.act
            if not key:
                continue
            sources = grouped.setdefault(key, [])
            if parts not in sources:
                sources.append(parts)
        return [Cited(text, tuple(sources)) for text, sources in grouped.items()]

    def with_sources(
        self, citations: Iterable[str], regime: str | None = None
    ) -> tuple[list[str], list[dict[str, str]]]:
        """For JSON: the things to look up, and the rulebook citations behind them as
        `{act, provenance, cited_as}` (the API's `CitationSource`)."""
        shown = self.cite(citations, regime)
        return [c.text for c in shown], [
            {"act": p.act, "provenance": p.provenance, "cited_as": c.text}
            for c in shown
            for p in c.sources
        ]

    def acts(self, citations: Iterable[str], regime: str | None = None) -> list[str]:
        key = (tuple(citations), regime)
        found = self._acts.get(key)
        if found is None:
            if len(self._acts) >= _ACTS_KEPT:
                self._acts.clear()
            found = self._acts[key] = tuple(cited.text for cited in self.cite(key[0], regime))
        return list(found)

    def readable(
        self, citations: Iterable[str], regime: str | None = None, *, provenance: bool = False
    ) -> str:
        """One line: the things to look up joined by "; ", with `provenance` each followed
        by its seed lines (each once)."""
        return "; ".join(
            _with_provenance(cited) if provenance else cited.text
            for cited in self.cite(citations, regime)
        )

    def in_text(self, text: str, regime: str | None = None) -> str:
        """`text` (a reason, refusal or note) with every citation in it read as people
        cite it: "... (SDL § 11a [001:L2273]; SDL § 11a [001:L2280])" -> "... (SDL § 11a)"."""
        if "[" not in text and "public law" not in text.lower():
            return text  # every rulebook provenance holds one of them
        if self._patterns is None:
            # Built on first use: most readers (the workflow's details) never read prose.
            # Longest first, since a provenance may itself hold "; ".
            texts = sorted(_citation_texts(self._law), key=len, reverse=True)
            one = "|".join(re.escape(t) for t in texts) or r"(?!)"
            self._patterns = re.compile(one), re.compile(f"(?:{one})(?:; (?:{one}))*")
        one_pattern, run = self._patterns
        # Without a regime, the trials the text itself names say whose shared note it cites.
        hint = text if regime is None else regime
        text = run.sub(lambda m: self.readable(one_pattern.findall(m.group(0)), hint), text)
        return _STRAY_SEED.sub("", text)


def _citation_texts(node: Any) -> set[str]:
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Citation):
            found.add(item.text)
        elif isinstance(item, BaseModel):
            stack.extend(getattr(item, name) for name in type(item).model_fields)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return found


def _with_provenance(cited: Cited) -> str:
    seen: list[str] = []
    for parts in cited.sources:
        if parts.provenance and parts.provenance not in seen:
            seen.append(parts.provenance)
    return " ".join([cited.text, *seen])


_READERS: dict[tuple[str, date | None], CitationReader] = {}
_READERS_KEPT = 64


def reader(rules: Rulebook) -> CitationReader:
    """The reader of `rules` (a rulebook, slice or view: one per content hash and view day)."""
    key = (rules.content_hash, rules.known_from)
    found = _READERS.get(key)
    if found is None:
        if len(_READERS) >= _READERS_KEPT:
            _READERS.clear()
        found = _READERS[key] = CitationReader(rules.law)
    return found
