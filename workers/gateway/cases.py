"""The case API: start a case, report events, read a case and its timeline, list cases.

A case is addressed as `/v1/cases/{municipality}/{case_id}`; the workflow id
(`case-<kommune code>-<case id>`) is derived from it, never taken from the caller. Access
is checked before Temporal is asked anything: a case of a municipality the client does
not serve answers exactly like a case that does not exist (404), so a client cannot probe
other municipalities' case ids.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Body, Query, Response
from fastapi.responses import JSONResponse
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowExecution,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from domain.case import engine
from domain.case.engine import CaseStart, EventRefused
from domain.case.events import CaseDay, CaseEvent, DecisionMade
from domain.case.model import CaseState, PhaseName
from domain.case.phases.mikrolaan.screening import ADMISSION, ADMISSION_REFUSED
from domain.rulebook import Rulebook
from domain.rulebook.model import Municipality
from workers.auth import Principal
from workers.gateway import citizens
from workers.gateway.deps import AppConfig, Reader, Rules, TemporalClient, Writer
from workers.gateway.errors import ApiError, error_responses
from workers.gateway.listing import CaseFilter, build_query
from workers.gateway.models import (
    AdvanceRequest,
    AdvanceResult,
    CaseList,
    CaseListItem,
    CaseStarted,
    CaseStarting,
    CaseView,
    EventAccepted,
    StartCaseRequest,
    Timeline,
    TimelineItem,
)
from workers.gateway.timeskip import FastForwardFailed, fast_forward, virtual_now
from workers.logging_setup import get_logger
from workflows import case_details
from workflows import search_attributes as sa
from workflows.case_models import (
    CaseClock,
    CaseOpening,
    CaseSnapshot,
    CaseWorkflowInput,
    OpenCaseInput,
    ReportEventInput,
    ReportEventResult,
    workflow_id_for,
)
from workflows.case_workflow import EVENT_REFUSED, OPENING_CONFLICT, CaseWorkflow

router = APIRouter(prefix="/v1/cases", tags=["cases"])
REGISTRY_DECISIONS = frozenset({ADMISSION, ADMISSION_REFUSED})
"""Decisions only the enrolment endpoint reports (workers/gateway/enrolment.py)."""
log = get_logger(__name__)

T = TypeVar("T")

OPEN_WAIT = 20.0
"""Seconds an open waits for its case to be ready before answering 202 with its URL."""
RETRY_AFTER = 1
"""Seconds a client is asked to wait before asking again about a case still starting."""
DESCRIBE_TIMEOUT = timedelta(seconds=5)
QUERY_TIMEOUT = timedelta(seconds=15)
# An event whose case has no worker to answer it becomes a 503 to retry (the event id makes
# the retry safe) instead of a request that hangs for as long as the worker is away.
UPDATE_TIMEOUT = timedelta(seconds=30)
"""How long a read waits for the case's worker: a closed case is replayed to answer."""
CATCH_UP_WAIT = 60.0
"""Seconds `advance` waits for the case to handle every deadline up to the new day."""

_NOT_FOUND = "no such case"


def _not_found() -> ApiError:
    return ApiError(404, "not_found", _NOT_FOUND)


def _resolve(rules: Rulebook, who: Principal, municipality: str) -> Municipality:
    """The municipality named in a case URL, if the client serves it; else 404 (no leak)."""
    try:
        found = rules.municipality(municipality)
    except LookupError:
        raise _not_found() from None
    if not who.may_see(found.id):
        raise _not_found()
    return found


def _workflow_id(rules: Rulebook, who: Principal, municipality: str, case_id: str) -> str:
    found = _resolve(rules, who, municipality)
    return _case_workflow_id(found, case_id)


def _case_workflow_id(found: Municipality, case_id: str) -> str:
    """The case's workflow id; 404 for an id no case can have (a CPR number never travels
    on to Temporal as a workflow id)."""
    try:
        return workflow_id_for(str(found.code), case_id)
    except ValueError:
        raise _not_found() from None


def _handle(client: Client, workflow_id: str) -> WorkflowHandle[CaseWorkflow, Any]:
    # No run id: the handle follows the case across continue-as-new.
    return client.get_workflow_handle_for(CaseWorkflow.run, workflow_id)


