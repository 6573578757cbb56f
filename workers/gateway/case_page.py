"""`GET /cases/{municipality}/{case_id}`: one case's page, server-rendered HTML.

The case's trajectory drawn on a time axis (`workers.drawing.case_chart`): phases, the
regimes in force, deadlines (overdue ones highlighted), events, duties met or missed, rule
changes that moved a deadline; below it the timeline as a table with each act, its
provenance in a smaller line. No scripts, no fonts, no CDN: it renders offline.

Access is the API's: `Authorization: Bearer` with the `read` scope for tools, or for a
browser a short-lived signed link from `POST /v1/cases/{municipality}/{case_id}/page-link`
(`caseflow case open` prints it; `workers.gateway.page_links`). Another municipality's
case answers 404 like a missing one.
"""

from __future__ import annotations

import asyncio
from html import escape
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from temporalio.client import WorkflowQueryFailedError
from temporalio.service import RPCError

from domain.case.model import TimelineEntry, TimelineKind
from domain.rulebook import Rulebook, citation_text
from workers.auth import Principal, Scope
from workers.drawing.case_chart import case_chart
from workers.drawing.timeline import svg
from workers.gateway.cases import _case_workflow_id, _handle, _resolve, _rpc_error, _when_ready
from workers.gateway.deps import Reader, Rules, TemporalClient, principal
from workers.gateway.errors import ApiError, error_responses
from workers.gateway.page_links import PageLinks
from workflows.case_models import CaseSnapshot
from workflows.case_workflow import CaseWorkflow

router = APIRouter(tags=["case page"])
links_router = APIRouter(prefix="/v1/cases", tags=["case page"])

_bearer = HTTPBearer(auto_error=False)


class PageLink(BaseModel):
    url: str
    expires_at: int


def page_links(request: Request) -> PageLinks:
    links: PageLinks = request.app.state.page_links
    return links


Links = Annotated[PageLinks, Depends(page_links)]


@links_router.post(
    "/{municipality}/{case_id}/page-link",
    response_model=PageLink,
    summary="A short-lived link to the case's page",
    description="For a browser, which cannot send the bearer header: the link opens this "
    "one case's page for a few minutes. It is a credential while it lives.",
    responses=error_responses(401, 403, 404),
)
async def page_link(
    *, municipality: str, case_id: str, request: Request, who: Reader, rules: Rules, links: Links
) -> PageLink:
    found = _resolve(rules, who, municipality)
    query, expires = links.issue(found.id, case_id, who.client)
    base = str(request.base_url).rstrip("/")
    return PageLink(url=f"{base}/cases/{found.id}/{case_id}?{query}", expires_at=expires)


def _viewer(
    request: Request,
    *,
    municipality: str,
    case_id: str,
    credentials: HTTPAuthorizationCredentials | None,
    links: PageLinks,
    client: str | None,
    exp: int | None,
    sig: str | None,
) -> Principal | None:
    """The bearer's principal; None when a valid signed link grants this page."""
    if credentials is not None or sig is None:
        who = principal(request, credentials)
        if Scope.READ not in who.scopes:
            raise ApiError(403, "forbidden", "this page needs the `read` scope")
        return who
    if (
        client is None
        or exp is None
        or links.verify(municipality, case_id, client, exp, sig) is None
    ):
        raise ApiError(401, "unauthorized", "the link is not valid or has expired")
    return None


@router.get(
    "/cases/{municipality}/{case_id}",
    response_class=HTMLResponse,
    summary="The case's page (HTML)",
    responses=error_responses(401, 403, 404, 503),
)
async def case_page(
    *,
    municipality: str,
    case_id: str,
    request: Request,
    client: TemporalClient,
    rules: Rules,
    links: Links,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    link_client: Annotated[str | None, Query(alias="client", max_length=64)] = None,
    exp: Annotated[int | None, Query()] = None,
    sig: Annotated[str | None, Query(max_length=128)] = None,
) -> HTMLResponse:
    try:
        found = rules.municipality(municipality)
    except LookupError:
        raise ApiError(404, "not_found", "no such case") from None
    who = _viewer(
        request,
        municipality=found.id,
        case_id=case_id,
        credentials=credentials,
        links=links,
        client=link_client,
        exp=exp,
        sig=sig,
    )
    if who is not None:
        found = _resolve(rules, who, municipality)
    handle = _handle(client, _case_workflow_id(found, case_id))
    try:
        entries, case = await asyncio.gather(
            _when_ready(lambda: handle.query(CaseWorkflow.timeline)),
            _when_ready(lambda: handle.query(CaseWorkflow.case)),
        )
    except RPCError as error:
        raise _rpc_error(error) from None
    except WorkflowQueryFailedError:
        raise ApiError(503, "case_not_ready", "the case is still starting; retry") from None
    return HTMLResponse(render(found.name, case, entries, rules))


