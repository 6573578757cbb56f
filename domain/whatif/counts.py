"""Pricing counts someone already has (e.g. an evaluation's tally), with no simulation.

    name: Bilag 13 certificate savings
    price_date: 2020-04-01          # every count priced at the table in force that day
    items:
      - {label: "FK-2.c LÆ285", certificate: LAE285, count: 5547, source: "[001:L5446]",
         substitutes_dkk: 1400000, substitutes_source: "[001:L5446]"}

Gross = count x the rulebook's price, each with the price's citation; net = gross minus
what was spent on substitutes, where the source says so. An unknown price stays unknown.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.rulebook import Rulebook
from domain.whatif.cohort import CohortError
from domain.whatif.tally import price_of

__all__ = ["CountsFile", "parse_counts", "price_counts"]


class CountItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str
    certificate: str
    count: int = Field(ge=0, le=10_000_000)
    source: str
    substitutes_dkk: int | None = Field(default=None, ge=0)
    substitutes_source: str | None = None


class CountsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    price_date: date
    municipality: str = "aalborg"
    """Prices are national; any municipality gives the resolution context."""
    target_group: str = "2.5"
    items: list[CountItem]


def parse_counts(text: str, source: str) -> CountsFile:
    try:
        data = yaml.safe_load(text)
        return CountsFile.model_validate(data)
    except yaml.YAMLError:
        raise CohortError(f"{source}: not valid YAML") from None
    except ValidationError as error:
        first = error.errors(include_input=False)[0]
        field = ".".join(str(p) for p in first["loc"])
        raise CohortError(f"{source}: {field}: {first['msg']}") from None


def price_counts(counts: CountsFile, rules: Rulebook) -> dict[str, Any]:
    rows = []
    gross_total: int | None = 0
    net_total: int | None = 0
    for item in counts.items:
        price = price_of(
            rules, counts.municipality, counts.target_group, item.certificate, counts.price_date
        )
        gross = None if price.value is None else price.value * item.count
        net = None if gross is None else gross - (item.substitutes_dkk or 0)
        gross_total = None if gross is None or gross_total is None else gross_total + gross
        net_total = None if net is None or net_total is None else net_total + net
        rows.append(
            {
                "label": item.label,
                "certificate": item.certificate,
                "count": item.count,
                "source": item.source,
                "unit_price_dkk": price.value,
                "price_citations": list(price.citations),
                "price_sources": list(price.sources),
                "price_reason": price.reason,
                "gross_dkk": gross,
                "substitutes_dkk": item.substitutes_dkk,
                "substitutes_source": item.substitutes_source,
                "net_dkk": net,
            }
        )
    return {
        "name": counts.name,
        "price_date": counts.price_date.isoformat(),
        "items": rows,
        "gross_dkk": gross_total,
        "net_dkk": net_total,
    }
