"""This file defines ``RuleSlice``: the part of the rulebook one municipality's cases need.

A workflow receives its slice through a recorded activity result, so a replay never depends
on the worker's current files. The slice is plain pydantic data (JSON through the pydantic
data converter) and its hash is over canonical JSON, so the same slice always has the same
hash and a tampered or truncated slice is refused by ``Rulebook.from_slice``.
"""

from __future__ import annotations

import hashlib

from pydantic import BaseModel, ConfigDict

from domain.rulebook.errors import RulebookError
from domain.rulebook.loader import canonical_json, law_payload
from domain.rulebook.model import LawData


class RuleSlice(BaseModel):
    """Everything a case in ``municipality`` could need: all rules, the reference data, the
    trials with only this municipality's clauses (refused trials kept for status answers),
    the reforms, and the parameters in effect there."""

    model_config = ConfigDict(frozen=True)

    municipality: str
    content_hash: str
    law_hash: str
    """Hash of the full rulebook the slice was cut from (for audit and search attributes)."""
    law: LawData


def slice_hash(municipality: str, law: LawData) -> str:
    payload = {"municipality": municipality, "law": law_payload(law)}
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()


def cut(law: LawData, municipality: str, law_hash: str) -> RuleSlice:
    trials = {}
    for tid, trial in law.trials.items():
        clauses = [
            c.model_copy(
                update={
                    "municipalities": [municipality],
                    "municipality_periods": {
                        k: v for k, v in c.municipality_periods.items() if k == municipality
                    },
                }
            )
            for c in trial.clauses
            if municipality in c.municipalities
        ]
        trials[tid] = trial.model_copy(
            update={
                "clauses": clauses,
                "applicants": [m for m in trial.applicants if m == municipality],
            }
        )
    parameters = {
        tid: {scope: values for scope, values in table.items() if scope in ("*", municipality)}
        for tid, table in law.parameters.items()
    }
    part = law.model_copy(
        update={
            "municipalities": [m for m in law.municipalities if m.id == municipality],
            "trials": trials,
            "parameters": parameters,
            "sources": {},
        }
    )
    # Round-trip through JSON once so the slice carries exactly what a peer would decode.
    part = LawData.model_validate_json(canonical_json(law_payload(part)))
    return RuleSlice(
        municipality=municipality,
        content_hash=slice_hash(municipality, part),
        law_hash=law_hash,
        law=part,
    )


def verify(rule_slice: RuleSlice) -> LawData:
    actual = slice_hash(rule_slice.municipality, rule_slice.law)
    if actual != rule_slice.content_hash:
        raise RulebookError(
            "<slice>",
            rule_slice.municipality,
            f"content hash mismatch: expected {rule_slice.content_hash}, got {actual}",
        )
    return rule_slice.law
