"""One error shape for every refusal: {"error", "field", "reason"}.

Caseworker systems branch on `error` (a stable code) and show `reason` to a person; `field`
names the input to fix. FastAPI's own validation errors, 404s and 405s are rewritten into
the same shape, so a client needs one parser. Reasons never repeat a rejected value: it
may be a CPR number (anything CPR-shaped that slips through is masked).
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

from domain.case.events import EVENT_ADAPTER

__all__ = [
    "MAX_CODEC_BODY",
    "MAX_EVENT_BODY",
    "ApiError",
    "BodyLimit",
    "ErrorBody",
    "error_responses",
    "install_error_handlers",
    "safe_text",
]

MAX_EVENT_BODY = 64 * 1024
"""Case and event bodies: an event is a few hundred bytes; 64 KiB is generous and caps the
memory a caller can make us hold per request."""
MAX_CODEC_BODY = 4 * 1024 * 1024
"""Codec bodies carry whole payload batches from the Web UI (a history page)."""

_CPR = re.compile(r"\d{6}-?\d{4}")
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
        400: "Bad request",
        401: "Missing or invalid bearer token",
        403: "The token lacks the scope or municipality for this call",
        404: "No such case (or not one of the client's municipalities)",
        409: "Conflict: the case exists, or the event id was used for another event",
        413: "Body larger than the limit",
        422: "Invalid input or refused event; `field` names what to fix",
        503: "Temporal unavailable or the case is still starting",
    }
    return {s: {"model": ErrorBody, "description": descriptions.get(s, "Error")} for s in statuses}


def _json(status: int, body: ErrorBody, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content=body.model_dump(), headers=headers)


def _field_of(loc: Sequence[Any]) -> str | None:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:]
    # Discriminated unions put the tag in the location (body.meeting_held.meeting):
    # the caller wrote `meeting`, so the tag is dropped.
    if len(parts) > 1 and parts[0] in _EVENT_TAGS:
        parts = parts[1:]
    if not parts or parts == ["body"]:
        return None
    return ".".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    async def api_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return _json(exc.status, exc.body, headers)

    async def validation_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": "invalid request", "type": ""}
        if first.get("type") == "json_invalid":
            return _json(
                422,
                ErrorBody(error="malformed_json", field=None, reason="the body is not valid JSON"),
            )
        field = _field_of(first.get("loc", ()))
        if first.get("type") in {"union_tag_invalid", "union_tag_not_found"}:
            # The event union's discriminator: the tag error sits on the body itself.
            field = (field + ".type") if field else "type"
        message = str(first.get("msg", "invalid"))
        if first.get("type") == "missing":
            message = "this field is required"
        reason = message if len(errors) == 1 else f"{message} (and {len(errors) - 1} more)"
        return _json(422, ErrorBody(error="invalid_request", field=field, reason=safe_text(reason)))

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}
        return _json(
            exc.status_code,
            ErrorBody(error=codes.get(exc.status_code, "http_error"), reason=str(exc.detail)),
            dict(exc.headers) if exc.headers else None,
        )

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)


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