_STYLE = """
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1240px}
h1{font-size:22px;margin:0 0 4px}.meta{color:#555;margin:0 0 16px}
.chart{overflow-x:auto;border:1px solid #ddd;border-radius:6px;padding:8px;background:#fff}
table{border-collapse:collapse;width:100%;margin-top:16px;font-size:13px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eee;vertical-align:top}
th{background:#f5f5f5}td:first-child{white-space:nowrap}.src{color:#777;font-size:11px}
tr.overdue td{background:#fdecea}
.badge{display:inline-block;padding:1px 6px;border-radius:4px;background:#eee;margin-right:4px}
.badge.over{background:#d62728;color:#fff}.legend span{margin-right:14px}
"""

_OVERDUE_KINDS = {TimelineKind.OBLIGATION_MISSED}


def _citations_cell(entry: TimelineEntry, reader: citation_text.CitationReader) -> str:
    cells = []
    for cited in reader.cite(entry.citations, entry.regime):
        src: list[str] = []
        for parts in cited.sources:
            if parts.provenance and parts.provenance not in src:
                src.append(parts.provenance)
        cells.append(
            f"<div>{escape(cited.text)}"
            + (f'<div class="src">{escape(" ".join(src))}</div>' if src else "")
            + "</div>"
        )
    return "".join(cells)


def render(
    municipality: str, case: CaseSnapshot, entries: list[TimelineEntry], rules: Rulebook
) -> str:
    """The whole page; pure (the gateway's handler only fetches the data)."""
    reader = citation_text.reader(rules)
    chart = case_chart(
        reader=reader,
        title=f"{case.case_id} · {municipality}",
        entries=entries,
        opened_on=case.opened_on,
        today=case.today,
        regimes=case.regimes,
        open_obligations=case.open_obligations,
        overdue=case.overdue,
    )
    overdue = f'<span class="badge over">{len(case.overdue)} overdue</span>' if case.overdue else ""
    rows = "".join(
        f'<tr class="{"overdue" if e.kind in _OVERDUE_KINDS else ""}">'
        f"<td>{e.on.isoformat()}</td><td>{escape(e.kind.value)}</td>"
        f"<td>{escape(e.summary)}</td><td>{escape(e.regime or '')}</td>"
        f"<td>{_citations_cell(e, reader)}</td></tr>"
        for e in entries
    )
    state = "closed" if case.closed else f"phase {escape(case.phase.value)}"
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Case {escape(case.case_id)} · {escape(municipality)}</title>"
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>Case {escape(case.case_id)} · {escape(municipality)}</h1>"
        f'<p class="meta">{state} since {case.phase_started_on.isoformat()} · legal date '
        f"{case.today.isoformat()} · target group {escape(case.target_group)} · regimes "
        + " ".join(f'<span class="badge">{escape(r)}</span>' for r in case.regimes)
        + f" {overdue}</p>"
        f'<div class="chart">{svg(chart)}</div>'
        '<p class="legend"><span>● event</span><span>◆ deadline</span>'
        "<span>■ duty met (green) / missed (red)</span><span>▲ a rule change moved a "
        "deadline</span><span>red ring: overdue</span></p>"
        "<table><thead><tr><th>date</th><th>what</th><th>summary</th><th>regime</th>"
        f"<th>legal basis</th></tr></thead><tbody>{rows}</tbody></table>"
        "</body></html>"
    )
