"""The published schema names the network's vocabularies, and the effective date has one
name (`date`), the old `effective_date` still accepted."""

from __future__ import annotations

from typing import Any

import httpx

from domain.rulebook import load_rulebook
from tests.gateway.conftest import Gateway
from tests.gateway.test_api import start_case


async def spec(gateway: Gateway) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=gateway.url) as http:
        answer = await http.get("/openapi.json")
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


async def test_the_schema_lists_municipalities_target_groups_and_certificate_codes(
    gateway: Gateway,
) -> None:
    schemas = (await spec(gateway))["components"]["schemas"]
    rules = load_rulebook()
    assert set(schemas["MunicipalityId"]["enum"]) == {m.id for m in rules.municipalities()}
    assert "787" in schemas["KommuneCode"]["enum"]
    assert {g.code for g in rules.target_groups()} == set(schemas["TargetGroupCode"]["enum"])
    assert "STATUSATTEST" in schemas["CertificateCode"]["enum"]
    municipality = schemas["StartCaseRequest"]["properties"]["municipality"]
    assert {"$ref": "#/components/schemas/MunicipalityId"} in municipality["anyOf"]
    certificate = schemas["CertificateReceived"]["properties"]["certificate"]
    assert certificate["$ref"] == "#/components/schemas/CertificateCode"
    assert schemas["PhaseName"]["enum"] and schemas["ObligationKind"]["enum"]
    assert schemas["Screened"]["properties"]["type"]["const"] == "screened"


async def test_path_parameters_name_the_vocabulary(gateway: Gateway) -> None:
    operation = (await spec(gateway))["paths"]["/v1/cases/{municipality}/{case_id}"]["get"]
    municipality = next(p for p in operation["parameters"] if p["name"] == "municipality")
    assert {"$ref": "#/components/schemas/KommuneCode"} in municipality["schema"]["anyOf"]


async def test_events_take_date_and_still_accept_effective_date(gateway: Gateway) -> None:
    screened = (await spec(gateway))["components"]["schemas"]["Screened"]
    assert "date" in screened["required"] and "effective_date" not in screened["properties"]
    assert "deprecated alias" in screened["properties"]["date"]["description"]
    case_id = await start_case(gateway)
    base = {"type": "screened", "category": 2}
    async with gateway.http() as http:
        new = await http.post(
            f"/v1/cases/thisted/{case_id}/events",
            json={**base, "event_id": "e-new", "date": "2019-03-04"},
        )
        old = await http.post(
            f"/v1/cases/thisted/{await start_case(gateway)}/events",
            json={**base, "event_id": "e-old", "effective_date": "2019-03-04"},
        )
        neither = await http.post(
            f"/v1/cases/thisted/{case_id}/events", json={**base, "event_id": "e-none"}
        )
    assert new.status_code == 200, new.text
    assert old.status_code == 200, old.text
    assert neither.status_code == 422
    assert neither.json()["field"] == "date"
    assert new.json()["receipt"]["event_id"] == "e-new"
    assert old.json()["receipt"]["event_id"] == "e-old"