def _rpc_error(error: RPCError) -> ApiError:
    if error.status == RPCStatusCode.NOT_FOUND:
        return _not_found()
    log.warning("temporal call failed", status=error.status.name)
    return ApiError(503, "unavailable", "the case store did not answer; retry later")


_NOT_ANSWERED = frozenset(
    {RPCStatusCode.FAILED_PRECONDITION, RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED}
)


def _not_ready() -> ApiError:
    return ApiError(503, "case_not_ready", "the case is starting or busy; retry")


async def _when_ready(call: Callable[[], Awaitable[T]]) -> T:
    """Run a query of a case, answering 503 case_not_ready while it is still starting.

    No retry loop here: the calls that must wait for a new case (open, events) are
    updates, which wait in the workflow; a read is told to come back (Retry-After)."""
    try:
        return await call()
    except WorkflowQueryFailedError:
        # The case's queries fail only while it is starting (CaseNotReady). The message
        # cannot tell us: with the payload codec it is encoded.
        raise _not_ready() from None
    except RPCError as error:
        # The server holds a query until the case's worker answers it: a case whose first
        # task has not run yet (no worker free, or none at all) answers nothing in time.
        if error.status in _NOT_ANSWERED:
            raise _not_ready() from None
        raise _rpc_error(error) from None


async def _snapshot(client: Client, workflow_id: str) -> CaseSnapshot:
    handle = _handle(client, workflow_id)
    return await _when_ready(lambda: handle.query(CaseWorkflow.case, rpc_timeout=QUERY_TIMEOUT))


# --- start -------------------------------------------------------------------------------


