"""Citizen references and per-citizen limits through the real gateway and dev server.

A synthetic CPR number (made at run time, a real day and month) goes to the one endpoint
that takes it; the limits are then claimed under several case ids of that citizen. At the
end the CPR number is searched for in every answer, every log line (DEBUG), the histories
(decoded payloads too), workflow ids and search attributes of everything that ran.
"""

from __future__ import annotations

import contextlib
import io
import logging
import random
import secrets
import string
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import structlog
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload

from activities.citizen_limit_models import check_citizen_ref, limit_workflow_id
from activities.enrolment_models import registry_workflow_id
from tests.gateway.conftest import Gateway
from workers.codec import ENCODING
from workers.config import LogFormat
from workers.logging_setup import configure_logging

SEEN: list[str] = []
"""Every answer body of this module, scanned at the end."""


def _cpr() -> tuple[str, str]:
    rng = random.SystemRandom()
    digits = f"{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}{rng.randint(0, 99):02d}"
    digits += f"{rng.randint(0, 9999):04d}"
    return digits, f"{digits[:6]}-{digits[6:]}"


CPR, CPR_DASHED = _cpr()


def _case_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(string.ascii_uppercase) for _ in range(10))


@pytest.fixture(scope="module")
def log_lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging(LogFormat.JSON, "DEBUG", stream=stream, force=True)
    yield stream
    structlog.reset_defaults()
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.setLevel(logging.WARNING)


@pytest.fixture(scope="module")
async def citizen(log_lines: io.StringIO, gateway: Gateway) -> AsyncIterator[str]:
    """The synthetic citizen's reference (logging is set up before the gateway starts)."""
    async with gateway.http("thisted") as http:
        answer = await http.post("/v1/citizens/reference", json={"cpr": CPR_DASHED})
    SEEN.append(answer.text)
    assert answer.status_code == 200, answer.text
    yield answer.json()["citizen_ref"]


async def _post(http: httpx.AsyncClient, url: str, body: dict[str, Any]) -> httpx.Response:
    answer = await http.post(url, json=body)
    SEEN.append(answer.text)
    return answer


async def test_the_reference_is_the_same_for_the_citizen_everywhere_and_hides_the_number(
    gateway: Gateway, citizen: str
) -> None:
    assert check_citizen_ref(citizen) == citizen
    async with gateway.http("aalborg") as http:
        undashed = await _post(http, "/v1/citizens/reference", {"cpr": CPR})
    assert undashed.json() == {"citizen_ref": citizen}  # national: one citizen, one reference
    async with gateway.http("thisted") as http:
        other = await _post(
            http, "/v1/citizens/reference", {"cpr": f"{CPR[:9]}{(int(CPR[9]) + 1) % 10}"}
        )
    assert other.json()["citizen_ref"] != citizen


async def test_a_malformed_cpr_is_refused_without_being_echoed(gateway: Gateway) -> None:
    async with gateway.http("thisted") as http:
        for bad in ("321399-1234", "12345", "0101xx-1234"):
            answer = await _post(http, "/v1/citizens/reference", {"cpr": bad})
            assert answer.status_code == 422, answer.text
            assert answer.json()["field"] == "cpr" and bad not in answer.text
    async with gateway.http("thisted_ro") as http:
        read_only = await _post(http, "/v1/citizens/reference", {"cpr": CPR_DASHED})
    assert read_only.status_code == 403  # a reference is for systems that open cases


async def test_a_cpr_number_is_refused_in_the_citizen_ref_fields(gateway: Gateway) -> None:
    async with gateway.http("thisted") as http:
        claim = await _post(http, "/v1/citizens/limits/claim", _upskilling(CPR_DASHED, "X1", 1))
        start = await _post(http, "/v1/cases", {**_psyk_case("PS-CPR"), "citizen_ref": CPR})
    for answer in (claim, start):
        assert answer.status_code == 422, answer.text
        assert "citizen_ref" in answer.text


def _upskilling(ref: str, case_id: str, weeks: int) -> dict[str, Any]:
    return {
        "citizen_ref": ref,
        "claim_id": f"up-{case_id}",
        "kind": "upskilling_weeks",
        "municipality": "thisted",
        "case_id": case_id,
        "target_group": "2.1",
        "date": "2019-02-04",
        "weeks": weeks,
        "unemployment_start": "2019-01-07",
    }


