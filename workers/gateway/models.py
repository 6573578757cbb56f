"""Request and response bodies of the gateway API (the OpenAPI schema is generated from them).

Case snapshots, receipts and timeline entries are the workflow's own wire models
(`workflows.case_models`, `domain.case.model`): the API shows what the case knows, with
no second vocabulary to drift from it. One thing is rendered on the way out: citations,
as people cite them (`domain.rulebook.citation_text`), with the rulebook's own citations
kept beside them as `sources` (`CaseView`, `ObligationView`, `TimelineItem`).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    WithJsonSchema,
    field_validator,
)

from activities.citizen_limit_models import check_citizen_ref
from domain.case.events import (
    LATEST_DAY,
    check_fact_value,
    check_fact_values,
    day_input,
)
from domain.case.identifiers import check_reference, check_text
from domain.case.model import (
    EventReceipt,
    FactValue,
    ObligationRecord,
    PhaseName,
    TimelineEntry,
    TimelineKind,
)
from domain.case.phases import PHASES
from domain.offers import OfferAnswer
from domain.offers.citizen_limits import LimitDecision
from domain.rulebook import Rulebook, citation_text, load_rulebook
from workflows.case_models import CaseSnapshot

__all__ = [
    "AdvanceRequest",
    "AdvanceResult",
    "CaseList",
    "CaseListItem",
    "CaseStarted",
    "CaseStarting",
    "CaseView",
    "CitationSource",
    "CodecBody",
    "CodecPayload",
    "EventAccepted",
    "ObligationView",
    "StartCaseRequest",
    "Timeline",
    "TimelineItem",
]


@cache
def coverage() -> tuple[date, date]:
    """The days a case may open on: from the first standard regime of the rulebook (law
    before it is not modelled) to the case calendar's end (`LATEST_DAY`; the last regime is
    open-ended)."""
    first = min(regime.valid_from for regime in load_rulebook().law.regimes)
    return first, LATEST_DAY


def _covered(value: date) -> date:
    start, end = coverage()
    if not start <= value <= end:
        raise ValueError(
            f"is outside the rulebook's coverage ({start.isoformat()} to {end.isoformat()})"
        )
    return value


LegalDay = Annotated[date, BeforeValidator(day_input), AfterValidator(_covered)]
"""A day the law is resolved on: inside the rulebook's coverage."""

STARTABLE_PHASES = tuple(p for p in PhaseName if p in PHASES and p is not PhaseName.CLOSED)
"""A case opens in a phase the core has a module for; `closed` is where it ends."""


def _startable(value: PhaseName) -> PhaseName:
    if value not in STARTABLE_PHASES:
        raise ValueError("a case cannot be opened in this phase")
    return value


StartPhase = Annotated[
    PhaseName,
    AfterValidator(_startable),
    WithJsonSchema({"type": "string", "enum": [p.value for p in STARTABLE_PHASES]}),
]
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EntryValue = StrictBool | StrictInt | StrictFloat | StrictStr | None
"""Phase entry values pass to the phase as sent (strings stay strings: dates as ISO text)."""
MAX_ENTRIES = 32
"""Entry data and facts: a phase reads a handful of keys."""


def _entry(values: dict[str, EntryValue]) -> dict[str, EntryValue]:
    for name, value in values.items():
        check_text(name, "entry")
        check_fact_value(value, "entry")
        if isinstance(value, str) and _ISO_DAY.match(value) and _valid_day(value):
            check_fact_value(date.fromisoformat(value), "entry")
    return values


def _valid_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


