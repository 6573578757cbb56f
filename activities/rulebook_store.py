"""Published rulebook versions: immutable, addressed by content hash, readable by any worker.

A roll-out names a version by its content hash. Two worker deployments may carry
different law files at the same time, so a case must not load "whatever this worker has":
it loads the version the roll-out names from this store. Layout under the root (the data
dir's `rulebooks/` by default, a shared volume in a multi-host deployment):

    versions/<content hash>.json   {"content_hash", "published_at", "slices": {m: slice hash}}
    slices/<slice hash>.json       a PackedRuleSlice (zlib JSON, its own content hash)

Files are written once (to a temporary name, then renamed), never changed: publishing the
same rulebook twice is a no-op, and a reader never sees half a file. A slice read back is
verified against its hash by `Rulebook.from_slice` before any case uses it.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from domain.rulebook import Rulebook
from domain.rulebook.packed import PackedRuleSlice, pack

__all__ = [
    "STORE_DIR",
    "PublishedVersion",
    "RulebookStore",
    "UnknownVersion",
]

STORE_DIR = "rulebooks"
"""The store's directory under a data dir."""

_HEX = re.compile(r"^[0-9a-f]{8,64}$")


class UnknownVersion(LookupError):
    """No published version (or slice) has this hash; the message names the field only."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


class PublishedVersion(BaseModel):
    model_config = ConfigDict(frozen=True)

    content_hash: str
    published_at: datetime
    slices: dict[str, str]
    """Municipality id -> the content hash of its slice in this version."""


def _write_once(path: Path, data: str) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


class RulebookStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> RulebookStore:
        return cls(data_dir / STORE_DIR)

    def publish(self, rules: Rulebook) -> PublishedVersion:
        """Store every municipality's slice of `rules` and the version naming them."""
        existing = self._read_version(rules.content_hash)
        if existing is not None:
            return existing
        slices: dict[str, str] = {}
        for municipality in rules.municipalities():
            packed = pack(rules.slice_for(municipality.id))
            _write_once(self._slice_path(packed.content_hash), packed.model_dump_json())
            slices[municipality.id] = packed.content_hash
        version = PublishedVersion(
            content_hash=rules.content_hash, published_at=datetime.now(UTC), slices=slices
        )
        # The version file last: once it exists, every slice it names exists.
        _write_once(self._version_path(version.content_hash), version.model_dump_json())
        return version

    def resolve(self, ref: str) -> str:
        """The full content hash for a hash or a unique prefix of at least 8 hex digits."""
        ref = ref.strip().lower()
        if not _HEX.match(ref):
            raise UnknownVersion("version", "must be a rulebook content hash (8-64 hex digits)")
        if len(ref) == 64:
            if not self._version_path(ref).exists():
                raise UnknownVersion("version", "no published rulebook has this hash")
            return ref
        matches = [h for h in self.versions() if h.startswith(ref)]
        if not matches:
            raise UnknownVersion("version", "no published rulebook has this hash")
        if len(matches) > 1:
            raise UnknownVersion("version", "this prefix names more than one published rulebook")
        return matches[0]

    def version(self, ref: str) -> PublishedVersion:
        found = self._read_version(self.resolve(ref))
        if found is None:  # deleted between resolve and read: treat as unknown
            raise UnknownVersion("version", "no published rulebook has this hash")
        return found

    def versions(self) -> list[str]:
        folder = self.root / "versions"
        if not folder.is_dir():
            return []
        return sorted(p.stem for p in folder.glob("*.json") if _HEX.match(p.stem))

    def slice(self, version_hash: str, municipality: str) -> PackedRuleSlice:
        version = self.version(version_hash)
        slice_hash = version.slices.get(municipality)
        if slice_hash is None:
            raise UnknownVersion("municipality", "the rulebook version has no such municipality")
        path = self._slice_path(slice_hash)
        try:
            packed = PackedRuleSlice.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValidationError):
            raise UnknownVersion(
                "version", "a slice of this rulebook version is unreadable"
            ) from None
        if packed.content_hash != slice_hash or packed.municipality != municipality:
            raise UnknownVersion("version", "a slice of this rulebook version does not match it")
        return packed

    def _read_version(self, content_hash: str) -> PublishedVersion | None:
        path = self._version_path(content_hash)
        try:
            return PublishedVersion.model_validate_json(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None

    def _version_path(self, content_hash: str) -> Path:
        return self.root / "versions" / f"{content_hash}.json"

    def _slice_path(self, slice_hash: str) -> Path:
        return self.root / "slices" / f"{slice_hash}.json"
