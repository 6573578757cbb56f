"""One durable workflow per citizen case: a thin shell around the pure trajectory core.

The loop: let the core bring the case up to today -> perform the actions it asks for
(activities) -> sleep until the earliest deadline, the next regime boundary or an
incoming event -> repeat. Events arrive as validated updates: a refused event never
reaches history, a repeated event id gets its first answer. At each phase change (or
when Temporal suggests it) the run continues as new with the state snapshot, after
every in-flight update has finished.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.errors import NON_RETRYABLE_ERROR_TYPES
    from activities.models import (
        BOOK_MEETING,
        REQUEST_CERTIFICATE,
        CaseRef,
        CertificateRequestInput,
        CertificateRequestResult,
        MeetingBookingInput,
        MeetingBookingResult,
    )
    from activities.rulebook_activity import (
        LOAD_PUBLISHED_SLICE,
        LOAD_RULE_SLICE,
        PublishedSliceRequest,
        RuleSliceRequest,
    )
    from domain.case import engine, rollout
    from domain.case.engine import CaseStart, EventRefused
    from domain.case.model import (
        ActionKind,
        ActionReceipt,
        CaseState,
        ObligationRecord,
        ObligationStatus,
        TimelineEntry,
    )
    from domain.rulebook import Rulebook
    from domain.rulebook.packed import PackedRuleSlice, compiled
    from workflows import case_details
    from workflows import search_attributes as sa
    from workflows.case_models import (
        CaseClock,
        CaseOpened,
        CaseOpening,
        CaseSnapshot,
        CaseWorkflowInput,
        CaseWorkflowResult,
        OpenCaseInput,
        ReportEventInput,
        ReportEventResult,
    )
    from workflows.rollout_models import RELOAD_RULES_SIGNAL, STATE_MEMO, ReloadRules, StateMemo

__all__ = ["EVENT_REFUSED", "OPENING_CONFLICT", "CaseWorkflow"]

EVENT_REFUSED = "EventRefused"
OPENING_CONFLICT = "OpeningConflict"
"""A repeated opening with other data; its details name the fields (never the values)."""
CLOCK_PINNED_TO_RUN_START = "clock-pinned-to-run-start"
"""Patch id: simulated calendars are pinned to the run's start event, not its first task."""
REGIMES_FOLLOW_RULE_WINDOW = "regimes-follow-rule-window"
"""Patch id: regimes follow every rule window. Runs recorded before it compared regimes
only on a rule window's first day (a phase change reported after its effective date kept
the old phase's regimes until the next boundary); they replay that way."""
LAW_AS_KNOWN_ON_TODAY = "law-as-known-on-today"
"""Runs recorded before it planned on the law as finally decided, whatever the case's day,
and stepped a late case straight to today; they replay that way. Since, a case plans on the
law as known on its own today and re-plans when its calendar passes a decision day."""
SCHEDULES_NEVER_GO_SILENT = "schedules-never-go-silent"
"""Runs recorded before it built a repeating duty's next instance only once the current one
was met (a miss silenced the schedule), ran "N within M months" as a cadence and gave the
first dagpenge conversation two deadlines; they replay that way."""
PRECONDITIONS_ON_THEIR_OWN_DAY = "preconditions-on-their-own-day"
"""Runs recorded before it let a decision through without the preconditions the rulebook
lists and kept a trial's exemption alive after the trial; they replay that way."""
PHASES_END_WITH_THEIR_LAW = "phases-end-with-their-law"
"""Runs recorded before it left a case in a phase only a trial provides (FK-1.c's graduate
entrepreneurship) after the trial ended, its exemptions standing, and opened a case in a
phase the law had abolished (the ret- og pligt mentor from 2020); they replay that way."""
FACTS_SERVE_ONE_OCCASION = "facts-serve-one-occasion"
"""Runs recorded before it kept a fact the law requires per occasion (FK-3.i's journal note,
FK-3.h's consent) for the whole course, labelled an FK-1.a start-up duty due after the trial
by the trial, asked for no LÆ265 again once the grant's request was exempted, and counted
FK-3.j's first follow-up from the first payment whatever the hiring day; they replay that
way."""
CONVERSATIONS_BY_THEIR_RULES = "conversations-by-their-rules"
"""Runs recorded before it took a revalidering jobsamtale or a sygedagpenge follow-up in any
form (where the law requires a personal one) and ignored FK-1.d's cadence for JAF, RF, LY
and revalidering conversations; they replay that way."""
RELOAD_RULES = "reload-rules"
"""Patch id, asked in a run's first activation: a `reload_rules` signal loads the named
version and re-plans (asked there, its marker costs a roll-out no history event)."""
RELOAD_RULES_LATE = "reload-rules-late"
"""Patch id, asked when a roll-out reaches a run that started before `reload-rules`: a
signal that reached such a run before this code was buffered and ignored; its replay
ignores it again."""
STATE_SNAPSHOT_MEMO = "state-snapshot-memo"
"""Patch id: the case keeps its state snapshot in its memo (read by the roll-out preview)."""
WAKE_TIMER_KEPT = "wake-timer-kept"
"""Patch id, asked in a run's first activation: the timer that wakes the case is kept while
its legal day stays the same. Runs recorded before it cancelled and restarted it after
every event and every roll-out (two history events each); they replay that way."""
LEAN_HISTORY = "lean-history"
"""Patch id, asked in a case's first run (after `END_DECISIONS_MET`, whose marker now stands
for it): its one marker stands for every patch id above (each marker cost two history
events, the marker and Temporal's own upsert of `TemporalChangeVersion`, in every run: 22
of a case-year's events in its first run, 20 in each continued one). Continued runs carry
it in their input and record no marker at all; they start on the search attributes and
memo that continue-as-new handed them, so a new run upserts neither until something in
them changes; and a step's actions are scheduled in one workflow task (one by one, each
cost a workflow task of its own: three events). Runs recorded before it ask each patch,
republish both at every run start and perform actions one by one; they replay that way."""
END_DECISIONS_MET = "end-decisions-met"
"""Patch id, asked first in a case's first run and once in a run of a case started before
it: a ressourceforløb ended by its next step (rf_ended, a grant of fleksjob, FØP or
revalidering) meets its end decision instead of leaving it withdrawn with the phase. Its
marker stands for `lean-history` and every patch before that, so a new case still records
one marker; runs carry it in their input (`end_decisions_met`) and do not ask it again.
Runs recorded before it withdraw that decision; they replay that way."""
_ROLLOUTS_KEPT = 32
_RELOAD_RETRY = RetryPolicy(
    maximum_attempts=5, non_retryable_error_types=list(NON_RETRYABLE_ERROR_TYPES)
)
_ACTIVITY_TIMEOUT = timedelta(seconds=30)
_ACTIVITY_RETRY = RetryPolicy(
    maximum_interval=timedelta(minutes=10),
    non_retryable_error_types=list(NON_RETRYABLE_ERROR_TYPES),
)


