"""HTTP adapters for real integrations (certificate, calendar and notification systems)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from activities.http.adapters import (
    CERTIFICATE_REQUESTS_PATH,
    MEETING_BOOKINGS_PATH,
    NOTIFICATIONS_PATH,
    HttpCertificateAdapter,
    HttpMeetingAdapter,
    HttpNotificationAdapter,
)
from activities.http.client import (
    HttpIntegrationConfig,
    IntegrationClient,
    IntegrationUnavailable,
    idempotency_key,
)

__all__ = [
    "CERTIFICATE_REQUESTS_PATH",
    "MEETING_BOOKINGS_PATH",
    "NOTIFICATIONS_PATH",
    "HttpAdapters",
    "HttpCertificateAdapter",
    "HttpIntegrationConfig",
    "HttpMeetingAdapter",
    "HttpNotificationAdapter",
    "IntegrationClient",
    "IntegrationUnavailable",
    "idempotency_key",
    "open_http_adapters",
]


@dataclass(frozen=True)
class HttpAdapters:
    """The three HTTP adapters sharing one connection pool; `aclose` releases it."""

    client: IntegrationClient
    certificates: HttpCertificateAdapter
    meetings: HttpMeetingAdapter
    notifications: HttpNotificationAdapter

    async def aclose(self) -> None:
        """Close the shared connection pool."""
        await self.client.aclose()


def open_http_adapters(
    config: HttpIntegrationConfig, *, transport: httpx.AsyncBaseTransport | None = None
) -> HttpAdapters:
    """The HTTP adapters for `config` (one pooled, authenticated client)."""
    client = IntegrationClient(config, transport=transport)
    return HttpAdapters(
        client=client,
        certificates=HttpCertificateAdapter(client),
        meetings=HttpMeetingAdapter(client),
        notifications=HttpNotificationAdapter(client),
    )
