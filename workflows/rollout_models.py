"""Wire vocabulary of a roll-out as a case sees it: the `reload_rules` signal and the
state snapshot a case keeps in its memo for the preview.

The snapshot is the case's recorded state, zlib-compressed; like every memo it passes
through the payload codec, so it is stored encrypted. A list call returns it with each
case, which lets a preview of thousands of cases read them without one query per case.
"""

from __future__ import annotations

import base64
import zlib
from dataclasses import replace

from pydantic import BaseModel, ConfigDict

from domain.case.model import CaseState

__all__ = ["RELOAD_RULES_SIGNAL", "STATE_MEMO", "ReloadRules", "StateMemo"]

RELOAD_RULES_SIGNAL = "reload_rules"
STATE_MEMO = "caseflow.state"


class ReloadRules(BaseModel):
    """Load `version`'s slice for the case's municipality and re-plan, once per roll-out."""

    model_config = ConfigDict(frozen=True)

    rollout_id: str
    version: str
    """Content hash of a published rulebook version (see activities/rulebook_store.py)."""


class StateMemo(BaseModel):
    simulated: bool
    """A case on a simulated calendar: its `today` is its own, not the wall clock's."""
    state: str
    """base64 of zlib(CaseState JSON)."""

    @classmethod
    def of(cls, state: CaseState, *, simulated: bool) -> StateMemo:
        # Without the timeline: a re-plan only appends to it, and it is what grows with a
        # case's age (the memo stays a few KB however long the case runs).
        raw = zlib.compress(replace(state, timeline=[]).dump_json(), level=6)
        return cls(simulated=simulated, state=base64.b64encode(raw).decode("ascii"))

    def case_state(self) -> CaseState:
        return CaseState.load_json(zlib.decompress(base64.b64decode(self.state)))