_BEFORE_LEAN = (
    REGIMES_FOLLOW_RULE_WINDOW,
    LAW_AS_KNOWN_ON_TODAY,
    SCHEDULES_NEVER_GO_SILENT,
    PRECONDITIONS_ON_THEIR_OWN_DAY,
    PHASES_END_WITH_THEIR_LAW,
    FACTS_SERVE_ONE_OCCASION,
    CONVERSATIONS_BY_THEIR_RULES,
    STATE_SNAPSHOT_MEMO,
    RELOAD_RULES,
    WAKE_TIMER_KEPT,
)
"""The patches `lean-history` stands for, in the order a run recorded before it asked them."""


class _Patched(NamedTuple):
    """Which of the case's patches hold in this run."""

    regimes_follow_rule_window: bool
    law_as_known_on_today: bool
    schedules_never_go_silent: bool
    preconditions_on_their_own_day: bool
    phases_end_with_their_law: bool
    facts_serve_one_occasion: bool
    conversations_by_their_rules: bool
    state_snapshot_memo: bool
    reload_rules: bool
    wake_timer_kept: bool
    end_decisions_met: bool

    @classmethod
    def asked(cls, lean: bool, end_decisions_met: bool) -> _Patched:
        """Each patch before `lean-history` asked in turn; a lean run asks none of them
        (all hold). The patches after it are asked by the run (see `CaseWorkflow.run`)."""
        if lean:
            before = [True] * len(_BEFORE_LEAN)
        else:
            before = [workflow.patched(patch_id) for patch_id in _BEFORE_LEAN]
        return cls._make([*before, end_decisions_met])

    def mark_old_behaviours(self, state: CaseState) -> None:
        """The core keeps the behaviour of a run recorded before a patch, for its replay."""
        state.memo.regimes_on_window_start_only = not self.regimes_follow_rule_window
        state.memo.plans_on_all_law = not self.law_as_known_on_today
        state.memo.schedules_stop_at_a_miss = not self.schedules_never_go_silent
        state.memo.decisions_without_preconditions = not self.preconditions_on_their_own_day
        state.memo.phases_outlive_their_law = not self.phases_end_with_their_law
        state.memo.facts_outlive_their_occasion = not self.facts_serve_one_occasion
        state.memo.conversation_rules_unread = not self.conversations_by_their_rules
        state.memo.end_decisions_withdrawn = not self.end_decisions_met


