"""Wire vocabulary of a citizen's limit registry: one entity workflow per pseudonymous
citizen reference (`citizen-limit-cz_...`) holding the claims of the citizen's cases.

The reference is the gateway's keyed hash of the CPR number (`workers/gateway/citizens.py`);
nothing here ever sees a CPR number. Its shape is checked wherever it arrives, so a field
meant for a reference cannot carry anything else (a CPR number included).
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from domain.offers.citizen_limits import LimitClaim, LimitDecision

__all__ = [
    "CLAIM_BATCH_UPDATE",
    "HOLDINGS_QUERY",
    "LIMIT_WORKFLOW",
    "MAX_BATCH",
    "REF_LETTERS",
    "CitizenLimitInput",
    "ClaimBatch",
    "ClaimBatchAnswer",
    "Holdings",
    "check_citizen_ref",
    "limit_workflow_id",
]

LIMIT_WORKFLOW = "CitizenLimitWorkflow"
CLAIM_BATCH_UPDATE = "claim_batch"
HOLDINGS_QUERY = "holdings"
MAX_BATCH = 100

REF_LETTERS = "abcdefghijklmnop"
"""The 16 symbols a reference's 128 bits are written in (one per nibble). Letters, not hex
digits: hex has a run of ten digits in roughly one reference in twenty, which the CPR
checks would refuse and the log scrubber would mask."""
_REF = re.compile(rf"cz_[{REF_LETTERS}]{{32}}")


def check_citizen_ref(value: str, field: str = "citizen_ref") -> str:
    """`value` if it is shaped like a citizen reference, else ValueError (never echoing it)."""
    if not _REF.fullmatch(value):
        raise ValueError(
            f"{field} must be a citizen reference from POST /v1/citizens/reference "
            "(cz_ and 32 letters a-p)"
        )
    return value


def limit_workflow_id(citizen_ref: str) -> str:
    return f"citizen-limit-{check_citizen_ref(citizen_ref)}"


class CitizenLimitInput(BaseModel):
    """Start (or continue-as-new) input: the claims held, carried across runs."""

    citizen_ref: str
    claims: tuple[LimitClaim, ...] = ()
    answers: dict[str, LimitDecision] = Field(default_factory=dict)
    """Claim id -> its decision, so a claim asked again (also after a refusal) is answered
    the same; granted claims are also in `claims`."""
    requests_per_run: int = Field(default=500, ge=1)


class ClaimBatch(BaseModel):
    model_config = ConfigDict(frozen=True)

    claims: tuple[LimitClaim, ...] = Field(min_length=1, max_length=MAX_BATCH)


class ClaimBatchAnswer(BaseModel):
    model_config = ConfigDict(frozen=True)

    answers: tuple[LimitDecision, ...]


class Holdings(BaseModel):
    """What the registry holds: the granted claims (identifiers, codes, dates, weeks)."""

    claims: tuple[LimitClaim, ...]
