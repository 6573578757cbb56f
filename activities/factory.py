"""Builds the case activities for the worker from its configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from activities.case_activities import CaseActivities
from activities.embedded import open_embedded_adapters
from activities.http import HttpIntegrationConfig, open_http_adapters

__all__ = ["ADAPTERS", "build_case_activities"]

ADAPTERS: tuple[Literal["embedded", "http"], ...] = ("embedded", "http")
"""Accepted values of `adapter` (e.g. for a CLI option's choices)."""


def build_case_activities(
    adapter: str,
    data_dir: Path,
    http_base_url: str | None = None,
    http_token: str | None = None,
) -> CaseActivities:
    """The case activities over the embedded (default) or HTTP adapters.

    Args:
        adapter: "embedded" (SQLite outbox at `data_dir/outbox.db`) or "http".
        data_dir: the caseflow data directory; used by the embedded adapters.
        http_base_url: base URL of the integration endpoints; required for "http".
        http_token: bearer token for the integrations; required for "http". Read it from
            the environment or a secret store, never from code or a committed file.

    Call `await activities.aclose()` when the worker stops (closes the HTTP pool).
    """
    if adapter == "embedded":
        embedded = open_embedded_adapters(data_dir)
        return CaseActivities(embedded.certificates, embedded.meetings, embedded.notifications)
    if adapter == "http":
        if not http_base_url or not http_token:
            raise ValueError("the http adapter needs both http_base_url and http_token")
        http = open_http_adapters(HttpIntegrationConfig(base_url=http_base_url, token=http_token))
        return CaseActivities(
            http.certificates, http.meetings, http.notifications, on_close=http.aclose
        )
    raise ValueError(f"unknown activity adapter {adapter!r}; expected one of {ADAPTERS}")
