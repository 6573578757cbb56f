"""Roll-outs of a published rulebook version to running cases: preview, start, status,
stop, resume. Used by the gateway (`/v1/rollouts`); the CLI goes through the gateway.

**Temporal's batch operation does the fan-out.** A roll-out is one batch *signal* job
(`StartBatchOperation` with a visibility query and `max_operations_per_second`): the
server lists the cases whose municipality's slice hash differs from the version's
(`CaseRulebookHash`), signals each `reload_rules(rollout id, version)` at the rate limit,
and keeps its own progress in its own durable system workflow, so the roll-out survives a
kill -9 of the worker (signals wait in each case's history) and of the server (the job
resumes from its persisted state). Nothing of ours needs to be durable beside it: the
roll-out's id, version and scope travel in the job's `reason`, and "what is left" is the
same visibility query counted again (a re-planned case publishes its new slice hash and
drops out of it). Stop is the job's stop; resume starts a new job `<id>.r<n>` with the
same query and the same roll-out id, which picks up exactly the cases not yet re-planned;
a case signalled twice applies the roll-out once (the id is recorded in the case).

**The rate limit is the server's.** Temporal Server 1.32 ignores a job's own
`max_operations_per_second` (measured here: 300 signals at 10/s asked took ~3 s) and
paces every batch job at its dynamic config `worker.batcherRPS` (measured: 10 gives
10/s). The roll-out's `rps` is still sent (a server that honours it will); the pace an
operator can rely on is set in `deploy/temporal/dynamicconfig` (the dev stack: 1000/s).

The preview reads each open case's state snapshot from its memo (encrypted, returned by
the list call itself, a thousand cases a page) and runs the same pure function the case
runs on a copy (`domain.case.rollout.impact`), in a thread beside the event loop.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from temporalio.api.batch.v1 import BatchOperationSignal
from temporalio.api.common.v1 import Payloads
from temporalio.api.enums.v1 import BatchOperationState
from temporalio.api.workflowservice.v1 import (
    DescribeBatchOperationRequest,
    ListBatchOperationsRequest,
    StartBatchOperationRequest,
    StopBatchOperationRequest,
)
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from activities.rulebook_store import PublishedVersion, RulebookStore, UnknownVersion
from domain.case.model import CaseState
from domain.case.rollout import ObligationChange, impact
from domain.rulebook import Rulebook
from domain.rulebook.packed import compiled
from workflows import search_attributes as sa
from workflows.rollout_models import RELOAD_RULES_SIGNAL, STATE_MEMO, ReloadRules, StateMemo

__all__ = [
    "MAX_RPS",
    "CasePreview",
    "Preview",
    "RolloutRefused",
    "RolloutScope",
    "RolloutStatus",
    "list_rollouts",
    "preview",
    "resume",
    "start",
    "status",
    "stop",
]

MAX_RPS = 1000
_REASON_PREFIX = "caseflow-rollout"
_ID = re.compile(r"^ro-[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$")
_PHASE = "CaseWorkflow"


class RolloutRefused(Exception):
    """A refused request: `status` (HTTP), a stable `error` code, the `field`, a reason."""

    def __init__(self, status: int, error: str, field: str | None, reason: str) -> None:
        super().__init__(reason)
        self.status, self.error, self.field, self.reason = status, error, field, reason


@dataclass(frozen=True)
class RolloutScope:
    """Validated filters (municipality ids resolved through the rulebook, a phase enum
    value, a trial id known to the rulebook): nothing else reaches a query string."""

    municipalities: tuple[str, ...]
    phase: str | None = None
    trial: str | None = None
    task_queue: str | None = None
    """Only cases on this task queue (tests and benchmarks share a server); None: all."""


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _open_cases(scope: RolloutScope) -> list[str]:
    clauses = [f"WorkflowType = '{_PHASE}'", "ExecutionStatus = 'Running'"]
    if scope.phase is not None:
        clauses.append(f"{sa.CASE_PHASE.name} = {_quote(scope.phase)}")
    if scope.trial is not None:
        clauses.append(f"{sa.CASE_REGIMES.name} = {_quote('TRIAL:' + scope.trial)}")
    if scope.task_queue is not None:
        clauses.append(f"TaskQueue = {_quote(scope.task_queue)}")
    return clauses


def open_cases_query(scope: RolloutScope) -> str:
    values = ", ".join(_quote(m) for m in scope.municipalities)
    return " AND ".join([*_open_cases(scope), f"{sa.CASE_MUNICIPALITY.name} IN ({values})"])


def targets_query(scope: RolloutScope, version: PublishedVersion) -> str:
    """Open cases in scope whose municipality's slice differs from the version's."""
    per = " OR ".join(
        f"({sa.CASE_MUNICIPALITY.name} = {_quote(m)} AND "
        f"{sa.CASE_RULEBOOK_HASH.name} != {_quote(version.slices[m])})"
        for m in scope.municipalities
        if m in version.slices
    )
    return " AND ".join([*_open_cases(scope), f"({per or 'false'})"])


def _version(store: RulebookStore, ref: str) -> PublishedVersion:
    try:
        return store.version(ref)
    except UnknownVersion as error:
        raise RolloutRefused(422, "invalid_request", error.field, error.reason) from None


# --- preview ------------------------------------------------------------------------


@dataclass
class CasePreview:
    workflow_id: str
    case_id: str
    municipality: str
    phase: str
    trials: tuple[str, ...]
    changes: list[ObligationChange]


@dataclass
class Preview:
    version: str
    open_cases: int = 0
    cases_affected: int = 0
    without_snapshot: int = 0
    """Open cases with no state snapshot yet (runs started before snapshots existed: they
    keep one from their next phase change on); they are rolled out, not previewed."""
    by_municipality: dict[str, Counter[str]] = field(default_factory=dict)
    by_trial: dict[str, Counter[str]] = field(default_factory=dict)
    cases: list[CasePreview] = field(default_factory=list)


def _case_today(memo: StateMemo, state: CaseState, now: datetime) -> date:
    # The case's own calendar: the wall clock's date for real cases, its last day for a
    # simulated one (its clock moves only when someone moves it).
    return state.today if memo.simulated else max(state.today, now.astimezone(UTC).date())


_CHUNK = 250
"""Cases assessed per hop to a thread: the list call's memos are decrypted on the event
loop (the codec is async), the re-plan on a copy runs beside it."""


async def preview(
    client: Client,
    store: RulebookStore,
    version_ref: str,
    scope: RolloutScope,
    *,
    limit: int = 100,
    now: datetime | None = None,
) -> Preview:
    """What a roll-out of `version_ref` would move. Thousands of cases re-planned on a copy
    take seconds of CPU: that work runs in a thread, never on the event loop, which in
    `caseflow up` serves the gateway and the worker's workflow tasks too."""
    version = await asyncio.to_thread(_version, store, version_ref)
    now = now or datetime.now(UTC)
    result = Preview(version=version.content_hash)
    rules: dict[str, Rulebook] = {}
    chunk: list[tuple[str, StateMemo]] = []
    async for execution in client.list_workflows(open_cases_query(scope), page_size=1000):
        result.open_cases += 1
        try:
            memo = await execution.memo_value(STATE_MEMO, type_hint=StateMemo)
        except KeyError:
            result.without_snapshot += 1
            continue
        chunk.append((execution.id, memo))
        if len(chunk) >= _CHUNK:
            await asyncio.to_thread(_assess, chunk, result, store, version, rules, now, limit)
            chunk = []
    if chunk:
        await asyncio.to_thread(_assess, chunk, result, store, version, rules, now, limit)
    return result


