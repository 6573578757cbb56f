"""GET /v1/reports/cost over real HTTP: the open cases' recorded duties, priced."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.gateway.conftest import Gateway
from tests.gateway.test_api import screened, start_case


async def _report(gateway: Gateway, want_cases: int, **params: str) -> dict[str, Any]:
    async with gateway.http("thisted") as http:
        for _ in range(200):  # visibility is eventually consistent
            answer = await http.get("/v1/reports/cost", params=params)
            assert answer.status_code == 200, answer.text
            body: dict[str, Any] = answer.json()
            if body["cases"] >= want_cases and not body["not_read"]:
                return body
            await asyncio.sleep(0.1)
    raise AssertionError(f"report never showed {want_cases} readable cases: {body}")


async def test_cost_of_the_open_cases_from_their_obligations(gateway: Gateway) -> None:
    case_id = await start_case(gateway)
    async with gateway.http("thisted") as http:
        accepted = await http.post(f"/v1/cases/thisted/{case_id}/events", json=screened())
        assert accepted.status_code == 200, accepted.text

    own_date = await _report(gateway, 1)
    lae285 = own_date["duties"]["certificate:LAE285"]["required"]
    assert lae285 >= 1
    # Requested in 2019: the rulebook knows the LÆ285 price only from 2020-04-01.
    assert own_date["costs"]["by_certificate"]["LAE285"] == {"dkk": 0, "unpriced": lae285}

    priced = await _report(gateway, 1, price_date="2020-04-01")
    assert priced["costs"]["by_certificate"]["LAE285"] == {"dkk": 1120 * lae285, "unpriced": 0}
    assert any("Attesttakster" in c for p in priced["prices"].values() for c in p["citations"])


async def test_cost_report_refuses_an_unknown_municipality_and_sees_no_other(
    gateway: Gateway,
) -> None:
    async with gateway.http("thisted") as http:
        bad = await http.get("/v1/reports/cost", params={"municipality": "atlantis"})
        assert bad.status_code == 422
        assert bad.json()["field"] == "municipality"
        other = await http.get("/v1/reports/cost", params={"municipality": "aalborg"})
        assert other.status_code == 200
        assert other.json()["cases"] == 0
        date_bad = await http.get("/v1/reports/cost", params={"price_date": "soon"})
        assert date_bad.status_code == 422


async def test_cost_report_takes_a_price_date_only_as_a_calendar_day(gateway: Gateway) -> None:
    async with gateway.http("thisted") as http:
        for bad in ("0", "1970-01-01T00:00:00", "2020-13-01"):
            answer = await http.get("/v1/reports/cost", params={"price_date": bad})
            assert answer.status_code == 422, bad
            assert answer.json()["field"] == "price_date"
