"""The offer answers and refusals a caseworker system shows name the act, or the trial and
its grant letter; the rulebook's own citations (act, seed line) are the answer's `sources`."""

from __future__ import annotations

from tests.gateway.conftest import Gateway
from tests.gateway.test_api import new_case_id, start_body
from tests.gateway.test_offers import FK1E, question
from tests.workers.test_citation_leaks import SEED_LINE, TRIAL_ACTS, raw, shown

FK1E_LABEL = "Frikommuneforsøg II, FK-1.e (bevilling 01-02-2017"


async def test_an_offer_answer_names_the_trial_and_keeps_its_sources(gateway: Gateway) -> None:
    body = question("thisted", FK1E) | {"placement": {"kind": "praktik", "weeks": 30}}
    async with gateway.http("thisted") as http:
        answer = await http.post("/v1/offers/placement", json=body)
    assert answer.status_code == 200, answer.text
    offer = answer.json()
    assert any(c.startswith(FK1E_LABEL) for c in offer["citations"]), offer["citations"]
    assert offer["notes"], "a 30-week praktik comes with the employee-representative note"
    assert not raw(shown(offer)), raw(shown(offer))
    assert {s["cited_as"] for s in offer["sources"]} == set(offer["citations"])
    assert any(s["act"] in TRIAL_ACTS for s in offer["sources"])
    assert all(SEED_LINE.search(s["provenance"]) or "public law" in s["provenance"]
               for s in offer["sources"])  # fmt: skip


async def test_a_refused_opening_names_the_trial_not_its_seed_line(gateway: Gateway) -> None:
    start = start_body(new_case_id(), phase="ivaerksaetteri", target_group="2.3", entry={})
    async with gateway.http() as http:
        refused = await http.post("/v1/cases", json=start)
    assert refused.status_code == 422, refused.text
    reason = refused.json()["reason"]
    assert "Frikommuneforsøg II, FK-1.c (bevilling 01-02-2017" in reason, reason
    assert not raw(reason), raw(reason)
