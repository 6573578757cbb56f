"""`GET /v1/rules/explain`: the rules valid on a day as known on a day, over real HTTP."""

from __future__ import annotations

from tests.gateway.conftest import Gateway

QUERY = {"municipality": "aalborg", "target_group": "2.2", "date": "2022-06-01"}


async def test_explain_answers_with_the_law_known_on_the_day(gateway: Gateway) -> None:
    async with gateway.http("aalborg") as http:
        before = await http.get("/v1/rules/explain", params={**QUERY, "known_on": "2021-08-25"})
        after = await http.get("/v1/rules/explain", params={**QUERY, "known_on": "2021-08-26"})
    assert before.status_code == 200, before.text
    assert before.json()["trials_in_scope"] == []
    assert before.json()["next_decision"] == "2021-08-26"
    assert after.json()["trials_in_scope"] == ["FK-1.a"]
    trial = [r for r in after.json()["rules"] if r["regime"] == "TRIAL:FK-1.a"]
    assert trial
    assert all(r["decided"] == "2021-08-26" and r["citations"] for r in trial)


async def test_explain_refuses_a_bad_knowledge_day_naming_the_field(gateway: Gateway) -> None:
    async with gateway.http("aalborg") as http:
        early = await http.get("/v1/rules/explain", params={**QUERY, "known_on": "2012-01-01"})
        garbled = await http.get("/v1/rules/explain", params={**QUERY, "known_on": "0101-31-31"})
        fact = await http.get("/v1/rules/explain", params={**QUERY, "fact": "010190-1234=true"})
    assert early.status_code == 422
    assert early.json()["field"] == "known_on"
    assert "before the first rule was decided (2013-01-01)" in early.json()["reason"]
    assert garbled.status_code == 422
    assert garbled.json()["field"] == "known_on"
    assert "0101-31-31" not in garbled.text
    assert fact.status_code == 422
    assert fact.json()["field"] == "fact"
    assert "010190-1234" not in fact.text  # never echoed: it could be a CPR number


async def test_explain_is_for_the_clients_municipalities_only(gateway: Gateway) -> None:
    async with gateway.http("thisted") as http:
        foreign = await http.get("/v1/rules/explain", params=QUERY)
    async with gateway.http(None) as http:
        anonymous = await http.get("/v1/rules/explain", params=QUERY)
    assert foreign.status_code == 403
    assert anonymous.status_code == 401
