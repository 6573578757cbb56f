"""The codec server decodes what it encrypted and hands back any other payload as it came;
the workers' own codec still refuses plaintext case payloads."""

from __future__ import annotations

import base64

import pytest
from temporalio.api.common.v1 import Payload

from tests.gateway.conftest import Gateway
from workers.codec import EncryptionCodec, KeyRing, PayloadDecryptionError


def _wire(payload: Payload) -> dict[str, object]:
    return {
        "metadata": {k: base64.b64encode(v).decode() for k, v in payload.metadata.items()},
        "data": base64.b64encode(payload.data).decode(),
    }


async def test_decode_passes_foreign_encodings_through(gateway: Gateway) -> None:
    converter = gateway.temporal.data_converter.payload_converter
    [case_payload] = converter.to_payloads([{"case_id": "SIM-1"}])
    tracing_header = Payload(metadata={"encoding": b"json/plain"}, data=b'{"traceparent":"00-1"}')
    headers = {"X-Namespace": gateway.config.namespace}
    async with gateway.http("operator") as http:
        encoded = await http.post(
            "/codec/encode", json={"payloads": [_wire(case_payload)]}, headers=headers
        )
        assert encoded.status_code == 200, encoded.text
        [sealed] = encoded.json()["payloads"]
        mixed = {"payloads": [_wire(tracing_header), sealed, _wire(tracing_header)]}
        decoded = await http.post("/codec/decode", json=mixed, headers=headers)
    assert decoded.status_code == 200, decoded.text
    first, middle, last = decoded.json()["payloads"]
    assert first == last == _wire(tracing_header)
    assert middle["data"] == _wire(case_payload)["data"]


async def test_decode_without_a_token_is_refused_off_the_embedded_stack(gateway: Gateway) -> None:
    async with gateway.http(None) as http:
        answer = await http.post("/codec/decode", json={"payloads": []})
    assert answer.status_code == 401


async def test_the_workers_codec_still_refuses_plaintext() -> None:
    codec = EncryptionCodec(KeyRing.generate())
    with pytest.raises(PayloadDecryptionError, match="unencrypted"):
        await codec.decode([Payload(metadata={"encoding": b"json/plain"}, data=b"{}")])


async def test_decode_takes_the_query_the_web_ui_sends(gateway: Gateway) -> None:
    # Temporal Web UI 2.54 asks `/codec/decode?preserveStorageRefs=true`; refusing it as an
    # unknown query parameter showed "Codec Server could not connect" and ciphertext.
    headers = {"X-Namespace": gateway.config.namespace}
    async with gateway.http("operator") as http:
        for path in ("/codec/decode", "/codec/encode"):
            answer = await http.post(
                f"{path}?preserveStorageRefs=true", json={"payloads": []}, headers=headers
            )
            assert answer.status_code == 200, answer.text
