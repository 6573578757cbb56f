"""Payload encryption: every case payload leaves the process as AES-256-GCM ciphertext.

Case payloads carry health information (special-category personal data). Temporal stores
them in its database and shows them in the Web UI; with this codec both see only
ciphertext. The codec sits on the data converter (`workers.temporal_client.data_converter`),
so clients, workers, the gateway and the tests' environment all encrypt the same way, and
the failure converter encodes failure messages and stack traces into a payload so refusal
reasons in history are encrypted too. Search attributes and workflow ids are *not*
payloads and bypass any codec: they must never carry personal data in the first place.

Wire format of an encrypted payload:

- `metadata["encoding"] = b"binary/encrypted"`
- `metadata["encryption-key-id"] = <key id, ascii>`
- `data = nonce (12 random bytes) || AES-GCM(ciphertext || tag)` of the serialized inner
  `Payload` (its own metadata and data), with associated data binding the format version
  and the key id, so relabelling a payload with another key id fails authentication.

Keys and rotation: a `KeyRing` holds the active key id and every key still needed to read
history. New payloads use the active key; decode picks the key named in the payload, so
after a rotation old histories stay readable as long as the old key stays in the ring.

Unencrypted payloads on decode (history written before encryption was turned on) are
refused with a clear error unless the ring allows plaintext (`codec_allow_plaintext`, a
migration switch meant to be on only while old, unencrypted workflows drain). Silently
accepting plaintext would let a misconfigured client write personal data in clear without
anyone noticing.

Key material comes from configuration only (`CASEFLOW_CODEC_KEYS` +
`CASEFLOW_CODEC_ACTIVE_KEY`, or the JSON file named by `CASEFLOW_CODEC_KEY_FILE`); nothing
here ever puts key bytes or payload bytes in an error message or a log line.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from workers.config import ConfigError

ENCODING = b"binary/encrypted"
KEY_ID_METADATA = "encryption-key-id"
KEY_BYTES = 32
NONCE_BYTES = 12
# Bumped if the wire format ever changes; part of the associated data so a payload of one
# format can never be decrypted as another.
FORMAT_VERSION = b"caseflow-aes256gcm-v1"
KEY_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

ENV_KEYS = "CASEFLOW_CODEC_KEYS"
ENV_ACTIVE = "CASEFLOW_CODEC_ACTIVE_KEY"
ENV_KEY_FILE = "CASEFLOW_CODEC_KEY_FILE"
ENV_ALLOW_PLAINTEXT = "CASEFLOW_CODEC_ALLOW_PLAINTEXT"


class KeyConfigError(ConfigError):
    """The key configuration is missing or invalid; the message says what to set.

    A `ConfigError`, so the command line reports it like any other bad setting (exit 2,
    no traceback). Never contains key material.
    """


class PayloadDecryptionError(Exception):
    """A payload could not be decrypted: unknown key id, wrong key, tampering, or plaintext.

    Raised instead of returning anything, so garbage never reaches a workflow. The message
    names the key id and the reason, never payload or key bytes.
    """


def _aad(key_id: str) -> bytes:
    return FORMAT_VERSION + b"\x00" + key_id.encode("ascii")


@dataclass(frozen=True)
class KeyRing:
    """The active key id and every key that may still be needed to decrypt.

    Attributes:
        active: id of the key new payloads are encrypted with.
        keys: key id -> 32-byte AES-256 key. Retired keys stay here until no retained
            history uses them.
        allow_plaintext: decode passes unencrypted payloads through (migration only).
    """

    active: str
    keys: Mapping[str, bytes] = field(repr=False)
    allow_plaintext: bool = False

    def __post_init__(self) -> None:
        if not self.keys:
            raise KeyConfigError("the key ring is empty: configure at least one key")
        for key_id, key in self.keys.items():
            if not KEY_ID_PATTERN.fullmatch(key_id):
                raise KeyConfigError(
                    f"key id {key_id[:64]!r} is invalid: use 1-64 characters A-Z a-z 0-9 . _ -"
                )
            if len(key) != KEY_BYTES:
                raise KeyConfigError(
                    f"key {key_id!r} is {len(key)} bytes; AES-256 needs exactly {KEY_BYTES}"
                )
        if self.active not in self.keys:
            raise KeyConfigError(
                f"active key id {self.active!r} is not among the configured keys "
                f"({', '.join(sorted(self.keys))})"
            )
        # A private copy: a caller mutating its dict must not change a live codec's keys.
        object.__setattr__(self, "keys", dict(self.keys))

    def __repr__(self) -> str:
        return (
            f"KeyRing(active={self.active!r}, key_ids={sorted(self.keys)!r}, "
            f"allow_plaintext={self.allow_plaintext})"
        )

    @property
    def key_ids(self) -> list[str]:
        return sorted(self.keys)

    @classmethod
    def generate(cls, key_id: str = "k1") -> KeyRing:
        """A fresh ring with one random key (dev stacks and tests)."""
        return cls(active=key_id, keys={key_id: secrets.token_bytes(KEY_BYTES)})

    def rotated(self, new_id: str, key: bytes | None = None) -> KeyRing:
        """This ring plus a new key that becomes active; old keys stay for decoding."""
        if new_id in self.keys:
            raise KeyConfigError(f"key id {new_id!r} already exists in the ring")
        new_key = secrets.token_bytes(KEY_BYTES) if key is None else key
        return KeyRing(
            active=new_id,
            keys={**self.keys, new_id: new_key},
            allow_plaintext=self.allow_plaintext,
        )

    def to_json(self) -> str:
        """The key file format: {"active": id, "keys": {id: base64}}."""
        return json.dumps(
            {
                "active": self.active,
                "keys": {k: base64.b64encode(v).decode("ascii") for k, v in self.keys.items()},
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str, *, source: str, allow_plaintext: bool = False) -> KeyRing:
        """Parse the key file format; `source` names the file in errors."""
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            # exc.msg and position only: the message must not quote the file's contents.
            raise KeyConfigError(
                f"{source}: not valid JSON ({exc.msg} at line {exc.lineno})"
            ) from None
        if not isinstance(doc, dict) or not isinstance(doc.get("keys"), dict):
            raise KeyConfigError(f'{source}: expected {{"active": "<id>", "keys": {{...}}}}')
        keys = _decode_keys(doc["keys"], source=source)
        active = doc.get("active")
        if active is None:
            active = _only_key(keys, source=source)
        if not isinstance(active, str):
            raise KeyConfigError(f'{source}: "active" must be a key id string')
        return cls(active=active, keys=keys, allow_plaintext=allow_plaintext)


def _decode_key(key_id: str, value: object, *, source: str) -> bytes:
    if not isinstance(value, str):
        raise KeyConfigError(f"{source}: key {key_id!r} must be a base64 string")
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise KeyConfigError(f"{source}: key {key_id!r} is not valid base64") from None


def _decode_keys(raw: Mapping[str, object], *, source: str) -> dict[str, bytes]:
    return {str(k): _decode_key(str(k), v, source=source) for k, v in raw.items()}


def _only_key(keys: Mapping[str, bytes], *, source: str) -> str:
    if len(keys) != 1:
        raise KeyConfigError(
            f"{source}: {len(keys)} keys configured but no active key id; "
            f'set {ENV_ACTIVE} (or "active" in the key file) to one of '
            f"{', '.join(sorted(keys))}"
        )
    return next(iter(keys))


def parse_inline_keys(text: str, *, source: str = ENV_KEYS) -> dict[str, bytes]:
    """`{"k1": "<b64>", ...}` (JSON) or `k1:<b64>,k2:<b64>` -> {id: key bytes}."""
    text = text.strip()
    if text.startswith("{"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise KeyConfigError(f"{source}: not valid JSON ({exc.msg})") from None
        if not isinstance(doc, dict):
            raise KeyConfigError(f"{source}: expected a JSON object of key id -> base64")
        return _decode_keys(doc, source=source)
    keys: dict[str, bytes] = {}
    for n, item in enumerate(filter(None, (part.strip() for part in text.split(","))), 1):
        key_id, sep, value = item.partition(":")
        if not sep:
            raise KeyConfigError(f"{source}: entry {n} is not of the form <id>:<base64>")
        key_id = key_id.strip()
        if key_id in keys:
            raise KeyConfigError(f"{source}: key id {key_id!r} is given twice")
        keys[key_id] = _decode_key(key_id, value, source=source)
    return keys


class _KeySettings(Protocol):
    """The fields of `CaseflowConfig` the key ring is built from."""

    @property
    def codec_keys(self) -> Any: ...  # SecretStr | None; Any keeps this module config-agnostic
    @property
    def codec_active_key(self) -> str | None: ...
    @property
    def codec_key_file(self) -> Path | None: ...
    @property
    def codec_allow_plaintext(self) -> bool: ...


def _secret_value(value: Any) -> str | None:
    if value is None:
        return None
    getter = getattr(value, "get_secret_value", None)
    return str(getter() if callable(getter) else value)


def keys_configured(config: _KeySettings) -> bool:
    return bool(_secret_value(config.codec_keys)) or config.codec_key_file is not None


def load_keyring(config: _KeySettings) -> KeyRing:
    """The key ring from configuration: inline keys (env) or a key file, not both.

    Raises:
        KeyConfigError: nothing configured (a worker must not run unencrypted), both
            sources set, unreadable file, bad base64, wrong key length, unknown active id.
    """
    inline = _secret_value(config.codec_keys)
    key_file = config.codec_key_file
    allow = bool(config.codec_allow_plaintext)
    if inline and key_file is not None:
        raise KeyConfigError(
            f"both {ENV_KEYS} and {ENV_KEY_FILE} are set; configure the keys in one place"
        )
    if inline:
        keys = parse_inline_keys(inline)
        active = config.codec_active_key or _only_key(keys, source=ENV_KEYS)
        return KeyRing(active=active, keys=keys, allow_plaintext=allow)
    if key_file is not None:
        ring = read_key_file(key_file, allow_plaintext=allow)
        if config.codec_active_key:
            ring = KeyRing(active=config.codec_active_key, keys=ring.keys, allow_plaintext=allow)
        return ring
    raise KeyConfigError(
        "no payload encryption key configured: case payloads are personal data and are "
        f"never sent to Temporal unencrypted. Set {ENV_KEY_FILE} (a JSON key file) or "
        f'{ENV_KEYS} (+ {ENV_ACTIVE}); generate a key with `python -c "import base64,'
        f'secrets; print(base64.b64encode(secrets.token_bytes(32)).decode())"`. '
        "`caseflow up` creates DATA_DIR/keys.json by itself."
    )


def read_key_file(path: Path, *, allow_plaintext: bool = False) -> KeyRing:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KeyConfigError(f"{ENV_KEY_FILE}: cannot read {path}: {exc.strerror or exc}") from None
    return KeyRing.from_json(text, source=str(path), allow_plaintext=allow_plaintext)


def write_key_file(path: Path, ring: KeyRing) -> None:
    """Write the ring to `path` readable by the owner only (0600), never replacing a file.

    O_EXCL: two stacks starting on one data dir must not each generate a key and have one
    overwrite the other's (which would make the first one's history unreadable).
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(ring.to_json() + "\n")


