"""A citizen's limit registry: one entity workflow per pseudonymous citizen reference
(`citizen-limit-cz_...`) that keeps the claims of every case of that citizen and decides
each new one against the rulebook (`domain.offers.citizen_limits.decide`).

Why a workflow: the law limits the citizen (one FK-2.b course, 6 weeks of upskilling in a
spell, one microloan place) while each case is its own workflow, so the count needs one
serialised owner -- the same shape as the enrolment registry of a capped trial, and built
the same way (`workflows/enrolment_workflow.py`, "Reuse for per-citizen limits"): callers
send `claim_batch` updates behind an `UpdateBatcher` (one update in flight per caller
process), the handler decides the whole batch with no await between reading the claims
and adding one, and every claim is idempotent by its claim id (the answer is kept, so a
retried claim -- granted or refused -- gets its first answer). Only the decision differs:
the registry counts places, this one sums the citizen's claims per limit.

The workflow id is derived from the reference, which is an HMAC of the CPR number under a
key only the gateway holds: Temporal (ids, history, visibility) never sees the CPR number,
and the id cannot be turned back into one without the key (README "Citizen references").

Rules: limits are national, but trials differ per municipality, so each claim is decided
under the rule slice of the municipality that makes it, loaded once per run through the
recorded local activity (like a case).

Continue-as-new after `requests_per_run` decided claims (or when Temporal suggests it),
carrying the claims and answers.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.citizen_limit_models import (
        CLAIM_BATCH_UPDATE,
        HOLDINGS_QUERY,
        LIMIT_WORKFLOW,
        CitizenLimitInput,
        ClaimBatch,
        ClaimBatchAnswer,
        Holdings,
    )
    from activities.rulebook_activity import LOAD_RULE_SLICE, RuleSliceRequest
    from domain.case.identifiers import check_reference, check_text
    from domain.offers.citizen_limits import LimitClaim, LimitDecision, decide
    from domain.rulebook import Rulebook
    from domain.rulebook.errors import RulebookError
    from domain.rulebook.packed import PackedRuleSlice, compiled

__all__ = ["CitizenLimitWorkflow"]


@workflow.defn(name=LIMIT_WORKFLOW)
class CitizenLimitWorkflow:
    def __init__(self) -> None:
        self._input: CitizenLimitInput | None = None
        self._claims: list[LimitClaim] = []
        self._answers: dict[str, LimitDecision] = {}
        self._rules: dict[str, Rulebook] = {}
        self._handled = 0

    @workflow.run
    async def run(self, input: CitizenLimitInput) -> None:
        self._input = input
        self._claims = list(input.claims)
        self._answers = dict(input.answers)
        await workflow.wait_condition(
            lambda: (
                self._handled >= input.requests_per_run
                or workflow.info().is_continue_as_new_suggested()
            )
        )
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.continue_as_new(
            input.model_copy(update={"claims": tuple(self._claims), "answers": self._answers})
        )

    @workflow.update(name=CLAIM_BATCH_UPDATE)
    async def claim_batch(self, batch: ClaimBatch) -> ClaimBatchAnswer:
        for municipality in sorted({claim.municipality for claim in batch.claims}):
            await self._load(municipality)
        # No await from here on: the batch is decided in this one step, in order, so two
        # claims of one batch (or of racing batches) never both take the last week.
        self._handled += len(batch.claims)
        return ClaimBatchAnswer(answers=tuple(self._decide(claim) for claim in batch.claims))

    @claim_batch.validator
    def _validate(self, batch: ClaimBatch) -> None:
        for claim in batch.claims:
            try:
                check_text(claim.case_workflow_id, "case_workflow_id")
                check_reference(claim.municipality, "municipality")
            except ValueError as error:
                raise ApplicationError(str(error), type="BadInput") from None

    @workflow.query(name=HOLDINGS_QUERY)
    def holdings(self) -> Holdings:
        return Holdings(claims=tuple(self._claims))

    async def _load(self, municipality: str) -> None:
        if municipality in self._rules:
            return
        rule_slice = await workflow.execute_local_activity(
            LOAD_RULE_SLICE,
            RuleSliceRequest(municipality=municipality),
            result_type=PackedRuleSlice,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(maximum_attempts=3),
            summary=f"Rule slice for {municipality}",
        )
        self._rules.setdefault(municipality, compiled(rule_slice))

    def _decide(self, claim: LimitClaim) -> LimitDecision:
        if claim.action == "release":
            held = [c for c in self._claims if c.claim_id == claim.claim_id]
            self._claims = [c for c in self._claims if c.claim_id != claim.claim_id]
            self._answers.pop(claim.claim_id, None)
            return LimitDecision(
                granted=True,
                reason="released" if held else "nothing held under this claim id",
                rule="",
            )
        known = self._answers.get(claim.claim_id)
        if known is not None:
            return known
        try:
            answer = decide(self._rules[claim.municipality], self._claims, claim)
        except (LookupError, ValueError, RulebookError) as error:
            # The rules cannot answer this claim (a rule not in force that day, a group it
            # does not apply to): a refusal for this claim, not a stuck workflow task.
            answer = LimitDecision(
                granted=False,
                reason=f"the rulebook cannot decide this claim: {type(error).__name__}",
                rule="",
            )
        self._answers[claim.claim_id] = answer
        if answer.granted:
            self._claims.append(claim)
        return answer
