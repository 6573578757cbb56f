"""May a trial apply here, today? The one check every trial-only phase makes first.

A phase that exists only under a trial (mikrolån FK-1.a, graduate entrepreneurship FK-1.c)
asks the rulebook's `trial_status` before it admits a case or takes a decision that rests
on the trial, and refuses with the rulebook's own reason and the grant letter's citation.
Refused trials (DOMAIN §3.14) and granted-but-never-started ones (FK-2.d) answer
"refused" / "not_started" here for every municipality, group and date, so nothing can
ever be decided under them.
"""

from __future__ import annotations

from datetime import date

from domain.case.phase import EventRefused
from domain.case.rules_view import RuleView
from domain.rulebook import Rulebook, TrialStatus

__all__ = ["require_case_trial", "require_trial", "trial_refusal"]

# Which event field a caseworker must look at, by the way the trial does not apply.
_FIELD = {
    "refused": "type",
    "not_started": "type",
    "municipality_not_in_scope": "municipality",
    "target_group_not_in_scope": "target_group",
    "before_start": "effective_date",
    "after_end": "effective_date",
}


def trial_refusal(rulebook: Rulebook, status: TrialStatus, what: str) -> EventRefused:
    """The refusal for `what` (e.g. "admission to the microloan trial") under `status`."""
    reason = status.reason
    if status.status == "municipality_not_in_scope":
        names = _municipality_names(rulebook, status.trial_id)
        if names:
            reason = f"{status.trial_id} applies only in {names}: {reason}"
    cited = "; ".join(status.citations)
    return EventRefused(
        _FIELD.get(status.status, "type"),
        f"{what} refused: {reason} ({cited})",
    )


def require_trial(
    rulebook: Rulebook, trial_id: str, *, municipality: str, target_group: str, on: date, what: str
) -> TrialStatus:
    """The trial's status if it is in force for the case on `on`; else EventRefused."""
    status = rulebook.trial_status(trial_id, municipality, target_group, on)
    if not status.in_force:
        raise trial_refusal(rulebook, status, what)
    return status


def require_case_trial(view: RuleView, trial_id: str, on: date, what: str) -> TrialStatus:
    """`require_trial` for the case the view belongs to (its municipality and target group)."""
    state = view.state
    return require_trial(
        view.rulebook,
        trial_id,
        municipality=state.municipality,
        target_group=state.target_group,
        on=on,
        what=what,
    )


def _municipality_names(rulebook: Rulebook, trial_id: str) -> str:
    trial = rulebook.law.trials.get(trial_id)
    if trial is None:
        return ""
    # A municipality's rule slice keeps only its own clauses, so there the list is empty
    # for a trial that does not cover it and the status reason stands alone.
    ids = sorted({m for clause in trial.clauses for m in clause.municipalities})
    return " and ".join(rulebook.municipality(m).name for m in ids)