def _assess(  # noqa: PLR0917 - one chunk of `preview`, in its thread
    chunk: list[tuple[str, StateMemo]],
    result: Preview,
    store: RulebookStore,
    version: PublishedVersion,
    rules: dict[str, Rulebook],
    now: datetime,
    limit: int,
) -> None:
    for workflow_id, memo in chunk:
        state = memo.case_state()
        municipality = state.municipality
        if municipality not in version.slices:
            continue
        if municipality not in rules:
            rules[municipality] = compiled(store.slice(version.content_hash, municipality))
        changes = impact(state, rules[municipality], _case_today(memo, state, now))
        if not changes:
            continue
        result.cases_affected += 1
        trials = tuple(r.removeprefix("TRIAL:") for r in state.regimes if r.startswith("TRIAL:"))
        tally = Counter(c.change for c in changes)
        tally["cases"] = 1
        result.by_municipality.setdefault(municipality, Counter()).update(tally)
        for trial in trials or ("none",):
            result.by_trial.setdefault(trial, Counter()).update(tally)
        if len(result.cases) < limit:
            result.cases.append(
                CasePreview(
                    workflow_id=workflow_id,
                    case_id=state.case_id,
                    municipality=municipality,
                    phase=state.phase.value,
                    trials=trials,
                    changes=changes,
                )
            )


