"""Codec server for the Temporal Web UI: `POST /codec/encode` and `POST /codec/decode`.

The protocol is Temporal's codec-server one: a JSON body `{"payloads": [...]}` of payloads
in protobuf JSON form (base64 `metadata` values and `data`), the namespace in the
`X-Namespace` header, the same shape back. The UI calls it from the browser, so the app
allows the UI's origin (CORS, set up in `create_app`).

Who may call it: payloads do not say which case (or municipality) they belong to, so the
endpoint cannot apply the per-municipality rule. It is therefore for operators only:
clients holding the `decode` scope (municipality systems never get it). Both directions
need the scope; encode is what the UI uses to send a signal or update input.

Without a configured payload codec the payloads are not encrypted in the first place and
are returned unchanged (the identity codec).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads

from workers.gateway.deps import AppConfig, Codec, Decoder
from workers.gateway.errors import ApiError, error_responses
from workers.gateway.models import CodecBody
from workers.logging_setup import get_logger

router = APIRouter(prefix="/codec", tags=["codec"])
log = get_logger(__name__)

Namespace = Annotated[
    str | None,
    Header(alias="X-Namespace", description="Temporal namespace the payloads belong to"),
]


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
    body: CodecBody, who: Decoder, codec: Codec, config: AppConfig, namespace: Namespace = None
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
    body: CodecBody, who: Decoder, codec: Codec, config: AppConfig, namespace: Namespace = None
) -> CodecBody:
    _check_namespace(config.namespace, namespace)
    payloads = _payloads(body)
    if codec is not None:
        try:
            payloads = await codec.decode(payloads)
        except Exception as error:  # a wrong key or a tampered payload: say so, not why
            log.warning("codec decode failed", client=who.client, error=type(error).__name__)
            raise ApiError(
                422, "undecodable", "the payloads could not be decoded", "payloads"
            ) from None
    # Who looked at decrypted case data, and how much: an audit line, without the data.
    log.info("codec decode", client=who.client, payloads=len(payloads))
    return _body(payloads)