class StartCaseRequest(BaseModel):
    """A new case: where, which phase, from which day. No personal data."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "case_id": "MOM-2019-000123",
                    "municipality": "thisted",
                    "phase": "sygedagpenge",
                    "opened_on": "2019-03-04",
                    "entry": {"first_absence_day": "2019-03-01"},
                }
            ]
        },
    )

    case_id: str = Field(
        description="The case system's reference (never a CPR number); 1-64 of A-Z a-z 0-9 . _ : -",
        json_schema_extra={"pattern": "^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"},
    )
    municipality: str = Field(
        max_length=64, description="Municipality id (`thisted`), name or kommune code."
    )
    phase: StartPhase = PhaseName.SYGEDAGPENGE
    opened_on: LegalDay = Field(
        description="The day the case begins (legal calendar), inside the rulebook's coverage."
    )
    target_group: str | None = Field(
        default=None,
        max_length=64,
        description="LAB § 2 target group code or alias; default: the phase's.",
    )
    entry: Annotated[dict[str, EntryValue], AfterValidator(_entry)] = Field(
        default_factory=dict,
        max_length=MAX_ENTRIES,
        description='Phase entry data, e.g. {"first_absence_day": "2019-03-01"} for sygedagpenge.',
    )
    facts: dict[str, FactValue] = Field(
        default_factory=dict,
        max_length=MAX_ENTRIES,
        description="Facts known at the start (declared fact names only).",
    )
    legal_anchor: LegalDay | None = Field(
        default=None,
        description="Dev stack only: run the case on a simulated legal calendar that starts "
        "on this day (usually `opened_on`), so it can be fast-forwarded.",
    )
    citizen_ref: Annotated[str, AfterValidator(check_citizen_ref)] | None = Field(
        default=None,
        description="The citizen's reference from POST /v1/citizens/reference; required "
        "for a psykologbehandling case, which claims the citizen's one FK-2.b course.",
    )

    @field_validator("case_id")
    @classmethod
    def _reference(cls, value: str) -> str:
        # The same check the case core applies: the id ends up in the workflow id and in
        # URLs, which Temporal and proxies store in clear text.
        return check_reference(value, "case_id")

    @field_validator("municipality", "target_group")
    @classmethod
    def _code(cls, value: str | None, info: Any) -> str | None:
        return None if value is None else check_text(value, info.field_name)

    @field_validator("facts")
    @classmethod
    def _facts(cls, value: dict[str, FactValue]) -> dict[str, FactValue]:
        return check_fact_values(value, "facts")


class CitationSource(BaseModel):
    """One citation as the rulebook holds it: the act, and where its number comes from."""

    act: str = Field(description='Act and paragraph as the rulebook words it, e.g. "SDL § 11a".')
    provenance: str = Field(
        description='Source line in the seed documents, e.g. "[001:L2273]", or '
        '"public law, to confirm".'
    )
    cited_as: str = Field(
        description="The entry of `citations` this source stands behind: the act itself, or "
        "for a trial's grant decision and period note, the trial and its grant letter."
    )


CITATIONS_DESCRIPTION = (
    "What to look up, each once: acts and paragraphs, or a trial and its grant letter as "
    "the rulebook's decisions name it (programme, trial id, letter's date and case number)."
)
SOURCES_DESCRIPTION = "The rulebook's own citations behind them: act and seed line (provenance)."


def cited(
    rules: Rulebook, citations: tuple[str, ...] | list[str], regime: str | None
) -> tuple[list[str], list[CitationSource]]:
    """`citations` as people cite them, and the rulebook citations behind each."""
    shown = citation_text.reader(rules).cite(citations, regime)
    sources = [
        CitationSource(act=part.act, provenance=part.provenance, cited_as=c.text)
        for c in shown
        for part in c.sources
    ]
    return [c.text for c in shown], sources


class OfferView(BaseModel):
    """An offer answer as the API shows it: reason and notes, citations as people cite them."""

    allowed: bool
    reason: str
    citations: list[str] = Field(description=CITATIONS_DESCRIPTION)
    sources: list[CitationSource] = Field(description=SOURCES_DESCRIPTION)
    regime: str
    notes: list[str] = Field(
        description="Duties that come with a yes (e.g. discuss a long praktik with "
        "employee representatives)."
    )

    @classmethod
    def of(cls, answer: OfferAnswer, rules: Rulebook) -> OfferView:
        readable, sources = cited(rules, answer.citations, answer.regime)
        reader = citation_text.reader(rules)
        return cls(
            allowed=answer.allowed,
            reason=reader.in_text(answer.reason, answer.regime),
            citations=readable,
            sources=sources,
            regime=answer.regime,
            notes=[reader.in_text(note, answer.regime) for note in answer.notes],
        )


class LimitView(BaseModel):
    """The limit registry's decision as the API shows it, citations as people cite them."""

    granted: bool
    reason: str
    rule: str
    citations: list[str] = Field(description=CITATIONS_DESCRIPTION)
    sources: list[CitationSource] = Field(description=SOURCES_DESCRIPTION)
    regime: str
    used: int = Field(
        description="What the citizen holds of this limit after the decision (weeks, "
        "courses, places)."
    )

    @classmethod
    def of(cls, decision: LimitDecision, rules: Rulebook) -> LimitView:
        readable, sources = cited(rules, decision.citations, decision.regime or None)
        return cls(
            granted=decision.granted,
            reason=citation_text.reader(rules).in_text(decision.reason, decision.regime or None),
            rule=decision.rule,
            citations=readable,
            sources=sources,
            regime=decision.regime,
            used=decision.used,
        )


