"""What an operator sees of the embedded stack's demo cases: the Temporal Web UI (headless
Chromium), `temporal workflow show/describe --codec-endpoint`, decoded, never ciphertext.

Screenshots: bench-results/screenshots/<test name>-*.png (tests/helpers/browser.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from tests.helpers.browser import Browser
from tests.helpers.browser import browser as browser  # noqa: PLC0414 - the fixture
from tests.helpers.stack import DemoStack, demo_stack

pytestmark = pytest.mark.e2e

JAMMERBUGT = "case-849-SIM-JAM-0001"
AALBORG = "case-851-SIM-AAL-0001"
CIPHERTEXT = "binary/encrypted"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoStack]:
    with demo_stack(tmp_path_factory.mktemp("operators")) as running:
        yield running


def test_cli_show_prints_decoded_input_updates_and_results(stack: DemoStack) -> None:
    plain = stack.temporal("workflow", "show", "-w", AALBORG, "--detailed")
    assert plain.returncode == 0, plain.stderr
    # Without the codec the history is ciphertext: none of the fields below can be read.
    assert "input[0].start.municipality" not in plain.stdout

    shown = stack.temporal(
        "workflow", "show", "-w", AALBORG, "--detailed", "--codec-endpoint", stack.codec_endpoint
    )
    assert shown.returncode == 0, shown.stderr
    out = shown.stdout
    assert CIPHERTEXT not in out
    assert "input[0].start.municipality: aalborg" in out
    assert "acceptedRequest.input.args[0].event.type: screened" in out  # an update's input
    assert "outcome.success[0].case.case_id: SIM-AAL-0001" in out  # an update's result
    assert "result[0].booking_id: bkg_" in out  # an activity's result
    # The tracing header is `json/plain`, not ours: passed through, not refused.
    assert "header.fields._tracer-data.traceparent: 00-" in out


def test_cli_describe_shows_the_static_summary_and_details(stack: DemoStack) -> None:
    described = stack.temporal(
        "workflow", "describe", "-w", AALBORG, "--codec-endpoint", stack.codec_endpoint
    )
    assert described.returncode == 0, described.stderr
    out = described.stdout
    assert CIPHERTEXT not in out
    summary = "Case SIM-AAL-0001 · Aalborg · sygedagpenge · opened 2019-09-02 (simulated calendar)"
    assert f'StaticSummary  "{summary}"' in out
    assert "**Regime at start** STANDARD_2015" in out
    assert "**Simulated calendar** from legal date 2019-09-02" in out


def test_cli_metadata_shows_current_details_of_a_continued_run(stack: DemoStack) -> None:
    # The Jammerbugt case has continued as new (sygedagpenge -> jobafklaring): static
    # metadata stays with the first run, current details are set again in this one.
    shown = stack.temporal(
        "workflow", "metadata", "-w", JAMMERBUGT, "--codec-endpoint", stack.codec_endpoint
    )
    assert shown.returncode == 0, shown.stderr
    out = shown.stdout
    assert "**Legal date** 2020-" in out and "(simulated calendar)" in out
    assert "**Phase** jobafklaringsforloeb" in out
    assert "**Next deadline** 2020-" in out and "STANDARD_2020" in out
    assert "[001:" not in out  # acts, not seed lines


def test_timer_and_activity_summaries_name_deadline_and_act(stack: DemoStack) -> None:
    shown = stack.temporal(
        "workflow", "show", "-w", JAMMERBUGT, "--detailed", "--codec-endpoint", stack.codec_endpoint
    )
    summaries = [line for line in shown.stdout.splitlines() if "userMetadata.summary" in line]
    assert any("Deadline 2020-" in line and "passes" in line for line in summaries)
    assert any("on legal date" in line for line in summaries)
    assert all("[001:" not in line for line in summaries)


def test_codec_refuses_a_tokenless_call_that_names_another_host(stack: DemoStack) -> None:
    body: dict[str, list[object]] = {"payloads": []}
    ok = httpx.post(f"{stack.codec_endpoint}/decode", json=body)
    assert ok.status_code == 200
    rebound = httpx.post(
        f"{stack.codec_endpoint}/decode", json=body, headers={"Host": "evil.example:80"}
    )
    assert rebound.status_code == 401
    other_origin = httpx.post(
        f"{stack.codec_endpoint}/decode", json=body, headers={"Origin": "http://evil.example"}
    )
    assert other_origin.status_code == 401


async def test_web_ui_shows_a_demo_case_decoded(stack: DemoStack, browser: Browser) -> None:
    page = browser.page
    await browser.open(f"{stack.ui}/namespaces/default/workflows/{JAMMERBUGT}")
    # The UI polls (no networkidle): wait for the decoded input itself.
    await page.get_by_text('"SIM-JAM-0001"').first.wait_for(timeout=30_000)
    # A timer's summary: readable text with its deadline and act, not "1", "2".
    # (Which deadline comes next depends on the demo's law; that one is readable does not.)
    deadline = re.compile(r"Deadline \d{4}-\d{2}-\d{2} passes: .+ — .+ — (STANDARD|TRIAL)")
    await page.get_by_text(deadline).first.wait_for(timeout=30_000)
    shot = await browser.shot("workflow")
    body = await page.inner_text("body")
    assert CIPHERTEXT not in body
    assert "Codec Server could not connect" not in body
    assert '"municipality": "jammerbugt"' in body
    assert shot.name.endswith(".png")


async def _frames_text(page: Page) -> str:
    texts = []
    for frame in page.frames:
        with contextlib.suppress(PlaywrightError):
            texts.append(await frame.inner_text("body", timeout=2_000))
    return "\n".join(texts)


async def test_web_ui_shows_summary_and_current_details(stack: DemoStack, browser: Browser) -> None:
    page = browser.page
    await browser.open(f"{stack.ui}/namespaces/default/workflows/{AALBORG}")
    await page.get_by_text('"SIM-AAL-0001"').first.wait_for(timeout=30_000)
    await page.get_by_text("User Metadata").first.click()
    # The UI renders summary and details (markdown) in sandboxed iframes.
    wanted = ("Case SIM-AAL-0001 · Aalborg · sygedagpenge", "Legal date", "Next deadline")
    text = ""
    for _ in range(60):
        text = await _frames_text(page)
        if all(w in text for w in wanted):
            break
        await page.wait_for_timeout(500)
    await browser.shot("summary")
    assert all(w in text for w in wanted), text[-2000:]
    assert "simulated calendar" in text
    assert CIPHERTEXT not in text
    assert "[001:" not in text


async def test_web_ui_header_of_a_simulated_case_and_the_legal_dates_we_show(
    stack: DemoStack, browser: Browser
) -> None:
    """The header's Start and Duration are the UI's own fields, taken from the server's
    event times, i.e. the case's skipped clock (a start in the future, a negative duration);
    no field of ours reaches them, and a continued run has no static summary either (the
    SDK cannot carry it). What we control says the legal date plainly: the current details
    and every timer's summary (README, "An operator's first five minutes")."""
    page = browser.page
    async with httpx.AsyncClient(timeout=30) as http:
        shown = await http.get(
            f"{stack.gateway}/v1/cases/jammerbugt/SIM-JAM-0001",
            headers={"Authorization": f"Bearer {stack.token}"},
        )
    case = shown.json()
    await browser.open(f"{stack.ui}/namespaces/default/workflows/{JAMMERBUGT}")
    await page.get_by_text('"SIM-JAM-0001"').first.wait_for(timeout=30_000)
    await browser.shot("simulated-header", full_page=False)
    body = await page.inner_text("body")
    assert "on legal date" in body  # the waiting timer's summary
    await page.get_by_text("User Metadata").first.click()
    wanted = f"Legal date {case['today']} (simulated calendar)"
    text = ""
    for _ in range(60):
        text = await _frames_text(page)
        if wanted in text:
            break
        await page.wait_for_timeout(500)
    await browser.shot("simulated-details", full_page=False)
    assert wanted in text, text[-2000:]
    assert f"Phase {case['phase']} since {case['phase_started_on']}" in text
    assert f"Opened {case['opened_on']} (legal date;" in text


