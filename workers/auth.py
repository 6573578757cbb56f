"""Who may call the gateway, for which municipalities, with which rights.

Every API request carries `Authorization: Bearer <token>`. A `TokenVerifier` turns the
token into a `Principal` (client name, municipalities, scopes) or refuses it. The one
verifier shipped here reads a token file kept outside the code:

```yaml
# CASEFLOW_GATEWAY_TOKENS_FILE (YAML or JSON); keys are sha256(token) in hex
clients:
  3f1c...e9: {client: thisted-momentum, municipalities: [thisted], scopes: [read, write]}
  a8b2...41: {client: operator, municipalities: ["*"], scopes: [read, decode]}
```

Only hashes are stored, so the file leaks nothing usable if read, and rotating a token is
editing one line (the file is re-read when it changes, no restart). An OIDC/JWT verifier
(claims -> Principal) can replace the file store: the gateway depends on the
`TokenVerifier` protocol only.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = [
    "ALL_MUNICIPALITIES",
    "DEV_TOKENS_FILE",
    "DEV_TOKEN_FILE",
    "NoTokens",
    "Principal",
    "Scope",
    "TokenFileError",
    "TokenFileStore",
    "TokenVerifier",
    "ensure_dev_tokens",
    "hash_token",
    "write_token_file",
]

ALL_MUNICIPALITIES = "*"
"""Municipality wildcard for operator clients (all municipalities of the network)."""

DEV_TOKENS_FILE = "gateway-tokens.yaml"
DEV_TOKEN_FILE = "gateway-dev-token"  # noqa: S105 - a file name, not a secret


class Scope(StrEnum):
    READ = "read"
    """Read cases, timelines and lists of the client's municipalities."""
    WRITE = "write"
    """Start cases, report events (and, in the dev stack, fast-forward a case)."""
    ROLLOUT = "rollout"
    """Preview and roll out a published rulebook version to the client's municipalities'
    running cases; stop and resume those roll-outs."""
    DECODE = "decode"
    """Use the codec endpoint (decrypt payloads for the Temporal Web UI). Payloads do not
    say which case they belong to, so this is for operators only."""


@dataclass(frozen=True)
class Principal:
    """An authenticated API client."""

    client: str
    municipalities: frozenset[str]
    """Municipality ids (`thisted`), or {"*"} for every municipality."""
    scopes: frozenset[Scope]

    def may_see(self, municipality_id: str) -> bool:
        return ALL_MUNICIPALITIES in self.municipalities or municipality_id in self.municipalities

    @property
    def all_municipalities(self) -> bool:
        return ALL_MUNICIPALITIES in self.municipalities


class TokenVerifier(Protocol):
    """Turns a bearer token into a Principal; None means "not a valid token".

    Implementations must not log or echo the token.
    """

    def verify(self, token: str) -> Principal | None: ...


