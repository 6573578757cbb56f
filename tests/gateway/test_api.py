"""The gateway over real HTTP against a real Temporal dev server and a real case worker.

Every refusal is checked two ways: the answer (status, `error`, `field`) and the case
afterwards, which must be exactly what it was before.
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import string
from datetime import date
from typing import Any

import httpx
import pytest

from tests.gateway.conftest import Gateway
from workers.gateway import create_app

OPENED = date(2019, 3, 4)


def new_case_id() -> str:
    # Letters only: a random digit run could look like a CPR number and be refused.
    return "T-" + "".join(secrets.choice(string.ascii_uppercase) for _ in range(12))


def start_body(case_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "municipality": "thisted",
        "opened_on": OPENED.isoformat(),
        "entry": {"first_absence_day": "2019-03-01"},
        "legal_anchor": OPENED.isoformat(),
        **extra,
    }


def screened(
    event_id: str = "evt-screen-1", day: str = "2019-03-04", **extra: Any
) -> dict[str, Any]:
    return {"type": "screened", "event_id": event_id, "effective_date": day, "category": 2, **extra}


async def start_case(gateway: Gateway, **extra: Any) -> str:
    case_id = new_case_id()
    async with gateway.http() as http:
        started = await http.post("/v1/cases", json=start_body(case_id, **extra))
    assert started.status_code == 201, started.text
    return case_id


@pytest.fixture(scope="module")
async def case(gateway: Gateway) -> str:
    """One Thisted case, screened once, shared by the refusal tests (each leaves it as is)."""
    case_id = await start_case(gateway)
    async with gateway.http() as http:
        accepted = await http.post(f"/v1/cases/thisted/{case_id}/events", json=screened())
    assert accepted.status_code == 200, accepted.text
    return case_id


async def snapshot(gateway: Gateway, case_id: str) -> dict[str, Any]:
    async with gateway.http() as http:
        shown = await http.get(f"/v1/cases/thisted/{case_id}")
    assert shown.status_code == 200, shown.text
    body: dict[str, Any] = shown.json()
    return body


# --- the happy path ----------------------------------------------------------------------


async def test_start_event_show_timeline_list(gateway: Gateway) -> None:
    case_id = new_case_id()
    async with gateway.http() as http:
        started = await http.post("/v1/cases", json=start_body(case_id, municipality="787"))
        assert started.status_code == 201, started.text
        assert started.json()["workflow_id"] == f"case-787-{case_id}"
        case = started.json()["case"]
        assert case["municipality"] == "thisted"
        assert case["phase"] == "sygedagpenge"
        assert case["today"] == "2019-03-04"
        assert case["open_obligations"], "a new sickness case has deadlines"
        first = case["open_obligations"][0]
        assert first["due_on"] and first["citations"] and first["regime"] and first["reason"]

        advanced = await http.post(f"/v1/cases/thisted/{case_id}/advance", json={"days": 1})
        assert advanced.status_code == 200, advanced.text
        assert advanced.json()["to_day"] == "2019-03-05"
        assert advanced.json()["case"]["today"] == "2019-03-05"

        event = screened("evt-1", "2019-03-05")
        accepted = await http.post(f"/v1/cases/Thisted/{case_id}/events", json=event)
        assert accepted.status_code == 200, accepted.text
        receipt = accepted.json()["receipt"]
        assert receipt["event_id"] == "evt-1"
        assert receipt["event_type"] == "screened"
        assert accepted.json()["case"]["phase"] == "sygedagpenge"

        shown = await http.get(f"/v1/cases/thisted/{case_id}")
        assert shown.status_code == 200
        assert shown.json()["open_obligations"] == accepted.json()["case"]["open_obligations"]

        timeline = await http.get(f"/v1/cases/thisted/{case_id}/timeline")
        assert timeline.status_code == 200
        entries = timeline.json()["entries"]
        assert entries[0]["kind"] == "case_opened"
        events = [e for e in entries if e["kind"] == "event"]
        assert [(e["date"], e["subject"]) for e in events] == [("2019-03-05", "screened")]
        assert any(e["citations"] and e["regime"] for e in entries)

        listed: list[dict[str, Any]] = []
        for _ in range(100):  # visibility is eventually consistent
            page = await http.get("/v1/cases", params={"municipality": "thisted", "page_size": 200})
            assert page.status_code == 200, page.text
            listed = [i for i in page.json()["items"] if i["case_id"] == case_id]
            if listed and listed[0]["next_deadline"]:
                break
            await asyncio.sleep(0.05)
        assert listed, "the new case is listed"
        assert listed[0]["phase"] == "sygedagpenge"
        assert listed[0]["municipality"] == "thisted"
        assert listed[0]["status"] == "running"


async def test_list_filters_and_pages(gateway: Gateway, case: str) -> None:
    await start_case(gateway)
    async with gateway.http() as http:
        seen: list[str] = []
        token: str | None = None
        for _ in range(50):
            params: dict[str, Any] = {"phase": "sygedagpenge", "page_size": 1}
            if token:
                params["next_page_token"] = token
            page = await http.get("/v1/cases", params=params)
            assert page.status_code == 200, page.text
            assert len(page.json()["items"]) <= 1
            seen += [i["case_id"] for i in page.json()["items"]]
            token = page.json()["next_page_token"]
            if token is None:
                break
        assert len(seen) >= 2
        assert len(seen) == len(set(seen)), "pages do not repeat cases"

        none = await http.get("/v1/cases", params={"phase": "fleksjob", "overdue": "true"})
        assert none.status_code == 200
        assert all(i["phase"] == "fleksjob" for i in none.json()["items"])

        before = await http.get("/v1/cases", params={"deadline_before": "2000-01-01"})
        assert before.status_code == 200
        assert before.json()["items"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"regime": "X' OR WorkflowType != '"}, "regime"),
        ({"municipality": "Atlantis"}, "municipality"),
        ({"target_group": "no-such-group"}, "target_group"),
        ({"phase": "nonsense"}, "phase"),
        ({"deadline_before": "soon"}, "deadline_before"),
        ({"page_size": "0"}, "page_size"),
        ({"next_page_token": "!!not-base64!!"}, "next_page_token"),
    ],
)
async def test_list_refuses_bad_filters(
    gateway: Gateway, params: dict[str, str], field: str
) -> None:
    async with gateway.http() as http:
        answer = await http.get("/v1/cases", params=params)
    # A page token is not input to fix but a token to drop: 400, like any unreadable request.
    assert answer.status_code == (400 if field == "next_page_token" else 422), answer.text
    assert answer.json()["field"] == field


# --- refusals leave the case unchanged ---------------------------------------------------

REFUSED = "event_refused"
REFUSALS: list[tuple[str, bytes | dict[str, Any], int, str, str | None]] = [
    ("malformed JSON", b'{"type": "screened", ', 422, "malformed_json", None),
    ("not an object", b"[1, 2]", 422, "invalid_request", None),
    ("unknown event type", screened(type="teleported"), 422, "invalid_request", "type"),
    (
        "missing field",
        {"type": "screened", "event_id": "evt-x", "effective_date": "2019-03-04"},
        422,
        "invalid_request",
        "category",
    ),
    ("extra field", screened("evt-x", note="free text"), 422, "invalid_request", "note"),
    (
        "CPR-shaped event id",
        screened("010190-1234"),
        422,
        "invalid_request",
        "event_id",
    ),
    (
        "wrong phase",
        {
            "type": "meeting_held",
            "event_id": "evt-rt",
            "effective_date": "2019-03-04",
            "meeting": "rt_meeting",
        },
        422,
        "event_refused",
        "meeting",
    ),
    (
        "before the case start",
        screened("evt-early", "2019-01-02"),
        422,
        "event_refused",
        "effective_date",
    ),
    (
        "in the case's future",
        screened("evt-late", "2019-06-01"),
        422,
        "event_refused",
        "effective_date",
    ),
    ("same id, other content", screened(category=3), 409, "event_id_conflict", "event_id"),
    ("oversized body", screened(pad="x" * 70_000), 413, "body_too_large", None),
]


@pytest.mark.parametrize(
    ("body", "status", "error", "field"),
    [r[1:] for r in REFUSALS],
    ids=[r[0] for r in REFUSALS],
)
async def test_refused_events_leave_the_case_unchanged(
    gateway: Gateway,
    case: str,
    body: bytes | dict[str, Any],
    status: int,
    error: str,
    field: str | None,
) -> None:
    before = await snapshot(gateway, case)
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    async with gateway.http() as http:
        answer = await http.post(
            f"/v1/cases/thisted/{case}/events",
            content=content,
            headers={"Content-Type": "application/json"},
        )
    assert answer.status_code == status, answer.text
    assert answer.json()["error"] == error
    assert answer.json()["field"] == field
    assert answer.json()["reason"]
    assert "010190" not in answer.text, "a rejected value is never echoed"
    assert await snapshot(gateway, case) == before


async def test_a_repeated_event_gets_the_first_answer(gateway: Gateway, case: str) -> None:
    before = await snapshot(gateway, case)
    async with gateway.http() as http:
        again = await http.post(f"/v1/cases/thisted/{case}/events", json=screened())
        timeline = await http.get(f"/v1/cases/thisted/{case}/timeline")
    assert again.status_code == 200, again.text
    assert again.json()["receipt"]["applied_on"] == "2019-03-04"
    assert await snapshot(gateway, case) == before
    events = [e for e in timeline.json()["entries"] if e["kind"] == "event"]
    assert len(events) == 1, "applied once"


async def test_an_unknown_case_is_404(gateway: Gateway) -> None:
    async with gateway.http() as http:
        event = await http.post("/v1/cases/thisted/NO-SUCH-CASE/events", json=screened())
        shown = await http.get("/v1/cases/thisted/NO-SUCH-CASE")
        timeline = await http.get("/v1/cases/thisted/NO-SUCH-CASE/timeline")
        nowhere = await http.get("/v1/cases/atlantis/NO-SUCH-CASE")
    for answer in (event, shown, timeline, nowhere):
        assert answer.status_code == 404, answer.text
        assert answer.json() == {"error": "not_found", "field": None, "reason": "no such case"}


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"case_id": "010190-1234"}, 422, "case_id"),
        ({"case_id": "has space"}, 422, "case_id"),
        ({"municipality": "Atlantis"}, 422, "municipality"),
        ({"target_group": "9.9"}, 422, "target_group"),
        ({"facts": {"no.such.fact": True}}, 422, "facts"),
        ({"opened_on": "yesterday"}, 422, "opened_on"),
        ({"municipality": "aalborg"}, 403, "municipality"),
    ],
)
async def test_refused_starts(
    gateway: Gateway, change: dict[str, Any], status: int, field: str
) -> None:
    body = start_body(new_case_id()) | change
    async with gateway.http() as http:
        answer = await http.post("/v1/cases", json=body)
    assert answer.status_code == status, answer.text
    assert answer.json()["field"] == field
    assert "010190" not in answer.text


async def test_a_case_id_is_used_once(gateway: Gateway, case: str) -> None:
    async with gateway.http() as http:
        again = await http.post("/v1/cases", json=start_body(case, opened_on="2019-03-05"))
    assert again.status_code == 409
    assert again.json()["error"] == "case_exists"


# --- access control ----------------------------------------------------------------------


async def test_another_municipality_sees_nothing(gateway: Gateway, case: str) -> None:
    before = await snapshot(gateway, case)
    async with gateway.http("aalborg") as http:
        answers = [
            await http.get(f"/v1/cases/thisted/{case}"),
            await http.get(f"/v1/cases/787/{case}/timeline"),
            await http.post(f"/v1/cases/thisted/{case}/events", json=screened("evt-aal")),
            await http.post(f"/v1/cases/thisted/{case}/advance", json={"days": 30}),
        ]
        # The same answer as for a case that does not exist: no existence leak.
        for answer in answers:
            assert answer.status_code == 404, answer.text
            assert answer.json()["reason"] == "no such case"
        listed = await http.get("/v1/cases", params={"page_size": 200})
        assert listed.status_code == 200
        assert all(i["municipality"] == "aalborg" for i in listed.json()["items"])
        theirs = await http.get("/v1/cases", params={"municipality": "thisted"})
        assert theirs.json()["items"] == []
        codec = await http.post("/codec/decode", json={"payloads": []})
        assert codec.status_code == 403
    assert await snapshot(gateway, case) == before


async def test_tokens_and_scopes(gateway: Gateway, case: str) -> None:
    async with gateway.http(None) as anonymous:
        missing = await anonymous.get(f"/v1/cases/thisted/{case}")
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"] == "Bearer"
        assert (await anonymous.get("/healthz")).status_code == 200, "probes stay open"
    async with gateway.http(token="not-a-token") as forged:
        assert (await forged.get("/v1/cases")).status_code == 401
        assert (await forged.post("/codec/decode", json={"payloads": []})).status_code == 401
    async with gateway.http("thisted_ro") as reader:
        assert (await reader.get(f"/v1/cases/thisted/{case}")).status_code == 200
        event = await reader.post(f"/v1/cases/thisted/{case}/events", json=screened("evt-ro"))
        assert event.status_code == 403
        assert event.json()["error"] == "forbidden"
        started = await reader.post("/v1/cases", json=start_body(new_case_id()))
        assert started.status_code == 403
        assert (await reader.post("/codec/encode", json={"payloads": []})).status_code == 403
    async with gateway.http("operator") as operator:
        assert (await operator.get(f"/v1/cases/thisted/{case}")).status_code == 200
        write = await operator.post(f"/v1/cases/thisted/{case}/events", json=screened("evt-op"))
        assert write.status_code == 403


# --- codec endpoint ----------------------------------------------------------------------


async def test_codec_round_trip_for_operators(gateway: Gateway) -> None:
    plain = gateway.temporal.data_converter.payload_converter.to_payloads([{"a": 1}])
    payload = {
        "metadata": {k: _b64(v) for k, v in plain[0].metadata.items()},
        "data": _b64(plain[0].data),
    }
    headers = {"X-Namespace": gateway.config.namespace}
    async with gateway.http("operator") as http:
        encoded = await http.post("/codec/encode", json={"payloads": [payload]}, headers=headers)
        assert encoded.status_code == 200, encoded.text
        decoded = await http.post("/codec/decode", json=encoded.json(), headers=headers)
        assert decoded.status_code == 200, decoded.text
        assert decoded.json()["payloads"][0]["data"] == payload["data"]
        if gateway.temporal.data_converter.payload_codec is not None:
            assert encoded.json()["payloads"][0]["data"] != payload["data"], "encrypted"
        other = await http.post(
            "/codec/decode", json={"payloads": []}, headers={"X-Namespace": "elsewhere"}
        )
        assert other.status_code == 403
        preflight = await http.options(
            "/codec/decode",
            headers={
                "Origin": f"http://localhost:{gateway.config.ui_port}",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,x-namespace,content-type",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"].endswith(
            str(gateway.config.ui_port)
        )


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


# --- production gateway: no demo features ------------------------------------------------


async def test_production_gateway_has_no_advance_and_no_simulated_clock(
    gateway: Gateway, case: str
) -> None:

    app = create_app(
        gateway.config.model_copy(update={"demo_features": False}), client=gateway.temporal
    )
    transport = httpx.ASGITransport(app=app)
    auth = {"Authorization": f"Bearer {gateway.tokens['thisted']}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://gw", headers=auth) as http:
        advance = await http.post(f"/v1/cases/thisted/{case}/advance", json={"days": 1})
        assert advance.status_code == 404
        simulated = await http.post("/v1/cases", json=start_body(new_case_id()))
        assert simulated.status_code == 422
        assert simulated.json()["field"] == "legal_anchor"
        assert (await http.get(f"/v1/cases/thisted/{case}")).status_code == 200
