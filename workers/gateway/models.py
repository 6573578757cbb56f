"""Request and response bodies of the gateway API (the OpenAPI schema is generated from them).

Case snapshots, receipts and timeline entries are the workflow's own wire models
(`workflows.case_models`, `domain.case.model`): the API shows what the case knows, with
no second vocabulary to drift from it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from domain.case.identifiers import check_reference
from domain.case.model import EventReceipt, FactValue, PhaseName, TimelineEntry, TimelineKind
from domain.rulebook import citation_text
from workflows.case_models import CaseSnapshot

__all__ = [
    "AdvanceRequest",
    "AdvanceResult",
    "CaseList",
    "CaseListItem",
    "CaseStarted",
    "CitationSource",
    "CodecBody",
    "CodecPayload",
    "EventAccepted",
    "StartCaseRequest",
    "Timeline",
    "TimelineItem",
]


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
        description="The case system's reference (never a CPR number); 1-64 of A-Z a-z 0-9 . _ : -"
    )
    municipality: str = Field(description="Municipality id (`thisted`), name or kommune code.")
    phase: PhaseName = PhaseName.SYGEDAGPENGE
    opened_on: date = Field(description="The day the case begins (legal calendar).")
    target_group: str | None = Field(
        default=None, description="LAB § 2 target group code or alias; default: the phase's."
    )
    entry: dict[str, Any] = Field(
        default_factory=dict,
        description='Phase entry data, e.g. {"first_absence_day": "2019-03-01"} for sygedagpenge.',
    )
    facts: dict[str, FactValue] = Field(
        default_factory=dict, description="Facts known at the start (declared fact names only)."
    )
    legal_anchor: date | None = Field(
        default=None,
        description="Dev stack only: run the case on a simulated legal calendar that starts "
        "on this day (usually `opened_on`), so it can be fast-forwarded.",
    )

    @field_validator("case_id")
    @classmethod
    def _reference(cls, value: str) -> str:
        # The same check the case core applies: the id ends up in the workflow id and in
        # URLs, which Temporal and proxies store in clear text.
        return check_reference(value, "case_id")


class CaseStarted(BaseModel):
    workflow_id: str
    case: CaseSnapshot


class EventAccepted(BaseModel):
    """The event's receipt (the first one, for a repeated event id) and the case after it."""

    workflow_id: str
    receipt: EventReceipt
    case: CaseSnapshot


class CitationSource(BaseModel):
    """One citation as the rulebook holds it: the act, and where its number comes from."""

    act: str = Field(description='Act and paragraph, e.g. "SDL § 11a".')
    provenance: str = Field(
        description='Source line in the seed documents, e.g. "[001:L2273]", or '
        '"public law, to confirm".'
    )


class TimelineItem(BaseModel):
    date: date
    kind: TimelineKind
    subject: str
    summary: str
    citations: list[str] = Field(
        description="The acts and paragraphs (or trial and grant letter) to look up, each once."
    )
    sources: list[CitationSource] = Field(
        default_factory=list, description="Each citation with its provenance (seed line)."
    )
    regime: str | None
    phase: PhaseName | None

    @classmethod
    def of(cls, entry: TimelineEntry) -> TimelineItem:
        parts = [citation_text.split(c) for c in entry.citations]
        return cls(
            date=entry.on,
            kind=entry.kind,
            subject=entry.subject,
            summary=entry.summary,
            citations=citation_text.acts(entry.citations),
            sources=[CitationSource(act=p.act, provenance=p.provenance) for p in parts],
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

    days: int = Field(ge=1, le=3650, description="Legal days to move the case's clock forward.")


class AdvanceResult(BaseModel):
    workflow_id: str
    from_day: date
    to_day: date
    case: CaseSnapshot


class CodecPayload(BaseModel):
    """A Temporal payload in protobuf JSON form: base64 metadata values and data."""

    model_config = ConfigDict(extra="allow")

    metadata: dict[str, str] = Field(default_factory=dict)
    data: str = ""


class CodecBody(BaseModel):
    # Optional: `temporal workflow metadata` sends `{}` for a query without arguments.
    payloads: list[CodecPayload] = Field(default_factory=list)