@router.post(
    "",
    status_code=201,
    response_model=CaseStarted,
    summary="Start a case",
    description="Opens the case's workflow and answers with the case once it is ready: 201 "
    "when this request opened it, 200 when the case exists and was opened with the same "
    "data (also once it has closed: a case id is used once per municipality), so a client "
    "can always retry. The same case id with other data is 409 naming the fields that "
    "differ. A case accepted but not ready in time is 202 with its URL in `Location`; "
    "repeat the request (or read the URL) to get it. The input is checked with the case "
    "core's own rules first, so a refused start leaves nothing behind in Temporal.",
    responses={
        200: {"model": CaseStarted, "description": "The case existed, opened with this data"},
        202: {"model": CaseStarting, "description": "Accepted, still starting: see Location"},
        **error_responses(401, 403, 409, 413, 422, 503),
    },
)
async def start_case(
    *,
    body: StartCaseRequest,
    who: Writer,
    client: TemporalClient,
    config: AppConfig,
    rules: Rules,
    response: Response,
) -> CaseStarted | JSONResponse:
    try:
        municipality = rules.municipality(body.municipality)
    except LookupError:
        raise ApiError(422, "invalid_request", "unknown municipality", "municipality") from None
    if not who.may_see(municipality.id):
        raise ApiError(
            403, "forbidden", "this client may not start cases in that municipality", "municipality"
        )
    if body.legal_anchor is not None and not config.demo_features:
        raise ApiError(
            422,
            "invalid_request",
            "a simulated clock is only available in the embedded dev stack",
            "legal_anchor",
        )
    start = CaseStart(
        case_id=body.case_id,
        municipality=municipality.id,
        opened_on=body.opened_on,
        phase=body.phase,
        target_group=body.target_group,
        facts=body.facts,
        entry=body.entry,
    )
    opened = _check_start(start, rules)
    if body.phase is PhaseName.PSYKOLOGBEHANDLING and body.citizen_ref is None:
        # Without it a second course under a new case id would pass unseen [001:L2231].
        raise ApiError(
            422,
            "invalid_request",
            "a psykologbehandling case needs the citizen's reference (POST "
            "/v1/citizens/reference): FK-2.b gives one course per citizen, no re-referral "
            "(psyk.re_referral.allowed), counted across cases",
            "citizen_ref",
        )
    if body.citizen_ref is not None and body.phase is PhaseName.PSYKOLOGBEHANDLING:
        # Before anything starts: a second FK-2.b course of the citizen is refused here,
        # whatever case id it comes under (workers/gateway/citizens.py).
        await citizens.claim_for_case(
            client,
            config,
            body.citizen_ref,
            "psyk_referral",
            case_workflow_id=workflow_id_for(str(municipality.code), body.case_id),
            municipality=municipality.id,
            target_group=opened.target_group,
            on=body.opened_on,
        )
    # The target group as the case records it (its code), so a repeat that names it by
    # an alias, or leaves the phase's default out, is the same opening.
    start = start.model_copy(update={"target_group": opened.target_group})
    opening = CaseOpening(start=start, legal_anchor=body.legal_anchor)
    workflow_id = workflow_id_for(str(municipality.code), body.case_id)
    request_id = uuid.uuid4().hex
    # What the Web UI shows of the case (no personal data, see workflows.case_details).
    shown = case_details.start_metadata(start, rules, CaseClock(legal_anchor=body.legal_anchor))
    operation = WithStartWorkflowOperation(
        CaseWorkflow.run,
        CaseWorkflowInput(
            start=start, clock=CaseClock(legal_anchor=body.legal_anchor), opened_by=request_id
        ),
        id=workflow_id,
        task_queue=config.task_queue,
        # A running case takes the opening as an update; a closed one is never started
        # again (a case id is used once per municipality).
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        # Set at start so the case is listed (and filterable) before its first task.
        search_attributes=TypedSearchAttributes(
            [
                SearchAttributePair(sa.CASE_MUNICIPALITY, municipality.id),
                SearchAttributePair(sa.CASE_PHASE, body.phase.value),
            ]
        ),
        static_summary=shown.summary,
        static_details=shown.details,
    )
    try:
        async with asyncio.timeout(OPEN_WAIT):
            answer = await client.execute_update_with_start_workflow(
                CaseWorkflow.open_case,
                OpenCaseInput(opening=opening, request_id=request_id),
                start_workflow_operation=operation,
            )
    except WorkflowAlreadyStartedError as closed:
        # Only a closed case refuses the start (USE_EXISTING joins a running one).
        await _settle(operation)
        await _compare_with_first_run(client, workflow_id, opening, closed.first_run_id)
        response.status_code = 200
        return CaseStarted(workflow_id=workflow_id, case=await _snapshot(client, workflow_id))
    except WorkflowUpdateFailedError as error:
        raise _opening_refused(error) from None
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        await _settle(operation)
        return await _still_starting(client, workflow_id, municipality.id, body.case_id)
    except RPCError as error:
        await _settle(operation)
        if error.status == RPCStatusCode.NOT_FOUND:
            # An opening creates its case, so "not found" here is never "no such case": the
            # server lost the update in flight (a workflow task that timed out under load)
            # and did not retry it. Repeating the opening is safe.
            log.warning("open update lost in flight", workflow_id=workflow_id)
            raise ApiError(
                503, "unavailable", "the case is being opened; repeat the request"
            ) from None
        raise _rpc_error(error) from None
    if not answer.checked:
        started = await operation.workflow_handle()
        await _compare_with_first_run(client, workflow_id, opening, started.first_execution_run_id)
    if answer.created:
        log.info("case started", workflow_id=workflow_id, client=who.client)
    else:
        response.status_code = 200
    return CaseStarted(workflow_id=workflow_id, case=answer.case)


async def _settle(operation: WithStartWorkflowOperation[Any, Any]) -> None:
    """Read the outcome the operation holds of its start (a handle, the refusal, or the
    cancellation), so a failed start is not reported as an exception never retrieved."""
    with contextlib.suppress(Exception, asyncio.CancelledError):
        await asyncio.wait_for(operation.workflow_handle(), timeout=0.1)


def _opening_conflict(fields: list[str]) -> ApiError:
    return ApiError(
        409,
        "case_exists",
        "a case with this id exists, opened with other " + ", ".join(fields),
        fields[0] if fields else "case_id",
    )


