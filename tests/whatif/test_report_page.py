"""The what-if HTML report in headless Chromium: it opens offline and shows its charts.

Screenshot: bench-results/screenshots/<test name>-report.png (tests/helpers/browser.py).
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tests.helpers.browser import Browser
from tests.helpers.browser import browser as browser  # noqa: PLC0414 - the fixture
from workers.cli.app import app

DEMO = Path(__file__).parents[1] / "cohorts" / "demo.yaml"


async def test_report_page_shows_its_charts(tmp_path: Path, browser: Browser) -> None:
    # A tenth of the demo cohort: the page is the same, the run short.
    small = tmp_path / "demo.yaml"
    text = DEMO.read_text().replace("count: 1200", "count: 60").replace("count: 300", "count: 20")
    small.write_text(text.replace("../scenarios/", f"{DEMO.parents[1] / 'scenarios'}/"))
    html = tmp_path / "report.html"
    result = CliRunner().invoke(
        app,
        ["whatif", str(small), "--regime", "standard", "--regime", "trials",
         "--regime", "reform:KL2023_HYPOTHETICAL", "--price-date", "2020-04-01",
         "--html", str(html), "--processes", "1"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output

    page = browser.page
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    await browser.open(html.as_uri())
    assert await page.title() == "What-if: Demo - four North Jutland municipalities 2018-19"
    for chart in ("obligations", "cost_by_municipality", "phase_days"):
        figure = page.locator(f"#chart-{chart} svg")
        box = await figure.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 50, chart
        assert await page.locator(f"#chart-{chart} rect.bar").count() > 0
    # Bars are drawn for every regime of the first chart, with their tooltips.
    tooltips = await page.locator("#chart-obligations rect.bar title").all_text_contents()
    assert {t.split(":")[0] for t in tooltips} == {"standard", "trials", "reform"}
    assert await page.get_by_text("Difference from standard").count() == 1
    assert requests == [html.as_uri()]  # nothing fetched: no CDN, no fonts
    shot = await browser.shot("report")
    assert shot.stat().st_size > 10_000