# --- the case page ------------------------------------------------------------------------


def test_case_page_needs_a_token_or_a_signed_link(stack: DemoStack) -> None:
    page = f"{stack.gateway}/cases/jammerbugt/SIM-JAM-0001"
    assert httpx.get(page).status_code == 401
    forged = httpx.get(page, params={"client": "dev", "exp": 9_999_999_999, "sig": "0" * 64})
    assert forged.status_code == 401
    shown = httpx.get(page, headers={"Authorization": f"Bearer {stack.token}"})
    assert shown.status_code == 200
    assert shown.headers["content-type"].startswith("text/html")
    assert "<svg" in shown.text
    assert "http://" not in shown.text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "[001:" in shown.text  # provenance kept, on its own line under the act
    unknown = httpx.get(
        f"{stack.gateway}/cases/jammerbugt/SIM-NOPE",
        headers={"Authorization": f"Bearer {stack.token}"},
    )
    assert unknown.status_code == 404


async def test_case_page_from_caseflow_case_open_in_chromium(
    stack: DemoStack, browser: Browser
) -> None:
    opened = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "workers.cli", "case", "open", "jammerbugt", "SIM-JAM-0001",
         "--url", stack.gateway, "--token", stack.token],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert opened.returncode == 0, opened.stderr
    link = opened.stdout.strip()
    assert link.startswith(f"{stack.gateway}/cases/jammerbugt/SIM-JAM-0001?")
    page = browser.page
    await browser.open(link)  # a browser: no bearer header, only the link
    await page.locator("svg.timeline").wait_for(timeout=30_000)
    await browser.shot("case-page")
    await browser.shot("case-page-top", full_page=False)  # README's picture (docs/)
    svg_text = await page.locator("svg.timeline").inner_html()
    for row in ("phase", "STANDARD_2015", "STANDARD_2020", "TRIAL:FK-2.c", "TRIAL:FK-3.m"):
        assert f'data-label="{row}"' in svg_text, row
    assert 'class="mark overdue"' in svg_text
    assert "rule moved a deadline" in svg_text
    body = await page.inner_text("body")
    assert "overdue" in body and "jobafklaringsforloeb" in body
