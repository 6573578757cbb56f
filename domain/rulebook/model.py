"""This file defines the shape of the law data (the YAML files) as pydantic models.

The models are the validation layer only: they run once at start-up. The resolver compiles
them into plain tuples and dicts, so pydantic never sits on the hot path.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
)

from domain.rulebook.dates import parse_date

IsoDate = Annotated[date, BeforeValidator(parse_date)]

# A provenance must point at a seed line ("[001:L2273]", "[003:L19, L58]") or say plainly
# that the number is general law still to be confirmed ("public law, to confirm").
_PROVENANCE = re.compile(r"\[\d{3}(:L\d+)?|public law", re.IGNORECASE)

# Units double as value types: the loader refuses a number where a list is declared.
NUMBER_UNITS = frozenset(
    {
        "weeks",
        "months",
        "days",
        "years",
        "count",
        "DKK",
        "DKK_per_hour",
        "percent",
        "persons",
        "cases_per_meeting",
        "sessions",
        "age_years",
    }
)
BOOL_UNITS = frozenset({"bool"})
LIST_UNITS = frozenset({"options", "months_list", "years_list", "codes", "target_groups"})
TEXT_UNITS = frozenset({"text", "date_text"})
STRUCT_UNITS = frozenset({"range", "ratio", "schedule", "record"})
UNITS = NUMBER_UNITS | BOOL_UNITS | LIST_UNITS | TEXT_UNITS | STRUCT_UNITS


def check_value_for_unit(unit: str, value: Any) -> str | None:
    """Return a reason when ``value`` does not fit ``unit``; ``None`` (not applicable) fits all."""
    if value is None:
        return None
    if unit in NUMBER_UNITS:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif unit in BOOL_UNITS:
        ok = isinstance(value, bool)
    elif unit in LIST_UNITS:
        ok = isinstance(value, list)
    elif unit in TEXT_UNITS:
        ok = isinstance(value, str)
    else:
        ok = isinstance(value, dict | list)
    return None if ok else f"value {value!r} does not fit unit {unit!r}"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Decided(_Strict):
    """A record that carries the day its law was decided (``decided:``).

    The field is optional in the model so that rule slices recorded in workflow histories
    before decision dates existed still decode, and it is left out of the dump while unset
    so those slices keep their content hash. The loader requires it in every YAML file.
    """

    decided: IsoDate | None = None

    @model_serializer(mode="wrap")
    def _omit_unset_decided(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> Any:
        data = handler(self)
        if isinstance(data, dict) and data.get("decided", ...) is None:
            del data["decided"]
        return data


class Citation(_Strict):
    """Act and section, plus where the number comes from (seed line or "public law")."""

    act: str = Field(min_length=1)
    provenance: str = Field(min_length=1)
    url: str | None = None
    note: str | None = None

    @field_validator("provenance")
    @classmethod
    def _provenance_is_traceable(cls, v: str) -> str:
        if not _PROVENANCE.search(v):
            raise ValueError(
                f"provenance {v!r} must cite a seed line like '[001:L2273]' "
                "or say 'public law, to confirm'"
            )
        return v

    @property
    def text(self) -> str:
        return f"{self.act} {self.provenance}"


class DatedValue(_Decided):
    """One value of a rule for a half-open window. ``value: null`` needs a ``reason``.

    ``decided`` is the day the value was decided or published (bitemporal law): before it,
    the value is unknown, and the law as known then is what the earlier values say.
    """

    valid_from: IsoDate
    valid_to: IsoDate | None = None
    value: JsonValue
    reason: str | None = None
    citation: Citation | None = None
    published: IsoDate | None = None


class Rule(_Strict):
    """One legal quantity or duty (OpenFisca parameter shape, dated values as a list)."""

    description: str = Field(min_length=1)
    unit: str
    citation: Citation
    applies_to: list[str] = Field(default_factory=list)
    last_review: IsoDate | None = None
    values: list[DatedValue] = Field(min_length=1)

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, v: str) -> str:
        if v not in UNITS:
            raise ValueError(f"unknown unit {v!r}; known units: {', '.join(sorted(UNITS))}")
        return v


class Regime(_Decided):
    id: str
    valid_from: IsoDate
    valid_to: IsoDate | None = None
    description: str
    citation: Citation


class RegimesFile(_Strict):
    standard: list[Regime] = Field(min_length=1)


class Municipality(_Strict):
    """A network municipality: ASCII id, Danish name, official kommune code."""

    id: str
    name: str
    code: int
    citation: Citation
    aliases: list[str] = Field(default_factory=list)


class TargetGroup(_Strict):
    """A LAB § 2 target group ("2.5") with readable aliases ("sygedagpenge")."""

    code: str
    name: str
    aliases: list[str] = Field(default_factory=list)
    citation: Citation


class Fact(_Strict):
    """A fact a trial condition may test: a boolean, count or code, never personal data."""

    name: str
    type: Literal["bool", "int", "date", "str"]
    recorded_by: Literal["consent", "assessment", "journal_note", "system"]
    description: str


# A condition is a small tree. Leaves test one fact; "all"/"any"/"not" combine them.
class Condition(_Strict):
    fact: str | None = None
    equals: JsonValue = None
    not_equals: JsonValue = None
    lt: float | None = None
    le: float | None = None
    gt: float | None = None
    ge: float | None = None
    all: list[Condition] | None = None
    any: list[Condition] | None = None
    not_: Condition | None = Field(default=None, alias="not")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Override(_Strict):
    """The exemption's effect on one rule: a new value and a line a caseworker can read.

    ``value`` may be ``{"$param": name}`` to take a trial parameter (DOMAIN §8 defaults).
    ``reason`` may use ``{municipality}`` and ``{trial}``.
    """

    value: JsonValue
    reason: str = Field(min_length=1)


class Period(_Strict):
    valid_from: IsoDate | None = None
    valid_to: IsoDate | None = None


class Clause(_Decided):
    """One labelled exception: scope (municipalities × target groups × period), conditions,
    overrides, and an explicit precedence over other clauses when scopes overlap.
    Without ``decided`` a clause was decided with its trial."""

    id: str
    municipalities: list[str] = Field(min_length=1)
    target_groups: list[str] = Field(min_length=1)
    valid_from: IsoDate | None = None
    valid_to: IsoDate | None = None
    municipality_periods: dict[str, Period] = Field(default_factory=dict)
    conditions: list[Condition] = Field(default_factory=list)
    overrides: dict[str, Override] = Field(min_length=1)
    supersedes: list[str] = Field(default_factory=list)
    supersedes_reason: str | None = None
    note: str | None = None


class Extension(_Strict):
    """A decision extending a trial, stored as a record so more can be added (DOMAIN §8.2)."""

    decided: IsoDate
    months: int = Field(gt=0)
    citation: Citation
    note: str | None = None


class Parameter(_Strict):
    """An ambiguous value with the recommended default (DOMAIN §8), overridable per
    trial and per municipality from a parameters file."""

    default: JsonValue
    reason: str = Field(min_length=1)
    citation: Citation | None = None


class RefusedPart(_Decided):
    description: str
    target_groups: list[str] = Field(default_factory=list)
    rules: list[str] = Field(default_factory=list)
    citation: Citation


TrialStatusCode = Literal["granted", "partly_granted", "refused", "granted_not_started"]
Hjemmel = Literal[
    "existing_trial_provisions", "executive_order", "frikommunenetvaerk_act", "not_stated", "none"
]


class Trial(_Decided):
    """One trial of the master table (DOMAIN §2), with its grant decision and clauses.

    ``decided`` is the day of the grant (or refusal) letter; each extension has its own."""

    id: str
    title: str
    status: TrialStatusCode
    decision: Citation
    hjemmel: Hjemmel
    round: int | None = None
    applicants: list[str] = Field(default_factory=list)
    target_groups: list[str] = Field(default_factory=list)
    valid_from: IsoDate | None = None
    valid_to: IsoDate | None = None
    period_citation: Citation | None = None
    extensions: list[Extension] = Field(default_factory=list)
    followup_2021: str | None = None
    duties: list[str] = Field(default_factory=list)
    parameters: dict[str, Parameter] = Field(default_factory=dict)
    refused_parts: list[RefusedPart] = Field(default_factory=list)
    requested: str | None = None
    clauses: list[Clause] = Field(default_factory=list)


class ReformOverride(_Strict):
    value: JsonValue
    reason: str = Field(min_length=1)
    citation: Citation | None = None


class Reform(_Decided):
    """A named alternative rule set, never in force unless selected (OpenFisca ``Reform``).

    ``decided`` is the day it was published."""

    id: str
    title: str
    status: Literal["hypothetical"]
    citation: Citation
    overrides: dict[str, ReformOverride] = Field(min_length=1)


class GrantLetter(_Strict):
    """How a person cites a trial this decision granted: the programme, the trial's id and
    the letter (its date and case number), e.g. "Frikommuneforsøg II, FK-2.c (bevilling
    26-06-2017, sagsnr. 2017-2328)"; see ``domain.rulebook.citation_text``."""

    programme: str = Field(min_length=1)
    letter: Citation


