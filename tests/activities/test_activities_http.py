"""HTTP adapters against a real local HTTP server (uvicorn) playing the external systems.

The external systems are a boundary we do not own, so the server is a small fake that
follows the contract in `activities.http.client`; the HTTP between us and it is real.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import uuid4

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.case_activities import NON_RETRYABLE_ERROR_TYPES, CaseActivities
from activities.errors import REQUEST_REJECTED, UNSUPPORTED_CERTIFICATE_TYPE
from activities.http import (
    HttpAdapters,
    HttpIntegrationConfig,
    IntegrationUnavailable,
    idempotency_key,
    open_http_adapters,
)
from activities.models import (
    CaseRef,
    CertificateRequestInput,
    CertificateType,
    MeetingBookingInput,
    MeetingKind,
    NotificationInput,
)

TOKEN = "test-token"


@dataclass
class FakeSystems:
    """What the fake external systems received and stored."""

    calls: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    stored: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)


def build_app(systems: FakeSystems) -> FastAPI:
    app = FastAPI()

    def record(path: str, key: str | None, auth: str | None) -> None:
        systems.calls.append((path, key, auth))
        if auth != f"Bearer {TOKEN}":
            raise HTTPException(401, "bad token")

    def store(path: str, key: str, resource: dict[str, Any], replay_status: int) -> JSONResponse:
        if (path, key) in systems.stored:
            return JSONResponse(systems.stored[path, key], status_code=replay_status)
        systems.stored[path, key] = resource
        return JSONResponse(resource, status_code=201)

    @app.post("/certificate-requests")
    async def certificates(
        request: Request,
        idempotency_key: str | None = Header(default=None),
        authorization: str | None = Header(default=None),
    ) -> JSONResponse:
        record("/certificate-requests", idempotency_key, authorization)
        body = await request.json()
        match body["obligation_id"]:
            case "unavailable":
                return JSONResponse({"detail": "maintenance"}, status_code=503)
            case "slow":
                await asyncio.sleep(0.5)
            case "in-flight":
                return JSONResponse({"detail": "same key in progress"}, status_code=409)
            case "malformed":
                return JSONResponse({"id": "x"}, status_code=201)
        if body["certificate"] == CertificateType.LAE271:
            # FastAPI's validation shape, echoing the input as FastAPI does.
            detail = [
                {
                    "loc": ["body", "certificate"],
                    "msg": "not offered by this region",
                    "type": "value_error",
                    "input": body["certificate"],
                }
            ]
            return JSONResponse({"detail": detail}, status_code=422)
        assert idempotency_key is not None
        # Certificates answer a repeat with 409 + the existing resource.
        return store("/certificate-requests", idempotency_key, {"request_id": str(uuid4())}, 409)

    @app.post("/meeting-bookings")
    async def bookings(
        request: Request,
        idempotency_key: str | None = Header(default=None),
        authorization: str | None = Header(default=None),
    ) -> JSONResponse:
        record("/meeting-bookings", idempotency_key, authorization)
        body = await request.json()
        if body["kind"] == MeetingKind.JOINT_MEETING:
            return JSONResponse(
                {"field": "kind", "reason": "a-kasse not connected"}, status_code=400
            )
        assert idempotency_key is not None
        resource = {"booking_id": str(uuid4()), "meeting_on": body["earliest"], "overbooked": False}
        # Bookings answer a repeat with 200 + the existing resource.
        return store("/meeting-bookings", idempotency_key, resource, 200)

    @app.post("/notifications")
    async def notifications(
        idempotency_key: str | None = Header(default=None),
        authorization: str | None = Header(default=None),
    ) -> JSONResponse:
        record("/notifications", idempotency_key, authorization)
        assert idempotency_key is not None
        return store("/notifications", idempotency_key, {"notification_id": str(uuid4())}, 409)

    return app


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, FakeSystems]]:
    """A uvicorn server on a free local port, in a background thread, for this module."""
    systems = FakeSystems()
    config = uvicorn.Config(
        build_app(systems), log_level="warning", lifespan="off", timeout_graceful_shutdown=1
    )
    uv = uvicorn.Server(config)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not uv.started:
        assert time.monotonic() < deadline, "test HTTP server did not start"
        time.sleep(0.01)
    host, port = sock.getsockname()
    yield f"http://{host}:{port}", systems
    uv.should_exit = True
    thread.join(timeout=5)
    sock.close()


@pytest.fixture
async def http_adapters(server: tuple[str, FakeSystems]) -> AsyncIterator[HttpAdapters]:
    adapters = open_http_adapters(
        HttpIntegrationConfig(base_url=server[0], token=TOKEN, timeout_s=5.0)
    )
    yield adapters
    await adapters.aclose()


@pytest.fixture
def acts(http_adapters: HttpAdapters) -> CaseActivities:
    return CaseActivities(
        http_adapters.certificates, http_adapters.meetings, http_adapters.notifications
    )


def new_case() -> CaseRef:
    return CaseRef(workflow_id=f"case-{uuid4()}", municipality="0101", case_id="S-17")


def certificate_input(
    obligation_id: str = "ob-1", certificate: CertificateType = CertificateType.LAE285
) -> CertificateRequestInput:
    return CertificateRequestInput(
        case=new_case(),
        obligation_id=obligation_id,
        certificate=certificate,
        requested_on=date(2025, 3, 3),
        due_on=None,
        summary="LÆ285 — SDL § 36",
    )


async def request_certificate(acts: CaseActivities, input: CertificateRequestInput) -> Any:
    return await ActivityEnvironment().run(acts.request_certificate, input)


async def test_certificate_sends_idempotency_key_and_token(
    acts: CaseActivities, server: tuple[str, FakeSystems]
) -> None:
    """The request carries the bearer token and Idempotency-Key = workflow id : obligation id."""
    input = certificate_input()
    result = await request_certificate(acts, input)

    assert result.created is True
    assert result.certificate == CertificateType.LAE285
    expected_key = f"{input.case.workflow_id}:ob-1"
    assert server[1].calls[-1] == ("/certificate-requests", expected_key, f"Bearer {TOKEN}")
    assert server[1].stored["/certificate-requests", expected_key] == {
        "request_id": result.request_id
    }


async def test_409_with_resource_means_already_created(acts: CaseActivities) -> None:
    """A 409 carrying the existing request maps to created=False with the same id."""
    input = certificate_input()
    first = await request_certificate(acts, input)
    again = await request_certificate(acts, input)
    assert (again.request_id, again.created) == (first.request_id, False)


async def test_200_replay_means_already_booked(acts: CaseActivities) -> None:
    """A 200 replay of a booking maps to created=False with the same booking."""
    input = MeetingBookingInput(
        case=new_case(),
        obligation_id="ob-2",
        kind=MeetingKind.JOBSAMTALE,
        earliest=date(2025, 3, 4),
        latest=date(2025, 3, 10),
        summary="Jobsamtale",
    )
    first = await ActivityEnvironment().run(acts.book_meeting, input)
    again = await ActivityEnvironment().run(acts.book_meeting, input)
    assert (first.created, again.created) == (True, False)
    assert again.booking_id == first.booking_id
    assert again.meeting_on == date(2025, 3, 4)


async def test_notification_is_idempotent(acts: CaseActivities) -> None:
    """A repeated notice maps to created=False with the first notification id."""
    notice = NotificationInput(case=new_case(), notice_id="n-1", kind="invite", summary="x")
    first = await ActivityEnvironment().run(acts.notify_citizen, notice)
    again = await ActivityEnvironment().run(acts.notify_citizen, notice)
    assert (first.created, again.created) == (True, False)
    assert again.notification_id == first.notification_id


async def test_422_on_certificate_is_unsupported_type(acts: CaseActivities) -> None:
    """A 422 on the certificate field is non-retryable, named, and does not echo the input."""
    with pytest.raises(ApplicationError) as info:
        await request_certificate(acts, certificate_input(certificate=CertificateType.LAE271))

    assert info.value.type == UNSUPPORTED_CERTIFICATE_TYPE
    assert info.value.non_retryable
    assert info.value.message == (
        "POST /certificate-requests rejected with HTTP 422: "
        "field certificate: not offered by this region"
    )


async def test_other_4xx_is_request_rejected(acts: CaseActivities) -> None:
    """A 400 naming a field is a non-retryable RequestRejected with field and reason."""
    input = MeetingBookingInput(
        case=new_case(),
        obligation_id="ob-3",
        kind=MeetingKind.JOINT_MEETING,
        earliest=date(2025, 3, 4),
        latest=date(2025, 3, 10),
        summary="Fællesmøde",
    )
    with pytest.raises(ApplicationError) as info:
        await ActivityEnvironment().run(acts.book_meeting, input)

    assert info.value.type == REQUEST_REJECTED
    assert info.value.type in NON_RETRYABLE_ERROR_TYPES
    assert info.value.non_retryable
    assert "field kind: a-kasse not connected" in info.value.message


@pytest.mark.parametrize("obligation_id", ["unavailable", "in-flight", "malformed"])
async def test_transient_answers_are_retryable(acts: CaseActivities, obligation_id: str) -> None:
    """503, a 409 without the resource and a malformed body raise a retryable error."""
    with pytest.raises(IntegrationUnavailable) as info:
        await request_certificate(acts, certificate_input(obligation_id))
    assert type(info.value).__name__ not in NON_RETRYABLE_ERROR_TYPES
    assert "/certificate-requests" in str(info.value)


async def test_timeout_is_retryable(server: tuple[str, FakeSystems]) -> None:
    """A reply slower than the configured timeout raises httpx's timeout (retryable)."""
    adapters = open_http_adapters(
        HttpIntegrationConfig(base_url=server[0], token=TOKEN, timeout_s=0.1)
    )
    acts = CaseActivities(adapters.certificates, adapters.meetings, adapters.notifications)
    try:
        with pytest.raises(httpx.TimeoutException):
            await request_certificate(acts, certificate_input("slow"))
    finally:
        await adapters.aclose()


async def test_wrong_token_is_retryable(server: tuple[str, FakeSystems]) -> None:
    """401 is a deployment fault: retried, not failed as a business outcome of the case."""
    adapters = open_http_adapters(HttpIntegrationConfig(base_url=server[0], token="wrong"))
    try:
        with pytest.raises(IntegrationUnavailable, match="HTTP 401"):
            await adapters.certificates.request(certificate_input())
    finally:
        await adapters.aclose()


def test_idempotency_key_is_ascii_and_unambiguous() -> None:
    """Danish letters and ':' inside ids are percent-encoded; plain ids stay readable."""
    assert idempotency_key("case-1", "ob-1") == "case-1:ob-1"
    assert idempotency_key("case:1", "opfølgning") == "case%3A1:opf%C3%B8lgning"


def test_config_repr_hides_token() -> None:
    """The bearer token never appears in a config's repr (and so not in a log line)."""
    assert TOKEN not in repr(HttpIntegrationConfig(base_url="http://x", token=TOKEN))
