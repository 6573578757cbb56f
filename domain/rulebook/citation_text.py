"""How a citation reads to people: the act and paragraph, with the seed line kept apart.

The rulebook's citations are `{act, provenance}` (`model.Citation`); the resolver hands
them on as one text, `"<act> <provenance>"` (`Citation.text`), which is what obligations,
timeline entries and history carry. A caseworker looks up "SDL § 11a", not our seed line
`[001:L2273]`: the act is what is shown, the provenance is kept for `--provenance` and the
API's `sources`. Render-side only, so recorded histories and stored timelines need no
migration.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# Where the provenance begins in "<act> <provenance>": a seed reference ("[001:L2273]",
# sometimes written "§ [001:L1182]") or the plain "public law, to confirm". Checked
# against every citation of the rulebook in tests/rulebook/test_citation_text.py.
_PROVENANCE_START = re.compile(r"\s(?=(?:§\s)?\[\d{3}|public law)", re.IGNORECASE)


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