async def test_a_second_upskilling_course_under_a_new_case_id_counts_against_the_six_weeks(
    gateway: Gateway, citizen: str
) -> None:
    first, second = _case_id("UP-"), _case_id("UP-")
    async with gateway.http("thisted") as http:
        granted = await _post(http, "/v1/citizens/limits/claim", _upskilling(citizen, first, 4))
        assert granted.status_code == 200, granted.text
        assert granted.json()["granted"] is True and granted.json()["used"] == 4
        refused = await _post(http, "/v1/citizens/limits/claim", _upskilling(citizen, second, 3))
        body = refused.json()
        assert body["granted"] is False, body
        assert "exceed the cap of 6" in body["reason"]
        assert body["rule"] == "vejledning.max_weeks_in_first_26"
        again = await _post(http, "/v1/citizens/limits/claim", _upskilling(citizen, first, 4))
        assert again.json() == granted.json()  # idempotent by claim id: not counted twice
        fits = await _post(http, "/v1/citizens/limits/claim", _upskilling(citizen, second + "B", 2))
        assert fits.json()["granted"] is True and fits.json()["used"] == 6
    holdings = await gateway.temporal.get_workflow_handle(limit_workflow_id(citizen)).query(
        "holdings"
    )
    assert sorted(c["weeks"] for c in holdings["claims"] if c["kind"] == "upskilling_weeks") == [
        2,
        4,
    ]


async def test_the_upskilling_question_counts_the_citizens_weeks_not_the_callers(
    gateway: Gateway, citizen: str
) -> None:
    """After the test above the citizen holds 6 weeks of the spell; a caller saying 0 is
    not believed once it names the citizen."""
    question = {
        "municipality": "thisted",
        "date": "2019-03-04",
        "citizen": {"target_group": "2.1", "weeks_unemployed": 8},
        "weeks_requested": 1,
        "weeks_used_in_window": 0,
        "unemployment_start": "2019-01-07",
    }
    stranger_ref = "cz_" + "a" * 32
    async with gateway.http("thisted") as http:
        anonymous = await _post(http, "/v1/offers/upskilling", question)
        counted = await _post(http, "/v1/offers/upskilling", {**question, "citizen_ref": citizen})
        stranger = await _post(
            http, "/v1/offers/upskilling", {**question, "citizen_ref": stranger_ref}
        )
        stricter = await _post(
            http,
            "/v1/offers/upskilling",
            {**question, "citizen_ref": stranger_ref, "weeks_used_in_window": 6},
        )
    # No side door: without the reference there is no answer, not the caller's count.
    assert anonymous.status_code == 422, anonymous.text
    assert anonymous.json()["field"] == "citizen_ref"
    assert counted.json()["allowed"] is False, counted.text
    assert "7 weeks would exceed the cap of 6" in counted.json()["reason"]
    assert stranger.json()["allowed"] is True  # a citizen with no registry holds nothing
    # A caller's own count can make the answer stricter, never looser.
    assert stricter.json()["allowed"] is False, stricter.text


def _psyk_case(case_id: str) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "municipality": "thisted",
        "phase": "psykologbehandling",
        "opened_on": "2019-03-01",
        "facts": {"psyk.on_sygedagpenge_at_referral": True, "psyk.eligible_condition": True},
        "entry": {"referred_by": "gp"},
    }


async def test_a_re_referral_fk2b_forbids_is_refused_naming_the_rule_and_citation(
    gateway: Gateway, citizen: str
) -> None:
    first, second = _case_id("PS-"), _case_id("PS-")
    async with gateway.http("thisted") as http:
        anonymous = await _post(http, "/v1/cases", _psyk_case(_case_id("PS-")))
        assert anonymous.status_code == 422, anonymous.text
        assert anonymous.json()["field"] == "citizen_ref"
        assert "psyk.re_referral.allowed" in anonymous.json()["reason"]
        opened = await _post(http, "/v1/cases", {**_psyk_case(first), "citizen_ref": citizen})
        assert opened.status_code == 201, opened.text
        retried = await _post(http, "/v1/cases", {**_psyk_case(first), "citizen_ref": citizen})
        assert retried.status_code == 200, retried.text  # the same case again is no re-referral
        refused = await _post(http, "/v1/cases", {**_psyk_case(second), "citizen_ref": citizen})
        assert refused.status_code == 409, refused.text
        body = refused.json()
        assert body["field"] == "citizen_ref" and body["error"] == "limit_reached"
        assert "psyk.re_referral.allowed" in body["reason"]
        # Its citations as people cite them (the [001:L2231] act); the seed line is not shown.
        assert "FK-2.b trial design" in body["reason"] and "[001:" not in body["reason"]
        nothing = await http.get(f"/v1/cases/thisted/{second}")
        SEEN.append(nothing.text)
        assert nothing.status_code == 404  # refused before anything started


