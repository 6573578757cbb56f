"""Bilag 13 from its own counts: the cost report reproduces the evaluation's DKK figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from domain.rulebook import load_rulebook
from domain.whatif.cohort import CohortError
from domain.whatif.counts import parse_counts, price_counts
from workers.cli.app import app

BILAG13 = Path(__file__).parents[1] / "cohorts" / "bilag13_counts.yaml"


def test_bilag13_gross_and_net_to_the_krone() -> None:
    priced = price_counts(parse_counts(BILAG13.read_text(), str(BILAG13)), load_rulebook())
    gross = {row["label"].split(" ")[0]: row["gross_dkk"] for row in priced["items"]}
    # [001:L5446]: 5,547 x 1,120 = "ca. 6,2 mio"; [001:L5452]: 4,092 x 1,742 = "ca. 7,1 mio";
    # [001:L5458]: 129 x 1,742 = "ca. 225.000"; [001:L5464]: 15 x 1,742 = "ca. 26.000".
    assert gross == {"FK-2.c": 6_212_640, "FK-2.a": 7_128_264, "FK-3.a": 224_718, "FK-3.h": 26_130}
    fk2c = priced["items"][0]
    assert fk2c["net_dkk"] == 4_812_640  # "nettobesparelse på ca. 4,8 mio" after ca. 1,4 mio
    assert priced["net_dkk"] == 12_191_752  # "samlet set sparet ca. 12,2 mio. kr." [001:L5432]
    assert all(
        "Attesttakster pr. 1. april 2020" in row["price_citations"][0] for row in priced["items"]
    )


def test_a_price_the_rulebook_does_not_know_stays_unknown() -> None:
    text = BILAG13.read_text().replace("price_date: 2020-04-01", "price_date: 2019-06-30")
    priced = price_counts(parse_counts(text, "early.yaml"), load_rulebook())
    assert priced["gross_dkk"] is None
    assert {row["gross_dkk"] for row in priced["items"]} == {None}
    assert "known only from 2020-04-01" in priced["items"][0]["price_reason"]


def test_counts_through_the_cli() -> None:
    result = CliRunner().invoke(app, ["whatif", str(BILAG13), "--counts", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["gross_dkk"] == 13_591_752


def test_a_bad_count_names_the_field() -> None:
    text = BILAG13.read_text().replace("count: 5547", "count: -3")
    with pytest.raises(CohortError, match=r"items\.0\.count"):
        parse_counts(text, "bad.yaml")
