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

import hashlib
import hmac
import re

from activities.citizen_limit_models import REF_LETTERS
from workers.config import CaseflowConfig
from workers.hmac_keys import KEY_BYTES, HmacKeyError, ensure_key_file, load_hmac_key

__all__ = [
    "KEY_BYTES",
    "CitizenRefKeyError",
    "citizen_reference",
    "ensure_key_file",
    "load_key",
    "normal_cpr",
]

DEV_KEY_FILE = "citizen-ref.key"
_DOMAIN = b"caseflow-citizen-ref-v1\x00"
_CPR = re.compile(r"([0-9]{2})([0-9]{2})[0-9]{2}-?[0-9]{4}")


class CitizenRefKeyError(HmacKeyError):
    """The key is missing or malformed; the message names the setting, never the key."""


def load_key(config: CaseflowConfig) -> bytes | None:
    """The configured key, or None when neither setting is given."""
    return load_hmac_key(
        config.citizen_ref_key,
        config.citizen_ref_key_file,
        "CASEFLOW_CITIZEN_REF_KEY",
        CitizenRefKeyError,
    )


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
