"""Codec server for the Temporal Web UI: `POST /codec/encode` and `POST /codec/decode`.

The protocol is Temporal's codec-server one: a JSON body `{"payloads": [...]}` of payloads
in protobuf JSON form (base64 `metadata` values and `data`), the namespace in the
`X-Namespace` header, the same shape back. The UI calls it from the browser, so the app
allows the UI's origin (CORS, set up in `create_app`).

Who may call it: payloads do not say which case (or municipality) they belong to, so the
endpoint cannot apply the per-municipality rule. It is therefore for operators only:
clients holding the `decode` scope (municipality systems never get it). Both directions
need the scope; encode is what the UI uses to send a signal or update input.

The dev server's Web UI has no login and cannot send our bearer token, so on the embedded
stack (`codec_open_on_loopback`, which `caseflow up` sets when everything listens on
loopback) a request with no `Authorization` header is let in as the local operator when it
comes from loopback, names a loopback `Host` (a DNS-rebinding page names its own) and, if
it carries an `Origin`, names the Web UI's. Anything that can reach loopback on that
machine can then decode; README "Web UI decoding" gives the threat model. Elsewhere the
UI must forward a token the verifier accepts (its OIDC access token, "pass access token").

Decoding passes through, unchanged, every payload this codec did not encrypt (another
encoding, e.g. the tracing interceptor's `json/plain` header): the UI and
`temporal workflow show --codec-endpoint` send whole histories, and one foreign payload
must not make the rest unreadable. The workers' data converter is stricter: it still
refuses plaintext case payloads (`workers.codec.EncryptionCodec.decrypt`).

Without a configured payload codec the payloads are not encrypted in the first place and
are returned unchanged (the identity codec).
"""

from __future__ import annotations

import ipaddress
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.converter import PayloadCodec

from workers.auth import ALL_MUNICIPALITIES, Principal, Scope
from workers.codec import ENCODING
from workers.config import CaseflowConfig
from workers.gateway.deps import AppConfig, Codec, principal
from workers.gateway.errors import ApiError, error_responses
from workers.gateway.models import CodecBody
from workers.logging_setup import get_logger

router = APIRouter(prefix="/codec", tags=["codec"])
log = get_logger(__name__)

Namespace = Annotated[
    str | None,
    Header(alias="X-Namespace", description="Temporal namespace the payloads belong to"),
]
# The Temporal Web UI (2.54) asks `/codec/decode?preserveStorageRefs=true`. This codec
# keeps no external storage references, so the flag changes nothing; it is declared so
# that the gateway's refusal of unknown query parameters does not refuse the UI itself.
PreserveStorageRefs = Annotated[
    bool | None,
    Query(
        alias="preserveStorageRefs",
        description="Sent by the Temporal Web UI; accepted and ignored (no storage references).",
    ),
]


LOOPBACK_OPERATOR = Principal(
    client="web-ui-loopback",
    municipalities=frozenset({ALL_MUNICIPALITIES}),
    scopes=frozenset({Scope.DECODE}),
)
"""Who an unauthenticated loopback call on the embedded stack is, in the audit line."""

_LOOPBACK_NAMES = frozenset({"localhost"})


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def ui_origins(config: CaseflowConfig) -> list[str]:
    """The origins the Temporal Web UI is served from (CORS and the Origin check)."""
    return [f"http://127.0.0.1:{config.ui_port}", f"http://localhost:{config.ui_port}"]


def _open_loopback_call(request: Request, config: CaseflowConfig) -> bool:
    # A gateway bound beyond loopback may sit behind a local reverse proxy, which would
    # make every caller look local: the open door exists only on a loopback-bound one.
    if not config.codec_open_on_loopback or not is_loopback(config.bind_host):
        return False
    if "authorization" in request.headers:
        return False
    peer = request.client.host if request.client else None
    host = urlsplit(f"//{request.headers.get('host', '')}").hostname
    origin = request.headers.get("origin")
    origin_ok = origin is None or origin in ui_origins(config)
    return is_loopback(peer) and is_loopback(host) and origin_ok


_bearer = HTTPBearer(auto_error=False, description="An operator token with the decode scope")


def codec_caller(
    request: Request,
    config: AppConfig,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The operator behind a codec call: a `decode` token, or the embedded stack's UI."""
    if _open_loopback_call(request, config):
        return LOOPBACK_OPERATOR
    who = principal(request, credentials)
    if Scope.DECODE not in who.scopes:
        raise ApiError(403, "forbidden", f"this call needs the `{Scope.DECODE.value}` scope")
    return who


Operator = Annotated[Principal, Depends(codec_caller)]


def _payloads(body: CodecBody) -> list[Payload]:
    try:
        message = json_format.ParseDict(
            {"payloads": [p.model_dump() for p in body.payloads]}, Payloads()
        )
    except json_format.ParseError:
        raise ApiError(
            422, "invalid_request", "payloads must carry base64 metadata and data", "payloads"
        ) from None
    return list(message.payloads)


def _body(payloads: list[Payload]) -> CodecBody:
    as_json = json_format.MessageToDict(Payloads(payloads=payloads))
    return CodecBody.model_validate({"payloads": as_json.get("payloads", [])})


def _check_namespace(config_namespace: str, namespace: str | None) -> None:
    if namespace is not None and namespace != config_namespace:
        raise ApiError(403, "forbidden", "this codec serves another namespace", "X-Namespace")


@router.post(
    "/encode",
    response_model=CodecBody,
    summary="Encode payloads (Temporal codec server)",
    responses=error_responses(401, 403, 413, 422),
)
async def encode(
    *,
    body: CodecBody,
    who: Operator,
    codec: Codec,
    config: AppConfig,
    namespace: Namespace = None,
    preserve_storage_refs: PreserveStorageRefs = None,
) -> CodecBody:
    _check_namespace(config.namespace, namespace)
    payloads = _payloads(body)
    if codec is not None:
        payloads = await codec.encode(payloads)
    return _body(payloads)


@router.post(
    "/decode",
    response_model=CodecBody,
    summary="Decode payloads (Temporal codec server)",
    description="Decrypts payloads for display in the Temporal Web UI. Operators only "
    "(`decode` scope): a payload does not say which municipality's case it belongs to.",
    responses=error_responses(401, 403, 413, 422),
)
async def decode(
    *,
    body: CodecBody,
    who: Operator,
    codec: Codec,
    config: AppConfig,
    namespace: Namespace = None,
    preserve_storage_refs: PreserveStorageRefs = None,
) -> CodecBody:
    _check_namespace(config.namespace, namespace)
    payloads = _payloads(body)
    if codec is not None:
        try:
            payloads = await decode_ours(codec, payloads)
        except Exception as error:  # a wrong key or a tampered payload: say so, not why
            log.warning("codec decode failed", client=who.client, error=type(error).__name__)
            raise ApiError(
                422, "undecodable", "the payloads could not be decoded", "payloads"
            ) from None
    # Who looked at decrypted case data, and how much: an audit line, without the data.
    log.info("codec decode", client=who.client, payloads=len(payloads))
    return _body(payloads)


async def decode_ours(codec: PayloadCodec, payloads: list[Payload]) -> list[Payload]:
    """Decode the payloads this codec encrypted; hand back every other one as it came."""
    ours = [i for i, p in enumerate(payloads) if p.metadata.get("encoding") == ENCODING]
    if not ours:
        return payloads
    decoded = await codec.decode([payloads[i] for i in ours])
    out = list(payloads)
    for i, payload in zip(ours, decoded, strict=True):
        out[i] = payload
    return out
