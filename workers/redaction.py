"""What must never leave a process in a log line or a span: the one scrubber for both.

Logs and traces are read by more people, kept longer and copied further than the data they
describe, so anything that could be a credential or personal data is replaced before it is
written: bearer tokens and Authorization headers, request bodies, token-shaped strings and
anything shaped like a CPR number. Keys are matched by name (a `body` is redacted whatever
it holds), strings by shape (a token inside an exception message is still a token).

This is a safety net under code that already logs only ids; it is not a licence to log
payloads. Frame locals are dropped where tracebacks are rendered (`workers.logging_setup`),
because no pattern can recognise every secret a local variable may hold.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "CPR_MASK",
    "REDACTED",
    "SECRET_KEYS",
    "scrub",
    "scrub_text",
]

# Danish CPR: DDMMYY-SSSS with a real day and month, with or without the dash. The date
# check keeps ten-digit timestamps and counters from being masked.
_CPR = re.compile(r"(?<!\d)(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2}[-\s]?\d{4}(?!\d)")
CPR_MASK = "<cpr-redacted>"
REDACTED = "<redacted>"

SECRET_KEYS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "proxy_authorization",
        "cookie",
        "set-cookie",
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "bearer",
        "credentials",
        "password",
        "secret",
        "api_key",
        "apikey",
        "x-api-key",
        "body",
        "request_body",
        "raw_body",
        "content",
        "payload",
        "payloads",
        "data",
        "form",
        "json",
    }
)
"""Keys whose value is dropped whatever it holds (compared case-insensitively)."""

_TEXT_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # `Authorization: Bearer x`, `authorization': b'Bearer x'`, `Bearer x` on its own.
    (re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{8,}"), rf"\1\2{REDACTED}"),
    # `token=x`, `api_key: x`, `password=x` in messages and URLs.
    (
        re.compile(
            r"(?i)\b(token|access_token|api_key|apikey|password|secret)(=|:\s*)[^\s&,;'\"]+"
        ),
        rf"\1\2{REDACTED}",
    ),
    # Header tuples and dicts rendered as text: (b'authorization', b'...') / 'cookie': '...'.
    (
        re.compile(
            r"(?i)(['\"]?(?:proxy-)?(?:authorization|cookie|x-api-key)['\"]?\s*[,:=]\s*b?)"
            r"(['\"])[^'\"]*\2"
        ),
        rf"\1\2{REDACTED}\2",
    ),
    # Query strings: clients (httpx logs every request line) put filters and keys there.
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s?#\"']+)\?[^\s#\"']*"), rf"\1?{REDACTED}"),
    # pydantic errors quote the rejected input: `input_value='...'` / `input_value={...}`.
    (
        re.compile(r"input_value=(?:'[^']*'|\"[^\"]*\"|\{.*?\}(?=, input_type)|\S+)"),
        f"input_value={REDACTED}",
    ),
)


_RUN = re.compile(r"[A-Za-z0-9_-]{20,}")


def _kind(char: str) -> str:
    return "upper" if char.isupper() else "lower" if char.islower() else "digit"


def _token_shaped(run: re.Match[str]) -> str:
    """A long base64url run that keeps switching between upper case, lower case and digits
    is what `secrets.token_urlsafe` and most API keys look like: about 20 switches in 32
    random characters, fewer than 8 in 1 of 30,000; one without digits still switches case
    every second letter or so. Ids (`case-851-Sag2024-Aalborg-01`: 7 switches), hex
    digests and UUIDs (no upper case) and CamelCase names (no digits, a switch every few
    letters) stay readable. A 32-character token slips through about once in 10,000."""
    text = run.group()
    kinds = [_kind(c) for c in text if c.isalnum()]
    switches = sum(1 for a, b in itertools.pairwise(kinds) if a != b)
    letters = sum(1 for k in kinds if k != "digit")
    if "digit" in kinds and "upper" in kinds and "lower" in kinds:
        secret = switches >= 8
    else:
        secret = "upper" in kinds and "lower" in kinds and switches >= max(8, 0.3 * letters)
    return REDACTED if secret else text


def scrub_text(text: str) -> str:
    """Mask CPR-shaped numbers, bearer tokens, auth headers and token-shaped strings."""
    for pattern, replacement in _TEXT_PATTERNS:
        text = pattern.sub(replacement, text)
    text = _RUN.sub(_token_shaped, text)
    return _CPR.sub(CPR_MASK, text)


def scrub(value: Any, _depth: int = 0) -> Any:
    """A copy of `value` with every secret-named key dropped and every string scrubbed.

    Bytes are never rendered (a request body or a payload); unknown objects are turned into
    text first, so their repr cannot carry a secret past the patterns.
    """
    if isinstance(value, str):
        return scrub_text(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(value)} bytes redacted>"
    if _depth > 20:
        return REDACTED
    if isinstance(value, Mapping):
        return {key: _scrub_item(key, item, _depth) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [scrub(item, _depth + 1) for item in value]
    return scrub_text(str(value))


def _scrub_item(key: Any, item: Any, depth: int) -> Any:
    # A count or a flag under a secret-sounding key (`payloads=3`) says nothing secret.
    secret = isinstance(key, str) and key.lower() in SECRET_KEYS
    if secret and not (item is None or isinstance(item, bool | int)):
        return REDACTED
    return scrub(item, depth + 1)
