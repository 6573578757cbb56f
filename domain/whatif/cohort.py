"""A cohort: listed cases (scenario files) and cases generated from counts with a fixed seed.

The file is YAML (or CSV, one generated case per row: see `cohort_from_rows`):

    name: Jammerbugt sickness cases 2018-19
    seed: 7
    horizon_years: 3            # a case runs to its natural close or this long after opening
    members:                    # listed cases: scenario files, relative to this file
      - tests/scenarios/thisted_sdp_standard_to_jaf.yaml
    generate:
      - {count: 2000, phase: sygedagpenge, municipalities: {jammerbugt: 1},
         opened: {from: 2018-01-01, to: 2019-12-31}, categories: {1: 0.4, 2: 0.3, 3: 0.3}}
    behaviour: {meetings: {held_share: 0.8}}   # overrides of behaviour.yaml

Pure: parsing takes text, the caller reads files. Errors name the line and the field.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from random import Random
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from domain.case.model import PhaseName
from domain.case.scenario import Scenario
from domain.whatif.behaviour import Behaviour, default_behaviour, merged, pick

__all__ = [
    "Cohort",
    "CohortError",
    "GeneratedCase",
    "Generator",
    "cohort_from_rows",
    "parse_cohort",
]

MAX_CASES = 10_000_000
"""More cases than Denmark has citizens in these phases: a count above it is a typo."""
MAX_HORIZON_YEARS = 10


class CohortError(ValueError):
    """A cohort file that cannot be used: names the line and field, never the value."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(_Strict):
    from_: date = Field(alias="from")
    to: date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.to < self.from_:
            raise ValueError("'to' is before 'from'")
        return self


def _shares(value: dict[Any, float], what: str) -> dict[Any, float]:
    if not value:
        raise ValueError(f"{what}: at least one entry")
    if any(v < 0 for v in value.values()) or sum(value.values()) <= 0:
        raise ValueError(f"{what}: weights must be non-negative and not all zero")
    return value


class Generator(_Strict):
    """`count` cases opened evenly over `opened`, spread over municipalities by weight."""

    count: int = Field(ge=0, le=MAX_CASES)
    phase: PhaseName = PhaseName.SYGEDAGPENGE
    municipalities: dict[str, float]
    opened: Period
    target_group: str | None = None
    categories: dict[int, float] | None = None
    """Sygedagpenge screening categories (1-3) by weight; default from behaviour.yaml."""

    @field_validator("municipalities")
    @classmethod
    def _mun_weights(cls, v: dict[str, float]) -> dict[str, float]:
        return _shares(v, "municipalities")

    @field_validator("categories")
    @classmethod
    def _cat_weights(cls, v: dict[int, float] | None) -> dict[int, float] | None:
        if v is None:
            return v
        if not set(v) <= {1, 2, 3}:
            raise ValueError("categories: keys must be 1, 2 or 3")
        return _shares(v, "categories")

    @field_validator("phase")
    @classmethod
    def _phase(cls, v: PhaseName) -> PhaseName:
        if v is PhaseName.CLOSED:
            raise ValueError("a case cannot open closed")
        return v


class GeneratedCase(_Strict):
    """One generated case: where and when it opens; its story comes from the behaviour."""

    case_id: str
    municipality: str
    phase: PhaseName
    opened_on: date
    target_group: str | None = None
    category: int | None = None


class Cohort(_Strict):
    name: str
    seed: int = 0
    horizon_years: int = Field(default=3, ge=1, le=MAX_HORIZON_YEARS)
    members: list[Scenario] = Field(default_factory=list)
    generate: list[Generator] = Field(default_factory=list)
    behaviour: dict[str, Any] = Field(default_factory=dict)
    rows: list[GeneratedCase] = Field(default_factory=list)
    """Cases given one per row (CSV cohorts)."""

    @field_validator("behaviour")
    @classmethod
    def _known_behaviour(cls, v: dict[str, Any]) -> dict[str, Any]:
        merged(default_behaviour(), v)
        return v

    def effective_behaviour(self) -> Behaviour:
        return merged(default_behaviour(), self.behaviour)

    def municipalities(self) -> set[str]:
        """Every municipality named by a case of the cohort (as written)."""
        names = {m.case.municipality for m in self.members}
        names |= {r.municipality for r in self.rows}
        for gen in self.generate:
            names |= set(gen.municipalities)
        return names

    @property
    def size(self) -> int:
        return len(self.members) + sum(g.count for g in self.generate) + len(self.rows)

    def case(self, index: int) -> Scenario | GeneratedCase:
        """The case at `index` (0-based): the same case whichever process asks."""
        if index < len(self.members):
            return self.members[index]
        index -= len(self.members)
        if index < len(self.rows):
            return self.rows[index]
        index -= len(self.rows)
        for number, gen in enumerate(self.generate):
            if index < gen.count:
                return _generated(self.seed, number, gen, index)
            index -= gen.count
        raise IndexError(index)


