"""The three company-oriented decisions of DOMAIN §3.11, each a pure function of the rulebook.

- `may_place`: the ratio rule (forholdstal) for a virksomhedspraktik or a løntilskud job,
  with FK-1.e (praktik only, never løntilskud) and FK-3.k (short praktik before a concrete
  fleksjob); from 2020-01-01 counted by hours, places shareable.
- `may_subsidise`: the prior-unemployment requirement before løntilskud or jobrotation,
  its exceptions, and FK-3.c.
- `may_upskill`: the cap on guidance and upskilling in the first weeks of dagpenge, the
  § 37 ban, and FK-1.f.

Every answer carries the regime and citations of the rules that decided it, so the
gateway can show *why* exactly as a case obligation does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.rulebook import FactValue, Resolution, ResolutionContext, Rulebook

__all__ = [
    "Citizen",
    "Company",
    "OfferAnswer",
    "Placement",
    "may_place",
    "may_subsidise",
    "may_upskill",
]


class Citizen(BaseModel):
    """What the rules test about the citizen: target group, declared facts, counts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    target_group: str
    facts: Mapping[str, FactValue] = Field(default_factory=dict)
    """Declared rulebook facts, e.g. journalnotat.fk1e_ratio_flexibility, ly.months_on_ly."""
    weeks_unemployed: int = Field(default=0, ge=0)
    waiting_exceptions: frozenset[str] = frozenset()
    """Codes of `loentilskud.waiting_exceptions` that hold (no_upper_secondary_education,
    over_50, single_parent): the caller checks them, the rulebook says which count."""


class Company(BaseModel):
    """The workplace. Before 2020 the ratio counts persons; from 2020-01-01 hours, so the
    caller gives full-time equivalents (ordinary staff) and shares of a full-time place
    (subsidised people already placed)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ordinary_staff: float = Field(ge=0)
    subsidised_in_use: float = Field(default=0, ge=0)


class Placement(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["praktik", "loentilskud"]
    share_of_full_time: float = Field(default=1.0, gt=0, le=1)
    """The new person's hours as a share of a full-time place (counts from 2020 only)."""
    weeks: int | None = Field(default=None, ge=1)


class OfferAnswer(BaseModel):
    model_config = ConfigDict(frozen=True)

    allowed: bool
    reason: str
    citations: tuple[str, ...]
    regime: str
    notes: tuple[str, ...] = ()
    """Duties that come with a yes (e.g. discuss a long praktik with employee representatives)."""


def _context(
    rulebook: Rulebook, citizen: Citizen, on: date, municipality: str
) -> ResolutionContext:
    return ResolutionContext(
        municipality=rulebook.municipality(municipality).id,
        target_group=rulebook.target_group(citizen.target_group).code,
        on=on,
        facts=citizen.facts,
    )


def _answer(
    allowed: bool, reason: str, basis: Sequence[Resolution], notes: Sequence[str] = ()
) -> OfferAnswer:
    """Regime: the first trial among the answers that decided, else the first standard one."""
    regime = next((r.regime for r in basis if r.regime.startswith("TRIAL:")), basis[0].regime)
    citations: dict[str, None] = {}
    for resolution in basis:
        for citation in resolution.citations:
            citations.setdefault(citation, None)
    return OfferAnswer(
        allowed=allowed,
        reason=reason,
        citations=tuple(citations),
        regime=regime,
        notes=tuple(notes),
    )


def _ratio(resolution: Resolution) -> tuple[int, int]:
    return int(resolution.value["subsidised"]), int(resolution.value["ordinary"])


def ratio_capacity(rulebook: Rulebook, ctx: ResolutionContext, staff: float) -> float:
    """Subsidised places a company of `staff` ordinary staff may have: the basic ratio up to
    the small-company size, plus the additional ratio for staff above it."""
    small = float(rulebook.resolve("forholdstal.small_company.max_employees", ctx).value)
    per, every = _ratio(rulebook.resolve("forholdstal.ratio", ctx))
    more, every_more = _ratio(rulebook.resolve("forholdstal.large_company_additional_ratio", ctx))
    basic = math.floor(min(staff, small) / every) * per
    return float(basic + math.floor(max(staff - small, 0) / every_more) * more)


def may_place(  # noqa: PLR0917 - the question's five parts, in the order it is asked
    rulebook: Rulebook,
    company: Company,
    placement: Placement,
    citizen: Citizen,
    on: date,
    municipality: str,
) -> OfferAnswer:
    """May this citizen be placed in this company on `on` under the ratio rule?"""
    ctx = _context(rulebook, citizen, on, municipality)
    check = rulebook.resolve(f"forholdstal.{placement.kind}.check_required", ctx)
    notes: list[str] = []
    after = rulebook.resolve("praktik.employee_rep_discussion_after_weeks", ctx)
    if placement.kind == "praktik" and placement.weeks and placement.weeks > int(after.value):
        notes.append(
            f"A praktik longer than {after.value} weeks must be discussed with the employee "
            f"representatives ({'; '.join(after.citations)}; not exempted by any trial)"
        )
    if check.value is False and not _outside_waived_length(rulebook, ctx, check, placement, notes):
        return _answer(True, check.reason, [check, after] if notes else [check], notes)
    counting = rulebook.resolve("forholdstal.counting_basis", ctx)
    shareable = rulebook.resolve("forholdstal.places_shareable", ctx)
    by_hours = counting.value == "hours"
    wanted = placement.share_of_full_time if shareable.value is True else 1.0
    capacity = ratio_capacity(rulebook, ctx, company.ordinary_staff)
    in_use = company.subsidised_in_use
    unit = "full-time places (counted by hours)" if by_hours else "persons"
    basis = [check, rulebook.resolve("forholdstal.ratio", ctx), counting, shareable]
    if in_use + wanted <= capacity:
        reason = (
            f"Within the ratio: {in_use:g} + {wanted:g} of {capacity:g} {unit} for "
            f"{company.ordinary_staff:g} ordinary staff"
        )
        return _answer(True, reason, basis, notes)
    reason = (
        f"The ratio is full: {in_use:g} + {wanted:g} exceeds {capacity:g} {unit} for "
        f"{company.ordinary_staff:g} ordinary staff"
    )
    if placement.kind == "loentilskud":
        reason += " (no trial waives the ratio for løntilskud)"
    return _answer(False, reason, basis, notes)


