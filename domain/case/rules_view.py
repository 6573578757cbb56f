"""The rules as one case sees them on one day.

Phases ask this view, never the rulebook directly, so that every answer is resolved for
the case's municipality, target group, facts and (what-if) reform, and so that an
exemption decision that was taken stands after its regime ends (DOMAIN §8.15). The view's
`rulebook` is the law as known on the view's day: what is decided later is invisible until
the case's calendar reaches its decision day.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, NamedTuple, TypeVar

from domain.case.model import (
    ActionRequest,
    CaseState,
    FactValue,
    Obligation,
    ObligationKind,
)
from domain.rulebook import Resolution, ResolutionContext, Rulebook, RuleNotInForce

__all__ = [
    "Duty",
    "RuleView",
    "basis_of",
    "forget_shared_answers",
    "make_obligation",
    "regimes_in_force",
    "rules_asked",
    "window_regimes",
]

T = TypeVar("T")


class Duty(NamedTuple):
    """Whether a duty applies, and the answer that says so (a named tuple: built often)."""

    required: bool
    resolution: Resolution
    locked_reason: str | None = None
    """Set when a past exemption decision stands although the rule now says otherwise."""

    @property
    def exempted_by_rule(self) -> bool:
        return not self.required


@dataclass(slots=True)
class SharedAnswers:
    """Rule answers for one rule context between two boundaries: the same for every case
    in that municipality and target group with the same facts (and reform), so cases
    share them instead of each asking the rulebook again."""

    answers: dict[str, Resolution] = field(default_factory=dict)
    regimes: tuple[str, ...] | None = None
    """The regimes in force (standard law, trials in scope); set by the engine."""


_SHARED: dict[tuple[Hashable, ...], SharedAnswers] = {}
_SHARED_LIMIT = 4096
"""Rule contexts kept at once: one per municipality, target group, combination of facts
and period between two boundaries; the cache starts afresh when it is full."""


def shared_answers(key: tuple[Hashable, ...]) -> SharedAnswers:
    shared = _SHARED.get(key)
    if shared is None:
        if len(_SHARED) >= _SHARED_LIMIT:
            _SHARED.clear()
        shared = _SHARED[key] = SharedAnswers()
    return shared


def rules_asked(reform: str | None) -> set[str]:
    """Rule ids cases under `reform` have asked since the shared answers last started
    afresh (what-if reports: which of a reform's keys the core reads at all)."""
    return {
        rule_id
        for context, shared in _SHARED.items()
        if len(context) > 1 and context[1] == reform
        for rule_id in shared.answers
    }


def forget_shared_answers() -> None:
    """Every case asks the rulebook again (for reference runs that must compute it all)."""
    _SHARED.clear()


@dataclass(slots=True)
class RulesWindow:
    """Rule answers for one case between two rule boundaries.

    No answer can change before `until` (the rulebook's next boundary for the case's
    municipality and target group) unless a fact changes, and a window is only reused
    while the case's facts are the ones it opened with. Reusing answers across the many
    steps of a case, and sharing them between cases, is what keeps the pure core fast.
    """

    key: tuple[object, ...]
    """Target group, reform and rulebook the answers were resolved for."""
    facts: dict[str, FactValue]
    """A copy of the case's facts when the window opened."""
    since: date
    until: date | None
    shared: SharedAnswers
    """The answers themselves, shared with every case in the same rule context."""
    derived: dict[tuple[Hashable, ...], Any] = field(default_factory=dict)
    """Values this case's phases built from the answers (see `RuleView.derived`); not
    shared, as they hold the case's own dates."""
    anchors: dict[tuple[str, date, int], tuple[Resolution, date]] = field(default_factory=dict)
    """`RuleView.anchor` answers in this window, by rule, natural date and answer. Never
    carried into the next window: they read the law on other days than the window's."""
    elsewhere: dict[tuple[str, date, str], Resolution] = field(default_factory=dict)
    """Answers on other days or for other target groups (`RuleView.resolve_on`): the same
    in every view on this window. Never carried into the next window."""
    continues: RulesWindow | None = None
    """The window this one took its derived values from: the same answers under the same
    regimes (a boundary or decision day passed and changed nothing the case reads)."""

    def covers(self, key: tuple[object, ...], facts: dict[str, FactValue], on: date) -> bool:
        return (
            self.since <= on
            and (self.until is None or on < self.until)
            and self.key == key
            and self.facts == facts
        )


def rules_window(rulebook: Rulebook, state: CaseState, on: date) -> RulesWindow:
    # Facts are compared too: events record them and a phase may keep a system fact current
    # as time passes, and any change can change an answer.
    # The knowledge date is part of the context: the same day reads other law once a
    # decision is known (the window also ends on the next decision day).
    key = (state.target_group, state.reform, rulebook.content_hash, rulebook.known_from)
    memo = state.memo
    last = memo.rules_window
    if isinstance(last, RulesWindow) and last.covers(key, state.facts, on):
        return last
    until = rulebook.next_boundary(state.municipality, state.target_group, on)
    # The period between two boundaries is named by its end: every day in it gets the same
    # answers (resolution is by dated segments, and a boundary ends every segment).
    context = (*key, state.municipality, frozenset(state.facts.items()), until)
    window = RulesWindow(
        key=key, facts=dict(state.facts), since=on, until=until, shared=shared_answers(context)
    )
    if (
        isinstance(last, RulesWindow)
        and last.derived
        and last.key[:3] == key[:3]  # a decision day may lie between: answers compared
        and last.facts == state.facts
        and _same_answers(last, window, rulebook, state, on)
    ):
        # Only the period changed, and nothing in it answers differently: what the phases
        # derived from the answers holds in the new period too.
        window.derived = dict(last.derived)
        window.continues = last
        last.continues = None  # only the window just before is compared: no chain kept
    memo.rules_window = window
    return window


def regimes_in_force(rulebook: Rulebook, state: CaseState, on: date) -> tuple[str, ...]:
    """Standard law and the trials in scope for the case (or its what-if reform)."""
    if state.reform is not None:
        return (state.reform,)
    trials = rulebook.trials_in_scope(state.municipality, state.target_group, on)
    return (rulebook.standard_regime(on), *(f"TRIAL:{t}" for t in trials))


def window_regimes(window: RulesWindow, rulebook: Rulebook, state: CaseState) -> tuple[str, ...]:
    """The regimes in force in a window: the same on each of its days, worked out once."""
    regimes = window.shared.regimes
    if regimes is None:
        regimes = window.shared.regimes = regimes_in_force(rulebook, state, window.since)
    return regimes


def _same_answers(
    last: RulesWindow, window: RulesWindow, rulebook: Rulebook, state: CaseState, on: date
) -> bool:
    """Every rule answered in `last` answers the same in `window`, under the same regimes
    (so exemption decisions stand or fall alike: see `RuleView.duty`)."""
    if window_regimes(last, rulebook, state) != window_regimes(window, rulebook, state):
        return False
    answers = window.shared.answers
    context: ResolutionContext | None = None
    # A snapshot: other cases (workflows on other worker threads) may add answers meanwhile.
    for rule_id, answer in tuple(last.shared.answers.items()):
        now = answers.get(rule_id)
        if now is None:
            if context is None:
                context = ResolutionContext(
                    municipality=state.municipality,
                    target_group=state.target_group,
                    on=on,
                    facts=state.facts,
                    reform=state.reform,
                )
            try:
                now = answers[rule_id] = rulebook.resolve(rule_id, context)
            except RuleNotInForce:
                return False
        if now is not answer and not _same_answer(now, answer):
            return False
    return True


def _same_answer(a: Resolution, b: Resolution) -> bool:
    """Resolution hands out one object per dated segment, so identity decides within one
    view of the law; across a decision day (another view) the answers are compared. The
    day the answer next changes may differ: a derived part never reads it."""
    return (
        a.value == b.value
        and a.regime == b.regime
        and a.since == b.since
        and a.reason == b.reason
        and a.citations == b.citations
        and a.applicable == b.applicable
    )


_MISSING = object()


class RuleView:
    __slots__ = ("_cache", "_context_memo", "on", "rulebook", "state", "window")

    def __init__(self, rulebook: Rulebook, state: CaseState, on: date) -> None:
        # The law as the case can know it on `on` (all of it for a run recorded before
        # decision days existed; see EngineMemo.plans_on_all_law).
        self.rulebook = rulebook if state.memo.plans_on_all_law else rulebook.as_known_on(on)
        self.state = state
        self.on = on
        self.window = rules_window(self.rulebook, state, on)
        self._cache = self.window.shared.answers
        self._context_memo: ResolutionContext | None = None

    @property
    def _context(self) -> ResolutionContext:
        # Built on first need: most answers come from the window without asking the rulebook.
        context = self._context_memo
        if context is None:
            state = self.state
            context = self._context_memo = ResolutionContext(
                municipality=state.municipality,
                target_group=state.target_group,
                on=self.on,
                facts=state.facts,
                reform=state.reform,
            )
        return context

    def resolve(self, rule_id: str) -> Resolution:
        cached = self._cache.get(rule_id)
        if cached is None:
            cached = self.rulebook.resolve(rule_id, self._context)
            self._cache[rule_id] = cached
        return cached

    def derived(self, key: tuple[Hashable, ...], build: Callable[[], T]) -> T:
        """What `build` makes from this window's rule answers and the inputs named in `key`,
        built once per window like the answers themselves.

        `key` must name every input `build` reads besides the rules (phase data, dates, the
        obligation's number), and its first item the part it is, unique across phases. A
        missing input gives a stale obligation: the phase tests compare every step with a
        fresh computation, which has no window to reuse. `build` reads the rules only
        through this view's answers (`resolve`, `value`, `duty`, `anchor`), never `on`: a
        part is carried into the next period when every answer there is the same."""
        derived = self.window.derived
        value = derived.get(key, _MISSING)
        if value is _MISSING:
            value = derived[key] = build()
        return value  # type: ignore[no-any-return]

    def resolve_with(self, rule_id: str, facts: dict[str, FactValue]) -> Resolution:
        """Resolve as if `facts` were recorded too (to check a decision before applying it)."""
        context = ResolutionContext(
            municipality=self.state.municipality,
            target_group=self.state.target_group,
            on=self.on,
            facts={**self.state.facts, **facts},
            reform=self.state.reform,
        )
        return self.rulebook.resolve(rule_id, context)

    def resolve_for_group(self, rule_id: str, target_group: str) -> Resolution:
        """Resolve for another target group than the case's current one: a decision taken in
        one phase (e.g. granting revalidering from a jobafklaringsforløb) is governed by the
        rules of the group the citizen enters, and trials are scoped by target group."""
        if target_group == self.state.target_group:
            return self.resolve(rule_id)
        return self._elsewhere(rule_id, self.on, target_group)

    def resolve_on(self, rule_id: str, on: date, target_group: str | None = None) -> Resolution:
        """The answer on another day (a back-dated decision is judged by the law of its own
        day, DOMAIN §8.15), for the case's or another target group."""
        group = target_group or self.state.target_group
        if on == self.on and group == self.state.target_group:
            return self.resolve(rule_id)
        return self._elsewhere(rule_id, on, group)

    def _elsewhere(self, rule_id: str, on: date, group: str) -> Resolution:
        # Decisions and their preconditions ask the same few rules again on each event.
        window = self.window
        if self.state.facts != window.facts:  # a phase recorded a fact during this step
            return self.rulebook.resolve(rule_id, replace(self._context, on=on, target_group=group))
        key = (rule_id, on, group)
        answer = window.elsewhere.get(key)
        if answer is None:
            answer = window.elsewhere[key] = self.rulebook.resolve(
                rule_id, replace(self._context, on=on, target_group=group)
            )
        return answer

    def value(self, rule_id: str) -> Any:
        answer = self.resolve(rule_id)
        if answer.applicable:
            return answer.value
        return self.rulebook.value(rule_id, self._context)  # raises RuleNotInForce

    def int_value(self, rule_id: str) -> int:
        value = self.value(rule_id)
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"rule {rule_id} must be a whole number, got {value!r}")
        return value

    def duty(self, obligation_id: str, rule_id: str) -> Duty:
        """A boolean duty rule (`...required`), honouring exemption decisions that stand."""
        resolution = self.resolve(rule_id)
        lock = self.state.exemption_locks.get(obligation_id)
        if (
            lock is not None
            and resolution.value is True
            and self._regime_ended(lock.regime)
            and self._fell_due_under(obligation_id, lock.regime)
        ):
            return Duty(
                required=False,
                resolution=resolution,
                locked_reason=(
                    f"{lock.reason} (exemption decided {lock.decided_on.isoformat()} "
                    f"under {lock.regime} stands)"
                ),
            )
        return Duty(required=resolution.value is True, resolution=resolution)

    def _fell_due_under(self, obligation_id: str, regime: str) -> bool:
        """An exemption is judged on the duty's own day (DOMAIN §8.15 as corrected): it
        stands only for a duty that fell due while the trial applied; one falling due after
        the trial's end follows the law of that day. Runs recorded before kept every lock."""
        if self.state.memo.decisions_without_preconditions:
            return True
        record = self.state.obligations.get(obligation_id)
        if record is None:
            return False
        trial = regime.removeprefix("TRIAL:")
        return trial in self.rulebook.trials_in_scope(
            self.state.municipality, self.state.target_group, record.due_on
        )

    def _regime_ended(self, regime: str) -> bool:
        """A lock stands only once its trial is out of scope by date; while the trial runs,
        the live answer (and so the case's current facts, e.g. a withdrawn consent) rules."""
        trial = regime.removeprefix("TRIAL:")
        in_scope = self.rulebook.trials_in_scope(
            self.state.municipality, self.state.target_group, self.on
        )
        return trial not in in_scope

    def anchor(self, natural: date, resolution: Resolution) -> date:
        """When the answer changed after `natural` (a regime boundary passed), pending
        deadlines count from the last such change instead (DOMAIN §8.15).

        Only a change of *value* counts: the rulebook also starts a new window where just the
        regime label changes (2020-01-01) or a trial is in scope but its conditions are not
        met, and a deadline must not move there.
        """
        since = resolution.since
        if since is None or since <= natural:
            return natural
        # A repeating duty asks again for each past instance on every step: the answer
        # depends on the window's context, the rule's answer and `natural` only.
        window = self.window
        if self.state.facts != window.facts:  # a phase recorded a fact during this step
            return self._anchor(natural, resolution, since)
        key = (resolution.rule_id, natural, id(resolution))
        known = window.anchors.get(key)
        if known is not None and known[0] is resolution:
            return known[1]
        anchored = self._anchor(natural, resolution, since)
        window.anchors[key] = (resolution, anchored)
        return anchored

    def _anchor(self, natural: date, resolution: Resolution, since: date) -> date:
        context = replace(self._context, on=natural)
        try:
            previous = self.rulebook.resolve(resolution.rule_id, context)
        except RuleNotInForce:
            return since
        changed: date | None = None
        while previous.next_change is not None and previous.next_change < since:
            following = self.rulebook.resolve(
                resolution.rule_id, replace(context, on=previous.next_change)
            )
            if following.value != previous.value:
                changed = previous.next_change
            previous = following
        if resolution.value != previous.value:
            changed = since
        return changed or natural


