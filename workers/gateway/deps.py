"""FastAPI dependencies shared by every router: the Temporal client, the config, the caller.

Routers never build their own client; they declare `client: TemporalClient` and get the
one the app was created with, so tests can hand the app a client of the test environment.
Likewise the token verifier and the rulebook live on `app.state`, set by `create_app`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from temporalio.client import Client
from temporalio.converter import PayloadCodec

from domain.rulebook import Rulebook
from workers.auth import Principal, Scope, TokenVerifier
from workers.config import CaseflowConfig
from workers.gateway.errors import ApiError


def temporal_client(request: Request) -> Client:
    client: Client = request.app.state.temporal_client
    return client


def app_config(request: Request) -> CaseflowConfig:
    config: CaseflowConfig = request.app.state.config
    return config


def rulebook(request: Request) -> Rulebook:
    rules: Rulebook = request.app.state.rulebook
    return rules


def payload_codec(request: Request) -> PayloadCodec | None:
    """The codec given to `create_app`, else the Temporal client's own (None: no codec,
    payloads are plain and the codec endpoint is the identity)."""
    codec: PayloadCodec | None = request.app.state.payload_codec
    if codec is None:
        codec = temporal_client(request).data_converter.payload_codec
    return codec


# auto_error=False: a missing header is answered by us, in the API's error shape.
_bearer = HTTPBearer(auto_error=False, description="Token issued per caseworker system")


def principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The authenticated caller, or 401. The token is never logged or echoed."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError(401, "unauthorized", "an `Authorization: Bearer <token>` header is required")
    verifier: TokenVerifier = request.app.state.token_verifier
    who = verifier.verify(credentials.credentials)
    if who is None:
        raise ApiError(401, "unauthorized", "the bearer token is not valid")
    request.state.principal = who  # for the audit line (workers.gateway.observe)
    return who


def requires(scope: Scope) -> Callable[[Principal], Principal]:
    """Dependency factory: the caller, who must hold `scope` (else 403)."""

    def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
        if scope not in who.scopes:
            raise ApiError(403, "forbidden", f"this call needs the `{scope.value}` scope")
        return who

    return check


TemporalClient = Annotated[Client, Depends(temporal_client)]
AppConfig = Annotated[CaseflowConfig, Depends(app_config)]
Rules = Annotated[Rulebook, Depends(rulebook)]
Codec = Annotated[PayloadCodec | None, Depends(payload_codec)]
Reader = Annotated[Principal, Depends(requires(Scope.READ))]
Writer = Annotated[Principal, Depends(requires(Scope.WRITE))]
Decoder = Annotated[Principal, Depends(requires(Scope.DECODE))]
Rollouter = Annotated[Principal, Depends(requires(Scope.ROLLOUT))]