# --- roll-outs ------------------------------------------------------------------------


@dataclass
class RolloutStatus:
    rollout_id: str
    version: str
    municipalities: tuple[str, ...]
    phase: str | None
    trial: str | None
    started_by: str
    started_at: datetime | None
    state: str
    """running; applying (signals sent, cases still re-planning); completed; stopped; or
    incomplete (the job ended a while ago and cases are left: resume it)."""
    total: int
    signalled: int
    failed_signals: int
    remaining: int
    jobs: list[str]

    @property
    def replanned(self) -> int:
        return max(self.total - self.remaining, 0)


def _reason(rollout_id: str, version: str, scope: RolloutScope, total: int, by: str) -> str:
    parts = {
        "id": rollout_id,
        "version": version,
        "municipalities": ",".join(scope.municipalities),
        "phase": scope.phase or "",
        "trial": scope.trial or "",
        "queue": scope.task_queue or "",
        "total": str(total),
        "by": by,
    }
    return _REASON_PREFIX + " " + " ".join(f"{k}={v}" for k, v in parts.items())


def _parse_reason(reason: str) -> dict[str, str] | None:
    if not reason.startswith(_REASON_PREFIX + " "):
        return None
    fields = {}
    for part in reason[len(_REASON_PREFIX) + 1 :].split(" "):
        key, _, value = part.partition("=")
        fields[key] = value
    return fields


async def _count(client: Client, query: str) -> int:
    return (await client.count_workflows(query)).count


async def _jobs(client: Client) -> list[tuple[str, dict[str, str], Any]]:
    """Our batch jobs (job id, parsed reason, describe response), newest first."""
    service = client.workflow_service
    found: list[tuple[str, dict[str, str], Any]] = []
    token = b""
    while True:
        page = await service.list_batch_operations(
            ListBatchOperationsRequest(
                namespace=client.namespace, page_size=100, next_page_token=token
            )
        )
        for info in page.operation_info:
            if not info.job_id.startswith("ro-"):
                continue
            described = await service.describe_batch_operation(
                DescribeBatchOperationRequest(namespace=client.namespace, job_id=info.job_id)
            )
            fields = _parse_reason(described.reason)
            if fields is not None:
                found.append((info.job_id, fields, described))
        token = page.next_page_token
        if not token:
            return found


SETTLE_SECONDS = 60.0
"""How long after its job ended a roll-out with cases left counts as "applying" anyway
(visibility lags behind the cases it lists)."""


def _settling(described: Any) -> bool:
    if described.state != BatchOperationState.BATCH_OPERATION_STATE_COMPLETED:
        return False
    closed: datetime = described.close_time.ToDatetime(tzinfo=UTC)
    return (datetime.now(UTC) - closed).total_seconds() < SETTLE_SECONDS


async def _still_applying(client: Client, query: str, sample: int = 20) -> bool:
    """Whether cases left in the query still have work queued (a signal not yet handled,
    e.g. while a worker is down or busy): then the roll-out is applying, not incomplete."""
    seen = 0
    async for execution in client.list_workflows(query, page_size=sample):
        described = await client.get_workflow_handle(execution.id).describe()
        if described.raw_description.HasField("pending_workflow_task"):
            return True
        seen += 1
        if seen >= sample:
            break
    return False


