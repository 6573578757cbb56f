"""Company-oriented offers asked through the gateway: the answer, its regime and basis."""

from __future__ import annotations

from typing import Any

from tests.gateway.conftest import Gateway

FK1E = {"journalnotat.fk1e_ratio_flexibility": True, "assessment.small_safe_workplace_best": True}


def question(municipality: str, facts: dict[str, Any]) -> dict[str, Any]:
    return {
        "municipality": municipality,
        "date": "2019-01-01",
        "citizen": {"target_group": "2.3", "facts": facts},
        "company": {"ordinary_staff": 10, "subsidised_in_use": 2},
        "placement": {"kind": "praktik"},
    }


async def test_a_full_company_may_take_a_praktik_only_under_fk_1e(gateway: Gateway) -> None:
    async with gateway.http("thisted") as http:
        waived = await http.post("/v1/offers/placement", json=question("thisted", FK1E))
        standard = await http.post("/v1/offers/placement", json=question("thisted", {}))
    assert waived.status_code == 200, waived.text
    assert waived.json()["allowed"] is True
    assert waived.json()["regime"] == "TRIAL:FK-1.e"
    assert waived.json()["citations"]
    assert standard.json()["allowed"] is False
    assert standard.json()["regime"] == "STANDARD_2015"


async def test_offers_are_answered_for_the_clients_municipalities_only(gateway: Gateway) -> None:
    async with gateway.http("thisted") as http:
        foreign = await http.post("/v1/offers/placement", json=question("aalborg", FK1E))
        unknown = await http.post("/v1/offers/placement", json=question("atlantis", FK1E))
    assert foreign.status_code == 403
    assert unknown.status_code == 422
    assert unknown.json()["field"] == "municipality"
    async with gateway.http(None) as http:
        anonymous = await http.post("/v1/offers/placement", json=question("thisted", FK1E))
    assert anonymous.status_code == 401