class TokenFileError(Exception):
    """The token file is unreadable or invalid; the message names the file and the entry
    (by client name or position, never by token)."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class _ClientEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client: str = Field(min_length=1, max_length=64)
    municipalities: list[str] = Field(min_length=1)
    scopes: list[Scope] = Field(min_length=1)


class _TokenFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    clients: dict[str, _ClientEntry]


class NoTokens:
    """The verifier when no token file is configured: nobody gets in (fail closed)."""

    def verify(self, token: str) -> Principal | None:
        return None


class TokenFileStore:
    """Token file verifier; re-reads the file when its mtime changes (rotation).

    Args:
        path: the YAML/JSON file.
        normalise_municipality: maps a municipality as written in the file (id, name or
            code) to its id; raises LookupError for an unknown one, which stops start-up.
    """

    def __init__(self, path: Path, normalise_municipality: Any = None) -> None:
        self._path = path
        self._normalise = normalise_municipality or (lambda m: m)
        self._lock = threading.Lock()
        self._mtime: float | None = None
        self._by_hash: dict[str, Principal] = {}
        self._reload_if_changed()

    def verify(self, token: str) -> Principal | None:
        if not token:
            return None
        # A broken edit must not lock every client out: keep the last good table.
        # Start-up (the constructor) still fails loudly on a bad file.
        with contextlib.suppress(TokenFileError):
            self._reload_if_changed()
        # Lookup by hash: the dict probe compares digests, not secrets, so its timing
        # tells an attacker nothing about a valid token.
        return self._by_hash.get(hash_token(token))

    def _reload_if_changed(self) -> None:
        try:
            mtime = self._path.stat().st_mtime
        except OSError as exc:
            raise TokenFileError(
                f"{self._path}: cannot read the token file ({exc.strerror})"
            ) from None
        if mtime == self._mtime:
            return
        with self._lock:
            if mtime == self._mtime:
                return
            self._by_hash = self._parse(self._path.read_text(encoding="utf-8"))
            self._mtime = mtime

    def _parse(self, text: str) -> dict[str, Principal]:
        try:
            raw = json.loads(text) if self._path.suffix == ".json" else yaml.safe_load(text)
            data = _TokenFile.model_validate(raw)
        except (ValueError, yaml.YAMLError) as exc:
            problems = (
                "; ".join(
                    f"{'.'.join(str(p) for p in e['loc'][:1] + e['loc'][2:])}: {e['msg']}"
                    for e in exc.errors()
                )
                if isinstance(exc, ValidationError)
                else type(exc).__name__
            )
            # Keys are token hashes: `loc[1]` (the hash) is left out of the message anyway.
            raise TokenFileError(f"{self._path}: invalid token file: {problems}") from None
        table: dict[str, Principal] = {}
        for key, entry in data.clients.items():
            digest = key.strip().lower()
            if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
                raise TokenFileError(
                    f"{self._path}: client {entry.client!r}: key must be the sha256 hex "
                    "digest of its token, not the token itself"
                )
            municipalities: set[str] = set()
            for m in entry.municipalities:
                if m == ALL_MUNICIPALITIES:
                    municipalities.add(m)
                    continue
                try:
                    municipalities.add(self._normalise(m))
                except LookupError:
                    raise TokenFileError(
                        f"{self._path}: client {entry.client!r}: unknown municipality {m!r}"
                    ) from None
            table[digest] = Principal(
                client=entry.client,
                municipalities=frozenset(municipalities),
                scopes=frozenset(entry.scopes),
            )
        return table


def write_token_file(
    path: Path,
    clients: Iterable[tuple[str, str, list[str], list[Scope]]],
) -> None:
    """Write a token file for (token, client, municipalities, scopes); hashes only."""
    body = {
        "clients": {
            hash_token(token): {
                "client": client,
                "municipalities": municipalities,
                "scopes": [s.value for s in scopes],
            }
            for token, client, municipalities, scopes in clients
        }
    }
    path.write_text(
        "# caseflow gateway clients: sha256(token) -> client. Generated; never commit tokens.\n"
        + yaml.safe_dump(body, sort_keys=False),
        encoding="utf-8",
    )


def ensure_dev_tokens(data_dir: Path) -> tuple[Path, Path, bool]:
    """The embedded stack's token file and dev token, created on first start.

    Returns (token file, file holding the dev token, created now). The dev client may do
    everything in every municipality: it is the developer's own machine. The token file
    is private to the user (0600): it sits next to the Temporal database.
    """
    tokens_file = data_dir / DEV_TOKENS_FILE
    token_file = data_dir / DEV_TOKEN_FILE
    if tokens_file.exists() and token_file.exists():
        return tokens_file, token_file, False
    token = secrets.token_urlsafe(32)
    fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    write_token_file(tokens_file, [(token, "dev", [ALL_MUNICIPALITIES], list(Scope))])
    tokens_file.chmod(0o600)
    return tokens_file, token_file, True
