"""The roll-out API: preview a published rulebook version against the open cases, roll it
out, follow it, stop and resume it. Behind the `rollout` scope; a client limited to some
municipalities previews and rolls out to its own cases only, and sees only its own
roll-outs (another client's answers 404, like one that does not exist).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, ConfigDict, Field
from temporalio.service import RPCError

from activities.rulebook_store import RulebookStore
from domain.case.model import PhaseName
from domain.rulebook import Rulebook
from workers import rollouts
from workers.auth import Principal
from workers.gateway.deps import AppConfig, Rollouter, Rules, TemporalClient
from workers.gateway.errors import ApiError, error_responses
from workers.logging_setup import get_logger
from workers.rollouts import RolloutRefused, RolloutScope

router = APIRouter(prefix="/v1/rollouts", tags=["rollouts"])
log = get_logger(__name__)

DEFAULT_RPS = 50


class ChangeItem(BaseModel):
    obligation_id: str
    title: str
    change: str = Field(description="moved, appeared or disappeared")
    old_due_on: date | None
    new_due_on: date | None
    regime: str | None


class CasePreviewItem(BaseModel):
    workflow_id: str
    case_id: str
    municipality: str
    phase: str
    trials: list[str]
    changes: list[ChangeItem]


class PreviewBody(BaseModel):
    version: str
    open_cases: int
    cases_affected: int
    without_snapshot: int
    by_municipality: dict[str, dict[str, int]] = Field(
        description="cases, moved, appeared, disappeared per municipality"
    )
    by_trial: dict[str, dict[str, int]] = Field(description="the same per trial (`none`)")
    cases: list[CasePreviewItem] = Field(description="the first `limit` affected cases")


class StartRollout(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str = Field(description="Content hash (or a unique prefix) of a published rulebook")
    municipality: list[str] | None = Field(
        default=None, description="Ids, names or codes; default: every one the client serves"
    )
    phase: PhaseName | None = None
    trial: str | None = Field(default=None, description="Only cases in this trial (FK id)")
    rps: int = Field(
        default=DEFAULT_RPS,
        description="Cases signalled per second, sent with the batch job; Temporal Server "
        "1.32 paces batch jobs at its own `worker.batcherRPS` instead",
    )


class ResumeRollout(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rps: int = DEFAULT_RPS


class RolloutBody(BaseModel):
    rollout_id: str
    version: str
    municipalities: list[str]
    phase: str | None
    trial: str | None
    started_by: str
    started_at: datetime | None
    state: str = Field(description="running, stopped, completed or incomplete")
    total: int
    signalled: int
    failed_signals: int
    replanned: int
    remaining: int
    jobs: list[str] = Field(description="The Temporal batch jobs (`temporal batch describe`)")

    @classmethod
    def of(cls, s: rollouts.RolloutStatus) -> RolloutBody:
        return cls(
            rollout_id=s.rollout_id,
            version=s.version,
            municipalities=list(s.municipalities),
            phase=s.phase,
            trial=s.trial,
            started_by=s.started_by,
            started_at=s.started_at,
            state=s.state,
            total=s.total,
            signalled=s.signalled,
            failed_signals=s.failed_signals,
            replanned=s.replanned,
            remaining=s.remaining,
            jobs=s.jobs,
        )


def _store(config: AppConfig) -> RulebookStore:
    return RulebookStore.in_data_dir(config.data_dir)


def _scope(  # noqa: PLR0917 - the request's filters, checked in one place
    config: AppConfig,
    rules: Rulebook,
    who: Principal,
    municipality: list[str] | None,
    phase: PhaseName | None,
    trial: str | None,
) -> RolloutScope:
    if municipality:
        ids = []
        for name in municipality:
            try:
                found = rules.municipality(name).id
            except LookupError:
                raise ApiError(
                    422, "invalid_request", "no such municipality", "municipality"
                ) from None
            if not who.may_see(found):
                raise ApiError(
                    403, "forbidden", "outside the client's municipalities", "municipality"
                )
            ids.append(found)
    elif who.all_municipalities:
        ids = [m.id for m in rules.municipalities()]
    else:
        ids = sorted(who.municipalities)
    if trial is not None and trial not in rules.trial_ids():
        raise ApiError(422, "invalid_request", "no such trial in the rulebook", "trial")
    return RolloutScope(
        municipalities=tuple(sorted(set(ids))),
        phase=phase.value if phase is not None else None,
        trial=trial,
        # The cases this deployment started: the gateway starts them on its task queue.
        task_queue=config.task_queue,
    )


def _refused(error: RolloutRefused) -> ApiError:
    return ApiError(error.status, error.error, error.reason, error.field)


def _unavailable(error: RPCError) -> ApiError:
    log.warning("temporal call failed", status=error.status.name)
    return ApiError(503, "unavailable", "the case store did not answer; retry later")


def _visible(who: Principal, s: rollouts.RolloutStatus) -> bool:
    return all(who.may_see(m) for m in s.municipalities)


@router.get("/preview", responses=error_responses(401, 403, 422, 503))
async def preview(
    *,
    client: TemporalClient,
    config: AppConfig,
    rules: Rules,
    who: Rollouter,
    version: Annotated[str, Query(description="Published rulebook hash or prefix")],
    municipality: Annotated[list[str] | None, Query()] = None,
    phase: Annotated[PhaseName | None, Query()] = None,
    trial: Annotated[str | None, Query()] = None,
    limit: Annotated[int, Query(ge=0, le=1000)] = 100,
) -> PreviewBody:
    """What a roll-out of `version` would move, per case and in totals; changes nothing."""
    scope = _scope(config, rules, who, municipality, phase, trial)
    try:
        found = await rollouts.preview(client, _store(config), version, scope, limit=limit)
    except RolloutRefused as error:
        raise _refused(error) from None
    except RPCError as error:
        raise _unavailable(error) from None
    return PreviewBody(
        version=found.version,
        open_cases=found.open_cases,
        cases_affected=found.cases_affected,
        without_snapshot=found.without_snapshot,
        by_municipality={k: dict(v) for k, v in sorted(found.by_municipality.items())},
        by_trial={k: dict(v) for k, v in sorted(found.by_trial.items())},
        cases=[
            CasePreviewItem(
                workflow_id=c.workflow_id,
                case_id=c.case_id,
                municipality=c.municipality,
                phase=c.phase,
                trials=list(c.trials),
                changes=[
                    ChangeItem(
                        obligation_id=ch.obligation_id,
                        title=ch.title,
                        change=ch.change,
                        old_due_on=ch.old_due_on,
                        new_due_on=ch.new_due_on,
                        regime=ch.regime,
                    )
                    for ch in c.changes
                ],
            )
            for c in found.cases
        ],
    )


@router.post("", status_code=201, responses=error_responses(401, 403, 409, 422, 503))
async def start(
    client: TemporalClient,
    config: AppConfig,
    rules: Rules,
    who: Rollouter,
    body: Annotated[StartRollout, Body()],
) -> RolloutBody:
    """Roll `version` out to the open cases in scope whose slice differs from it."""
    scope = _scope(config, rules, who, body.municipality, body.phase, body.trial)
    try:
        started = await rollouts.start(
            client, _store(config), body.version, scope, rps=body.rps, started_by=who.client
        )
    except RolloutRefused as error:
        raise _refused(error) from None
    except RPCError as error:
        raise _unavailable(error) from None
    log.info("roll-out started", rollout=started.rollout_id, client=who.client, total=started.total)
    return RolloutBody.of(started)


@router.get("", responses=error_responses(401, 403, 503))
async def list_all(client: TemporalClient, who: Rollouter) -> list[RolloutBody]:
    try:
        found = await rollouts.list_rollouts(client)
    except RPCError as error:
        raise _unavailable(error) from None
    return [RolloutBody.of(s) for s in found if _visible(who, s)]


async def _status(
    client: TemporalClient, who: Principal, rollout_id: str
) -> rollouts.RolloutStatus:
    try:
        found = await rollouts.status(client, rollout_id)
    except RolloutRefused as error:
        raise _refused(error) from None
    except RPCError as error:
        raise _unavailable(error) from None
    if not _visible(who, found):
        raise ApiError(404, "not_found", "no such roll-out", "rollout_id")
    return found


@router.get("/{rollout_id}", responses=error_responses(401, 403, 404, 422, 503))
async def show(client: TemporalClient, who: Rollouter, rollout_id: str) -> RolloutBody:
    """Progress: signalled by the batch job, re-planned (no longer in its query), left."""
    return RolloutBody.of(await _status(client, who, rollout_id))


@router.post("/{rollout_id}/stop", responses=error_responses(401, 403, 404, 409, 422, 503))
async def stop(client: TemporalClient, who: Rollouter, rollout_id: str) -> RolloutBody:
    await _status(client, who, rollout_id)
    try:
        return RolloutBody.of(await rollouts.stop(client, rollout_id, who.client))
    except RolloutRefused as error:
        raise _refused(error) from None
    except RPCError as error:
        raise _unavailable(error) from None


@router.post("/{rollout_id}/resume", responses=error_responses(401, 403, 404, 409, 422, 503))
async def resume(
    client: TemporalClient,
    config: AppConfig,
    who: Rollouter,
    rollout_id: str,
    body: Annotated[ResumeRollout | None, Body()] = None,
) -> RolloutBody:
    await _status(client, who, rollout_id)
    rps = body.rps if body is not None else DEFAULT_RPS
    try:
        resumed = await rollouts.resume(client, _store(config), rollout_id, rps=rps, by=who.client)
    except RolloutRefused as error:
        raise _refused(error) from None
    except RPCError as error:
        raise _unavailable(error) from None
    return RolloutBody.of(resumed)