class Decision(_Strict):
    """One day on which law was decided or published, and where that is documented.

    Every ``decided:`` in the law files names one of these days (``decisions.yaml``), so a
    change a case learns of can cite the decision behind it. A grant letter's day also says
    how the trials it granted are cited (``grant_letter``)."""

    day: IsoDate
    title: str = Field(min_length=1)
    citation: Citation
    grant_letter: GrantLetter | None = None

    @model_serializer(mode="wrap")
    def _omit_no_grant_letter(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> Any:
        # slices recorded before grant letters were data keep their content hash
        data = handler(self)
        if isinstance(data, dict) and data.get("grant_letter", ...) is None:
            del data["grant_letter"]
        return data


class LawData(_Strict):
    """Everything loaded from one law directory, validated, plus the parameters in effect.

    Its canonical JSON is what ``content_hash`` covers; a ``RuleSlice`` carries a subset.
    """

    municipalities: list[Municipality]
    target_groups: list[TargetGroup]
    facts: list[Fact]
    regimes: list[Regime]
    rules: dict[str, Rule]
    trials: dict[str, Trial]
    reforms: dict[str, Reform]
    # trial id -> {"*": {param: value}, municipality id: {param: value}}
    parameters: dict[str, dict[str, dict[str, JsonValue]]] = Field(default_factory=dict)
    # where each entry came from, for error messages after loading (id -> file)
    sources: dict[str, str] = Field(default_factory=dict)
    # the days law was decided (decisions.yaml); empty in slices recorded before they existed
    decisions: list[Decision] = Field(default_factory=list)

    @model_serializer(mode="wrap")
    def _omit_no_decisions(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> Any:
        # a slice recorded before decision dates existed keeps its content hash
        data = handler(self)
        if isinstance(data, dict) and data.get("decisions", ...) == []:
            del data["decisions"]
        return data
