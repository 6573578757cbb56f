"""The audit trail: one JSON line per read or change of case data, on the logger
`caseflow.audit`.

Who (the client name, its scopes and municipalities), which case (municipality and case
id, as in the URL: ids, not personal data), what (the API operation) and the outcome (HTTP
status and, for a refusal, the error code and field). Never a request body, a query value,
a token or a personal value. The lines pass through the same pipeline as every log line
(workers.logging_setup: redaction last, trace id added), so an audit line can be joined to
the request's trace. Route them apart by the logger name (`"logger": "caseflow.audit"`), or
give them a file of their own with `CASEFLOW_AUDIT_LOG` (workers.logging_setup).
"""

from __future__ import annotations

from typing import Any

from workers.logging_setup import AUDIT_LOGGER, get_logger

__all__ = ["AUDIT_LOGGER", "record"]


def record(
    *,
    action: str,
    outcome: str,
    status: int,
    subject: str | None,
    scopes: list[str],
    municipalities: list[str],
    municipality: str | None = None,
    case_id: str | None = None,
    error: str | None = None,
    field: str | None = None,
) -> None:
    entry: dict[str, Any] = {
        "action": action,
        "outcome": outcome,
        "status": status,
        "subject": subject,
        "scopes": scopes,
        "subject_municipalities": municipalities,
    }
    for key, value in (
        ("municipality", municipality),
        ("case_id", case_id),
        ("error", error),
        ("field", field),
    ):
        if value is not None:
            entry[key] = value
    # A fresh logger each time, not a module-level one: structlog caches a logger at first
    # use, and an audit line must follow the logging configuration in force now.
    get_logger(AUDIT_LOGGER).info("audit", **entry)