def _most_specific_regime(basis: Sequence[Resolution]) -> str:
    for resolution in basis:
        if resolution.regime.startswith("TRIAL:"):
            return resolution.regime
    for resolution in basis:
        if resolution.regime != basis[0].regime:
            return resolution.regime
    return basis[0].regime


def _citations(basis: Sequence[Resolution]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for resolution in basis:
        for citation in resolution.citations:
            seen.setdefault(citation, None)
    return tuple(seen)


_BASES: dict[tuple[int, ...], tuple[tuple[Resolution, ...], str, tuple[str, ...]]] = {}
"""Regime and citations per combination of rule answers, by identity: phases pass the same
answers (kept in their rule window) on every step. The entry holds the answers themselves,
so an id is never reused by another object while its entry exists."""


def basis_of(basis: Sequence[Resolution]) -> tuple[str, tuple[str, ...]]:
    """The regime and the citations of an obligation resting on the answers in `basis`."""
    if len(basis) == 1:
        return basis[0].regime, basis[0].citations
    key = tuple(map(id, basis))
    known = _BASES.get(key)
    if known is None:
        if len(_BASES) >= 4096:
            _BASES.clear()  # bounded: each rule window brings new answer objects
        known = _BASES[key] = (tuple(basis), _most_specific_regime(basis), _citations(basis))
    return known[1], known[2]


def make_obligation(
    *,
    obligation_id: str,
    kind: ObligationKind,
    title: str,
    opens_on: date,
    due_on: date,
    basis: Sequence[Resolution],
    reason: str,
    action: ActionRequest | None = None,
    met_by: tuple[str, ...] = (),
    exempted: bool = False,
) -> Obligation:
    """An obligation whose regime and citations come from the rule answers it rests on."""
    regime, citations = basis_of(basis)
    return Obligation(
        id=obligation_id,
        kind=kind,
        title=title,
        opens_on=opens_on,
        due_on=due_on,
        regime=regime,
        citations=citations,
        reason=reason,
        action=action,
        met_by=met_by,
        exempted=exempted,
    )