def ensure_key_file(path: Path) -> bool:
    """Create a fresh one-key ring at `path` unless a file is there; True if created."""
    try:
        write_key_file(path, KeyRing.generate())
    except FileExistsError:
        return False
    return True


class EncryptionCodec(PayloadCodec):
    """AES-256-GCM payload codec with key ids in the metadata (rotation by key ring)."""

    def __init__(self, keys: KeyRing) -> None:
        self._ring = keys
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.keys.items()}
        self._active_id = keys.active.encode("ascii")
        self._active = self._ciphers[keys.active]
        self._active_aad = _aad(keys.active)

    @property
    def keyring(self) -> KeyRing:
        return self._ring

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(p) for p in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        # A fresh random nonce per payload: with 96-bit nonces the collision bound is far
        # beyond any realistic number of payloads under one key (rotate keys anyway).
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._active.encrypt(nonce, payload.SerializeToString(), self._active_aad)
        return Payload(
            metadata={"encoding": ENCODING, KEY_ID_METADATA: self._active_id},
            data=nonce + sealed,
        )

    def decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            if self._ring.allow_plaintext:
                return payload
            raise PayloadDecryptionError(
                "refusing an unencrypted payload: caseflow only reads encrypted payloads. "
                f"If this is history from before encryption was enabled, set "
                f"{ENV_ALLOW_PLAINTEXT}=true while it drains."
            )
        raw_id = payload.metadata.get(KEY_ID_METADATA)
        if raw_id is None:
            raise PayloadDecryptionError(
                f"encrypted payload has no {KEY_ID_METADATA!r} metadata; cannot pick a key"
            )
        key_id = raw_id.decode("ascii", errors="replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise PayloadDecryptionError(
                f"payload was encrypted with key id {key_id[:64]!r}, which is not configured "
                f"(known: {', '.join(self._ring.key_ids)}); add the retired key to the key "
                "ring to read this history"
            )
        data = payload.data
        if len(data) < NONCE_BYTES + 16:
            raise PayloadDecryptionError(
                f"encrypted payload (key id {key_id!r}) is truncated: {len(data)} bytes"
            )
        try:
            plain = cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], _aad(key_id))
        except InvalidTag:
            raise PayloadDecryptionError(
                f"payload authentication failed with key id {key_id!r}: wrong key for this "
                "id, or the ciphertext or its metadata was altered"
            ) from None
        inner = Payload()
        inner.ParseFromString(plain)
        return inner
