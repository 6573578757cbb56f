"""Headless Chromium for tests: a pytest fixture yielding a page, and screenshots kept.

Debian's `chromium` drives the pages (nothing is downloaded; CI installs the package),
through the playwright wheel. Pages that poll (the Temporal Web UI) never reach
"networkidle", so callers wait for `load` and then for the content they assert on.

Screenshots go to `bench-results/screenshots/` (git-ignored, kept after the run so a
person can look at them) under the test's name; `Browser.shot` returns the path.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright

SCREENSHOTS = Path(__file__).resolve().parents[2] / "bench-results" / "screenshots"
VIEWPORT = {"width": 1440, "height": 1000}


def chromium_path() -> str:
    found = shutil.which("chromium")
    if found is None:
        pytest.fail("Debian's `chromium` is not installed (apt-get install chromium)")
    return found


@dataclass
class Browser:
    """One page in a fresh headless Chromium context, and where its screenshots go."""

    page: Page
    name: str
    shots: list[Path] = field(default_factory=list)

    async def open(self, url: str, *, within_ms: float = 30_000) -> None:
        await self.page.goto(url, wait_until="load", timeout=within_ms)

    async def shot(self, label: str, *, full_page: bool = True) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.name}-{label}.png"
        await self.page.screenshot(path=str(path), full_page=full_page)
        self.shots.append(path)
        return path


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:120]


@pytest.fixture
async def browser(request: pytest.FixtureRequest) -> AsyncIterator[Browser]:
    """A page of headless Chromium; the context and the browser are closed afterwards."""
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=chromium_path(), args=["--no-sandbox"], headless=True
        )
        try:
            context = await chromium.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
            page = await context.new_page()
            yield Browser(page=page, name=_safe(request.node.name))
            await context.close()
        finally:
            await chromium.close()
