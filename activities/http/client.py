"""One authenticated HTTP client for the integrations, and the status-code contract.

The contract every integration endpoint follows (POST, JSON body = the activity input):

| Status | Meaning | Activity outcome |
|---|---|---|
| 201 | created | result, `created=True` |
| 200, 409 with the resource | exists under this Idempotency-Key | result, `created=False` |
| 409 without the resource | same key still in flight elsewhere | retryable |
| 401, 403 | our token or grant is wrong (deployment fault) | retryable |
| 408, 425, 429, 5xx, timeout, connection error | transient | retryable |
| other 4xx | request refused (e.g. 400, 404, 422) | non-retryable, naming field and reason |

401/403 retry rather than fail: a bad token is fixed by redeploying the worker, and failing
every case's activity for it would push thousands of cases down a business-failure path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from activities.errors import REQUEST_REJECTED, business_failure

__all__ = [
    "HttpIntegrationConfig",
    "IntegrationClient",
    "IntegrationUnavailable",
    "Reply",
    "idempotency_key",
]

_M = TypeVar("_M", bound=BaseModel)

# Statuses in the 4xx range that say "try again later", not "your request is wrong".
_RETRYABLE_CLIENT_ERRORS = frozenset(
    {
        HTTPStatus.UNAUTHORIZED,
        HTTPStatus.FORBIDDEN,
        HTTPStatus.REQUEST_TIMEOUT,
        HTTPStatus.TOO_EARLY,
        HTTPStatus.TOO_MANY_REQUESTS,
    }
)
_MAX_REASON_CHARS = 200


class IntegrationUnavailable(Exception):
    """A transient integration failure: Temporal retries the activity.

    The message names the endpoint and status only, never a response body.
    """


@dataclass(frozen=True)
class HttpIntegrationConfig:
    """Where the integrations live and how to authenticate."""

    base_url: str
    token: str = field(repr=False)
    """Bearer token; kept out of repr so it never lands in a log line."""
    timeout_s: float = 10.0


def idempotency_key(workflow_id: str, local_id: str) -> str:
    """The Idempotency-Key header for (workflow id, obligation or notice id).

    Both parts are percent-encoded: header values must be ASCII, ids may hold Danish
    letters, and encoding ':' inside an id keeps the separator unambiguous.
    """
    return f"{quote(workflow_id, safe='')}:{quote(local_id, safe='')}"


@dataclass(frozen=True)
class Reply:
    """A successful (or already-existing) answer from an integration."""

    path: str
    status: int
    created: bool
    body: Any

    def parse(self, model: type[_M]) -> _M:
        """The body as `model`; a malformed body is a transient fault of the other side."""
        try:
            return model.model_validate(self.body)
        except ValidationError as err:
            # Field locations only: pydantic's own message quotes the input values.
            fields = sorted({".".join(str(p) for p in e["loc"]) or "<body>" for e in err.errors()})
            raise IntegrationUnavailable(
                f"POST {self.path} answered {self.status} without a valid "
                f"{', '.join(fields)} in its body"
            ) from None


class IntegrationClient:
    """POSTs activity inputs to the integrations and applies the status contract."""

    def __init__(
        self,
        config: HttpIntegrationConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """Build the pooled client; `transport` is for tests and proxies."""
        self._http = httpx.AsyncClient(
            base_url=config.base_url,
            headers={"Authorization": f"Bearer {config.token}"},
            timeout=config.timeout_s,
            transport=transport,
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def post(
        self,
        path: str,
        key: str,
        payload: BaseModel,
        *,
        field_error_types: Mapping[str, str] | None = None,
    ) -> Reply:
        """POST `payload` under Idempotency-Key `key` and classify the answer.

        `field_error_types` maps a rejected field name to a more specific business error
        type than RequestRejected (e.g. "certificate" -> UnsupportedCertificateType).
        Timeouts and connection errors propagate as httpx exceptions (retryable).
        """
        response = await self._http.post(
            path, json=payload.model_dump(mode="json"), headers={"Idempotency-Key": key}
        )
        status = response.status_code
        if status == HTTPStatus.CREATED:
            return Reply(path, status, created=True, body=_json_or_none(response))
        if status in (HTTPStatus.OK, HTTPStatus.CONFLICT):
            return Reply(path, status, created=False, body=_json_or_none(response))
        if 400 <= status < 500 and status not in _RETRYABLE_CLIENT_ERRORS:
            field_name, reason = _rejection(response)
            error_type = (field_error_types or {}).get(field_name or "", REQUEST_REJECTED)
            where = f"field {field_name}: " if field_name else ""
            raise business_failure(
                error_type, f"POST {path} rejected with HTTP {status}: {where}{reason}"
            )
        raise IntegrationUnavailable(f"POST {path} answered HTTP {status}")


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _rejection(response: httpx.Response) -> tuple[str | None, str]:
    """(field, reason) from a 4xx body: `{"field", "reason"}` or FastAPI's `{"detail"}`.

    Only the location and the reason text are taken, never echoed input values, because
    the message ends up unencrypted in Temporal history.
    """
    body = _json_or_none(response)
    field_name: str | None = None
    reason: str | None = None
    if isinstance(body, dict):
        if isinstance(body.get("field"), str):
            field_name = body["field"]
        for key in ("reason", "message"):
            if isinstance(body.get(key), str):
                reason = body[key]
                break
        detail = body.get("detail")
        if isinstance(detail, str) and reason is None:
            reason = detail
        elif isinstance(detail, list) and detail and isinstance(detail[0], dict):
            first = detail[0]
            loc = [str(p) for p in first.get("loc", []) if p != "body"]
            field_name = field_name or (".".join(loc) if loc else None)
            reason = reason or first.get("msg") or first.get("type")
    if not reason:
        reason = response.reason_phrase or "no reason given"
    return field_name, str(reason)[:_MAX_REASON_CHARS]
