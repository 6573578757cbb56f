"""`caseflow whatif` end to end: outputs, refusals, and the HTML page in a real browser."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from PIL import Image
from typer.testing import CliRunner

from workers.cli.app import app
from workers.drawing.png import SCALE
from workers.drawing.timeline import PALETTE

COHORT = """
name: Small CLI cohort
seed: 9
members: [{members}]
generate:
  - {{count: 24, phase: sygedagpenge, municipalities: {{jammerbugt: 1, aalborg: 1}},
     opened: {{from: 2018-03-01, to: 2019-06-30}}}}
  - {{count: 8, phase: jobafklaringsforloeb, municipalities: {{jammerbugt: 1}},
     opened: {{from: 2018-03-01, to: 2019-06-30}}}}
"""
SCENARIO = Path(__file__).parents[1] / "scenarios" / "thisted_sdp_standard_to_jaf.yaml"


def write_cohort(tmp_path: Path) -> Path:
    path = tmp_path / "cohort.yaml"
    path.write_text(COHORT.format(members=SCENARIO))
    return path


def assert_png_renders_svg(png: Path, svg: str) -> None:
    """A real PNG of the SVG's size times SCALE, with the bars drawn in their colours."""
    width = int(re.search(r'width="(\d+)"', svg).group(1))  # type: ignore[union-attr]
    height = int(re.search(r'height="(\d+)"', svg).group(1))  # type: ignore[union-attr]
    with Image.open(png) as image:
        assert image.format == "PNG"
        assert image.size == (width * SCALE, height * SCALE)
        pixels = image.convert("RGB")
        colours = {colour for _, colour in pixels.getcolors(maxcolors=1 << 20) or []}
    assert (255, 255, 255) in colours  # the background
    first_bar = tuple(int(PALETTE[0][i : i + 2], 16) for i in (1, 3, 5))
    second_bar = tuple(int(PALETTE[1][i : i + 2], 16) for i in (1, 3, 5))
    assert first_bar in colours or second_bar in colours, "no bar drawn"
    assert len(colours) > 20  # text is anti-aliased: a blank or flat image has a handful


def test_json_csv_html_and_charts(tmp_path: Path) -> None:
    cohort = write_cohort(tmp_path)
    runner = CliRunner()
    args = ["whatif", str(cohort), "--regime", "standard", "--regime", "trials"]
    html, charts = tmp_path / "report.html", tmp_path / "charts"
    as_json = runner.invoke(
        app, [*args, "--processes", "1", "--json", "--html", str(html), "--charts", str(charts)]
    )
    assert as_json.exit_code == 0, as_json.output
    report = json.loads(as_json.stdout)
    assert report["regimes"]["standard"]["cases"] == 33
    assert set(report["differences"]) == {"trials"}
    page = html.read_text()
    assert page.count("<svg") == 3
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    names = ["cost_by_municipality", "obligations", "phase_days"]
    assert sorted(p.name for p in charts.iterdir()) == sorted(
        f"{n}.{ext}" for n in names for ext in ("png", "svg")
    )
    for name in names:
        assert_png_renders_svg(charts / f"{name}.png", (charts / f"{name}.svg").read_text())
    only_png = tmp_path / "only_png"
    answer = runner.invoke(
        app, [*args, "--processes", "1", "--charts", str(only_png), "--chart-format", "png"]
    )
    assert answer.exit_code == 0, answer.output
    assert sorted(p.name for p in only_png.iterdir()) == [f"{n}.png" for n in names]
    as_csv = runner.invoke(app, [*args, "--processes", "2", "--csv"])
    assert as_csv.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    required = {
        r["item"]: int(r["value"])
        for r in rows
        if r["section"] == "duties" and r["regime"] == "standard"
    }
    assert required == {
        k: v["required"] for k, v in report["regimes"]["standard"]["duties"].items()
    }
    table = runner.invoke(app, args)
    assert table.exit_code == 0, table.output
    assert "Mean days in each phase" in table.stdout


def test_bad_regime_and_bad_cohort_exit_2_with_the_reason(tmp_path: Path) -> None:
    cohort = write_cohort(tmp_path)
    runner = CliRunner()
    bad = runner.invoke(app, ["whatif", str(cohort), "--regime", "someday"])
    assert bad.exit_code == 2
    assert "unknown regime 'someday'" in bad.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\ngenerate:\n  - {count: 1, municipalities: {}, opened: {}}\n")
    answer = runner.invoke(app, ["whatif", str(broken)])
    assert answer.exit_code == 2
    assert "broken.yaml:3: generate.0" in answer.output
    assert "Traceback" not in answer.output
    missing = runner.invoke(app, ["whatif", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2
    assert "cannot read" in missing.output
