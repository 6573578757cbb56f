"""One error shape for every refusal: {"error", "field", "reason"}.

Caseworker systems branch on `error` (a stable code) and show `reason` to a person; `field`
names the input to fix. FastAPI's own validation errors, 400s, 404s and 405s are rewritten
into the same shape, so a client needs one parser. Reasons never repeat a rejected value:
it may be a CPR number (anything CPR-shaped that slips through is masked), and a field
name a caller invented (an unknown JSON key) is named only when it is shaped like a code.

The mapping of failures to statuses lives here, for every route at once:

| failure | status |
|---|---|
| a body that is not UTF-8 | 400 `malformed_body` |
| a page token this API did not issue | 400 `invalid_page_token` (in the listing) |
| bad JSON, a missing/unknown/invalid field | 422 `malformed_json` / `invalid_request` |
| a date the rulebook does not cover | 422 `not_covered` |
| text that is not valid Unicode, a number out of range | 422 `invalid_request` |
| codec payloads that do not decode | 422 `undecodable` (in the codec) |
| an advance or enrolment the case cannot take | 409 `not_simulated`/`not_advanced`/`wrong_phase` |
| Temporal busy, unreachable, slow (RPC unavailable, deadline, update timeout) | 503 |
| anything else | 500 `internal_error`, in the same shape, nothing of the request in it |
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from temporalio.client import RPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

from domain.case.events import EVENT_ADAPTER
from domain.case.identifiers import is_code
from domain.rulebook import Rulebook, citation_text
from domain.rulebook.errors import RuleNotInForce, UnknownMunicipality, UnknownTargetGroup
from workers.logging_setup import get_logger

__all__ = [
    "MAX_CODEC_BODY",
    "MAX_EVENT_BODY",
    "RETRY_AFTER_SECONDS",
    "ApiError",
    "BodyLimit",
    "ErrorBody",
    "document_errors",
    "document_links",
    "error_responses",
    "install_error_handlers",
    "refuse_unknown_query",
    "safe_text",
    "unavailable",
]

log = get_logger(__name__)

RETRY_AFTER_SECONDS = 1
"""`Retry-After` of every 503: Temporal's busy or restarting moments last about that long;
a client that backs off further is welcome to."""

MAX_EVENT_BODY = 64 * 1024
"""Case and event bodies: an event is a few hundred bytes; 64 KiB is generous and caps the
memory a caller can make us hold per request."""
MAX_CODEC_BODY = 4 * 1024 * 1024
"""Codec bodies carry whole payload batches from the Web UI (a history page)."""

_CPR = re.compile(r"\d{6}[- ]?\d{4}")
_EVENT_TAGS = frozenset(EVENT_ADAPTER.json_schema().get("discriminator", {}).get("mapping", {}))


def safe_text(text: str) -> str:
    return _CPR.sub("[masked]", text)


class ErrorBody(BaseModel):
    """Every 4xx/5xx answer of the API."""

    error: str = Field(description="Stable code: invalid_request, event_refused, not_found, ...")
    field: str | None = Field(default=None, description="The input to fix, if one is at fault.")
    reason: str = Field(description="Readable explanation (never echoes personal data).")


class ApiError(Exception):
    def __init__(self, status: int, error: str, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.body = ErrorBody(error=error, field=field, reason=safe_text(reason))


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries documenting ErrorBody for the given statuses."""
    descriptions = {
        400: "Bad request: a body that is not UTF-8 JSON, a page token not from this API",
        401: "Missing or invalid bearer token",
        403: "The token lacks the scope or municipality for this call",
        404: "No such case (or not one of the client's municipalities)",
        409: "Conflict: the case exists, or the event id was used for another event",
        413: "Body larger than the limit",
        422: "Invalid input or refused event; `field` names what to fix",
        503: "Temporal busy or unavailable, or the case is still starting; retry after "
        "`Retry-After` seconds",
    }
    return {s: {"model": ErrorBody, "description": descriptions.get(s, "Error")} for s in statuses}


