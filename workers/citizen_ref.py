"""The citizen reference key: an HMAC-SHA256 key only the gateway holds.

A citizen reference is HMAC-SHA256(key, "caseflow-citizen-ref-v1" NUL cpr) truncated to
128 bits and written in letters (`cz_` + 32 of a-p). The CPR space is small (at most
10^10 numbers, far fewer valid dates), so an unkeyed hash would be reversed by trying
them all in minutes; with a 256-bit key that nobody outside the gateway holds there is
nothing to try against (README "Citizen references").

The key comes from CASEFLOW_CITIZEN_REF_KEY (base64 of 32 bytes) or from the file named
by CASEFLOW_CITIZEN_REF_KEY_FILE, never from the repository; `caseflow up` creates
DATA_DIR/citizen-ref.key (mode 0600) on first start when neither is set.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

from activities.citizen_limit_models import REF_LETTERS
from workers.config import CaseflowConfig

__all__ = ["CitizenRefKeyError", "citizen_reference", "ensure_key_file", "load_key", "normal_cpr"]

KEY_BYTES = 32
DEV_KEY_FILE = "citizen-ref.key"
_DOMAIN = b"caseflow-citizen-ref-v1\x00"
_CPR = re.compile(r"([0-9]{2})([0-9]{2})[0-9]{2}-?[0-9]{4}")


class CitizenRefKeyError(ValueError):
    """The key is missing or malformed; the message names the setting, never the key."""


def load_key(config: CaseflowConfig) -> bytes | None:
    """The configured key, or None when neither setting is given."""
    if config.citizen_ref_key is not None:
        return _decode(config.citizen_ref_key.get_secret_value(), "CASEFLOW_CITIZEN_REF_KEY")
    if config.citizen_ref_key_file is not None:
        try:
            text = config.citizen_ref_key_file.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as error:
            raise CitizenRefKeyError(
                f"CASEFLOW_CITIZEN_REF_KEY_FILE: cannot read {config.citizen_ref_key_file}: "
                f"{getattr(error, 'strerror', None) or type(error).__name__}"
            ) from None
        return _decode(text, "CASEFLOW_CITIZEN_REF_KEY_FILE")
    return None


def _decode(text: str, setting: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise CitizenRefKeyError(f"{setting}: not base64") from None
    if len(key) != KEY_BYTES:
        raise CitizenRefKeyError(f"{setting}: the key must be {KEY_BYTES} bytes")
    return key


def ensure_key_file(path: Path) -> bool:
    """Create a fresh key at `path` (0600, never replacing one); True if it was created."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode() + "\n")
    return True


def normal_cpr(value: str) -> str | None:
    """The ten digits of a CPR number shaped DDMMYY-SSSS (dash optional), else None.

    Only the shape and a plausible day and month are checked: the modulus-11 check was
    given up in 2007, so a valid number may fail it.
    """
    match = _CPR.fullmatch(value)
    if match is None:
        return None
    day, month = int(match.group(1)), int(match.group(2))
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return None
    return value.replace("-", "")


def citizen_reference(key: bytes, cpr_digits: str) -> str:
    digest = hmac.new(key, _DOMAIN + cpr_digits.encode("ascii"), hashlib.sha256).digest()[:16]
    return "cz_" + "".join(REF_LETTERS[b >> 4] + REF_LETTERS[b & 15] for b in digest)


def with_dev_key(config: CaseflowConfig) -> CaseflowConfig:
    """`caseflow up`: the configured key, else DATA_DIR/citizen-ref.key (created, 0600).

    Next to the data it keys: the limit registries there are named by references under
    this key, and another key would start every citizen's count again.
    """
    if config.citizen_ref_key is not None or config.citizen_ref_key_file is not None:
        load_key(config)  # a bad key fails before anything starts
        return config
    path = config.data_dir / DEV_KEY_FILE
    ensure_key_file(path)
    return config.model_copy(update={"citizen_ref_key_file": path})
