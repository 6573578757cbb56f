"""What differs between two *published* rulebook versions (by content hash), rule by rule.

A published version is stored as one slice per municipality (activities/rulebook_store.py),
not as law files: each municipality whose slice hash differs is compiled on both sides and
compared with the same `diff_rulebooks` as two directories. A rule changed for every
municipality is one difference naming them all.
"""

from __future__ import annotations

from dataclasses import dataclass

from activities.rulebook_store import PublishedVersion, RulebookStore
from domain.rulebook import citation_text
from domain.rulebook.citation_text import CitationReader
from domain.rulebook.diff import Difference, diff_rulebooks
from domain.rulebook.packed import compiled

__all__ = ["VersionDiff", "diff_versions"]


@dataclass(frozen=True)
class VersionDiff:
    before: PublishedVersion
    after: PublishedVersion
    differences: list[tuple[Difference, tuple[str, ...]]]
    """Each difference with the municipalities whose slices it changes."""
    readers: tuple[CitationReader, CitationReader] | None = None
    """How each side's citations read to people (from a compared slice; every slice of a
    version carries the same grant letters), or None when no slice was compared."""


def diff_versions(store: RulebookStore, before_ref: str, after_ref: str) -> VersionDiff:
    """Raises `UnknownVersion` (naming the field) for a hash no published version has."""
    before, after = store.version(before_ref), store.version(after_ref)
    found: dict[Difference, list[str]] = {}
    readers: tuple[CitationReader, CitationReader] | None = None
    for municipality in sorted(set(before.slices) | set(after.slices)):
        a, b = before.slices.get(municipality), after.slices.get(municipality)
        if a == b:
            continue  # the same slice hash is the same law
        if a is None or b is None:
            change = "added" if a is None else "removed"
            found.setdefault(Difference("municipality", municipality, change, (), ()), [])
            continue
        rules_a = compiled(store.slice(before.content_hash, municipality))
        rules_b = compiled(store.slice(after.content_hash, municipality))
        if readers is None:
            readers = citation_text.reader(rules_a), citation_text.reader(rules_b)
        for difference in diff_rulebooks(rules_a, rules_b):
            found.setdefault(difference, []).append(municipality)
    return VersionDiff(before, after, [(d, tuple(ms)) for d, ms in found.items()], readers)