def _microloan_case(case_id: str) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "municipality": "aalborg",
        "phase": "mikrolaan_screening",
        "target_group": "2.2",
        "opened_on": "2018-03-01",
        "legal_anchor": "2018-03-01",
    }


async def _screened(http: httpx.AsyncClient, case_id: str) -> None:
    started = await _post(http, "/v1/cases", _microloan_case(case_id))
    assert started.status_code == 201, started.text
    passed = await _post(
        http,
        f"/v1/cases/aalborg/{case_id}/events",
        {
            "type": "decision_made",
            "event_id": "scr-1",
            "effective_date": "2018-03-01",
            "decision": "screening_passed",
        },
    )
    assert passed.status_code == 200, passed.text


async def test_a_second_microloan_for_the_same_citizen_is_refused(
    gateway: Gateway, citizen: str
) -> None:
    first, second = _case_id("ML-"), _case_id("ML-")
    try:
        async with gateway.http("aalborg") as http:
            await _screened(http, first)
            await _screened(http, second)
            url = "/v1/cases/aalborg/{}/mikrolaan/enrol"
            body = {"event_id": "enrol-1", "citizen_ref": citizen}
            admitted = await _post(http, url.format(first), body)
            assert admitted.status_code == 200, admitted.text
            assert admitted.json()["answer"]["admitted"] is True
            anonymous = await _post(http, url.format(second), {"event_id": "enrol-1"})
            assert anonymous.status_code == 422, anonymous.text
            assert anonymous.json()["field"] == "citizen_ref"
            # Nor is the admission reported past the registries as a plain event.
            side_door = await _post(
                http,
                f"/v1/cases/aalborg/{second}/events",
                {
                    "type": "decision_made",
                    "event_id": "adm-1",
                    "effective_date": "2018-03-01",
                    "decision": "mikrolaan_admitted",
                    "seat": 1,
                },
            )
            assert side_door.status_code == 422, side_door.text
            assert side_door.json()["field"] == "decision"
            assert "mikrolaan/enrol only" in side_door.json()["reason"]
            refused = await _post(http, url.format(second), body)
            assert refused.status_code == 409, refused.text
            assert "mikrolaan.places_per_citizen.max" in refused.json()["reason"]
            reason = refused.json()["reason"]  # [001:L3470] read as people cite it
            assert "FK-1.a grant: max 80 borgere" in reason and "[001:" not in reason
            case = await http.get(f"/v1/cases/aalborg/{second}")
            SEEN.append(case.text)
            assert case.json()["phase"] == "mikrolaan_screening"  # no seat was taken
    finally:
        with contextlib.suppress(Exception):
            await gateway.temporal.get_workflow_handle(
                registry_workflow_id("FK-1.a", "aalborg")
            ).terminate("test finished")


def _payloads(message: Message) -> Iterator[Payload]:
    if isinstance(message, Payload):
        yield message
        return
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if isinstance(value, Message):
            values: list[Any] = [value]
        elif hasattr(value, "values"):  # a map field
            values = list(value.values())
        else:  # a repeated field
            values = list(value)
        for item in values:
            if isinstance(item, Message):
                yield from _payloads(item)


async def test_the_cpr_number_is_nowhere_after_all_of_it(
    gateway: Gateway, citizen: str, log_lines: io.StringIO
) -> None:
    needles = (CPR, CPR_DASHED)
    assert SEEN and not [text for text in SEEN if any(n in text for n in needles)]
    assert not [
        line for line in log_lines.getvalue().splitlines() if any(n in line for n in needles)
    ]
    codec = gateway.temporal.data_converter.payload_codec
    listed = 0
    # This module's own task queue: the session's server also holds other suites' runs.
    query = f'TaskQueue = "{gateway.config.task_queue}"'
    async for execution in gateway.temporal.list_workflows(query):
        listed += 1
        assert not any(n in execution.id for n in needles)
        assert not any(n in str(execution.search_attributes) for n in needles)
        history = await gateway.temporal.get_workflow_handle(
            execution.id, run_id=execution.run_id
        ).fetch_history()
        assert not any(n in history.to_json() for n in needles)
        payloads = [p for event in history.events for p in _payloads(event)]
        sealed = [p for p in payloads if p.metadata.get("encoding") == ENCODING]
        if codec is not None and sealed:  # plain ones (user metadata) are scanned as they are
            payloads += await codec.decode(sealed)
        assert not any(n.encode() in p.SerializeToString() for p in payloads for n in needles)
    assert listed >= 5  # the citizen's registry, the cases and the microloan registry
    # The citizen's own registry ran and holds claims, named by the reference only.
    assert limit_workflow_id(citizen).startswith("citizen-limit-cz_")