def _opening_refused(error: WorkflowUpdateFailedError) -> ApiError:
    cause = error.cause
    if isinstance(cause, ApplicationError) and cause.type == OPENING_CONFLICT:
        detail = cause.details[0] if cause.details else {}
        fields = detail.get("fields", []) if isinstance(detail, dict) else []
        return _opening_conflict([str(f) for f in fields])
    log.warning("open update failed", cause=type(cause).__name__)
    return ApiError(503, "unavailable", "the case could not be opened; retry later")


async def _compare_with_first_run(
    client: Client, workflow_id: str, opening: CaseOpening, first_run_id: str | None
) -> None:
    """409 unless `opening` is what the case's first run was started with.

    For cases that do not carry their opening (closed ones, runs continued before they
    kept it): the first run's start event holds its input for as long as the case exists.
    """
    try:
        if first_run_id is None:
            described = await _handle(client, workflow_id).describe()
            first_run_id = described.raw_description.workflow_execution_info.first_run_id
        handle = client.get_workflow_handle(workflow_id, run_id=first_run_id or None)
        async for event in handle.fetch_history_events(page_size=1):
            payloads = event.workflow_execution_started_event_attributes.input.payloads
            [first] = await client.data_converter.decode(payloads, [CaseWorkflowInput])
            break
        else:
            raise _not_found()
    except RPCError as error:
        raise _rpc_error(error) from None
    if not isinstance(first, CaseWorkflowInput) or first.start is None:
        # Begun from a state (a tool or a migration, never this API): nothing to compare.
        return
    then = CaseOpening(start=first.start, legal_anchor=first.clock.legal_anchor)
    differ = then.differences(opening)
    if differ:
        raise _opening_conflict(differ)


async def _still_starting(
    client: Client, workflow_id: str, municipality: str, case_id: str
) -> JSONResponse:
    """202 with the case's URL if Temporal holds the case, else 503: it may not have."""
    try:
        await _handle(client, workflow_id).describe(rpc_timeout=DESCRIBE_TIMEOUT)
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise ApiError(503, "unavailable", "the case store did not answer; retry") from None
        raise _rpc_error(error) from None
    url = f"{router.prefix}/{municipality}/{case_id}"
    return JSONResponse(
        status_code=202,
        content=CaseStarting(workflow_id=workflow_id, url=url).model_dump(),
        headers={"Location": url, "Retry-After": str(RETRY_AFTER)},
    )


def _check_start(start: CaseStart, rules: Rulebook) -> CaseState:
    """Open the case on a scratch copy with the real core: the workflow would refuse the
    same input, but only after it had been started (and then failed) in Temporal."""
    try:
        return engine.open_case(start, rules)
    except EventRefused as refused:
        # The core names a fact check `fact`; in this request the facts are `facts`.
        field = "facts" if refused.field == "fact" else refused.field
        raise ApiError(422, "invalid_request", refused.reason, field) from None
    except (KeyError, TypeError, ValueError) as error:
        # Phase entry data the phase could not use (missing key, wrong type).
        reason = f"phase entry data not usable: {type(error).__name__}"
        if isinstance(error, KeyError) and error.args:
            reason = f"phase entry data needs {error.args[0]!s}"
        raise ApiError(422, "invalid_request", reason, "entry") from None


# --- events ------------------------------------------------------------------------------

EventBody = Annotated[
    CaseEvent,
    Body(
        openapi_examples={
            "screened": {
                "summary": "Screening",
                "value": {
                    "type": "screened",
                    "event_id": "evt-0001",
                    "date": "2019-03-05",
                    "category": 2,
                },
            },
            "meeting": {
                "summary": "Follow-up conversation held",
                "value": {
                    "type": "meeting_held",
                    "event_id": "evt-0002",
                    "date": "2019-04-23",
                    "meeting": "followup_conversation",
                    "form": "personal",
                },
            },
        }
    ),
]


