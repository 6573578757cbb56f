"""The enrolment registry of a capped trial: one small entity workflow per trial and
municipality (id `enrolment-FK-1.a-aalborg`) that hands out seats up to the rulebook's cap.

Why a workflow: the cap (FK-1.a: at most 80 citizens over the trial) spans cases, and each
case is its own workflow, so the count needs one serialised owner. Temporal runs a
workflow's update handlers one workflow task at a time, and the handlers decide without an
await between reading the count and taking the seat, so racing requests can never
over-admit, and a seat, once given, is carried across continue-as-new and never lost.
Requests are idempotent per case workflow id: a retried enrolment gets the seat it already
has. A refusal (cap reached, trial not in force) is an answer carrying the rulebook's
reason and citation, not an error, so the caller can report it to the case. (FK-1.a has no
releases: the grant caps the citizens taken in over the whole trial, so a seat is never
given back.)

Racing callers. Temporal admits at most 10 updates in flight on one workflow; with one
update per request, hundreds of racing enrolments were mostly refused with
RESOURCE_EXHAUSTED or aborted, and retrying them stalled. So callers batch: each caller
process keeps at most one update in flight per registry (`activities.update_batcher`), and
what queues up meanwhile is sent as one `enrol_batch` update, decided in order in one
workflow task. 400 racing requests from one process are five updates; ten processes racing
at once still fit under the limit, and beyond that (or when an update is aborted by a
continue-as-new, or a connection breaks) the caller sends the batch again with the same
update id. The single
`enrol` update stays for callers deployed before batching; both share `_decide`.

Why not the alternatives: a queue that only bounds a process's updates (a semaphore of
ten) still costs a workflow task per request, and several processes together overrun it
again; batching makes both small. Signals are not limited in flight, but carry no answer, so each
caller would poll a query (a worker round trip per poll, hundreds of pollers) or start a
reply workflow of its own (two more workflow tasks per request); an update answers in the
same call. Sharding the 80 places over several registries would need rebalancing to keep
the cap exact and would leave a place free in one shard while another refuses. Raising
`history.maxInFlightUpdates` only moves the cliff, and not on a cluster we do not run.

Continue-as-new: after `requests_per_run` decided requests (or when Temporal suggests it)
the run waits for `all_handlers_finished` and continues with the seats given; updates the
server had not yet delivered are aborted and their callers send them again to the new run.

Reuse for per-citizen limits: a limit held per citizen (one microloan, no re-referral, the
weeks of upskilling) is the same shape -- an entity workflow per key (`limit-<pseudonymous
citizen reference>`), claims idempotent per claim id, decided against a rulebook cap in
one step, `enrol_batch`-style updates behind an `UpdateBatcher` keyed by that workflow id.
Only the key and the decision differ (`_decide` counts places; a limit would sum its
claims' amounts); contention per citizen is low, but the same path keeps it safe.

Versioning: running registries meet this code with no `workflow.patched`: it only adds an
update handler, and the continue-as-new threshold moved into the input with the old value
as its default, so the commands of a run recorded before batching are unchanged
(tests/replay/enrolment_registry.run0.json replays; `.batched.` is the new design). Deploy
workers before gateways: a worker without `enrol_batch` rejects it, and the gateway answers
503 meanwhile.

The cap is resolved from the rulebook slice the run loads through the recorded local
activity, like a case does, for the request's group and legal date, on the law as known on
the day the seat is asked (`asked_on`): a seat asked for in June 2021 for 2022 is refused
on the trial's end as known then, not on an extension decided in August. Runs recorded
before `enrolment-on-law-as-known` judged on all decided law; they replay that way.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.enrolment_models import (
        ENROL_BATCH_UPDATE,
        ENROL_UPDATE,
        REGISTRY_WORKFLOW,
        EnrolmentAnswer,
        EnrolmentBatch,
        EnrolmentBatchAnswer,
        EnrolmentRegistryInput,
        EnrolmentRequest,
        EnrolmentRoster,
    )
    from activities.rulebook_activity import LOAD_RULE_SLICE, RuleSliceRequest
    from domain.rulebook import ResolutionContext, Rulebook, RuleNotInForce
    from domain.rulebook.packed import PackedRuleSlice, compiled

__all__ = ["ENROLMENT_ON_LAW_AS_KNOWN", "EnrolmentWorkflow"]

ENROLMENT_ON_LAW_AS_KNOWN = "enrolment-on-law-as-known"
"""Patch id: a request is judged on the law as known on the day it is asked."""


@workflow.defn(name=REGISTRY_WORKFLOW)
class EnrolmentWorkflow:
    def __init__(self) -> None:
        self._input: EnrolmentRegistryInput | None = None
        self._rules: Rulebook | None = None
        self._admitted: dict[str, int] = {}
        self._handled = 0

    @workflow.run
    async def run(self, input: EnrolmentRegistryInput) -> None:
        self._input = input
        self._admitted = dict(input.admitted)
        rule_slice = await workflow.execute_local_activity(
            LOAD_RULE_SLICE,
            RuleSliceRequest(municipality=input.municipality),
            result_type=PackedRuleSlice,
            start_to_close_timeout=timedelta(seconds=30),
            summary=f"Rule slice for {input.municipality}",
        )
        self._rules = compiled(rule_slice)
        await workflow.wait_condition(
            lambda: (
                self._handled >= input.requests_per_run
                or workflow.info().is_continue_as_new_suggested()
            )
        )
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.continue_as_new(input.model_copy(update={"admitted": self._admitted}))

    @workflow.update(name=ENROL_UPDATE)
    async def enrol(self, request: EnrolmentRequest) -> EnrolmentAnswer:
        await workflow.wait_condition(lambda: self._rules is not None)
        # From here on no await: the count and the seat are taken in one step.
        self._handled += 1
        return self._decide(request)

    @enrol.validator
    def _validate_enrol(self, request: EnrolmentRequest) -> None:
        _check_request(request)

    @workflow.update(name=ENROL_BATCH_UPDATE)
    async def enrol_batch(self, batch: EnrolmentBatch) -> EnrolmentBatchAnswer:
        await workflow.wait_condition(lambda: self._rules is not None)
        # No await from here on: the whole batch is decided in this one step, in order, so
        # a case asked for twice in one batch gets its seat once.
        self._handled += len(batch.requests)
        return EnrolmentBatchAnswer(answers=tuple(self._decide(r) for r in batch.requests))

    @enrol_batch.validator
    def _validate_enrol_batch(self, batch: EnrolmentBatch) -> None:
        for request in batch.requests:
            _check_request(request)

    @workflow.query
    def roster(self) -> EnrolmentRoster:
        assert self._input is not None
        return EnrolmentRoster(
            trial_id=self._input.trial_id,
            municipality=self._input.municipality,
            admitted=dict(self._admitted),
        )

    def _decide(self, request: EnrolmentRequest) -> EnrolmentAnswer:
        assert self._input is not None
        assert self._rules is not None
        trial, municipality = self._input.trial_id, self._input.municipality
        count = len(self._admitted)
        seat = self._admitted.get(request.case_workflow_id)
        if seat is not None:
            return EnrolmentAnswer(
                admitted=True,
                seat=seat,
                admitted_count=count,
                reason=f"already admitted to {trial} (seat {seat})",
            )
        rules = self._rules
        if workflow.patched(ENROLMENT_ON_LAW_AS_KNOWN):
            known_on = request.asked_on or request.on
            try:
                rules = rules.as_known_on(known_on)
            except RuleNotInForce:
                return EnrolmentAnswer(
                    admitted=False,
                    admitted_count=count,
                    reason=f"no law of {trial} was known on {known_on.isoformat()}",
                )
        status = rules.trial_status(trial, municipality, request.target_group, request.on)
        if not status.in_force:
            return EnrolmentAnswer(
                admitted=False,
                admitted_count=count,
                reason=status.reason,
                citations=status.citations,
            )
        cap = rules.resolve(
            self._input.cap_rule,
            ResolutionContext(municipality, request.target_group, request.on),
        )
        if not isinstance(cap.value, int) or count >= cap.value:
            return EnrolmentAnswer(
                admitted=False,
                cap=cap.value if isinstance(cap.value, int) else None,
                admitted_count=count,
                reason=(
                    f"{trial} admits at most {cap.value} citizens over the trial and "
                    f"{count} are admitted ({cap.rule_id}: {cap.reason}; {cap.regime})"
                ),
                citations=cap.citations,
            )
        self._admitted[request.case_workflow_id] = count + 1
        return EnrolmentAnswer(
            admitted=True,
            seat=count + 1,
            cap=cap.value,
            admitted_count=count + 1,
            reason=f"admitted to {trial}: seat {count + 1} of {cap.value} ({cap.reason})",
            citations=cap.citations,
        )


def _check_request(request: EnrolmentRequest) -> None:
    if not request.case_workflow_id.startswith("case-"):
        raise ApplicationError("case_workflow_id must be a case workflow id", type="BadInput")
