"""The API's timeline names acts people can look up; the seed lines are its `sources`."""

from __future__ import annotations

import re

from tests.gateway.conftest import Gateway
from tests.gateway.test_api import screened, start_case

SEED_LINE = re.compile(r"\[\d{3}:")


async def test_timeline_citations_are_acts_and_sources_keep_the_provenance(
    gateway: Gateway,
) -> None:
    case_id = await start_case(gateway)
    async with gateway.http() as http:
        accepted = await http.post(f"/v1/cases/thisted/{case_id}/events", json=screened())
        assert accepted.status_code == 200, accepted.text
        timeline = await http.get(f"/v1/cases/thisted/{case_id}/timeline")
    assert timeline.status_code == 200
    cited = [e for e in timeline.json()["entries"] if e["citations"]]
    assert cited
    for entry in cited:
        assert not any(SEED_LINE.search(c) for c in entry["citations"]), entry
        assert len(entry["citations"]) == len(set(entry["citations"]))  # each act once
        assert {s["act"] for s in entry["sources"]} == set(entry["citations"])
    assert any(SEED_LINE.search(s["provenance"]) for e in cited for s in e["sources"])
