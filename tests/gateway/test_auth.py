"""The token file store and the visibility query builder, without a server."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest

from domain.rulebook import load_rulebook
from workers.auth import (
    Scope,
    TokenFileError,
    TokenFileStore,
    ensure_dev_tokens,
    hash_token,
    write_token_file,
)
from workers.gateway.listing import CaseFilter, build_query

HASH = hash_token("x")


def _store(path: Path) -> TokenFileStore:
    rules = load_rulebook()
    return TokenFileStore(path, lambda m: rules.municipality(str(m)).id)


def test_tokens_resolve_to_principals_with_normalised_municipalities(tmp_path: Path) -> None:
    path = tmp_path / "tokens.yaml"
    write_token_file(path, [("s3cret", "momentum", ["Thisted", "851"], [Scope.READ])])
    who = _store(path).verify("s3cret")
    assert who is not None
    assert who.client == "momentum"
    assert who.municipalities == {"thisted", "aalborg"}
    assert who.scopes == {Scope.READ}
    assert who.may_see("thisted")
    assert not who.may_see("jammerbugt")
    assert _store(path).verify("S3cret") is None
    assert _store(path).verify("") is None
    assert "s3cret" not in path.read_text(), "only hashes are stored"


def test_json_files_work_too(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(
        json.dumps(
            {
                "clients": {
                    hash_token("t"): {"client": "op", "municipalities": ["*"], "scopes": ["decode"]}
                }
            }
        )
    )
    who = _store(path).verify("t")
    assert who is not None
    assert who.all_municipalities
    assert who.may_see("laesoe")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "clients:\n  plain-token: {client: a, municipalities: [thisted], scopes: [read]}\n",
            "sha256 hex digest",
        ),
        (
            f"clients:\n  {HASH}: {{client: a, municipalities: [atlantis], scopes: [read]}}\n",
            "unknown municipality 'atlantis'",
        ),
        (
            f"clients:\n  {HASH}: {{client: a, municipalities: [thisted], scopes: [admin]}}\n",
            "scopes",
        ),
        ("clients: [\n", "invalid token file"),
    ],
)
def test_a_bad_token_file_stops_start_up_naming_the_problem(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "tokens.yaml"
    path.write_text(content)
    with pytest.raises(TokenFileError, match=message) as caught:
        _store(path)
    assert "plain-token" not in str(caught.value), "a key is never repeated"


def test_a_missing_token_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TokenFileError, match="cannot read"):
        _store(tmp_path / "nope.yaml")


def test_rotation_is_picked_up_without_restart(tmp_path: Path) -> None:
    path = tmp_path / "tokens.yaml"
    write_token_file(path, [("old", "c", ["thisted"], [Scope.READ])])
    store = _store(path)
    assert store.verify("old") is not None
    write_token_file(path, [("new", "c", ["thisted"], [Scope.READ])])
    os.utime(path, (1, 2))  # a different mtime, even within the filesystem's resolution
    assert store.verify("old") is None
    assert store.verify("new") is not None
    path.write_text("clients: [\n")  # a broken edit keeps the last good table
    os.utime(path, (3, 4))
    assert store.verify("new") is not None


def test_dev_tokens_are_created_once_and_private(tmp_path: Path) -> None:
    tokens_file, token_file, created = ensure_dev_tokens(tmp_path)
    assert created
    assert (token_file.stat().st_mode & 0o777) == 0o600
    assert (tokens_file.stat().st_mode & 0o777) == 0o600
    token = token_file.read_text().strip()
    who = _store(tokens_file).verify(token)
    assert who is not None
    assert who.scopes == set(Scope)
    assert ensure_dev_tokens(tmp_path) == (tokens_file, token_file, False)
    assert token_file.read_text().strip() == token


def test_the_visibility_query_is_built_from_checked_values_only() -> None:
    query = build_query(
        CaseFilter(
            municipalities=["thisted", "aalborg"],
            phase="sygedagpenge",
            regime="TRIAL:FK-2.a.2",
            overdue=True,
            deadline_before=date(2020, 1, 1),
        )
    )
    assert query == (
        "WorkflowType = 'CaseWorkflow' AND ExecutionStatus != 'ContinuedAsNew' AND "
        "CaseMunicipality IN ('aalborg', 'thisted') AND CasePhase = 'sygedagpenge' AND "
        "CaseRegimes = 'TRIAL:FK-2.a.2' AND CaseOverdue = true AND "
        "CaseNextDeadline < '2020-01-01T00:00:00Z'"
    )
    with pytest.raises(ValueError, match="regime"):
        CaseFilter(municipalities=None, regime="x' OR '1'='1")
    assert "CaseMunicipality" not in build_query(CaseFilter(municipalities=None))
