"""Starts and events a client can always retry, over real HTTP on the real dev server.

A case id is used once per municipality: opening it again with the same data answers the
case (running or closed), with other data 409 naming the fields; an event sent again
answers its first receipt, also after the case has closed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowContinuedAsNewError
from typer.testing import CliRunner

from domain.case import engine
from domain.case.engine import CaseStart
from domain.rulebook import load_rulebook
from tests.gateway.conftest import Gateway
from tests.gateway.test_api import OPENED, new_case_id, screened, start_body
from tests.helpers import new_worker
from tests.workflows.driver import case_activities
from workers.cli import exit as cli_exit
from workers.cli.case import app as case_app
from workers.gateway import cases, create_app
from workflows.case_models import CaseClock, CaseWorkflowInput
from workflows.case_workflow import CaseWorkflow

CONCURRENT_OPENS = 50


def recovered(event_id: str = "evt-recovered", day: str = "2019-03-04") -> dict[str, Any]:
    """The decision that closes a sickness-benefit case."""
    return {
        "type": "decision_made",
        "event_id": event_id,
        "effective_date": day,
        "decision": "recovered",
    }


async def open_twice(http: httpx.AsyncClient, body: dict[str, Any]) -> list[httpx.Response]:
    return [await http.post("/v1/cases", json=body), await http.post("/v1/cases", json=body)]


async def updates_in_history(client: Client, workflow_id: str) -> int:
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    accepted = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    return sum(1 for e in history.events if e.event_type == accepted)


async def closed_case(gateway: Gateway, http: httpx.AsyncClient) -> tuple[str, dict[str, Any]]:
    """A case screened and then closed (recovered), its workflow completed."""
    case_id = new_case_id()
    assert (await http.post("/v1/cases", json=start_body(case_id))).status_code == 201
    assert (await http.post(f"/v1/cases/thisted/{case_id}/events", json=screened())).is_success
    closing = await http.post(f"/v1/cases/thisted/{case_id}/events", json=recovered())
    assert closing.status_code == 200, closing.text
    assert closing.json()["case"]["closed"]
    await gateway.temporal.get_workflow_handle(f"case-787-{case_id}").result()
    body: dict[str, Any] = closing.json()
    return case_id, body


# --- opening -----------------------------------------------------------------------------


async def test_opening_the_same_case_twice_returns_it(gateway: Gateway) -> None:
    body = start_body(new_case_id())
    async with gateway.http() as http:
        first, again = await open_twice(http, body)
    assert first.status_code == 201, first.text
    assert again.status_code == 200, again.text
    assert again.json() == first.json(), "the same workflow and the same case"


async def test_the_same_target_group_by_alias_or_by_default_is_the_same_opening(
    gateway: Gateway,
) -> None:
    body = start_body(new_case_id())
    async with gateway.http() as http:
        first = await http.post("/v1/cases", json=body)
        by_alias = await http.post("/v1/cases", json=body | {"target_group": "sygedagpenge"})
    assert first.status_code == 201, first.text
    assert by_alias.status_code == 200, by_alias.text
    assert by_alias.json()["workflow_id"] == first.json()["workflow_id"]


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"opened_on": "2019-03-05", "legal_anchor": "2019-03-05"}, ["opened_on", "legal_anchor"]),
        ({"entry": {"first_absence_day": "2019-02-28"}}, ["entry"]),
        ({"facts": {"assessment.sufficiently_informed": True}}, ["facts"]),
        ({"legal_anchor": None}, ["legal_anchor"]),
    ],
    ids=["opened_on", "entry", "facts", "real_calendar"],
)
async def test_reopening_with_other_data_is_409_naming_the_fields_that_differ(
    gateway: Gateway, change: dict[str, Any], fields: list[str]
) -> None:
    body = start_body(new_case_id())
    async with gateway.http() as http:
        first = await http.post("/v1/cases", json=body)
        assert first.status_code == 201, first.text
        workflow_id = first.json()["workflow_id"]
        updates = await updates_in_history(gateway.temporal, workflow_id)
        other = await http.post("/v1/cases", json=body | change)
        shown = await http.get(f"/v1/cases/thisted/{body['case_id']}")
    assert other.status_code == 409, other.text
    answer = other.json()
    assert answer["error"] == "case_exists"
    assert answer["field"] == fields[0]
    assert all(name in answer["reason"] for name in fields)
    for value in ("2019-03-05", "2019-02-28", "True", "true"):
        assert value not in answer["reason"], "names only, never values"
    assert shown.json() == first.json()["case"], "the case is unchanged"
    assert await updates_in_history(gateway.temporal, workflow_id) == updates, "no trace"


async def test_a_case_keeps_its_opening_across_a_phase_change(gateway: Gateway) -> None:
    body = start_body(new_case_id())
    path = f"/v1/cases/thisted/{body['case_id']}"
    jaf = {
        "type": "decision_made",
        "event_id": "evt-jaf",
        "effective_date": "2019-03-04",
        "decision": "jaf_granted",
    }
    async with gateway.http() as http:
        started = await http.post("/v1/cases", json=body)
        assert started.status_code == 201, started.text
        workflow_id = started.json()["workflow_id"]
        first_run = (await gateway.temporal.get_workflow_handle(workflow_id).describe()).run_id
        assert (await http.post(f"{path}/events", json=screened())).status_code == 200
        granted = await http.post(f"{path}/events", json=jaf)
        assert granted.status_code == 200, granted.text
        assert granted.json()["case"]["phase"] == "jobafklaringsforloeb"
        # The phase change continues the case as new: the openings below meet the new run.
        with pytest.raises(WorkflowContinuedAsNewError):
            await gateway.temporal.get_workflow_handle(workflow_id, run_id=first_run).result(
                follow_runs=False
            )
        same = await http.post("/v1/cases", json=body)
        updates = await updates_in_history(gateway.temporal, workflow_id)
        informed = {"facts": {"assessment.sufficiently_informed": True}}
        other = await http.post("/v1/cases", json=body | informed)
    assert same.status_code == 200, same.text
    assert same.json()["case"]["phase"] == "jobafklaringsforloeb"
    assert other.status_code == 409, other.text
    assert other.json()["field"] == "facts"
    # Refused by the new run's own validator (it was handed the opening), not accepted
    # and then compared with the first run by the gateway.
    assert await updates_in_history(gateway.temporal, workflow_id) == updates


async def test_concurrent_opens_are_each_answered_with_the_case_and_a_retry_identically(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every open waits for its case however busy the machine is: the answer under test
    # is the case, not how soon it comes (a 202 past the wait has its own test).
    monkeypatch.setattr(cases, "OPEN_WAIT", 600.0)
    bodies = [start_body(new_case_id()) for _ in range(CONCURRENT_OPENS)]
    limits = httpx.Limits(max_connections=CONCURRENT_OPENS + 5)
    async with gateway.http() as http:
        http_limited = httpx.AsyncClient(
            base_url=gateway.url, headers=http.headers, timeout=120, limits=limits
        )
        async with http_limited:
            first = await asyncio.gather(*(http_limited.post("/v1/cases", json=b) for b in bodies))
            again = await asyncio.gather(*(http_limited.post("/v1/cases", json=b) for b in bodies))
    statuses = [a.status_code for a in first]
    assert statuses == [201] * CONCURRENT_OPENS, statuses
    assert [a.status_code for a in again] == [200] * CONCURRENT_OPENS
    for body, answer, retry in zip(bodies, first, again, strict=True):
        assert answer.json()["case"]["case_id"] == body["case_id"]
        assert retry.json() == answer.json()


async def test_reopening_a_closed_case_with_the_same_body_returns_it(gateway: Gateway) -> None:
    async with gateway.http() as http:
        case_id, closing = await closed_case(gateway, http)
        again = await http.post("/v1/cases", json=start_body(case_id))
    assert again.status_code == 200, again.text
    assert again.json()["workflow_id"] == closing["workflow_id"]
    assert again.json()["case"]["closed"]
    assert again.json()["case"]["phase"] == "closed"


async def test_reopening_a_closed_case_with_other_data_is_409(gateway: Gateway) -> None:
    async with gateway.http() as http:
        case_id, _ = await closed_case(gateway, http)
        other = await http.post("/v1/cases", json=start_body(case_id, opened_on="2019-03-05"))
    assert other.status_code == 409, other.text
    assert other.json()["error"] == "case_exists"
    assert other.json()["field"] == "opened_on"
    assert "2019-03-05" not in other.text


@contextlib.asynccontextmanager
async def gateway_without_worker(
    gateway: Gateway, task_queue: str
) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway app starting cases on a task queue no worker polls (yet)."""
    config = gateway.config.model_copy(update={"task_queue": task_queue})
    app = create_app(config, client=gateway.temporal)
    auth = {"Authorization": f"Bearer {gateway.tokens['thisted']}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gw", headers=auth) as http:
        yield http


