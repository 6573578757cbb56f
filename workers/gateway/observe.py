"""Per request: a server span, the request metrics, the event outcome and an audit line.

A pure ASGI middleware (not BaseHTTPMiddleware: it must not buffer responses). It wraps
the whole app, so every answer is seen, also those of error handlers and the body limit:

- the span: continues a caller's W3C `traceparent`, is current while the route runs, so
  the Temporal client's `TracingInterceptor` parents StartWorkflow / UpdateWorkflow on it
  and the trace runs on through the workflow into its activities; every log line written
  meanwhile carries its trace id (workers.logging_setup); the answer names it in
  `X-Trace-Id` so a caller can quote it. Exported only where configured (workers.telemetry).
- the labels: the route *template* (`/v1/cases/{municipality}/{case_id}`), never the path.
- an error answer's `error` and `field` are read from its (small, our own) JSON body; no
  request body is ever read here.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any, NamedTuple

from fastapi import FastAPI
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from workers import audit
from workers.auth import Principal
from workers.metrics import UNMATCHED_ROUTE, GatewayMetrics

EVENTS_ROUTE = "/v1/cases/{municipality}/{case_id}/events"
START_ROUTE = "/v1/cases"
AUDITED_PREFIXES = ("/v1/", "/codec/", "/cases/")
"""Paths that read or change case data (the API, the codec, the case pages)."""
MAX_CAPTURED_BODY = 64 * 1024
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\[\]]{0,60}$")

_tracer = trace.get_tracer("caseflow.gateway")


def _label(value: Any) -> str | None:
    """An error code or field name fit for a label or an audit line: our own identifiers
    only (a field name may come from a client's unknown key)."""
    if not isinstance(value, str):
        return None
    return value if _NAME.match(value) else "<other>"


class _Answered(NamedTuple):
    method: str
    route: str
    action: str | None
    params: dict[str, Any]
    status: int


def _route(app: FastAPI, scope: Scope) -> tuple[str, str | None, dict[str, Any]]:
    """(route template, endpoint name, path params) of the route that served `scope`.

    The router leaves its route on the scope; a request no route matched has none (then
    the routes are asked, in case a layer answered before the router ran)."""
    served = scope.get("route")
    if served is not None:
        endpoint = getattr(served, "endpoint", None)
        return (
            str(getattr(served, "path", UNMATCHED_ROUTE)),
            getattr(endpoint, "__name__", None),
            dict(scope.get("path_params", {})),
        )
    for route in app.router.routes:
        match, child = route.matches(scope)
        if match is Match.FULL:
            endpoint = getattr(route, "endpoint", None)
            return (
                str(getattr(route, "path", UNMATCHED_ROUTE)),
                getattr(endpoint, "__name__", None),
                dict(child.get("path_params", {})),
            )
    return UNMATCHED_ROUTE, None, {}


class Observe:
    def __init__(self, app: ASGIApp, fastapi: FastAPI, metrics: GatewayMetrics) -> None:
        self.app = app
        self.fastapi = fastapi
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Shared with the routes even if a layer copies the scope: deps.principal leaves
        # the caller here for the audit line.
        scope.setdefault("state", {})
        method = scope["method"]
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        status = 500
        captured = bytearray()
        capture = False
        began = time.perf_counter()
        with _tracer.start_as_current_span(
            method,
            context=propagate.extract(headers),
            kind=SpanKind.SERVER,
            attributes={"http.request.method": method},
            record_exception=False,
            set_status_on_exception=True,
        ) as span:
            trace_id = format(span.get_span_context().trace_id, "032x")

            async def observed_send(message: Message) -> None:
                nonlocal status, capture
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                    capture = status >= 400 or (method == "POST" and status == 201)
                    extra = (b"x-trace-id", trace_id.encode())
                    message = {**message, "headers": [*message.get("headers", []), extra]}
                elif (
                    message["type"] == "http.response.body"
                    and capture
                    and len(captured) < MAX_CAPTURED_BODY
                ):
                    captured.extend(message.get("body", b""))
                await send(message)

            try:
                await self.app(scope, receive, observed_send)
            finally:
                route, action, params = _route(self.fastapi, scope)
                span.update_name(f"{method} {route}")
                span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))
                self._account(
                    scope,
                    _Answered(method, route, action, params, status),
                    bytes(captured),
                )
                self.metrics.latency.labels(route, method).observe(time.perf_counter() - began)

    def _account(self, scope: Scope, answered: _Answered, body: bytes) -> None:
        method, route, action, params, status = answered
        self.metrics.requests.labels(route, method, str(status)).inc()
        answer = _json(body)
        error = _label(answer.get("error") or answer.get("code")) if status >= 400 else None
        field = _label(answer.get("field")) if status >= 400 else None
        if route == EVENTS_ROUTE and method == "POST":
            refused = status in (409, 422)
            outcome = "accepted" if status < 300 else "refused" if refused else "failed"
            self.metrics.events.labels(outcome, error or "", field or "").inc()
        if not scope["path"].startswith(AUDITED_PREFIXES):
            return
        who = scope["state"].get("principal")
        case_id = params.get("case_id")
        if case_id is None and route == START_ROUTE and status == 201:
            workflow_id = answer.get("workflow_id")
            case_id = workflow_id.split("-", 2)[-1] if isinstance(workflow_id, str) else None
        audit.record(
            action=action or f"{method} {route}",
            outcome="ok" if status < 400 else "refused" if status < 500 else "failed",
            status=status,
            subject=who.client if isinstance(who, Principal) else None,
            scopes=sorted(s.value for s in who.scopes) if isinstance(who, Principal) else [],
            municipalities=sorted(who.municipalities) if isinstance(who, Principal) else [],
            municipality=params.get("municipality"),
            case_id=case_id,
            error=error,
            field=field,
        )


def _json(body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    try:
        value = json.loads(body)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