def unavailable(reason: str = "the case store did not answer; retry later") -> ApiError:
    return ApiError(503, "unavailable", reason)


def _json(status: int, body: ErrorBody, headers: dict[str, str] | None = None) -> JSONResponse:
    if status == 503:
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS), **(headers or {})}
    return JSONResponse(status_code=status, content=body.model_dump(), headers=headers)


_WITHHELD = "(a name that is not a code, withheld)"


def _field_of(loc: Sequence[Any]) -> tuple[str | None, bool]:
    """The dotted field a validation error is about, and whether part of it was withheld.

    A location can hold names the caller made up (an unknown key, a key of `facts`); such
    a name is shown only if it is shaped like a code, else the path stops before it.
    """
    parts = list(loc)
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:]
    # Discriminated unions put the tag in the location (body.meeting_held.meeting):
    # the caller wrote `meeting`, so the tag is dropped.
    if len(parts) > 1 and parts[0] in _EVENT_TAGS:
        parts = parts[1:]
    shown: list[str] = []
    for part in parts:
        if isinstance(part, int) or (isinstance(part, str) and is_code(part)):
            shown.append(str(part))
        else:
            return (".".join(shown) or None), True
    if not shown or shown == ["body"]:
        return None, False
    return ".".join(shown), False


def _reason(error: dict[str, Any], withheld: bool) -> str:
    kind = error.get("type", "")
    if kind == "union_tag_invalid":
        # pydantic's message quotes the tag the caller sent.
        return "unknown event type; expected one of " + ", ".join(sorted(_EVENT_TAGS))
    if kind == "union_tag_not_found":
        return "the event type is required"
    if kind == "missing":
        return "this field is required"
    if kind == "extra_forbidden":
        return "unknown field " + (_WITHHELD if withheld else "(not part of this request)")
    message = str(error.get("msg", "invalid"))
    # Our own validators' messages come prefixed by pydantic.
    message = message.removeprefix("Value error, ")
    return f"{message} (in {_WITHHELD})" if withheld else message


