"""A rule slice packed for a workflow's history, and a cache of compiled slices.

A municipality's slice is ~140 KB of JSON. It is recorded in the history of every run
(so replays never read the worker's files), which makes its size matter: zlib shrinks it
about tenfold. Compiling it costs milliseconds, so compiled slices are cached by their
content hash: the same hash is the same law, so sharing them is deterministic.
"""

from __future__ import annotations

import base64
import threading
import zlib
from collections import OrderedDict

from pydantic import BaseModel, ConfigDict

from domain.rulebook.resolver import Rulebook
from domain.rulebook.slice import RuleSlice

__all__ = ["PackedRuleSlice", "compiled", "pack"]

_CACHE: OrderedDict[str, Rulebook] = OrderedDict()
_CACHE_SIZE = 64
_LOCK = threading.Lock()  # workflow tasks of one worker run on several threads


class PackedRuleSlice(BaseModel):
    model_config = ConfigDict(frozen=True)

    municipality: str
    content_hash: str
    data: str
    """base64 of the zlib-compressed JSON of the RuleSlice."""


def pack(rule_slice: RuleSlice) -> PackedRuleSlice:
    raw = zlib.compress(rule_slice.model_dump_json().encode(), level=9)
    return PackedRuleSlice(
        municipality=rule_slice.municipality,
        content_hash=rule_slice.content_hash,
        data=base64.b64encode(raw).decode("ascii"),
    )


def compiled(packed: PackedRuleSlice) -> Rulebook:
    """The slice's rulebook; `Rulebook.from_slice` verifies the hash on first use."""
    with _LOCK:
        rules = _CACHE.get(packed.content_hash)
        if rules is not None:
            _CACHE.move_to_end(packed.content_hash)
            return rules
    raw = zlib.decompress(base64.b64decode(packed.data))
    rules = Rulebook.from_slice(RuleSlice.model_validate_json(raw))
    with _LOCK:
        _CACHE[packed.content_hash] = rules
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return rules