def _running(described: object) -> bool:
    return getattr(described, "state", None) == BatchOperationState.BATCH_OPERATION_STATE_RUNNING


async def start(
    client: Client,
    store: RulebookStore,
    version_ref: str,
    scope: RolloutScope,
    *,
    rps: int,
    started_by: str,
) -> RolloutStatus:
    """Start a roll-out; refused (nothing changed) for an unknown or identical version or
    while another roll-out runs for any of the same municipalities."""
    if not 1 <= rps <= MAX_RPS:
        raise RolloutRefused(422, "invalid_request", "rps", f"must be between 1 and {MAX_RPS}")
    version = _version(store, version_ref)
    for job_id, fields, described in await _jobs(client):
        overlap = set(fields.get("municipalities", "").split(",")) & set(scope.municipalities)
        queue = fields.get("queue") or None
        same_cases = queue is None or scope.task_queue is None or queue == scope.task_queue
        if _running(described) and overlap and same_cases:
            raise RolloutRefused(
                409,
                "conflict",
                "municipality",
                f"roll-out {job_id.split('.')[0]} is still running for "
                f"{', '.join(sorted(overlap))}; stop it or wait for it to finish",
            )
    query = targets_query(scope, version)
    total = await _count(client, query)
    if total == 0:
        raise RolloutRefused(
            422,
            "invalid_request",
            "version",
            "identical rulebook: every open case in scope already runs on this version",
        )
    rollout_id = f"ro-{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
    await _start_job(
        client, rollout_id, rollout_id, version, scope, total=total, started_by=started_by, rps=rps
    )
    return await status(client, rollout_id)


async def _start_job(
    client: Client,
    job_id: str,
    rollout_id: str,
    version: PublishedVersion,
    scope: RolloutScope,
    *,
    total: int,
    started_by: str,
    rps: int,
) -> None:
    # Encoded by the client's converter (payload codec included): the signal's input is
    # stored in every case's history, encrypted like any other payload.
    payloads = await client.data_converter.encode(
        [ReloadRules(rollout_id=rollout_id, version=version.content_hash)]
    )
    try:
        await client.workflow_service.start_batch_operation(
            StartBatchOperationRequest(
                namespace=client.namespace,
                job_id=job_id,
                visibility_query=targets_query(scope, version),
                reason=_reason(rollout_id, version.content_hash, scope, total, started_by),
                max_operations_per_second=float(rps),
                signal_operation=BatchOperationSignal(
                    signal=RELOAD_RULES_SIGNAL,
                    input=Payloads(payloads=payloads),
                    identity=f"caseflow-rollout/{started_by}",
                ),
            )
        )
    except RPCError as error:
        if error.status in (RPCStatusCode.RESOURCE_EXHAUSTED, RPCStatusCode.ALREADY_EXISTS):
            # The server runs a limited number of batch jobs per namespace.
            raise RolloutRefused(
                409,
                "conflict",
                "municipality",
                "another roll-out is running (the server runs one batch job at a time); "
                "stop it or wait for it to finish",
            ) from None
        raise


def _scope_of(fields: dict[str, str]) -> RolloutScope:
    return RolloutScope(
        municipalities=tuple(m for m in fields.get("municipalities", "").split(",") if m),
        phase=fields.get("phase") or None,
        trial=fields.get("trial") or None,
        task_queue=fields.get("queue") or None,
    )


def _check_id(rollout_id: str) -> None:
    if not _ID.match(rollout_id):
        raise RolloutRefused(422, "invalid_request", "rollout_id", "not a roll-out id")


