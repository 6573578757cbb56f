"""Short-lived signed links to one case's page, for a browser that has no bearer header.

`POST /v1/cases/{municipality}/{case_id}/page-link` (the `read` scope, the client's own
municipalities) answers a URL carrying `exp` (Unix seconds) and `sig`, an HMAC-SHA256 over
the municipality id, the case id, the client's name and the expiry. The page checks the
signature in constant time and the expiry; the link opens that one case's page, nothing
else, for `LINK_SECONDS`. The link is a bearer credential while it lives: do not paste it
anywhere that keeps it.

The key is configuration, like the citizen key: CASEFLOW_PAGE_LINK_KEY (base64 of 32
bytes) or CASEFLOW_PAGE_LINK_KEY_FILE, the same for every replica behind one address, so
a link signed by one gateway opens on another and after a restart; `caseflow up` creates
DATA_DIR/page-link.key (0600). A gateway without either signs with a random key of its own
process and says so once at start-up. The key is never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from workers.config import CaseflowConfig, ConfigError
from workers.hmac_keys import ensure_key_file, load_hmac_key
from workers.logging_setup import get_logger

log = get_logger(__name__)

LINK_SECONDS = 300
DEV_KEY_FILE = "page-link.key"
SETTING = "CASEFLOW_PAGE_LINK_KEY"


class PageLinkKeyError(ConfigError):
    """The configured key is unreadable or malformed (start-up stops, naming the setting)."""


def load_link_key(config: CaseflowConfig) -> bytes | None:
    """The configured signing key, or None when neither setting is given.

    Raises:
        PageLinkKeyError: not base64, not 32 bytes, or the file cannot be read.
    """
    return load_hmac_key(config.page_link_key, config.page_link_key_file, SETTING, PageLinkKeyError)


def with_dev_link_key(config: CaseflowConfig) -> CaseflowConfig:
    """`caseflow up`: the configured key, else DATA_DIR/page-link.key (created, 0600), so a
    link printed before a restart still opens after it."""
    if config.page_link_key is not None or config.page_link_key_file is not None:
        load_link_key(config)  # a bad key fails before anything starts
        return config
    path = config.data_dir / DEV_KEY_FILE
    ensure_key_file(path)
    return config.model_copy(update={"page_link_key_file": path})


def page_links_for(config: CaseflowConfig) -> PageLinks:
    """The gateway's signer: the configured key, else one of this process only."""
    key = load_link_key(config)
    if key is None:
        log.warning(
            "case page links are signed with a key of this process only: they stop working "
            "on restart and on other replicas",
            setting=f"{SETTING} / {SETTING}_FILE",
        )
    return PageLinks(key)


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
