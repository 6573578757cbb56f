"""The rules a case runs on reach its workflow through this (local) activity.

Its result -- the municipality's rule slice with a content hash -- is recorded in the
workflow's history, so a replay never reads the worker's current files, and a changed
rulebook reaches running cases only when a run starts (continue-as-new).
"""

from __future__ import annotations

import asyncio

from pydantic import BaseModel
from temporalio import activity

from domain.rulebook import load_rulebook
from domain.rulebook.packed import PackedRuleSlice, pack

__all__ = ["LOAD_RULE_SLICE", "RuleSliceRequest", "load_rule_slice"]

LOAD_RULE_SLICE = "load_rule_slice"


class RuleSliceRequest(BaseModel):
    municipality: str


@activity.defn(name=LOAD_RULE_SLICE)
async def load_rule_slice(request: RuleSliceRequest) -> PackedRuleSlice:
    # The first load parses YAML (well under a second); keep it off the event loop.
    rulebook = await asyncio.to_thread(load_rulebook)
    return pack(rulebook.slice_for(request.municipality))
