"""Municipality slices: what a workflow records in its history instead of reading files."""

from __future__ import annotations

from datetime import date

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter

from domain.rulebook import ResolutionContext, Rulebook, RulebookError, RuleSlice

DAYS = [date(2015, 1, 1), date(2017, 7, 1), date(2018, 1, 1), date(2018, 7, 1),
        date(2019, 12, 31), date(2020, 1, 1), date(2020, 4, 1), date(2022, 6, 1),
        date(2023, 1, 1), date(2025, 12, 31)]  # fmt: skip
FACT_SETS = [
    {},
    {"assessment.health_information_sufficient": True,
     "assessment.cadence_deviation_documented": True,
     "jaf.first_course": True, "jaf.only_labour_market_challenges": True,
     "consent.rf_extension_without_rt": True, "rf.efforts_interrupted": True,
     "rf.basis_for_fleksjob_or_foep": False, "reval.tvivlsag": False,
     "reval.medically_documented": True, "ly.months_on_ly": 20},
]  # fmt: skip


@pytest.mark.parametrize("municipality", ["aalborg", "jammerbugt", "vesthimmerland", "morsoe"])
def test_from_slice_resolves_identically(rb: Rulebook, municipality: str) -> None:
    part = rb.slice_for(municipality)
    local = Rulebook.from_slice(part)
    for g in rb.target_groups():
        for day in DAYS:
            for facts in FACT_SETS:
                for reform in (None, "KL2023_HYPOTHETICAL"):
                    ctx = ResolutionContext(municipality, g.code, day, facts, reform)
                    for rule_id in rb.rule_ids():
                        assert local.resolve(rule_id, ctx) == rb.resolve(rule_id, ctx)
            assert local.trials_in_scope(municipality, g.code, day) == rb.trials_in_scope(
                municipality, g.code, day
            )
        assert local.next_boundary(municipality, g.code, date(2018, 1, 1)) == rb.next_boundary(
            municipality, g.code, date(2018, 1, 1)
        )


def test_slice_json_round_trip_keeps_the_hash(rb: Rulebook) -> None:
    part = rb.slice_for("Jammerbugt")
    again = RuleSlice.model_validate_json(part.model_dump_json())
    assert again.content_hash == part.content_hash
    assert Rulebook.from_slice(again).content_hash == part.content_hash
    assert rb.slice_for("849").content_hash == part.content_hash, "same slice, same hash"
    assert part.law_hash == rb.content_hash


def test_slice_survives_the_pydantic_data_converter(rb: Rulebook) -> None:
    part = rb.slice_for("rebild")
    conv = pydantic_data_converter.payload_converter
    (back,) = conv.from_payloads(conv.to_payloads([part]), [RuleSlice])
    assert isinstance(back, RuleSlice)
    assert Rulebook.from_slice(back).content_hash == part.content_hash


def test_a_tampered_slice_is_refused(rb: Rulebook) -> None:
    part = rb.slice_for("thisted")
    data = part.model_dump(mode="json")
    data["law"]["rules"]["sdp.followup.interval_weeks"]["values"][0]["value"] = 5
    with pytest.raises(RulebookError, match="content hash mismatch"):
        Rulebook.from_slice(RuleSlice.model_validate(data))


def test_slices_differ_per_municipality(rb: Rulebook) -> None:
    assert rb.slice_for("aalborg").content_hash != rb.slice_for("thisted").content_hash
