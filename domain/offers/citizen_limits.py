"""Limits the law sets per citizen, not per case, decided from the claims a citizen holds.

Three limits span a citizen's cases, so no case alone can hold them:

- `upskilling_weeks`: at most `vejledning.max_weeks_in_first_26` weeks of guidance and
  upskilling in the first weeks of one unemployment spell, whatever case granted them
  (the same decision as `may_upskill`, with the weeks counted here instead of reported).
- `psyk_referral`: FK-2.b gives one course per citizen, no re-referral
  (`psyk.re_referral.allowed` [001:L2231]).
- `microloan`: FK-1.a's places are counted in citizens (`mikrolaan.places_per_citizen.max`,
  "begrænset til 80 borgere" [001:L3470]), so a second case of the same citizen gets none.

The caller no longer says what the citizen used before: the claims held are the count.
Pure: the entity workflow that holds a citizen's claims calls `decide` for each new one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.offers.decisions import Citizen, may_upskill
from domain.rulebook import Resolution, ResolutionContext, Rulebook

__all__ = ["LimitClaim", "LimitDecision", "LimitKind", "decide", "upskilling_weeks_held"]

LimitKind = Literal["upskilling_weeks", "psyk_referral", "microloan"]

REREFERRAL_RULE = "psyk.re_referral.allowed"
MICROLOAN_RULE = "mikrolaan.places_per_citizen.max"


class LimitClaim(BaseModel):
    """One use of a per-citizen limit by one case: identifiers, codes and dates only."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    claim_id: str = Field(min_length=1, max_length=128)
    """Idempotency key: a claim asked for again gets its first answer."""
    kind: LimitKind
    action: Literal["claim", "release"] = "claim"
    """`release` gives a granted claim back, when what it was for did not happen (the
    trial refused the seat it was claimed for)."""
    case_workflow_id: str = Field(min_length=1, max_length=200)
    municipality: str
    target_group: str
    on: date
    weeks: int = Field(default=0, ge=0)
    """Upskilling only: the weeks this course takes."""
    unemployment_start: date | None = None
    """Upskilling only: first day of the unemployment spell whose first weeks are capped;
    claims of the same spell are summed."""
    under_30_unqualified: bool = False
    """Upskilling only: the one group the cap leaves out (the youth rules govern it)."""


class LimitDecision(BaseModel):
    model_config = ConfigDict(frozen=True)

    granted: bool
    reason: str
    rule: str
    citations: tuple[str, ...] = ()
    regime: str = ""
    used: int = 0
    """What the citizen holds of this limit after the decision (weeks, courses, places)."""


def decide(rulebook: Rulebook, held: Sequence[LimitClaim], claim: LimitClaim) -> LimitDecision:
    """Grant or refuse `claim` given the claims the citizen already holds (all kinds)."""
    same = [c for c in held if c.kind == claim.kind and c.claim_id != claim.claim_id]
    if claim.kind == "upskilling_weeks":
        return _upskilling(rulebook, same, claim)
    ctx = ResolutionContext(claim.municipality, claim.target_group, claim.on)
    if claim.kind == "psyk_referral":
        rule = rulebook.resolve(REREFERRAL_RULE, ctx)
        # Anything but an explicit "allowed" keeps one course: outside FK-2.b there is no
        # municipal treatment to count, and the case refuses that referral itself.
        if same and rule.value is not True:
            return _refused(rule, f"no re-referral: the citizen has had a course ({rule.reason})")
        return _granted(rule, len(same) + 1, "first referral of this citizen")
    rule = rulebook.resolve(MICROLOAN_RULE, ctx)
    cap = rule.value if isinstance(rule.value, int) else None
    if cap is not None and len(same) >= cap:
        return _refused(
            rule,
            f"the citizen already holds {len(same)} of {cap} microloan place(s) "
            f"under another case ({rule.reason})",
            used=len(same),
        )
    return _granted(rule, len(same) + 1, f"place {len(same) + 1} of {cap} for this citizen")


def upskilling_weeks_held(held: Sequence[LimitClaim], unemployment_start: date) -> int:
    """Weeks of guidance and upskilling the citizen holds in the spell that began then."""
    return sum(c.weeks for c in _spell(held, unemployment_start))


def _spell(held: Sequence[LimitClaim], start: date) -> list[LimitClaim]:
    return [
        c for c in held if c.kind == "upskilling_weeks" and (c.unemployment_start or c.on) == start
    ]


def _upskilling(rulebook: Rulebook, same: Sequence[LimitClaim], claim: LimitClaim) -> LimitDecision:
    start = claim.unemployment_start or claim.on
    spell = _spell(same, start)
    used = sum(c.weeks for c in spell)
    answer = may_upskill(
        rulebook,
        Citizen(target_group=claim.target_group, weeks_unemployed=(claim.on - start).days // 7),
        claim.on,
        claim.municipality,
        weeks_requested=claim.weeks,
        weeks_used_in_window=used,
        under_30_unqualified=claim.under_30_unqualified,
    )
    courses = f"{len(spell)} earlier course(s) of this citizen in the spell, {used} weeks"
    return LimitDecision(
        granted=answer.allowed,
        reason=f"{answer.reason} ({courses})",
        rule="vejledning.max_weeks_in_first_26",
        citations=answer.citations,
        regime=answer.regime,
        used=used + claim.weeks if answer.allowed else used,
    )


def _granted(rule: Resolution, used: int, reason: str) -> LimitDecision:
    return LimitDecision(
        granted=True,
        reason=reason,
        rule=rule.rule_id,
        citations=rule.citations,
        regime=rule.regime,
        used=used,
    )


def _refused(rule: Resolution, reason: str, used: int = 1) -> LimitDecision:
    return LimitDecision(
        granted=False,
        reason=f"{reason}; rule {rule.rule_id}: {'; '.join(rule.citations)}; {rule.regime}",
        rule=rule.rule_id,
        citations=rule.citations,
        regime=rule.regime,
        used=used,
    )