async def test_an_open_not_ready_in_time_answers_202_with_the_case_url(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setattr(cases, "OPEN_WAIT", 1.0)
    monkeypatch.setattr(cases, "QUERY_TIMEOUT", timedelta(seconds=1))
    task_queue = f"no-worker-yet-{new_case_id()}"
    body = start_body(new_case_id())
    async with gateway_without_worker(gateway, task_queue) as http:
        accepted = await http.post("/v1/cases", json=body)
        assert accepted.status_code == 202, accepted.text
        location = f"/v1/cases/thisted/{body['case_id']}"
        assert accepted.headers["location"] == location
        assert accepted.json() == {"workflow_id": f"case-787-{body['case_id']}", "url": location}
        assert int(accepted.headers["retry-after"]) >= 1
        meanwhile = await http.get(location)
        assert meanwhile.status_code == 503, meanwhile.text
        assert meanwhile.json()["error"] == "case_not_ready"
        async with new_worker(
            gateway.temporal,
            CaseWorkflow,
            activities=case_activities(tmp_path),
            task_queue=task_queue,
        ):
            monkeypatch.setattr(cases, "OPEN_WAIT", 60.0)
            retried = await http.post("/v1/cases", json=body)
            shown = await http.get(location)
    assert retried.status_code == 200, retried.text
    assert retried.json()["case"]["case_id"] == body["case_id"]
    assert shown.status_code == 200, shown.text


async def test_an_event_the_case_cannot_answer_in_time_is_503_to_retry_then_answered(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setattr(cases, "OPEN_WAIT", 1.0)
    monkeypatch.setattr(cases, "UPDATE_TIMEOUT", timedelta(seconds=1))
    task_queue = f"no-worker-for-events-{new_case_id()}"
    body = start_body(new_case_id())
    events = f"/v1/cases/thisted/{body['case_id']}/events"
    async with gateway_without_worker(gateway, task_queue) as http:
        assert (await http.post("/v1/cases", json=body)).status_code == 202
        waited = await http.post(events, json=screened())
        assert waited.status_code == 503, waited.text
        assert waited.json()["error"] == "unavailable"
        assert int(waited.headers["retry-after"]) >= 1
        async with new_worker(
            gateway.temporal,
            CaseWorkflow,
            activities=case_activities(tmp_path),
            task_queue=task_queue,
        ):
            monkeypatch.setattr(cases, "UPDATE_TIMEOUT", timedelta(seconds=60))
            retried = await http.post(events, json=screened())
            again = await http.post(events, json=screened())
    assert retried.status_code == 200, retried.text
    assert again.json()["receipt"] == retried.json()["receipt"], "the event is applied once"


# --- events ------------------------------------------------------------------------------


async def test_resending_the_closing_event_returns_its_first_receipt(gateway: Gateway) -> None:
    async with gateway.http() as http:
        case_id, closing = await closed_case(gateway, http)
        path = f"/v1/cases/thisted/{case_id}/events"
        again = await http.post(path, json=recovered())
        earlier = await http.post(path, json=screened())
    assert again.status_code == 200, again.text
    assert again.json()["receipt"] == closing["receipt"]
    assert again.json()["case"]["closed"]
    assert earlier.status_code == 200, earlier.text
    assert earlier.json()["receipt"]["event_id"] == "evt-screen-1"
    assert earlier.json()["receipt"]["event_type"] == "screened"


async def test_a_closed_case_refuses_new_events_and_other_content_under_a_used_id(
    gateway: Gateway,
) -> None:
    async with gateway.http() as http:
        case_id, _ = await closed_case(gateway, http)
        path = f"/v1/cases/thisted/{case_id}/events"
        new = await http.post(path, json=screened("evt-after-closing"))
        reused = await http.post(path, json=recovered() | {"effective_date": "2019-03-05"})
    assert new.status_code == 422, new.text
    assert new.json() == {"error": "event_refused", "field": "type", "reason": "the case is closed"}
    assert reused.status_code == 409, reused.text
    assert reused.json()["error"] == "event_id_conflict"
    assert reused.json()["field"] == "event_id"


# --- advance -----------------------------------------------------------------------------


async def test_advancing_a_case_that_is_not_simulated_is_409(gateway: Gateway) -> None:
    body = start_body(new_case_id(), legal_anchor=None)
    async with gateway.http() as http:
        started = await http.post("/v1/cases", json=body)
        assert started.status_code == 201, started.text
        advanced = await http.post(f"/v1/cases/thisted/{body['case_id']}/advance", json={"days": 3})
        shown = await http.get(f"/v1/cases/thisted/{body['case_id']}")
    assert advanced.status_code == 409, advanced.text
    assert advanced.json()["error"] == "not_simulated"
    assert set(advanced.json()) == {"error", "field", "reason"}
    assert "simulated" in advanced.json()["reason"]
    assert shown.json()["today"] == started.json()["case"]["today"], "its clock did not move"


# --- the CLI -----------------------------------------------------------------------------


async def test_the_cli_can_start_the_same_case_twice(gateway: Gateway) -> None:
    case_id = new_case_id()
    args = [
        "start",
        case_id,
        "--municipality",
        "thisted",
        "--opened-on",
        "2019-03-04",
        "--entry",
        "first_absence_day=2019-03-01",
        "--simulated",
        "--url",
        gateway.url,
        "--token",
        gateway.tokens["thisted"],
    ]
    # In a thread: the CLI's HTTP client blocks, and the gateway runs on this event loop.
    first = await asyncio.to_thread(CliRunner().invoke, case_app, args)
    again = await asyncio.to_thread(CliRunner().invoke, case_app, args)
    other = await asyncio.to_thread(
        CliRunner().invoke, case_app, [*args, "--fact", "assessment.sufficiently_informed=true"]
    )
    assert first.exit_code == 0, first.output
    assert f"Started case-787-{case_id}" in first.output
    assert again.exit_code == 0, again.output
    assert f"Already open (same data) case-787-{case_id}" in again.output
    assert other.exit_code == cli_exit.REFUSED
    assert "409 case_exists [facts]" in other.output


async def test_reopening_a_case_that_does_not_know_its_opening_answers_it(
    gateway: Gateway,
) -> None:
    """Runs continued before cases carried their opening do not know it: the gateway
    compares with the first run's input instead (here a case begun from a state, as such
    a run is, so there is nothing to compare and the case is answered)."""
    body = start_body(new_case_id())
    start = CaseStart(
        case_id=body["case_id"],
        municipality="thisted",
        opened_on=OPENED,
        target_group="2.1",
        entry=body["entry"],
    )
    state = engine.open_case(start, load_rulebook())
    workflow_id = f"case-787-{body['case_id']}"
    await gateway.temporal.start_workflow(
        CaseWorkflow.run,
        CaseWorkflowInput(state=state, clock=CaseClock(legal_anchor=OPENED)),
        id=workflow_id,
        task_queue=gateway.config.task_queue,
    )
    async with gateway.http() as http:
        opened = await http.post("/v1/cases", json=body)
    assert opened.status_code == 200, opened.text
    assert opened.json()["workflow_id"] == workflow_id
    assert opened.json()["case"]["case_id"] == body["case_id"]