@router.post(
    "/{municipality}/{case_id}/events",
    response_model=EventAccepted,
    summary="Report an event",
    description="Runs the case workflow's `report_event` update. Accepted: the receipt and "
    "the case after the event. Refused by the case (wrong phase, date before the case "
    "start, ...): 422 with `field` and `reason`, and the case is unchanged. The same "
    "`event_id` again returns the first receipt; the same id with other content is 409.",
    responses=error_responses(401, 403, 404, 409, 413, 422, 503),
)
async def report_event(
    *,
    municipality: str,
    case_id: str,
    event: EventBody,
    who: Writer,
    client: TemporalClient,
    rules: Rules,
) -> EventAccepted:
    if isinstance(event, DecisionMade) and event.decision in REGISTRY_DECISIONS:
        # The seat and the citizen's one place are given by the enrolment endpoint; here
        # they would be neither counted nor claimed.
        raise ApiError(
            422,
            "invalid_request",
            f"{event.decision} is reported by POST /v1/cases/{{municipality}}/{{case_id}}/"
            "mikrolaan/enrol only (the trial's registry gives the seat, the citizen's "
            "registry the one place)",
            "decision",
        )
    workflow_id = _workflow_id(rules, who, municipality, case_id)
    handle = _handle(client, workflow_id)
    try:
        # The update waits in the workflow for a case that is still starting.
        result = await handle.execute_update(
            CaseWorkflow.report_event, ReportEventInput(event=event), rpc_timeout=UPDATE_TIMEOUT
        )
    except WorkflowUpdateFailedError as error:
        raise _refused(error) from None
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        raise ApiError(503, "unavailable", "the case did not answer in time; retry") from None
    except RPCError as error:
        if error.status != RPCStatusCode.NOT_FOUND:
            raise _rpc_error(error) from None
        # A closed case takes no updates (nor does a case that does not exist).
        result = await _closed_receipt(handle, event)
    return EventAccepted(workflow_id=workflow_id, receipt=result.receipt, case=result.case)


async def _closed_receipt(
    handle: WorkflowHandle[CaseWorkflow, Any], event: CaseEvent
) -> ReportEventResult:
    """The first receipt of an event sent again to a closed case, from its replayed state.

    Asked by query rather than kept in the workflow's result: a query answers for every
    case that ever closed (those closed before this gateway too) with no second copy of
    the receipts in history, and its cost, a replay of the last run, is paid only when an
    event is sent again to a closed case."""
    found = await _when_ready(
        lambda: handle.query(CaseWorkflow.receipt, event.event_id, rpc_timeout=QUERY_TIMEOUT)
    )
    if found is None:
        # What the case itself answers for a new event once it has closed.
        raise ApiError(422, "event_refused", "the case is closed", "type")
    if found.receipt.fingerprint != engine.event_fingerprint(event):
        raise ApiError(
            409,
            "event_id_conflict",
            "this event id was already used for a different event",
            "event_id",
        )
    return found


def _refused(error: WorkflowUpdateFailedError) -> ApiError:
    cause = error.cause
    if isinstance(cause, ApplicationError) and cause.type == EVENT_REFUSED:
        detail = cause.details[0] if cause.details else {}
        field = str(detail.get("field", "")) if isinstance(detail, dict) else ""
        reason = str(detail.get("reason", cause.message)) if isinstance(detail, dict) else ""
        # The workflow refuses a reused event id (with other content) on `event_id`:
        # that is a conflict with an earlier request, not bad input.
        if field == "event_id":
            return ApiError(409, "event_id_conflict", reason, field)
        if field == "effective_date":
            field = "date"  # the core's attribute name; on the wire the field is `date`
        return ApiError(422, "event_refused", reason, field or None)
    if isinstance(cause, ApplicationError) and cause.type == "CaseNotReady":
        return _not_ready()
    log.warning("event update failed", cause=type(cause).__name__)
    return ApiError(503, "unavailable", "the event could not be handled; retry later")


# --- reading -----------------------------------------------------------------------------


@router.get(
    "/{municipality}/{case_id}",
    response_model=CaseView,
    summary="Show a case",
    description="Phase, facts, open obligations (due date, citations, regime, reason), "
    "overdue obligations. Closed cases are answered too (Temporal replays their history). "
    "Each obligation's `citations` say what to look up (acts, or a trial with its grant "
    "letter); `sources` hold the rulebook's citations behind them with their seed lines.",
    responses=error_responses(401, 403, 404, 503),
)
async def show_case(
    *, municipality: str, case_id: str, who: Reader, client: TemporalClient, rules: Rules
) -> CaseView:
    case = await _snapshot(client, _workflow_id(rules, who, municipality, case_id))
    return CaseView.shown(case, rules)


