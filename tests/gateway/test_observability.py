"""What an operator sees of the gateway: `/metrics` over real HTTP, the audit trail, the
trace id on every answer, and obligation counts that match the case list."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from prometheus_client.parser import text_string_to_metric_families

from tests.gateway.conftest import Gateway
from tests.gateway.test_api import screened, start_case
from workers.config import LogFormat
from workers.logging_setup import configure_logging


def samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    found: dict[tuple[tuple[str, str], ...], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


async def scrape(gateway: Gateway) -> str:
    async with gateway.http(None) as http:
        answer = await http.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return answer.text


def value(found: dict[tuple[tuple[str, str], ...], float], **labels: str) -> float:
    return found.get(tuple(sorted(labels.items())), 0.0)


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging(LogFormat.JSON, "INFO", stream=stream, force=True)
    yield stream
    structlog.reset_defaults()
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)


def parsed(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]


async def test_requests_are_counted_by_route_template_and_status(gateway: Gateway) -> None:
    before = samples(await scrape(gateway), "caseflow_http_requests_total")
    async with gateway.http() as http:
        assert (await http.get("/v1/cases/thisted/NO-SUCH-CASE-XQ")).status_code == 404
        assert (await http.get("/v1/cases/thisted/NO-SUCH-CASE-XR")).status_code == 404
        assert (await http.get("/no/such/path/ZZ-77")).status_code == 404
    async with gateway.http(None) as http:
        assert (await http.get("/healthz")).status_code == 200
    text = await scrape(gateway)
    after = samples(text, "caseflow_http_requests_total")
    show = {"route": "/v1/cases/{municipality}/{case_id}", "method": "GET", "status": "404"}
    assert value(after, **show) - value(before, **show) == 2
    health = {"route": "/healthz", "method": "GET", "status": "200"}
    assert value(after, **health) - value(before, **health) == 1
    unmatched = {"route": "<unmatched>", "method": "GET", "status": "404"}
    assert value(after, **unmatched) - value(before, **unmatched) == 1
    # Labels are templates: no case id, no raw path ever becomes a series.
    assert "NO-SUCH-CASE" not in text and "ZZ-77" not in text
    assert "caseflow_http_request_duration_seconds_bucket" in text


async def test_events_are_counted_accepted_and_refused_by_reason(gateway: Gateway) -> None:
    case_id = await start_case(gateway)
    before = samples(await scrape(gateway), "caseflow_events_total")
    async with gateway.http() as http:
        ok = await http.post(f"/v1/cases/thisted/{case_id}/events", json=screened("e-1"))
        assert ok.status_code == 200, ok.text
        early = await http.post(
            f"/v1/cases/thisted/{case_id}/events", json=screened("e-2", "2001-01-01")
        )
        assert early.status_code == 422, early.text
        clash = await http.post(
            f"/v1/cases/thisted/{case_id}/events", json=screened("e-1", category=3)
        )
        assert clash.status_code == 409, clash.text
    after = samples(await scrape(gateway), "caseflow_events_total")

    def delta(**labels: str) -> float:
        return value(after, **labels) - value(before, **labels)

    assert delta(outcome="accepted", reason="", field="") == 1
    refusal = early.json()
    assert delta(outcome="refused", reason=refusal["error"], field=refusal["field"] or "") == 1
    assert delta(outcome="refused", reason="event_id_conflict", field="event_id") == 1


async def test_every_read_and_change_leaves_an_audit_line_with_ids_only(
    gateway: Gateway, log_lines: io.StringIO
) -> None:
    case_id = await start_case(gateway)
    async with gateway.http() as http:
        event = screened("e-audit", note_for_nobody="0101901234")
        await http.post(f"/v1/cases/thisted/{case_id}/events", json=event)
        await http.post(f"/v1/cases/thisted/{case_id}/events", json=screened("e-ok"))
        shown = await http.get(f"/v1/cases/thisted/{case_id}")
        await http.get(f"/v1/cases/thisted/{case_id}/timeline")
    async with gateway.http("aalborg") as http:
        await http.get(f"/v1/cases/thisted/{case_id}")  # another municipality's case: 404
    async with gateway.http(None) as http:
        await http.get(f"/v1/cases/thisted/{case_id}")  # no token
        await http.get("/healthz")  # not case data: no audit line
    text = log_lines.getvalue()
    audit = [line for line in parsed(log_lines) if line.get("logger") == "caseflow.audit"]
    seen = [(a["action"], a["status"], a.get("subject")) for a in audit]
    assert ("report_event", 200, "thisted") in seen
    assert ("show_case", 200, "thisted") in seen
    assert ("case_timeline", 200, "thisted") in seen
    assert ("show_case", 404, "aalborg") in seen
    assert ("show_case", 401, None) in seen
    assert all(a["action"] != "healthz" for a in audit)
    read = next(a for a in audit if a["action"] == "show_case" and a["status"] == 200)
    assert read["case_id"] == case_id and read["municipality"] == "thisted"
    assert read["scopes"] == ["read", "write"] and read["subject_municipalities"] == ["thisted"]
    assert read["trace_id"] == shown.headers["x-trace-id"]
    refused = next(a for a in audit if a["action"] == "report_event" and a["status"] != 200)
    assert refused["outcome"] == "refused" and refused["error"]
    # Never a personal value, a body or a token: the CPR-shaped value sent above is nowhere.
    assert "0101901234" not in text and "010190" not in text
    assert not any(token in text for token in gateway.tokens.values())


async def test_answers_name_their_trace_and_continue_a_callers_trace(gateway: Gateway) -> None:
    parent = "4bf92f3577b34da6a3ce929d0e0e4736"
    async with gateway.http(None) as http:
        traced = await http.get(
            "/healthz", headers={"traceparent": f"00-{parent}-00f067aa0ba902b7-01"}
        )
        fresh = await http.get("/healthz")
    assert traced.headers["x-trace-id"] == parent
    assert len(fresh.headers["x-trace-id"]) == 32 and fresh.headers["x-trace-id"] != parent


async def test_obligation_counts_match_the_case_list(gateway: Gateway) -> None:
    for _ in range(3):
        await start_case(gateway)

    async def listed() -> Counter[tuple[str, str]]:
        tally: Counter[tuple[str, str]] = Counter()
        token: str | None = None
        async with gateway.http("operator") as http:
            while True:
                params: dict[str, Any] = {"page_size": 200}
                if token:
                    params["next_page_token"] = token
                page = (await http.get("/v1/cases", params=params)).json()
                for item in page["items"]:
                    if item["status"] == "running" and item["next_deadline_kind"]:
                        tally[(item["municipality"], item["next_deadline_kind"])] += 1
                token = page["next_page_token"]
                if not token:
                    return tally

    expected: Counter[tuple[str, str]] = Counter()
    counted: dict[tuple[str, str], float] = {}
    for _ in range(200):  # the first scrape starts a count; visibility is eventual too
        text = await scrape(gateway)
        counted = {
            (dict(labels)["municipality"], dict(labels)["kind"]): n
            for labels, n in samples(text, "caseflow_cases_next_obligation").items()
        }
        expected = await listed()
        if expected and counted == dict(expected):
            break
        await asyncio.sleep(0.1)
    assert expected, "the new cases have a next obligation"
    assert counted == dict(expected)
    age = samples(text, "caseflow_obligation_counts_age_seconds")
    assert next(iter(age.values())) >= 0


async def test_the_audit_trail_can_have_a_file_of_its_own(gateway: Gateway, tmp_path: Path) -> None:
    stream = io.StringIO()
    trail = tmp_path / "audit" / "audit.jsonl"
    configure_logging(LogFormat.CONSOLE, "INFO", stream=stream, force=True, audit_log=trail)
    try:
        async with gateway.http() as http:
            await http.get("/v1/cases/thisted/NO-SUCH-CASE-AUDIT")
    finally:
        configure_logging(LogFormat.JSON, "INFO", stream=io.StringIO(), force=True)
        structlog.reset_defaults()
        root = logging.getLogger()
        for handler in list(root.handlers):
            root.removeHandler(handler)
    lines = [json.loads(line) for line in trail.read_text().splitlines()]
    assert [(a["action"], a["status"], a["case_id"]) for a in lines] == [
        ("show_case", 404, "NO-SUCH-CASE-AUDIT")
    ]
    assert lines[0]["logger"] == "caseflow.audit" and lines[0]["trace_id"]
    assert "subject_municipalities" not in stream.getvalue(), "not also in the process log"
