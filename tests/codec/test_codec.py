"""The payload codec on its own: round trip, rotation, refusals, key configuration."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.converter import DefaultFailureConverterWithEncodedAttributes

from workers.codec import (
    ENCODING,
    KEY_ID_METADATA,
    EncryptionCodec,
    KeyConfigError,
    KeyRing,
    PayloadDecryptionError,
    ensure_key_file,
    load_keyring,
    parse_inline_keys,
    read_key_file,
)
from workers.config import CaseflowConfig, ConfigError, load_config
from workers.temporal_client import data_converter

SYNTHETIC = b'{"note": "SYNTHETIC-DIAGNOSIS lumbago 010203-4455"}'


def plain(data: bytes = SYNTHETIC) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=data)


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


async def test_round_trip_hides_data_and_metadata() -> None:
    codec = EncryptionCodec(KeyRing.generate("k1"))
    [sealed] = await codec.encode([plain()])
    assert sealed.metadata["encoding"] == ENCODING
    assert sealed.metadata[KEY_ID_METADATA] == b"k1"
    assert set(sealed.metadata) == {"encoding", KEY_ID_METADATA}  # inner encoding hidden too
    assert b"SYNTHETIC" not in sealed.data and b"json/plain" not in sealed.data
    assert await codec.decode([sealed]) == [plain()]


async def test_same_payload_twice_gives_different_ciphertexts() -> None:
    codec = EncryptionCodec(KeyRing.generate())
    first, second = await codec.encode([plain(), plain()])
    assert first.data[:12] != second.data[:12]  # fresh nonce per payload
    assert first.data != second.data


async def test_rotation_old_payloads_still_decode_new_ones_use_the_new_key() -> None:
    k1 = KeyRing.generate("k1")
    [old] = await EncryptionCodec(k1).encode([plain()])
    k2 = k1.rotated("k2")
    rotated = EncryptionCodec(k2)
    [new] = await rotated.encode([plain()])
    assert new.metadata[KEY_ID_METADATA] == b"k2"
    assert await rotated.decode([old, new]) == [plain(), plain()]
    # Retiring k1 too early makes its history unreadable, loudly.
    retired = EncryptionCodec(KeyRing(active="k2", keys={"k2": k2.keys["k2"]}))
    with pytest.raises(PayloadDecryptionError, match=r"key id 'k1', which is not configured"):
        await retired.decode([old])


async def test_wrong_key_for_the_id_is_refused() -> None:
    [sealed] = await EncryptionCodec(KeyRing.generate("k1")).encode([plain()])
    other = EncryptionCodec(KeyRing.generate("k1"))
    with pytest.raises(PayloadDecryptionError, match="authentication failed with key id 'k1'"):
        await other.decode([sealed])


@pytest.mark.parametrize("where", ["nonce", "ciphertext", "tag"])
async def test_tampered_ciphertext_is_refused(where: str) -> None:
    codec = EncryptionCodec(KeyRing.generate())
    [sealed] = await codec.encode([plain()])
    data = bytearray(sealed.data)
    index = {"nonce": 0, "ciphertext": 20, "tag": len(data) - 1}[where]
    data[index] ^= 0x01
    sealed.data = bytes(data)
    with pytest.raises(PayloadDecryptionError, match="altered") as caught:
        await codec.decode([sealed])
    assert "SYNTHETIC" not in str(caught.value)


async def test_relabelled_key_id_fails_authentication() -> None:
    """The key id is associated data: moving a payload to another id does not decrypt."""
    ring = KeyRing(active="k1", keys={"k1": os.urandom(32), "k2": os.urandom(32)})
    codec = EncryptionCodec(ring)
    [sealed] = await codec.encode([plain()])
    sealed.metadata[KEY_ID_METADATA] = b"k2"
    ring_same_keys = KeyRing(active="k1", keys={"k1": ring.keys["k1"], "k2": ring.keys["k1"]})
    with pytest.raises(PayloadDecryptionError, match="authentication failed"):
        await EncryptionCodec(ring_same_keys).decode([sealed])


async def test_unknown_key_id_and_missing_key_id_are_refused() -> None:
    codec = EncryptionCodec(KeyRing.generate("k1"))
    [sealed] = await codec.encode([plain()])
    sealed.metadata[KEY_ID_METADATA] = b"k9"
    with pytest.raises(PayloadDecryptionError, match=r"'k9'.*known: k1"):
        await codec.decode([sealed])
    del sealed.metadata[KEY_ID_METADATA]
    with pytest.raises(PayloadDecryptionError, match="no 'encryption-key-id'"):
        await codec.decode([sealed])


async def test_truncated_payload_is_refused() -> None:
    codec = EncryptionCodec(KeyRing.generate())
    [sealed] = await codec.encode([plain()])
    sealed.data = sealed.data[:20]
    with pytest.raises(PayloadDecryptionError, match="truncated"):
        await codec.decode([sealed])


async def test_plaintext_is_refused_unless_migrating() -> None:
    strict = EncryptionCodec(KeyRing.generate())
    with pytest.raises(PayloadDecryptionError, match="CASEFLOW_CODEC_ALLOW_PLAINTEXT") as caught:
        await strict.decode([plain()])
    assert "SYNTHETIC" not in str(caught.value)
    ring = KeyRing.generate()
    migrating = EncryptionCodec(KeyRing(ring.active, ring.keys, allow_plaintext=True))
    assert await migrating.decode([plain()]) == [plain()]
    [sealed] = await migrating.encode([plain()])  # new payloads are encrypted regardless
    assert sealed.metadata["encoding"] == ENCODING


def test_key_ring_validation_and_repr_hide_key_material() -> None:
    key = os.urandom(32)
    ring = KeyRing(active="k1", keys={"k1": key})
    assert b64(key) not in repr(ring) and repr(key) not in repr(ring)
    with pytest.raises(KeyConfigError, match="16 bytes"):
        KeyRing(active="k1", keys={"k1": os.urandom(16)})
    with pytest.raises(KeyConfigError, match="not among the configured keys"):
        KeyRing(active="k2", keys={"k1": key})
    with pytest.raises(KeyConfigError, match="key id"):
        KeyRing(active="a b", keys={"a b": key})
    with pytest.raises(KeyConfigError, match="already exists"):
        ring.rotated("k1")


def test_inline_keys_both_formats() -> None:
    k1, k2 = os.urandom(32), os.urandom(32)
    assert parse_inline_keys(f"k1:{b64(k1)}, k2:{b64(k2)}") == {"k1": k1, "k2": k2}
    assert parse_inline_keys(json.dumps({"k1": b64(k1)})) == {"k1": k1}
    with pytest.raises(KeyConfigError, match="not valid base64") as caught:
        parse_inline_keys("k1:not*base64")
    assert "not*base64" not in str(caught.value)
    with pytest.raises(KeyConfigError, match="<id>:<base64>"):
        parse_inline_keys(b64(k1))


def test_load_keyring_from_env_vars_through_load_config() -> None:
    k1, k2 = os.urandom(32), os.urandom(32)
    config = load_config(
        environ={
            "CASEFLOW_CODEC_KEYS": f"k1:{b64(k1)},k2:{b64(k2)}",
            "CASEFLOW_CODEC_ACTIVE_KEY": "k2",
        }
    )
    assert b64(k1) not in repr(config)  # SecretStr: a logged config shows no key
    ring = load_keyring(config)
    assert ring.active == "k2" and ring.keys == {"k1": k1, "k2": k2}
    two_no_active = load_config(environ={"CASEFLOW_CODEC_KEYS": f"k1:{b64(k1)},k2:{b64(k2)}"})
    with pytest.raises(KeyConfigError, match="no active key id"):
        load_keyring(two_no_active)


def test_no_key_configured_is_a_clear_config_error() -> None:
    with pytest.raises(ConfigError, match="no payload encryption key configured"):
        load_keyring(CaseflowConfig())


def test_both_sources_set_is_refused(tmp_path: Path) -> None:
    ensure_key_file(tmp_path / "keys.json")
    config = CaseflowConfig(
        codec_keys=f"k1:{b64(os.urandom(32))}",
        codec_key_file=tmp_path / "keys.json",
    )
    with pytest.raises(KeyConfigError, match="configure the keys in one place"):
        load_keyring(config)


def test_key_file_is_created_once_owner_only_and_readable(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    assert ensure_key_file(path) is True
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = path.read_text()
    assert ensure_key_file(path) is False  # never overwritten: old history stays readable
    assert path.read_text() == first
    ring = read_key_file(path)
    assert len(ring.keys[ring.active]) == 32
    assert load_keyring(CaseflowConfig(codec_key_file=path)).keys == ring.keys


def test_bad_key_files_name_the_problem_not_the_contents(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_text('{"active": "k1", "keys": {"k1": "c2VjcmV0LWJ1dC1zaG9ydA=="}}')
    with pytest.raises(KeyConfigError, match="AES-256 needs exactly 32"):
        read_key_file(path)
    path.write_text("{not json c2VjcmV0")
    with pytest.raises(KeyConfigError, match="not valid JSON") as caught:
        read_key_file(path)
    assert "c2VjcmV0" not in str(caught.value)
    with pytest.raises(KeyConfigError, match="cannot read"):
        read_key_file(tmp_path / "missing.json")


def test_data_converter_with_codec_encodes_failures() -> None:
    converter = data_converter(EncryptionCodec(KeyRing.generate()))
    assert isinstance(converter.failure_converter, DefaultFailureConverterWithEncodedAttributes)