@router.get(
    "/{municipality}/{case_id}/timeline",
    response_model=Timeline,
    summary="A case's timeline",
    description="Every step of the case with its date, kind, summary, legal citations and "
    "the regime that produced it. Works for closed cases.",
    responses=error_responses(401, 403, 404, 503),
)
async def case_timeline(
    *, municipality: str, case_id: str, who: Reader, client: TemporalClient, rules: Rules
) -> Timeline:
    found = _resolve(rules, who, municipality)
    workflow_id = _case_workflow_id(found, case_id)
    handle = _handle(client, workflow_id)
    entries = await _when_ready(
        lambda: handle.query(CaseWorkflow.timeline, rpc_timeout=QUERY_TIMEOUT)
    )
    return Timeline(
        workflow_id=workflow_id,
        case_id=case_id,
        municipality=found.id,
        entries=[TimelineItem.of(e, rules) for e in entries],
    )


@router.get(
    "",
    response_model=CaseList,
    summary="List cases",
    description="Cases by search attributes (nothing personal), newest first, paged. Only "
    "the client's municipalities are ever listed.",
    responses=error_responses(400, 401, 403, 422, 503),
)
async def list_cases(
    *,
    who: Reader,
    client: TemporalClient,
    rules: Rules,
    municipality: Annotated[str | None, Query(description="Id, name or code")] = None,
    phase: PhaseName | None = None,
    target_group: Annotated[str | None, Query(description="Code or alias")] = None,
    regime: Annotated[str | None, Query(description="e.g. STANDARD_2020, TRIAL:FK-2.a.2")] = None,
    overdue: bool | None = None,
    deadline_before: Annotated[
        CaseDay | None, Query(description="Next deadline strictly before this day")
    ] = None,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    next_page_token: str | None = None,
) -> CaseList:
    allowed: set[str] | None = None if who.all_municipalities else set(who.municipalities)
    if municipality is not None:
        try:
            wanted = rules.municipality(municipality).id
        except LookupError:
            raise ApiError(422, "invalid_request", "unknown municipality", "municipality") from None
        # Asking for another municipality's cases lists nothing (as if there were none).
        if allowed is not None and wanted not in allowed:
            return CaseList(items=[], next_page_token=None)
        allowed = {wanted}
    group: str | None = None
    if target_group is not None:
        try:
            group = rules.target_group(target_group).code
        except LookupError:
            raise ApiError(422, "invalid_request", "unknown target group", "target_group") from None
    try:
        query = build_query(
            CaseFilter(
                municipalities=allowed,
                phase=phase.value if phase else None,
                target_group=group,
                regime=regime,
                overdue=overdue,
                deadline_before=deadline_before,
            )
        )
    except ValueError as error:
        raise ApiError(422, "invalid_request", str(error), "regime") from None
    token: bytes | None = None
    if next_page_token:
        try:
            token = base64.urlsafe_b64decode(next_page_token.encode())
        except (binascii.Error, ValueError):
            raise _bad_page_token() from None
    pages = client.list_workflows(query, page_size=page_size, next_page_token=token)
    try:
        await pages.fetch_next_page()
    except RPCError as error:
        # Temporal cannot read a token it did not issue (how it says so varies by store);
        # only an unavailable or busy server is not the token's fault.
        if token is not None and error.status not in _TEMPORAL_BUSY:
            raise _bad_page_token() from None
        raise _rpc_error(error) from None
    items = [_list_item(execution) for execution in pages.current_page or ()]
    following = pages.next_page_token
    return CaseList(
        items=items,
        next_page_token=base64.urlsafe_b64encode(following).decode() if following else None,
    )


_TEMPORAL_BUSY = frozenset(
    {
        RPCStatusCode.UNAVAILABLE,
        RPCStatusCode.DEADLINE_EXCEEDED,
        RPCStatusCode.RESOURCE_EXHAUSTED,
        RPCStatusCode.CANCELLED,
    }
)


