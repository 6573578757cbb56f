"""Events only a trial gives effect to are refused outside it (issue 17).

A recorded consent, assessment or journal note whose only consumers are trial clauses (the
fact is tested by no rule of standard law and read by no phase) has no effect where and
when none of those trials applies. Accepting it silently would let a caseworker believe,
e.g., that a consent to extend a ressourceforløb without the team counts; it is refused
with the trials that would give it effect, where and when they apply.
"""

from __future__ import annotations

from datetime import date

from domain.case.dates import add_months
from domain.case.model import CaseState
from domain.case.phase import EventRefused
from domain.rulebook import Rulebook, RuleNotInForce
from domain.rulebook.model import Condition
from domain.rulebook.resolver import ResolutionContext

__all__ = [
    "READ_UNDER_STANDARD_LAW",
    "TRIAL_ONLY_RULE",
    "check_trial_only_fact",
    "derived_trial_only_facts",
    "trials_giving_effect",
]

READ_UNDER_STANDARD_LAW = frozenset(
    {
        # Read by a phase by name: meaningful without a trial, or in a phase only a trial
        # opens (which its own trial gate guards).
        "dagpenge.seasonal_unemployed",
        "dimittend.working_on_business_idea",
        "psyk.eligible_condition",
        "psyk.regional_subsidy_eligible",
        "psyk.severe_comorbidity",
        "consent.psyk_note_to_gp",
        "consent.psyk_caseworker_involvement",
        "mikrolaan.screening_passed",
    }
)
"""Facts a phase reads by name, so they never count as trial-only."""


TRIAL_ONLY_RULE = "facts.trial_only"


def _mentions(condition: Condition, fact: str) -> bool:
    nested = [*(condition.all or ()), *(condition.any or ())]
    if condition.not_ is not None:
        nested.append(condition.not_)
    return condition.fact == fact or any(_mentions(c, fact) for c in nested)


def trials_giving_effect(rulebook: Rulebook, fact: str) -> list[str]:
    """The trials with a clause whose conditions test `fact` (in the full rulebook; a
    municipality's slice keeps only its own clauses, hence `facts.trial_only`)."""
    return sorted(
        trial.id
        for trial in rulebook.law.trials.values()
        if any(_mentions(c, fact) for clause in trial.clauses for c in clause.conditions)
    )


def derived_trial_only_facts(rulebook: Rulebook) -> dict[str, list[str]]:
    """What `facts.trial_only` must say, derived from the full rulebook's clauses."""
    result = {}
    for fact in rulebook.law.facts:
        if fact.recorded_by == "system" or fact.name in READ_UNDER_STANDARD_LAW:
            continue
        trials = trials_giving_effect(rulebook, fact.name)
        if trials:
            result[fact.name] = trials
    return result


def _period(rulebook: Rulebook, trial_id: str) -> str:
    trial = rulebook.law.trials.get(trial_id)
    if trial is None or trial.valid_from is None:
        return "period not stated"
    end = trial.valid_to
    for extension in trial.extensions:
        if end is not None:
            end = add_months(end, extension.months)
    last = f"up to {end.isoformat()} (exclusive)" if end else "open-ended"
    return f"from {trial.valid_from.isoformat()} {last}"


def check_trial_only_fact(state: CaseState, rulebook: Rulebook, fact: str, on: date) -> None:
    """Refuse recording `fact` on `on` when only trials give it effect and none applies."""
    if state.memo.decisions_without_preconditions:
        return
    context = ResolutionContext(
        municipality=state.municipality,
        target_group=state.target_group,
        on=on,
        facts=state.facts,
        reform=state.reform,
    )
    try:
        table = rulebook.resolve(TRIAL_ONLY_RULE, context)
    except RuleNotInForce:
        return
    trials: list[str] = list((table.value or {}).get(fact, ()))
    if not trials:
        return
    groups = {group for trial in trials for group in _groups(rulebook, trial)}
    for group in sorted(groups):
        try:
            in_scope = rulebook.trials_in_scope(state.municipality, group, on)
        except LookupError:
            continue
        if any(trial in in_scope for trial in trials):
            return
    where = "; ".join(
        f"{trial} {_period(rulebook, trial)}"
        + ("" if _runs_here(rulebook, trial) else f", not run in {state.municipality}")
        for trial in trials
    )
    raise EventRefused(
        "fact",
        f"{fact!r} has effect only under {where} (rule {TRIAL_ONLY_RULE}: "
        f"{'; '.join(table.citations)}), which does not apply in {state.municipality} on "
        f"{on.isoformat()}",
    )


def _groups(rulebook: Rulebook, trial_id: str) -> list[str]:
    trial = rulebook.law.trials.get(trial_id)
    if trial is None:
        return []
    return [g for clause in trial.clauses for g in clause.target_groups] or trial.target_groups


def _runs_here(rulebook: Rulebook, trial_id: str) -> bool:
    """In a slice, a trial keeps only the clauses of the slice's municipality."""
    trial = rulebook.law.trials.get(trial_id)
    return trial is not None and bool(trial.clauses)
