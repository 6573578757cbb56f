"""Microloan enrolment through the gateway: the registry's seat reaches the case."""

from __future__ import annotations

import contextlib
import secrets
import string

from activities.enrolment_models import registry_workflow_id
from tests.gateway.conftest import Gateway


def _case_id() -> str:
    return "M-" + "".join(secrets.choice(string.ascii_uppercase) for _ in range(10))


def _enrol(event_id: str, citizen_ref: str) -> dict[str, str]:
    return {"event_id": event_id, "citizen_ref": citizen_ref}


def _citizen_ref() -> str:
    """A fresh citizen's reference (the shape the reference endpoint answers)."""
    return "cz_" + "".join(secrets.choice("abcdefghijklmnop") for _ in range(32))


async def test_a_screened_microloan_case_gets_a_seat_and_moves_on(gateway: Gateway) -> None:
    case_id, citizen = _case_id(), _citizen_ref()
    try:
        async with gateway.http("aalborg") as http:
            started = await http.post(
                "/v1/cases",
                json={
                    "case_id": case_id,
                    "municipality": "aalborg",
                    "phase": "mikrolaan_screening",
                    "target_group": "2.2",
                    "opened_on": "2018-03-01",
                    "legal_anchor": "2018-03-01",
                },
            )
            assert started.status_code == 201, started.text
            early = await http.post(
                f"/v1/cases/aalborg/{case_id}/mikrolaan/enrol", json=_enrol("enrol-0", citizen)
            )
            assert early.status_code == 422, early.text  # screening not passed yet
            passed = await http.post(
                f"/v1/cases/aalborg/{case_id}/events",
                json={
                    "type": "decision_made",
                    "event_id": "scr-1",
                    "effective_date": "2018-03-01",
                    "decision": "screening_passed",
                },
            )
            assert passed.status_code == 200, passed.text
            enrolled = await http.post(
                f"/v1/cases/aalborg/{case_id}/mikrolaan/enrol", json=_enrol("enrol-1", citizen)
            )
            assert enrolled.status_code == 200, enrolled.text
            body = enrolled.json()
            assert body["answer"]["admitted"] is True
            assert body["answer"]["seat"] >= 1
            assert body["event"]["case"]["phase"] == "mikrolaan_course"
            again = await http.post(
                f"/v1/cases/aalborg/{case_id}/mikrolaan/enrol", json=_enrol("enrol-2", citizen)
            )
            assert again.status_code == 409  # the case has moved on: no second seat
        async with gateway.http("thisted") as http:
            foreign = await http.post(
                f"/v1/cases/aalborg/{case_id}/mikrolaan/enrol", json=_enrol("enrol-3", citizen)
            )
            assert foreign.status_code == 404  # another municipality's case: no leak
    finally:
        # The registry id is fixed per trial: leave an empty roster for the next test.
        with contextlib.suppress(Exception):
            await gateway.temporal.get_workflow_handle(
                registry_workflow_id("FK-1.a", "aalborg")
            ).terminate("test finished")