@dataclass(slots=True, kw_only=True)
class ObligationView(ObligationRecord):
    """An obligation as the API shows it: the record, its citations as people cite them."""

    citations: Annotated[tuple[str, ...], Field(description=CITATIONS_DESCRIPTION)]
    sources: Annotated[list[CitationSource], Field(description=SOURCES_DESCRIPTION)]

    @classmethod
    def of(cls, record: ObligationRecord, rules: Rulebook) -> ObligationView:
        readable, sources = cited(rules, record.citations, record.regime)
        fields = {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
        return cls(**{**fields, "citations": tuple(readable), "sources": sources})


class CaseView(CaseSnapshot):
    """A case as the API shows it: the snapshot, obligations with readable citations."""

    open_obligations: list[ObligationView]  # type: ignore[assignment]
    overdue: list[ObligationView]  # type: ignore[assignment]

    @classmethod
    def shown(cls, case: CaseSnapshot, rules: Rulebook | None = None) -> CaseView:
        if isinstance(case, CaseView):
            return case
        rules = rules or load_rulebook()
        fields = {name: getattr(case, name) for name in CaseSnapshot.model_fields}
        fields["open_obligations"] = [ObligationView.of(o, rules) for o in case.open_obligations]
        fields["overdue"] = [ObligationView.of(o, rules) for o in case.overdue]
        return cls(**fields)


def _shown(value: Any) -> Any:
    # The workflow answers its own snapshot; the API shows it with readable citations.
    return CaseView.shown(value) if isinstance(value, CaseSnapshot) else value


ShownCase = Annotated[CaseView, BeforeValidator(_shown)]


class CaseStarted(BaseModel):
    workflow_id: str
    case: ShownCase


class CaseStarting(BaseModel):
    """A start Temporal accepted whose case was not ready in time; `url` is its address."""

    workflow_id: str
    url: str


class EventAccepted(BaseModel):
    """The event's receipt (the first one, for a repeated event id) and the case after it."""

    workflow_id: str
    receipt: EventReceipt
    case: ShownCase


class TimelineItem(BaseModel):
    date: date
    kind: TimelineKind
    subject: str
    summary: str
    citations: list[str] = Field(description=CITATIONS_DESCRIPTION)
    sources: list[CitationSource] = Field(default_factory=list, description=SOURCES_DESCRIPTION)
    regime: str | None
    phase: PhaseName | None

    @classmethod
    def of(cls, entry: TimelineEntry, rules: Rulebook | None = None) -> TimelineItem:
        readable, sources = cited(rules or load_rulebook(), entry.citations, entry.regime)
        return cls(
            date=entry.on,
            kind=entry.kind,
            subject=entry.subject,
            summary=entry.summary,
            citations=readable,
            sources=sources,
            regime=entry.regime,
            phase=entry.phase,
        )


class Timeline(BaseModel):
    workflow_id: str
    case_id: str
    municipality: str
    entries: list[TimelineItem]


class CaseListItem(BaseModel):
    """One case as the visibility store knows it (search attributes: nothing personal)."""

    workflow_id: str
    case_id: str
    municipality: str | None
    phase: str | None
    target_group: str | None
    regimes: list[str]
    next_deadline: date | None
    next_deadline_kind: str | None
    overdue: bool | None
    status: str
    started_at: datetime | None


class CaseList(BaseModel):
    items: list[CaseListItem]
    next_page_token: str | None = Field(
        default=None, description="Pass back as `next_page_token`; null at the end."
    )


class AdvanceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: StrictInt = Field(
        ge=1, le=3650, description="Legal days to move the case's clock forward."
    )


class AdvanceResult(BaseModel):
    workflow_id: str
    from_day: date
    to_day: date
    case: ShownCase


class CodecPayload(BaseModel):
    """A Temporal payload in protobuf JSON form: base64 metadata values and data."""

    model_config = ConfigDict(extra="allow")

    metadata: dict[str, str] = Field(default_factory=dict)
    data: str = ""


class CodecBody(BaseModel):
    # Optional: `temporal workflow metadata` sends `{}` for a query without arguments.
    payloads: list[CodecPayload] = Field(default_factory=list)
