"""The gateway application factory.

API routers are added in `api_routers()`; health probes, the shared Temporal client, the
config, the token verifier, the rulebook and the payload codec are wired here so every
router gets them the same way (`workers.gateway.deps`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from temporalio.client import Client
from temporalio.converter import PayloadCodec
from temporalio.runtime import Runtime

from domain.rulebook import Rulebook, load_rulebook
from workers.auth import NoTokens, TokenFileStore, TokenVerifier
from workers.config import CaseflowConfig
from workers.gateway import (
    case_page,
    cases,
    citizens,
    codec_endpoint,
    enrolment,
    health,
    offers,
    reports,
    rollouts,
)
from workers.gateway import rules as rules_api
from workers.gateway.docs import install_docs
from workers.gateway.errors import (
    MAX_CODEC_BODY,
    MAX_EVENT_BODY,
    BodyLimit,
    document_errors,
    document_links,
    install_error_handlers,
    refuse_unknown_query,
)
from workers.gateway.metrics import install_observability
from workers.gateway.page_links import page_links_for
from workers.gateway.schema import install_schema_vocabularies
from workers.logging_setup import get_logger
from workers.temporal_client import connect

log = get_logger(__name__)


def api_routers() -> list[APIRouter]:
    """The gateway's API routers; each reads the client/config through `deps`."""
    return [
        case_page.links_router,
        cases.router,
        citizens.router,
        enrolment.router,
        offers.router,
        rules_api.router,
        rollouts.router,
        codec_endpoint.router,
        reports.router,
        case_page.router,
    ]


def _body_limit(path: str) -> int | None:
    if path.startswith("/codec/"):
        return MAX_CODEC_BODY
    if path.startswith("/v1/"):
        return MAX_EVENT_BODY
    return None


def token_verifier(config: CaseflowConfig, rules: Rulebook) -> TokenVerifier:
    """The token file store, or a verifier that lets nobody in when none is configured.

    Raises:
        TokenFileError: the configured file is missing or invalid (start-up stops).
    """
    if config.gateway_tokens_file is None:
        log.warning(
            "no gateway token file configured; every API call will be refused",
            setting="CASEFLOW_GATEWAY_TOKENS_FILE",
        )
        return NoTokens()
    return TokenFileStore(config.gateway_tokens_file, lambda m: rules.municipality(str(m)).id)


def create_app(
    config: CaseflowConfig,
    *,
    client: Client | None = None,
    runtime: Runtime | None = None,
    verifier: TokenVerifier | None = None,
    codec: PayloadCodec | None = None,
) -> FastAPI:
    """Build the gateway app.

    Args:
        config: namespace, Temporal address, token file, demo features.
        client: an existing client (`caseflow up` shares its worker's, tests pass the test
            environment's). If None, a lazy client is created at start-up, so the gateway
            comes up and reports "not ready" instead of crashing while Temporal is down.
        runtime: Temporal runtime for the lazily created client.
        verifier: who may call the API; default: `config.gateway_tokens_file` (an OIDC/JWT
            verifier can be passed instead).
        codec: the payload codec behind `/codec/*`; default: the one on the Temporal
            client's data converter, so the endpoint decodes exactly what the client
            encodes (same keys, same rotation) without a second key configuration.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.temporal_client is None:
            app.state.temporal_client = await connect(config, runtime=runtime, lazy=True)
        yield

    app = FastAPI(
        title="caseflow gateway",
        summary="Caseworker systems report case events; operators read timelines.",
        description="Every `/v1` and `/codec` call needs `Authorization: Bearer <token>`. "
        "A client sees only its own municipalities' cases; another municipality's case "
        "answers 404. Errors are `{error, field, reason}`.",
        version="0.1.0",
        lifespan=lifespan,
        dependencies=[Depends(refuse_unknown_query)],
        # Served from packaged assets instead (workers.gateway.docs): FastAPI's use a CDN.
        docs_url=None,
        redoc_url=None,
    )
    rules = load_rulebook()
    app.state.config = config
    app.state.temporal_client = client
    app.state.rulebook = rules
    app.state.token_verifier = verifier or token_verifier(config, rules)
    app.state.payload_codec = codec
    app.state.page_links = page_links_for(config)
    install_error_handlers(app)
    install_docs(app)
    install_schema_vocabularies(app, rules)
    app.include_router(health.router)
    for router in api_routers():
        app.include_router(router)
    # The Temporal Web UI calls /codec from the browser, from its own origin.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=codec_endpoint.ui_origins(config),
        allow_methods=["POST", "GET", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "X-Namespace"],
        allow_credentials=True,
    )
    app.add_middleware(BodyLimit, limits=_body_limit)
    _document_errors(app)
    # Last, so it is outermost: it sees every answer, the body limit's and CORS's too.
    install_observability(app, config, [m.id for m in rules.municipalities()])
    return app


def _document_errors(app: FastAPI) -> None:
    """Serve an OpenAPI document that lists every status the edge answers (errors.py)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_links(document_errors(build()))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
