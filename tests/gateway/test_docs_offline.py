"""`/docs` and `/redoc` render in a real browser with the network cut off (all but the
gateway on loopback), and the schema gives integrators enums to generate clients from."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from playwright.async_api import Browser, Route, async_playwright

from tests.gateway.conftest import Gateway

REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
SCREENSHOTS = Path(os.environ.get("CASEFLOW_SCREENSHOTS", "/tmp/caseflow-screenshots"))


def screenshot_path(name: str) -> str:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return str(SCREENSHOTS / name)


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian's chromium is needed for the browser tests (apt install chromium)")
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            await launched.close()


async def offline_page(browser: Browser, url: str) -> tuple[object, list[str]]:
    """A page on which every request off loopback is aborted (and recorded)."""
    page = await browser.new_page()
    blocked: list[str] = []

    async def only_loopback(route: Route) -> None:
        host = urlparse(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            await route.continue_()
        else:
            blocked.append(route.request.url)
            await route.abort()

    await page.route("**/*", only_loopback)
    await page.goto(url, wait_until="load")
    return page, blocked


async def test_swagger_ui_renders_the_operations_offline(
    gateway: Gateway, browser: Browser
) -> None:
    page, blocked = await offline_page(browser, f"{gateway.url}/docs")
    ops = page.locator(".swagger-ui .opblock")  # type: ignore[attr-defined]
    await ops.first.wait_for(state="visible", timeout=20_000)
    assert await ops.count() >= 5
    summaries = await page.locator(".opblock-summary-path").all_inner_texts()  # type: ignore[attr-defined]
    assert "/v1/cases/{municipality}/{case_id}/events" in [s.strip() for s in summaries]
    assert await page.locator(".swagger-ui .info .title").inner_text()  # type: ignore[attr-defined]
    await page.screenshot(path=screenshot_path("docs-offline.png"))  # type: ignore[attr-defined]
    assert blocked == [], f"the docs page asked the internet for {blocked}"


async def test_redoc_renders_the_api_offline(gateway: Gateway, browser: Browser) -> None:
    page, blocked = await offline_page(browser, f"{gateway.url}/redoc")
    heading = page.locator("h1")  # type: ignore[attr-defined]
    await heading.first.wait_for(state="visible", timeout=20_000)
    assert "caseflow gateway" in await heading.first.inner_text()
    assert await page.locator("text=Report an event").count() >= 1  # type: ignore[attr-defined]
    await page.screenshot(path=screenshot_path("redoc-offline.png"))  # type: ignore[attr-defined]
    # The one exception: ReDoc's bundle hard-codes its "powered by" logo on its CDN. The
    # page renders in full without it (checked above); nothing else may be asked for.
    assert set(blocked) <= {REDOC_LOGO}, f"the ReDoc page asked the internet for {blocked}"


async def test_the_docs_pages_reference_no_cdn(gateway: Gateway) -> None:
    async with httpx.AsyncClient(base_url=gateway.url) as http:
        for path in ("/docs", "/redoc"):
            html = (await http.get(path)).text
            assert "cdn.jsdelivr" not in html and "fonts.googleapis" not in html
            assert "/docs-assets/" in html
