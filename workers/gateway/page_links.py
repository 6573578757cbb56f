"""Short-lived signed links to one case's page, for a browser that has no bearer header.

`POST /v1/cases/{municipality}/{case_id}/page-link` (the `read` scope, the client's own
municipalities) answers a URL carrying `exp` (Unix seconds) and `sig`, an HMAC-SHA256 over
the municipality id, the case id, the client's name and the expiry. The page checks the
signature in constant time and the expiry; the link opens that one case's page, nothing
else, for `LINK_SECONDS`. The key is random per gateway process (a restart invalidates
every link, and links do not work across gateway replicas: they are for the person who
just ran `caseflow case open`). The link is a bearer credential while it lives: do not
paste it anywhere that keeps it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode

LINK_SECONDS = 300


@dataclass(frozen=True)
class LinkGrant:
    municipality: str
    case_id: str
    client: str
    expires: int


class PageLinks:
    def __init__(self, key: bytes | None = None, *, lifetime: int = LINK_SECONDS) -> None:
        self._key = key or secrets.token_bytes(32)
        self.lifetime = lifetime

    def _sig(self, municipality: str, case_id: str, client: str, expires: int) -> str:
        message = "\x00".join((municipality, case_id, client, str(expires))).encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def issue(self, municipality: str, case_id: str, client: str) -> tuple[str, int]:
        """(query string, expiry) for the case page of `case_id`."""
        expires = int(time.time()) + self.lifetime
        sig = self._sig(municipality, case_id, client, expires)
        return urlencode({"client": client, "exp": expires, "sig": sig}), expires

    def verify(
        self, municipality: str, case_id: str, client: str, expires: int, sig: str
    ) -> LinkGrant | None:
        if expires < int(time.time()):
            return None
        expected = self._sig(municipality, case_id, client, expires)
        if not hmac.compare_digest(expected, sig):
            return None
        return LinkGrant(municipality, case_id, client, expires)
