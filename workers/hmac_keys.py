"""32-byte HMAC keys that only the gateway holds: from an environment variable (base64) or
a key file, and the key file `caseflow up` creates in its data dir.

Shared by the citizen references (`workers.citizen_ref`) and the case page's signed links
(`workers.gateway.page_links`). Errors name the setting, never the key.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path

from pydantic import SecretStr

__all__ = ["KEY_BYTES", "HmacKeyError", "ensure_key_file", "load_hmac_key"]

KEY_BYTES = 32


class HmacKeyError(ValueError):
    """The key is missing or malformed; the message names the setting, never the key."""


def load_hmac_key(
    value: SecretStr | None,
    file: Path | None,
    setting: str,
    error: type[Exception] = HmacKeyError,
) -> bytes | None:
    """The key from `value` (env `setting`) or else `file` (`setting`_FILE); None if neither.

    Raises:
        error: not base64, not `KEY_BYTES` long, or the file cannot be read.
    """
    if value is not None:
        return _decode(value.get_secret_value(), setting, error)
    if file is None:
        return None
    try:
        text = file.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as failure:
        raise error(
            f"{setting}_FILE: cannot read {file}: "
            f"{getattr(failure, 'strerror', None) or type(failure).__name__}"
        ) from None
    return _decode(text, f"{setting}_FILE", error)


def _decode(text: str, setting: str, error: type[Exception]) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise error(f"{setting}: not base64") from None
    if len(key) != KEY_BYTES:
        raise error(f"{setting}: the key must be {KEY_BYTES} bytes")
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