def _outside_waived_length(
    rulebook: Rulebook,
    ctx: ResolutionContext,
    check: Resolution,
    placement: Placement,
    notes: list[str],
) -> bool:
    """True when the trial that waives the ratio does so only for a praktik of a stated
    length (FK-3.k: 2-4 weeks [001:L3590, L5004]) and this one is not of it: the ratio
    then applies as usual, and a note says why."""
    length = rulebook.resolve("ly.praktik_before_fleksjob.weeks", ctx)
    if placement.kind != "praktik" or not isinstance(length.value, dict):
        return False
    if length.regime != check.regime:
        return False  # another trial's waiver (FK-1.e) has no length condition
    low, high = int(length.value["min"]), int(length.value["max"])
    if placement.weeks is not None and low <= placement.weeks <= high:
        return False
    stated = f"{placement.weeks} weeks" if placement.weeks else "no length stated"
    notes.append(
        f"{length.regime} waives the ratio only for a praktik of {low}-{high} weeks "
        f"({'; '.join(length.citations)}); this one has {stated}, so the ratio applies"
    )
    return True


_WAITING_RULE = {
    "loentilskud_public": "loentilskud.public.prior_unemployment_weeks",
    "loentilskud_private": "loentilskud.private.prior_unemployment_weeks",
    "jobrotation": "jobrotation.prior_unemployment_weeks",
}


def may_subsidise(
    rulebook: Rulebook,
    kind: Literal["loentilskud_public", "loentilskud_private", "jobrotation"],
    citizen: Citizen,
    on: date,
    municipality: str,
) -> OfferAnswer:
    """May the citizen start in løntilskud or as jobrotationsvikar, given the waiting time?"""
    ctx = _context(rulebook, citizen, on, municipality)
    waiting = rulebook.resolve(_WAITING_RULE[kind], ctx)
    if waiting.value is None:
        return _answer(True, f"No prior-unemployment requirement: {waiting.reason}", [waiting])
    weeks = int(waiting.value)
    if weeks == 0:
        return _answer(True, waiting.reason, [waiting])
    exceptions = rulebook.resolve("loentilskud.waiting_exceptions", ctx)
    met = sorted(citizen.waiting_exceptions & set(exceptions.value or []))
    if met:
        return _answer(
            True,
            f"Exempt from the {weeks}-week waiting time: {', '.join(met)}",
            [waiting, exceptions],
        )
    if citizen.weeks_unemployed >= weeks:
        return _answer(
            True,
            f"{citizen.weeks_unemployed} weeks of prior unemployment (at least {weeks} required)",
            [waiting],
        )
    return _answer(
        False,
        f"{kind} needs {weeks} weeks of prior unemployment, the citizen has "
        f"{citizen.weeks_unemployed}; exceptions: {', '.join(exceptions.value or [])}",
        [waiting, exceptions],
    )


def may_upskill(
    rulebook: Rulebook,
    citizen: Citizen,
    on: date,
    municipality: str,
    *,
    weeks_requested: int,
    weeks_used_in_window: int = 0,
    under_30_unqualified: bool = False,
    competence_giving: bool = False,
    under_30: bool = False,
) -> OfferAnswer:
    """May a dagpenge recipient start `weeks_requested` weeks of guidance and upskilling?

    The cap holds in the first weeks of unemployment for recipients aged 30+ and qualified
    ones under 30 (`under_30_unqualified` is the one group it leaves out: the youth rules
    govern them); § 37 bans competence-giving education under 30.
    """
    ctx = _context(rulebook, citizen, on, municipality)
    cap = rulebook.resolve("vejledning.max_weeks_in_first_26", ctx)
    ban = rulebook.resolve("vejledning.competence_education_under_30_banned", ctx)
    if competence_giving and under_30 and ban.value is True:
        return _answer(
            False, "No competence-giving education for dagpenge recipients under 30", [ban]
        )
    window = rulebook.resolve("vejledning.cap_window_weeks", ctx)
    if citizen.weeks_unemployed >= int(window.value) or under_30_unqualified:
        return _answer(True, f"Outside the cap: it covers the first {window.value} weeks", [window])
    if cap.value is None:
        return _answer(True, cap.reason, [cap, window])
    total = weeks_used_in_window + weeks_requested
    if total <= int(cap.value):
        return _answer(
            True, f"{total} of at most {cap.value} weeks in the first {window.value}", [cap, window]
        )
    return _answer(
        False,
        f"{total} weeks would exceed the cap of {cap.value} weeks in the first "
        f"{window.value} weeks of unemployment",
        [cap, window],
    )