def _allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method the API serves on this path, from its OpenAPI document (Starlette's
    405 names only one route's: GET and POST /v1/cases are two routes)."""
    methods: set[str] = set()
    for template, operations in app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            methods |= {method.upper() for method in operations}
    # No HEAD: FastAPI's routes answer HEAD 405 (unlike Starlette's), so Allow must not offer it.
    return sorted(methods)


def refuse_unknown_query(request: Request) -> None:
    """A query parameter the route does not declare is refused, like an unknown JSON key:
    a misspelt filter (`?municipalty=...`) would otherwise list every case."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    known = {param.alias for param in _query_params(dependant)}
    for name in request.query_params:
        if name not in known:
            field = name if is_code(name) else None
            reason = "unknown query parameter" + ("" if field else f" {_WITHHELD}")
            raise ApiError(422, "invalid_request", reason, field)


def _query_params(dependant: Any) -> list[Any]:
    params = list(dependant.query_params)
    for sub in dependant.dependencies:
        params += _query_params(sub)
    return params


def _rule_field(request: Request) -> str | None:
    """The input that carries the legal date of a request (RuleNotInForce is about it)."""
    route = request.scope.get("route")
    path = getattr(route, "path", "")
    if path == "/v1/cases":
        return "opened_on"
    if path.startswith("/v1/offers/") or path == "/v1/rules/explain":
        return "date"
    return None


def _cited(request: Request, body: ErrorBody) -> ErrorBody:
    """A refusal citing a rule (the core's reasons carry "<act> <seed line>") reads its
    citations as people cite them, by the gateway's rulebook."""
    rules: Rulebook | None = getattr(request.app.state, "rulebook", None)
    if rules is None:
        return body
    reason = citation_text.reader(rules).in_text(body.reason)
    return body if reason == body.reason else body.model_copy(update={"reason": reason})


def install_error_handlers(app: FastAPI) -> None:
    async def api_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return _json(exc.status, _cited(request, exc.body), headers)

    async def validation_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": "invalid request", "type": ""}
        if first.get("type") == "json_invalid":
            return _json(
                422,
                ErrorBody(error="malformed_json", field=None, reason="the body is not valid JSON"),
            )
        field, withheld = _field_of(first.get("loc", ()))
        if first.get("type") in {"union_tag_invalid", "union_tag_not_found"}:
            # The event union's discriminator: the tag error sits on the body itself.
            field = (field + ".type") if field else "type"
        message = _reason(first, withheld)
        reason = message if len(errors) == 1 else f"{message} (and {len(errors) - 1} more)"
        return _json(422, ErrorBody(error="invalid_request", field=field, reason=safe_text(reason)))

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        headers = dict(exc.headers) if exc.headers else {}
        if exc.status_code == 400:
            # FastAPI's answer to a body it cannot decode (not UTF-8): its detail is generic.
            body = ErrorBody(error="malformed_body", reason="the body is not UTF-8 encoded JSON")
            return _json(400, body)
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(app, request.url.path))
        codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}
        return _json(
            exc.status_code,
            ErrorBody(error=codes.get(exc.status_code, "http_error"), reason=str(exc.detail)),
            headers or None,
        )

    async def not_covered(request: Request, exc: Exception) -> JSONResponse:
        reason = "the date is outside the rulebook's coverage"
        return _json(422, ErrorBody(error="not_covered", field=_rule_field(request), reason=reason))

    async def not_unicode(_: Request, exc: Exception) -> JSONResponse:
        reason = "text must be valid Unicode (a lone surrogate cannot be stored)"
        return _json(422, ErrorBody(error="invalid_request", reason=reason))

    async def out_of_range(_: Request, exc: Exception) -> JSONResponse:
        reason = "a date or number is out of the range the case calendar can compute with"
        return _json(422, ErrorBody(error="invalid_request", reason=reason))

    async def unknown_code(request: Request, exc: Exception) -> JSONResponse:
        # A municipality or target group the rulebook does not know, met deep in a
        # decision (the routes resolve the ones they take directly).
        what = "municipality" if isinstance(exc, UnknownMunicipality) else "target_group"
        path = getattr(request.scope.get("route"), "path", "")
        field = f"citizen.{what}" if path.startswith("/v1/offers/") else what
        reason = f"unknown {what.replace('_', ' ')}"
        return _json(422, ErrorBody(error="invalid_request", field=field, reason=reason))

    async def runtime(request: Request, exc: Exception) -> JSONResponse:
        if str(exc).startswith("Failed client connect"):
            # The lazy Temporal client's calls while Temporal is down.
            log.warning("temporal unreachable")
            return _json(503, unavailable().body)
        return await internal(request, exc)

    async def internal(_: Request, exc: Exception) -> JSONResponse:
        # Never the exception's text in the answer: it may quote the request. The log keeps
        # the traceback an operator needs; the logging pipeline renders it without frame
        # locals and scrubs tokens, bodies and CPR-shaped text from it.
        log.error("unhandled error", error=type(exc).__name__, exc_info=exc)
        return _json(500, ErrorBody(error="internal_error", reason="an internal error occurred"))

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    _install_temporal_handlers(app)
    app.add_exception_handler(RuleNotInForce, not_covered)
    app.add_exception_handler(UnicodeError, not_unicode)
    app.add_exception_handler(OverflowError, out_of_range)
    app.add_exception_handler(UnknownMunicipality, unknown_code)
    app.add_exception_handler(UnknownTargetGroup, unknown_code)
    app.add_exception_handler(RuntimeError, runtime)
    app.add_exception_handler(Exception, internal)