async def _jobs_of(client: Client, rollout_id: str) -> list[tuple[str, dict[str, str], Any]]:
    """The roll-out's jobs, described by id (`<id>`, `<id>.r1`, ...): a listing of batch
    jobs comes from visibility and may not show one started a moment ago."""
    _check_id(rollout_id)
    jobs: list[tuple[str, dict[str, str], Any]] = []
    while True:
        job_id = rollout_id if not jobs else f"{rollout_id}.r{len(jobs)}"
        try:
            described = await client.workflow_service.describe_batch_operation(
                DescribeBatchOperationRequest(namespace=client.namespace, job_id=job_id)
            )
        except RPCError as error:
            if error.status != RPCStatusCode.NOT_FOUND:
                raise
            break
        fields = _parse_reason(described.reason)
        if fields is None or fields.get("id") != rollout_id:
            break
        jobs.append((job_id, fields, described))
    if not jobs:
        raise RolloutRefused(404, "not_found", "rollout_id", "no such roll-out")
    return jobs


async def status(client: Client, rollout_id: str) -> RolloutStatus:
    jobs = await _jobs_of(client, rollout_id)
    first = jobs[0][1]
    scope = _scope_of(first)
    version = first.get("version", "")
    # The version's slices are in the job's own query; counting it again tells what is left.
    remaining = await _count(client, jobs[-1][2].query)
    last = jobs[-1][2]
    if any(_running(d) for _, _, d in jobs):
        state = "running"
    elif remaining == 0:
        state = "completed"
    elif _settling(last) or await _still_applying(client, last.query):
        # Every signal is in; the cases are still re-planning (or visibility lags).
        state = "applying"
    elif last.state == BatchOperationState.BATCH_OPERATION_STATE_FAILED:
        # A stopped job ends as failed; ours are only ever stopped on purpose.
        state = "stopped"
    else:
        state = "incomplete"
    started = jobs[0][2].start_time
    return RolloutStatus(
        rollout_id=rollout_id,
        version=version,
        municipalities=scope.municipalities,
        phase=scope.phase,
        trial=scope.trial,
        started_by=first.get("by", ""),
        started_at=started.ToDatetime(tzinfo=UTC) if started.seconds else None,
        state=state,
        total=int(first.get("total", "0") or 0),
        signalled=sum(d.complete_operation_count for _, _, d in jobs),
        failed_signals=sum(d.failure_operation_count for _, _, d in jobs),
        remaining=remaining,
        jobs=[j for j, _, _ in jobs],
    )


async def stop(client: Client, rollout_id: str, by: str) -> RolloutStatus:
    jobs = await _jobs_of(client, rollout_id)
    running = [j for j, _, d in jobs if _running(d)]
    if not running:
        raise RolloutRefused(409, "conflict", "rollout_id", "the roll-out is not running")
    for job_id in running:
        await client.workflow_service.stop_batch_operation(
            StopBatchOperationRequest(
                namespace=client.namespace,
                job_id=job_id,
                reason=f"stopped by {by}",
                identity=f"caseflow-rollout/{by}",
            )
        )
    result = await status(client, rollout_id)
    result.state = "stopped"
    return result


async def resume(
    client: Client, store: RulebookStore, rollout_id: str, *, rps: int, by: str
) -> RolloutStatus:
    """A new job for what is left, under the same roll-out id (re-planned cases are not
    in its query; a case signalled twice applies the roll-out once)."""
    if not 1 <= rps <= MAX_RPS:
        raise RolloutRefused(422, "invalid_request", "rps", f"must be between 1 and {MAX_RPS}")
    jobs = await _jobs_of(client, rollout_id)
    if any(_running(d) for _, _, d in jobs):
        raise RolloutRefused(409, "conflict", "rollout_id", "the roll-out is still running")
    first = jobs[0][1]
    version = _version(store, first.get("version", ""))
    scope = _scope_of(first)
    if await _count(client, targets_query(scope, version)) == 0:
        raise RolloutRefused(409, "conflict", "rollout_id", "the roll-out has nothing left to do")
    await _start_job(
        client,
        f"{rollout_id}.r{len(jobs)}",
        rollout_id,
        version,
        scope,
        total=int(first.get("total", "0") or 0),
        started_by=by,
        rps=rps,
    )
    return await status(client, rollout_id)


async def list_rollouts(client: Client) -> list[RolloutStatus]:
    ids = sorted({f["id"] for _, f, _ in await _jobs(client) if "id" in f}, reverse=True)
    return [await status(client, i) for i in ids]