def _generated(seed: int, number: int, gen: Generator, index: int) -> GeneratedCase:
    rng = Random(f"{seed}:{number}:{index}")  # noqa: S311 - reproducible, not secret
    span = (gen.opened.to - gen.opened.from_).days
    # Evenly over the period: case i of n opens at i/n of the way, not at a random day.
    opened = gen.opened.from_ + timedelta(days=(span * index) // max(gen.count, 1))
    category = pick(rng, gen.categories) if gen.categories else None
    return GeneratedCase(
        case_id=f"G{number}-{index:07d}",
        municipality=pick(rng, gen.municipalities),
        phase=gen.phase,
        opened_on=opened,
        target_group=gen.target_group,
        category=category,
    )


# ---------------------------------------------------------------- parsing with line numbers
def _lines(node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], int]) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value
            out[(*path, name)] = key.start_mark.line + 1
            _lines(value, (*path, name), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _lines(item, (*path, i), out)


def _line_of(loc: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> int | None:
    probe = tuple("from" if p == "from_" else p for p in loc)
    while probe:
        for candidate in (probe, tuple(str(p) for p in probe)):
            if candidate in lines:
                return lines[candidate]
        probe = probe[:-1]
    return lines.get(())


_BEHAVIOUR_PATH = re.compile(r"\b(behaviour(?:\.[\w.-]+?)+):")


def _explain(error: ValidationError, source: str, lines: dict[tuple[Any, ...], int]) -> str:
    parts = []
    for item in error.errors(include_input=False):
        loc = tuple(p for p in item["loc"] if not (isinstance(p, str) and "[" in p))
        line = _line_of(loc, lines)
        nested = _BEHAVIOUR_PATH.search(item["msg"]) if loc == ("behaviour",) else None
        if nested is not None:  # the setting's own line, not the line of `behaviour:`
            line = _line_of(tuple(nested.group(1).split(".")), lines) or line
        where = f"{source}:{line}" if line else source
        field = ".".join(str(p) for p in loc) or "cohort"
        parts.append(f"{where}: {field}: {item['msg']}")
    return "\n".join(parts)


def parse_cohort(text: str, source: str, members: dict[str, str] | None = None) -> Cohort:
    """A cohort from YAML text. `members` maps each listed scenario path to its text (the
    caller reads them); a member may also be an inline scenario mapping."""
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise CohortError(f"{source}{line}: not valid YAML") from None
    lines: dict[tuple[Any, ...], int] = {}
    if node is not None:
        _lines(node, (), lines)
    if not isinstance(data, dict):
        raise CohortError(f"{source}:1: cohort: expected a mapping with at least 'name'")
    loaded = dict(data)
    listed = []
    for i, member in enumerate(loaded.get("members") or []):
        if isinstance(member, str):
            body = (members or {}).get(member)
            if body is None:
                raise CohortError(
                    f"{source}:{_line_of(('members', i), lines)}: members.{i}: file not found"
                )
            try:
                listed.append(Scenario.model_validate(yaml.safe_load(body)))
            except (ValidationError, yaml.YAMLError) as error:
                raise CohortError(
                    f"{source}:{_line_of(('members', i), lines)}: members.{i}: "
                    f"invalid scenario ({_first_error(error)})"
                ) from None
        else:
            listed.append(member)
    loaded["members"] = listed
    try:
        return Cohort.model_validate(loaded)
    except ValidationError as error:
        raise CohortError(_explain(error, source, lines)) from None


def _first_error(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors(include_input=False)[0]
        return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
    return "not valid YAML"


CSV_COLUMNS = ("case_id", "municipality", "phase", "opened_on", "target_group", "category")


def cohort_from_rows(text: str, source: str, *, seed: int = 0, horizon_years: int = 3) -> Cohort:
    """A CSV cohort: a header with `CSV_COLUMNS` (the last two may be empty), one case a row."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [
        c for c in ("case_id", "municipality", "opened_on") if c not in (reader.fieldnames or [])
    ]
    if missing:
        raise CohortError(f"{source}:1: header: missing column(s) {', '.join(missing)}")
    rows = []
    for row in reader:
        line = reader.line_num
        clean = {k: v for k, v in row.items() if k in CSV_COLUMNS and v not in (None, "")}
        unknown = [k for k in row if k not in CSV_COLUMNS]
        if unknown:
            raise CohortError(
                f"{source}:1: header: unknown column(s) {', '.join(map(str, unknown))}"
            )
        clean.setdefault("phase", "sygedagpenge")
        try:
            rows.append(GeneratedCase.model_validate(clean))
        except ValidationError as error:
            first = error.errors(include_input=False)[0]
            field = ".".join(str(p) for p in first["loc"])
            raise CohortError(f"{source}:{line}: {field}: {first['msg']}") from None
    name = source.rsplit("/", 1)[-1]
    return Cohort(name=name, seed=seed, horizon_years=horizon_years, rows=rows)