def _install_temporal_handlers(app: FastAPI) -> None:
    """Temporal's client errors, wherever a route meets them: busy or away is 503."""

    async def temporal_rpc(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RPCError)
        if exc.status == RPCStatusCode.NOT_FOUND:
            return _json(404, ErrorBody(error="not_found", reason="no such case"))
        log.warning("temporal call failed", status=exc.status.name)
        return _json(503, unavailable().body)

    async def temporal_timeout(_: Request, exc: Exception) -> JSONResponse:
        # RPCTimeoutOrCancelledError covers WorkflowUpdateRPCTimeoutOrCancelledError.
        # The update (or call) did not complete within its RPC deadline: the case's
        # worker is busy or gone, or the server is overloaded. The event may still apply;
        # re-sending it with the same event id is safe.
        log.warning("temporal call timed out", error=type(exc).__name__)
        return _json(503, unavailable("the case did not answer in time; retry later").body)

    app.add_exception_handler(RPCError, temporal_rpc)
    app.add_exception_handler(RPCTimeoutOrCancelledError, temporal_timeout)


# --- the OpenAPI document --------------------------------------------------------------

_ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before retrying.",
        "schema": {"type": "integer", "minimum": 0},
        "required": True,
    }
}
_BODY_STATUSES = {
    400: "The body is not UTF-8 encoded JSON",
    413: "Body larger than the limit",
    422: "Invalid input; `field` names what to fix, `reason` says why",
}
_AUTH_STATUSES = {
    401: "Missing or invalid bearer token",
    403: "The token lacks the scope or municipality for this call",
}


def document_errors(document: dict[str, Any]) -> dict[str, Any]:
    """Make the OpenAPI document list every status the gateway can answer, in one pass.

    Routes name their own statuses; this adds what the edge answers for all of them
    (400/413/422 for a body, 401/403 behind a token, `Retry-After` on each 503) and replaces
    FastAPI's default 422 model, which is not what the API sends, by ErrorBody.
    """
    for path, operations in document.get("paths", {}).items():
        for operation in operations.values():
            responses: dict[str, Any] = operation.setdefault("responses", {})
            extra: dict[int, str] = {}
            if "requestBody" in operation:
                extra |= _BODY_STATUSES
            if operation.get("parameters"):
                extra[422] = _BODY_STATUSES[422]
            if operation.get("security"):
                extra |= _AUTH_STATUSES
            for code, description in extra.items():
                responses.setdefault(str(code), {"description": description})
            for status, response in responses.items():
                if status.startswith(("4", "5")) and path != "/readyz":
                    response["content"] = _ERROR_CONTENT
                if status == "503":
                    response["headers"] = _RETRY_AFTER
    schemas = document.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return document


class BodyLimit:
    """ASGI middleware: refuse request bodies above a per-path limit with 413.

    It reads the body before the app does (bodies here are small), so an oversized request
    is refused before any parsing, authentication or Temporal call happens, whether or not
    the client sent a Content-Length.
    """

    def __init__(self, app: ASGIApp, limits: Callable[[str], int | None]) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in {"GET", "HEAD", "OPTIONS"}:
            await self.app(scope, receive, send)
            return
        limit = self.limits(scope["path"])
        if limit is None:
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await self._too_large(scope, receive, send, limit)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._too_large(scope, receive, send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = _json(
            413,
            ErrorBody(error="body_too_large", reason=f"the body is larger than {limit} bytes"),
            {"Connection": "close"},
        )
        await response(scope, receive, send)


_CASE_PATH = re.compile(r"^/v1/cases/\{municipality\}/\{case_id\}(/.*)?$")


def document_links(document: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI links from a started case (and a listed one) to every operation on a case,
    so clients (and the fuzzer's stateful runs) can follow them instead of guessing ids."""
    targets = [
        (path, method, operation["operationId"])
        for path, operations in document.get("paths", {}).items()
        if _CASE_PATH.match(path)
        for method, operation in operations.items()
        if "operationId" in operation
    ]
    started = document.get("paths", {}).get("/v1/cases", {}).get("post", {})
    created = started.get("responses", {}).get("201")
    if created is None:
        return document
    created["links"] = {
        re.sub(r"[^A-Za-z0-9]+", "_", f"{method} {path.split('}', 2)[-1] or 'case'}").strip("_"): {
            "operationId": operation_id,
            "parameters": {
                "municipality": "$response.body#/case/municipality",
                "case_id": "$response.body#/case/case_id",
            },
        }
        for path, method, operation_id in targets
    }
    return document
