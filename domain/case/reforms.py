"""What a what-if reform abolishes, as the engine must honour it.

A reform (e.g. KL2023_HYPOTHETICAL) answers `trajectory.phases` with fewer phases than the
law in force: a case under it may neither open in nor move into an abolished phase. Only
cases run under a reform are asked (what-if runs); the law in force is never narrowed
here, so a workflow without a reform takes the same steps as before.
"""

from __future__ import annotations

from datetime import date

from domain.case.model import PhaseName
from domain.case.phase import EventRefused
from domain.rulebook import ResolutionContext, Rulebook, RulebookError

__all__ = ["READ_BY_ENGINE", "refuse_if_abolished"]

PHASES_RULE = "trajectory.phases"
READ_BY_ENGINE = frozenset({PHASES_RULE})
"""Reform keys the engine itself reads (the phases read theirs through the rule view)."""


def refuse_if_abolished(
    rulebook: Rulebook,
    reform: str | None,
    *,
    municipality: str,
    target_group: str,
    phase: PhaseName,
    on: date,
    field: str,
) -> None:
    """Raise EventRefused(field) if `reform` abolishes `phase` on `on`."""
    if reform is None or phase is PhaseName.CLOSED:
        return
    try:
        law = rulebook.resolve(PHASES_RULE, ResolutionContext(municipality, target_group, on))
        what_if = rulebook.resolve(
            PHASES_RULE, ResolutionContext(municipality, target_group, on, reform=reform)
        )
    except RulebookError:
        return
    if what_if.regime != reform or not isinstance(what_if.value, list):
        return
    abolished = set(law.value or ()) - set(what_if.value)
    if phase.value in abolished:
        raise EventRefused(
            field,
            f"{phase.value} is abolished under {reform} ({'; '.join(what_if.citations)}): "
            f"{what_if.reason}",
        )