def _bad_page_token() -> ApiError:
    return ApiError(400, "invalid_page_token", "not a page token from this API", "next_page_token")


def _list_item(execution: WorkflowExecution) -> CaseListItem:
    attrs = execution.typed_search_attributes
    municipality = attrs.get(sa.CASE_MUNICIPALITY)
    deadline = attrs.get(sa.CASE_NEXT_DEADLINE)
    # case-<code>-<case id>: the case id is everything after the second dash.
    parts = execution.id.split("-", 2)
    return CaseListItem(
        workflow_id=execution.id,
        case_id=parts[2] if len(parts) == 3 else execution.id,
        municipality=municipality,
        phase=attrs.get(sa.CASE_PHASE),
        target_group=attrs.get(sa.CASE_TARGET_GROUP),
        regimes=list(attrs.get(sa.CASE_REGIMES) or []),
        next_deadline=deadline.date() if deadline else None,
        next_deadline_kind=attrs.get(sa.CASE_NEXT_DEADLINE_KIND),
        overdue=attrs.get(sa.CASE_OVERDUE),
        status=execution.status.name.lower() if execution.status else "unknown",
        started_at=execution.start_time,
    )


# --- dev stack: fast-forward -------------------------------------------------------------


@router.post(
    "/{municipality}/{case_id}/advance",
    response_model=AdvanceResult,
    summary="Fast-forward a case (dev stack only)",
    description="Moves this one case's clock forward by `days` legal days with Temporal's "
    "per-workflow time skipping, landing at noon of the target day, and waits until the "
    "case has handled every deadline up to it. Only a case opened with a simulated clock "
    "(`legal_anchor`) can be advanced: a case on the real calendar is 409 `not_simulated`. "
    "Only on the embedded dev stack (`caseflow up`); 404 on a production gateway.",
    responses=error_responses(401, 403, 404, 409, 422, 503),
)
async def advance_case(
    *,
    municipality: str,
    case_id: str,
    body: AdvanceRequest,
    who: Writer,
    client: TemporalClient,
    rules: Rules,
    config: AppConfig,
) -> AdvanceResult:
    if not config.demo_features:
        # Exactly what an unknown route answers: production gateways do not have it.
        raise ApiError(404, "not_found", "Not Found")
    workflow_id = _workflow_id(rules, who, municipality, case_id)
    await _snapshot(client, workflow_id)  # 404 for an unknown case, waits for a new one
    handle = _handle(client, workflow_id)
    try:
        clock = await handle.query(CaseWorkflow.clock)
        if not clock.simulated:
            raise ApiError(
                409,
                "not_simulated",
                "the case runs on the real calendar; only a case opened with a simulated "
                "clock (legal_anchor) can be advanced",
            )
        now = await virtual_now(client, workflow_id)
        from_day = clock.today(now)
        to_day = from_day + timedelta(days=body.days)
        # Noon: the case's timers fire at day boundaries, and a fast-forward ending exactly
        # on one can race past it to the next (see tests/workflows/driver.py).
        await fast_forward(client, workflow_id, clock.instant(to_day) + timedelta(hours=12) - now)
    except RPCError as error:
        raise _rpc_error(error) from None
    except FastForwardFailed as error:
        raise ApiError(409, "not_advanced", f"the case could not be advanced: {error}") from None
    case = await _caught_up(client, workflow_id, to_day)
    log.info("case advanced", workflow_id=workflow_id, days=body.days, client=who.client)
    return AdvanceResult(workflow_id=workflow_id, from_day=from_day, to_day=to_day, case=case)


async def _caught_up(client: Client, workflow_id: str, day: date) -> CaseSnapshot:
    """The case once it has looked at itself for every wake-up due by `day`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + CATCH_UP_WAIT
    while True:
        case = await _snapshot(client, workflow_id)
        if case.closed or case.next_review is None or case.next_review > day:
            return case
        if loop.time() > deadline:
            raise ApiError(503, "not_caught_up", "the case is still catching up; retry show")
        await asyncio.sleep(0.05)