def _refusal(error: EventRefused) -> ApplicationError:
    # The reason names fields, rules and dates only, never personal data: it is stored
    # in history as a failure message.
    return ApplicationError(
        error.reason,
        {"field": error.field, "reason": error.reason},
        type=EVENT_REFUSED,
        non_retryable=True,
    )


@workflow.defn
class CaseWorkflow:
    @workflow.init
    def __init__(self, input: CaseWorkflowInput) -> None:
        # The input is known before any update is validated: an opening that arrives with
        # the start (update-with-start) is compared with it in the first activation.
        self._opening = (
            CaseOpening(start=input.start, legal_anchor=input.clock.legal_anchor)
            if input.start is not None
            else None
        )
        self._opened_by = input.opened_by if input.state is None else None
        # A continued run answers queries with the state it was handed while it loads its
        # rules: reads never meet a case "still starting" after a phase change.
        self._state: CaseState | None = input.state
        self._rules: Rulebook | None = None
        self._clock = CaseClock()
        self._lock = asyncio.Lock()
        self._woken = False
        self._published: dict[str, object] = {}
        self._next_review: date | None = None
        self._slice: PackedRuleSlice | None = None
        self._rolled_out = False
        self._rollouts: list[str] = []
        self._snapshot_memo = False
        self._reloads = False
        self._memo_mark: tuple[object, ...] | None = None
        self._keeps_timer = False
        self._lean = False
        self._ends_met = False
        self._timer: asyncio.Task[None] | None = None
        self._timer_wake: date | None = None

    # --- the run -------------------------------------------------------------------

    @workflow.run
    async def run(self, input: CaseWorkflowInput) -> CaseWorkflowResult:
        # Asked in the run's first activation, before anything is awaited: a patch marker
        # must meet its `patched` call at the same point on every replay. A lean run
        # (`LEAN_HISTORY`) asks none of the patches it stands for: all of them hold. The
        # newest patch is asked first and stands for `lean-history` too: a new case records
        # one marker, and a run that replays a history recorded before it finds no marker
        # for it (False, no command) and goes on to ask what that run asked.
        self._ends_met = ends_met = input.end_decisions_met or workflow.patched(END_DECISIONS_MET)
        self._lean = lean = ends_met or input.lean_history or workflow.patched(LEAN_HISTORY)
        clock = input.clock
        self._clock = clock.pinned(_first_instant(lean)) if clock.needs_pinning else clock
        patched = _Patched.asked(lean, ends_met)
        self._snapshot_memo = patched.state_snapshot_memo
        self._reloads = patched.reload_rules
        self._keeps_timer = patched.wake_timer_kept
        self._rollouts = list(input.rollouts)
        municipality = input.state.municipality if input.state else _required(input).municipality
        if input.rule_slice is not None:
            # A rolled-out case stays on its version: no worker's files are read again.
            rule_slice = input.rule_slice
            self._rolled_out = True
        else:
            rule_slice = await workflow.execute_local_activity(
                LOAD_RULE_SLICE,
                RuleSliceRequest(municipality=municipality),
                result_type=PackedRuleSlice,
                start_to_close_timeout=timedelta(seconds=30),
                summary=f"Rule slice for {municipality}",
            )
        self._slice = rule_slice
        self._rules = rules = compiled(rule_slice)
        if input.state is not None:
            state = input.state
        else:
            try:
                state = engine.open_case(
                    _required(input),
                    rules,
                    plans_on_all_law=not patched.law_as_known_on_today,
                    schedules_stop_at_a_miss=not patched.schedules_never_go_silent,
                    decisions_without_preconditions=not patched.preconditions_on_their_own_day,
                    phases_outlive_their_law=not patched.phases_end_with_their_law,
                    facts_outlive_their_occasion=not patched.facts_serve_one_occasion,
                    conversation_rules_unread=not patched.conversations_by_their_rules,
                )
            except EventRefused as error:
                raise _refusal(error) from None
        self._state = state
        if lean and input.state is not None:
            self._start_on_what_was_carried(input.state)
        patched.mark_old_behaviours(state)
        engine.note_rulebook(state, rules.content_hash, self._today())
        started_in = state.phase

        while True:
            async with self._lock:
                rules = self._current_rules()
                engine.advance(state, rules, self._today())
                await self._perform_actions(state)
                self._publish(state)
            if state.closed:
                await workflow.wait_condition(workflow.all_handlers_finished)
                return CaseWorkflowResult(
                    case_id=state.case_id,
                    closed_on=state.today,
                    last_phase=state.phase_history[-1][0],
                    timeline=state.timeline,
                )
            if state.phase is not started_in or workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                self._continue_as_new(state)
            await self._sleep(state, self._current_rules())

    def _current_rules(self) -> Rulebook:
        # A roll-out may swap the rules between two steps.
        assert self._rules is not None
        return self._rules

    def _continue_as_new(self, state: CaseState) -> None:
        # A lean run hands its snapshot to the new run's start (continue-as-new hands on the
        # search attributes by itself, the memo only as it was at this run's start), so the
        # new run need not upsert it in its first task.
        memo = (
            {STATE_MEMO: StateMemo.of(state, simulated=self._clock.simulated)}
            if self._lean
            else None
        )
        workflow.continue_as_new(self._next_run_input(state), memo=memo)

    def _start_on_what_was_carried(self, state: CaseState) -> None:
        """A continued lean run knows what its predecessor last published."""
        carried = workflow.info().typed_search_attributes
        self._published = {key.name: carried.get(key) for key in sa.ALL_KEYS}
        if workflow.memo_value(STATE_MEMO, default=None) is not None:
            self._memo_mark = _memo_mark(state)

    def _next_run_input(self, state: CaseState) -> CaseWorkflowInput:
        # Every run carries the case's opening, so a repeated opening is compared with it.
        start = self._opening.start if self._opening else None
        if not self._rolled_out:
            return CaseWorkflowInput(
                state=state,
                start=start,
                clock=self._clock,
                lean_history=self._lean,
                end_decisions_met=self._ends_met,
            )
        return CaseWorkflowInput(
            state=state,
            start=start,
            clock=self._clock,
            rule_slice=self._slice,
            rollouts=self._rollouts[-_ROLLOUTS_KEPT:],
            lean_history=self._lean,
            end_decisions_met=self._ends_met,
        )

    async def _sleep(self, state: CaseState, rules: Rulebook) -> None:
        wake = engine.next_wakeup(state, rules)
        self._next_review = wake
        timeout: timedelta | None = None
        summary = "Waiting for an event"
        if wake is not None:
            timeout = max(self._clock.instant(wake) - workflow.now(), timedelta(seconds=1))
            summary = case_details.wake_summary(state, wake, self._clock, rules)
        self._describe(state)
        self._woken = False
        if self._keeps_timer:
            await self._wait_on_kept_timer(wake, timeout, summary)
            return
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(
                lambda: self._woken, timeout=timeout, timeout_summary=summary
            )

    async def _wait_on_kept_timer(
        self, wake: date | None, after: timedelta | None, summary: str
    ) -> None:
        # An event or a roll-out that leaves the next wake-up on the same legal day keeps
        # the running timer: restarting it would add two history events and change nothing.
        timer = self._timer
        if timer is not None and (timer.done() or wake != self._timer_wake):
            timer.cancel()
            timer = None
        if timer is None and after is not None:
            timer = asyncio.create_task(workflow.sleep(after, summary=summary))
        self._timer, self._timer_wake = timer, wake
        await workflow.wait_condition(lambda: self._woken or (timer is not None and timer.done()))

    def _today(self) -> date:
        return self._clock.today(workflow.now())

    # --- actions ---------------------------------------------------------------------

    async def _perform_actions(self, state: CaseState) -> None:
        if not self._lean:
            await self._perform_actions_one_by_one(state)
            return
        # A step's actions are independent of each other (each books or requests for its
        # own obligation, once per obligation id), so they are scheduled in one workflow
        # task: one by one, each waited for its own task (three history events apiece).
        # They are recorded in the order the core asked for them, as one by one.
        while state.pending_actions:
            batch = list(state.pending_actions)
            outcomes = await asyncio.gather(
                *(self._perform(state, state.obligations[i]) for i in batch),
                return_exceptions=True,
            )
            for obligation_id, outcome in zip(batch, outcomes, strict=True):
                if isinstance(outcome, ActivityError):
                    self._record_failure(state, obligation_id, outcome)
                elif isinstance(outcome, BaseException):
                    raise outcome
                else:
                    engine.record_action(state, obligation_id, outcome)

    async def _perform_actions_one_by_one(self, state: CaseState) -> None:
        while state.pending_actions:
            obligation_id = state.pending_actions[0]
            record = state.obligations[obligation_id]
            try:
                receipt = await self._perform(state, record)
            except ActivityError as error:
                self._record_failure(state, obligation_id, error)
                continue
            engine.record_action(state, obligation_id, receipt)

    def _record_failure(self, state: CaseState, obligation_id: str, error: ActivityError) -> None:
        cause = error.cause
        reason = cause.message if isinstance(cause, ApplicationError) else "failed"
        engine.record_action_failure(state, obligation_id, reason, self._today())

    async def _perform(self, state: CaseState, record: ObligationRecord) -> ActionReceipt:
        action = record.action
        assert action is not None
        case = CaseRef(
            workflow_id=workflow.info().workflow_id,
            municipality=state.municipality,
            case_id=state.case_id,
        )
        # The activity's input keeps the summary it always had (it reaches the
        # municipality's systems); the UI's summary names the act a person can look up.
        # Summaries are user metadata, which replay does not compare with the recorded
        # commands, so no patch: the committed histories (tests/replay) replay unchanged.
        summary = f"{record.title} — {', '.join(record.citations[:1])} — {record.regime}"
        shown = case_details.obligation_summary(record, self._current_rules())
        today = self._today()
        if action.kind is ActionKind.REQUEST_CERTIFICATE:
            certificate = await workflow.execute_activity(
                REQUEST_CERTIFICATE,
                CertificateRequestInput(
                    case=case,
                    obligation_id=record.id,
                    certificate=action.certificate or "",
                    requested_on=today,
                    due_on=record.due_on,
                    summary=summary,
                ),
                result_type=CertificateRequestResult,
                start_to_close_timeout=_ACTIVITY_TIMEOUT,
                retry_policy=_ACTIVITY_RETRY,
                summary=shown,
            )
            return ActionReceipt(reference=certificate.request_id, performed_on=today)
        booking = await workflow.execute_activity(
            BOOK_MEETING,
            MeetingBookingInput(
                case=case,
                obligation_id=record.id,
                kind=action.meeting or "",
                earliest=max(action.earliest or today, today),
                latest=max(action.latest or record.due_on, today),
                capacity_per_meeting=action.capacity_per_meeting,
                summary=summary,
            ),
            result_type=MeetingBookingResult,
            start_to_close_timeout=_ACTIVITY_TIMEOUT,
            retry_policy=_ACTIVITY_RETRY,
            summary=shown,
        )
        return ActionReceipt(
            reference=booking.booking_id,
            performed_on=today,
            meeting_on=booking.meeting_on,
            overbooked=booking.overbooked,
        )

    # --- opening (update-with-start) ---------------------------------------------------

    @workflow.update
    async def open_case(self, input: OpenCaseInput) -> CaseOpened:
        """The case, once it is ready, for the request that opened it or one repeating it.

        The gateway sends it with the start (update-with-start, conflict policy
        USE_EXISTING), so a first opening and any repeat wait for the same ready case."""
        await workflow.wait_condition(lambda: self._state is not None and self._rules is not None)
        state, _ = self._ready()
        return CaseOpened(
            case=CaseSnapshot.of(state, self._next_review),
            created=self._opened_by is not None and input.request_id == self._opened_by,
            checked=self._opening is not None,
        )

    @open_case.validator
    def validate_open_case(self, input: OpenCaseInput) -> None:
        # Refused in the validator: an opening with other data leaves no trace in history.
        if self._opening is None:
            return  # continued before runs kept their opening: the caller compares
        differ = self._opening.differences(input.opening)
        if differ:
            raise ApplicationError(
                "this case id was used for a case opened with other data",
                {"fields": differ},
                type=OPENING_CONFLICT,
                non_retryable=True,
            )

    # --- events ----------------------------------------------------------------------

    @workflow.update
    async def report_event(self, input: ReportEventInput) -> ReportEventResult:
        # An event may arrive in the same task as the start, before the rules are loaded.
        await workflow.wait_condition(lambda: self._state is not None and self._rules is not None)
        state, rules = self._ready()
        async with self._lock:
            try:
                receipt = engine.handle_event(state, input.event, rules, self._today())
            except EventRefused as error:
                # Reachable only if the case moved on between validation and handling, or
                # the event came while the case was starting (the validator let it through).
                raise _refusal(error) from None
            await self._perform_actions(state)
            self._publish(state)
            self._describe(state)
        self._woken = True
        return ReportEventResult(receipt=receipt, case=CaseSnapshot.of(state, self._next_review))

    @report_event.validator
    def validate_report_event(self, input: ReportEventInput) -> None:
        if self._state is None or self._rules is None:
            return  # still starting: the handler validates once the case is loaded
        state, rules = self._state, self._rules
        first = state.events.get(input.event.event_id)
        if first is not None:
            if first.fingerprint != engine.event_fingerprint(input.event):
                raise _refusal(
                    EventRefused("event_id", "this event id was already used for a different event")
                )
            return
        # Validate against the case as it will be when the event is handled: brought up
        # to today on a copy, so a refused event changes nothing.
        today = self._today()
        case = engine.probe(state)
        engine.advance(case, rules, today)
        try:
            engine.validate_event(case, input.event, rules, today)
        except EventRefused as error:
            raise _refusal(error) from None

    # --- roll-outs --------------------------------------------------------------------

    @workflow.signal(name=RELOAD_RULES_SIGNAL)
    async def reload_rules(self, signal: ReloadRules) -> None:
        """A roll-out reached the case: load the version it names and re-plan at once.

        A signal, not an update: a batch operation sends it to thousands of cases at a rate
        limit without waiting on each, and the roll-out id makes a repeated one (a batch
        resumed, a job retried after a server crash) a no-op."""
        await workflow.wait_condition(lambda: self._state is not None and self._rules is not None)
        if signal.rollout_id in self._rollouts:
            return
        if not (self._reloads or workflow.patched(RELOAD_RULES_LATE)):
            return
        # Marked before the first await: a duplicate in the same activation sees it.
        self._rollouts.append(signal.rollout_id)
        state, _ = self._ready()
        async with self._lock:
            try:
                packed = await workflow.execute_local_activity(
                    LOAD_PUBLISHED_SLICE,
                    PublishedSliceRequest(version=signal.version, municipality=state.municipality),
                    result_type=PackedRuleSlice,
                    start_to_close_timeout=timedelta(seconds=30),
                    retry_policy=_RELOAD_RETRY,
                    summary=f"Rulebook {signal.version[:12]} for {state.municipality}",
                )
            except ActivityError as error:
                # Forgotten, so resuming the roll-out tries again.
                self._rollouts.remove(signal.rollout_id)
                cause = error.cause
                reason = cause.message if isinstance(cause, ApplicationError) else "failed"
                workflow.logger.warning("roll-out could not load its rulebook: %s", reason)
                return
            today = self._today()
            if packed.content_hash != state.rulebook_hash:
                rules = compiled(packed)
                rollout.apply_version(state, rules, today, signal.rollout_id, signal.version)
                self._rules, self._slice, self._rolled_out = rules, packed, True
                await self._perform_actions(state)
            # A run from before the snapshot patch starts keeping one now (the reload
            # is itself behind a patch, so its replay makes the same choice).
            self._snapshot_memo = True
            self._publish(state)
        self._woken = True

    @workflow.query
    def rollouts(self) -> list[str]:
        """The roll-outs this case has applied (the latest few), oldest first."""
        return list(self._rollouts)

    # --- queries ---------------------------------------------------------------------

    @workflow.query
    def case(self) -> CaseSnapshot:
        return CaseSnapshot.of(self._known(), self._next_review)

    @workflow.query
    def receipt(self, event_id: str) -> ReportEventResult | None:
        """The first answer to `event_id` with the case as it is now; None if never seen.

        Asked of a closed case, whose updates Temporal no longer takes: the worker replays
        its last run and answers from the state it rebuilt."""
        state = self._known()
        first = state.events.get(event_id)
        if first is None:
            return None
        return ReportEventResult(receipt=first, case=CaseSnapshot.of(state, self._next_review))

    @workflow.query
    def clock(self) -> CaseClock:
        """How this case's legal calendar maps onto workflow time (simulated or real)."""
        return self._clock

    @workflow.query
    def timeline(self) -> list[TimelineEntry]:
        return self._known().timeline

    def _known(self) -> CaseState:
        """The case as far as queries may see it (no rules needed to show it)."""
        if self._state is None:
            raise ApplicationError("the case is still starting", type="CaseNotReady")
        return self._state

    @workflow.query
    def obligations(self) -> list[ObligationRecord]:
        """Every obligation record, for cost reports (a query: nothing enters history)."""
        state, _ = self._ready()
        return list(state.obligations.values())

    def _ready(self) -> tuple[CaseState, Rulebook]:
        if self._state is None or self._rules is None:
            raise ApplicationError("the case is still starting", type="CaseNotReady")
        return self._state, self._rules

    # --- what the Web UI shows ----------------------------------------------------------

    def _describe(self, state: CaseState) -> None:
        # Current details are not part of history (the UI reads them with a built-in
        # query), so they are set again on every step and in every run, replay included.
        workflow.set_current_details(
            case_details.current_details(
                state, self._clock, self._next_review, self._current_rules()
            )
        )

    # --- search attributes -----------------------------------------------------------

    def _publish(self, state: CaseState) -> None:
        """Keep the non-personal search attributes current; upsert only what changed."""
        open_obligations = state.open_obligations()
        nearest = open_obligations[0] if open_obligations else None
        values: dict[str, object] = {
            sa.CASE_MUNICIPALITY.name: state.municipality,
            sa.CASE_PHASE.name: state.phase.value,
            sa.CASE_TARGET_GROUP.name: state.target_group,
            sa.CASE_REGIMES.name: list(state.regimes),
            sa.CASE_NEXT_DEADLINE.name: (
                datetime.combine(nearest.due_on, time(), tzinfo=UTC) if nearest else None
            ),
            sa.CASE_NEXT_DEADLINE_KIND.name: nearest.kind.value if nearest else None,
            sa.CASE_OVERDUE.name: any(
                o.status is ObligationStatus.MISSED for o in state.obligations.values()
            ),
            sa.CASE_RULEBOOK_HASH.name: state.rulebook_hash,
        }
        if self._snapshot_memo:
            self._publish_snapshot(state)
        changed = {k: v for k, v in values.items() if self._published.get(k, ...) != v}
        if not changed:
            return
        updates = []
        for key in sa.ALL_KEYS:
            if key.name in changed:
                value = changed[key.name]
                updates.append(key.value_unset() if value is None else key.value_set(value))  # type: ignore[arg-type]
        workflow.upsert_search_attributes(updates)
        self._published.update(changed)

    def _publish_snapshot(self, state: CaseState) -> None:
        # Every change worth previewing adds a timeline line or an event receipt; days
        # that only pass do not, so an idle case writes no memo.
        mark = _memo_mark(state)
        if mark == self._memo_mark:
            return
        self._memo_mark = mark
        workflow.upsert_memo({STATE_MEMO: StateMemo.of(state, simulated=self._clock.simulated)})


def _memo_mark(state: CaseState) -> tuple[object, ...]:
    return (len(state.timeline), len(state.events), state.phase, state.rulebook_hash)


def _first_instant(lean: bool) -> datetime:
    """Where a simulated legal calendar is pinned on the first run.

    The first task's `workflow.now()` is not always the same instant when another worker
    replays the history (the replay may fold the first tasks together), and a calendar
    shifted by milliseconds moves a timer that fires just after a legal midnight to the day
    before: the replay then takes another branch. The run's start time comes from its first
    history event and is the same on every replay. Runs started before this change keep
    the first task's time (no patch marker in their history).
    """
    if lean or workflow.patched(CLOCK_PINNED_TO_RUN_START):
        return workflow.info().workflow_start_time
    return workflow.now()


def _required(input: CaseWorkflowInput) -> CaseStart:
    if input.start is None:
        raise ApplicationError("a case workflow needs `start` or `state`", type="BadInput")
    return input.start
