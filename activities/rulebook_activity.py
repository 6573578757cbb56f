"""The rules a case runs on reach its workflow through these (local) activities.

Their result -- a municipality's rule slice with a content hash -- is recorded in the
workflow's history, so a replay never reads files. `load_rule_slice` gives the slice of
the rulebook this worker carries (a case's first run); `load_published_slice` gives the
slice of a *published* version named by its hash (a roll-out), read from the shared
store, so every worker hands a case the same law whatever files it was deployed with.
"""

from __future__ import annotations

import asyncio

from pydantic import BaseModel
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.rulebook_store import RulebookStore, UnknownVersion
from domain.rulebook import load_rulebook
from domain.rulebook.packed import PackedRuleSlice, compiled, pack

__all__ = [
    "LOAD_PUBLISHED_SLICE",
    "LOAD_RULE_SLICE",
    "UNKNOWN_RULEBOOK_VERSION",
    "PublishedSliceRequest",
    "RuleSliceRequest",
    "RulebookActivities",
    "load_rule_slice",
]

LOAD_RULE_SLICE = "load_rule_slice"
LOAD_PUBLISHED_SLICE = "load_published_slice"
UNKNOWN_RULEBOOK_VERSION = "UnknownRulebookVersion"


class RuleSliceRequest(BaseModel):
    municipality: str


class PublishedSliceRequest(BaseModel):
    version: str
    """Content hash of a published rulebook version."""
    municipality: str


@activity.defn(name=LOAD_RULE_SLICE)
async def load_rule_slice(request: RuleSliceRequest) -> PackedRuleSlice:
    # The first load parses YAML (well under a second); keep it off the event loop.
    rulebook = await asyncio.to_thread(load_rulebook)
    rule_slice = rulebook.slice_for(request.municipality)
    # Compressing a slice costs tens of milliseconds and every case start asks for one;
    # the same content hash is the same slice, so it is packed once.
    packed = _PACKED.get(rule_slice.content_hash)
    if packed is None:
        packed = _PACKED[rule_slice.content_hash] = pack(rule_slice)
        while len(_PACKED) > _PACKED_SIZE:
            del _PACKED[next(iter(_PACKED))]
    await _warm(packed)
    return packed


async def _warm(packed: PackedRuleSlice) -> None:
    """Compile the slice here, off the workflow thread, into the process-wide cache that the
    workflow's own `compiled(...)` reads: compiling inside a workflow task can pass the
    SDK's 2 s deadlock limit on a loaded machine. (A replay on a fresh worker, which runs no
    local activity, still compiles in its task.)"""
    await asyncio.to_thread(compiled, packed)


_PACKED: dict[str, PackedRuleSlice] = {}
_PACKED_SIZE = 64


class RulebookActivities:
    """Activities reading the published-version store (one per worker)."""

    def __init__(self, store: RulebookStore) -> None:
        self._store = store
        # Published files never change, so a slice read once is the slice: a roll-out asks
        # for the same few thousand times at once, and a slow read stretches every case's
        # workflow task (a local activity runs inside it).
        self._read: dict[tuple[str, str], PackedRuleSlice] = {}

    @activity.defn(name=LOAD_PUBLISHED_SLICE)
    async def load_published_slice(self, request: PublishedSliceRequest) -> PackedRuleSlice:
        key = (request.version, request.municipality)
        cached = self._read.get(key)
        if cached is not None:
            return cached
        try:
            packed = await asyncio.to_thread(
                self._store.slice, request.version, request.municipality
            )
        except UnknownVersion as error:
            # Not retried: another attempt reads the same immutable store.
            raise ApplicationError(
                error.reason, type=UNKNOWN_RULEBOOK_VERSION, non_retryable=True
            ) from None
        if len(self._read) >= _PACKED_SIZE:
            self._read.clear()
        self._read[key] = packed
        await _warm(packed)
        return packed
