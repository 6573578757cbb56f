"""The API's timeline and snapshot name what people look up (acts, or a trial and its grant
letter); the rulebook's own citations with their seed lines are the `sources`."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.gateway.conftest import Gateway
from tests.gateway.test_api import new_case_id, screened, start_case

README = Path(__file__).resolve().parents[2] / "README.md"
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
        assert {s["cited_as"] for s in entry["sources"]} == set(entry["citations"])
    assert any(SEED_LINE.search(s["provenance"]) for e in cited for s in e["sources"])


FK_1D = "Frikommuneforsøg II, FK-1.d (bevilling 01-02-2017, sagsnr. 2016-8673)"


async def test_a_trial_duty_cites_the_trial_and_its_grant_letter_in_snapshot_and_timeline(
    gateway: Gateway,
) -> None:
    case_id = new_case_id()
    body = {
        "case_id": case_id,
        "municipality": "aalborg",
        "phase": "kontaktforloeb",
        "opened_on": "2019-03-04",
        "legal_anchor": "2019-03-04",
    }
    async with gateway.http("aalborg") as http:
        started = await http.post("/v1/cases", json=body)
        assert started.status_code == 201, started.text
        shown = await http.get(f"/v1/cases/aalborg/{case_id}")
        timeline = await http.get(f"/v1/cases/aalborg/{case_id}/timeline")
    for case in (started.json()["case"], shown.json()):
        trial = [o for o in case["open_obligations"] if o["regime"] == "TRIAL:FK-1.d"]
        assert trial, case["open_obligations"]
        for duty in trial:
            assert FK_1D in duty["citations"], duty["citations"]
            assert not any(
                "Tilsagnsskrivelse" in c or SEED_LINE.search(c) for c in duty["citations"]
            )
            # the auditor's view: the grant decision's own wording and seed line, kept apart
            behind = [s for s in duty["sources"] if s["cited_as"] == FK_1D]
            assert any(s["act"].startswith("Tilsagnsskrivelse 01-02-2017") for s in behind)
            assert all(SEED_LINE.search(s["provenance"]) for s in behind)
            assert {s["cited_as"] for s in duty["sources"]} == set(duty["citations"])
    entries = [e for e in timeline.json()["entries"] if e["regime"] == "TRIAL:FK-1.d"]
    assert any(FK_1D in e["citations"] for e in entries)

    # The CLI prints what the API says; --provenance adds the seed lines after it, once.
    env = {
        **os.environ,
        "CASEFLOW_GATEWAY_URL": gateway.url,
        "CASEFLOW_GATEWAY_TOKEN": gateway.tokens["aalborg"],
        "COLUMNS": "400",
    }
    for command in ("show", "timeline"):
        plain, sourced = [
            await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "workers.cli", "case", command, "aalborg", case_id, *extra],
                capture_output=True,
                text=True,
                env=env,
                timeout=120,
                check=True,
            )
            for extra in ([], ["--provenance"])
        ]
        assert FK_1D in plain.stdout and "Tilsagnsskrivelse" not in plain.stdout
        assert not SEED_LINE.search(plain.stdout)
        assert f"{FK_1D} [001:L3471]" in sourced.stdout
        for line in sourced.stdout.splitlines():
            assert line.count("[001:L3471]") <= 1, line


async def test_schema_and_readme_describe_citations_and_their_sources_alike(
    gateway: Gateway,
) -> None:
    async with gateway.http() as http:
        schema = (await http.get("/openapi.json")).json()
    parts = schema["components"]["schemas"]
    for model in ("ObligationView", "TimelineItem"):
        assert {"citations", "sources"} <= set(parts[model]["properties"]), model
    assert {"act", "provenance", "cited_as"} <= set(parts["CitationSource"]["required"])
    shown = schema["paths"]["/v1/cases/{municipality}/{case_id}"]["get"]["responses"]["200"]
    assert shown["content"]["application/json"]["schema"]["$ref"].endswith("/CaseView")
    readme = README.read_text(encoding="utf-8")
    api_rows = [line for line in readme.splitlines() if line.startswith("| `GET /v1/cases/{")]
    for path in ("{case_id}` |", "{case_id}/timeline` |"):
        row = next(line for line in api_rows if path in line)
        assert all(f"`{name}`" in row for name in ("citations", "sources", "cited_as")), row
