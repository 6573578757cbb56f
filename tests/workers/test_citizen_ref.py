"""The citizen reference key: keyed, stable, never CPR-shaped, kept out of the repository."""

from __future__ import annotations

import base64
import secrets
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from activities.citizen_limit_models import check_citizen_ref, limit_workflow_id
from domain.case.identifiers import check_reference, looks_like_cpr
from workers.citizen_ref import (
    CitizenRefKeyError,
    citizen_reference,
    load_key,
    normal_cpr,
    with_dev_key,
)
from workers.config import CaseflowConfig, load_config
from workers.redaction import CPR_MASK

KEY = secrets.token_bytes(32)


@given(st.from_regex(r"\A[0-9]{10}\Z"))
def test_a_reference_is_never_cpr_shaped_and_passes_every_identifier_check(digits: str) -> None:
    ref = citizen_reference(KEY, digits)
    assert check_citizen_ref(ref) == ref
    with pytest.raises(ValueError, match="citizen_ref must be"):
        check_citizen_ref(ref + "\n")
    assert check_reference(ref, "citizen_ref") == ref
    workflow_id = limit_workflow_id(ref)
    assert not looks_like_cpr(workflow_id) and digits not in workflow_id


def test_the_reference_depends_on_the_key() -> None:
    digits = "0101901234"
    assert citizen_reference(KEY, digits) == citizen_reference(KEY, digits)
    assert citizen_reference(secrets.token_bytes(32), digits) != citizen_reference(KEY, digits)


@pytest.mark.parametrize(
    ("given_", "normal"),
    [("010190-1234", "0101901234"), ("0101901234", "0101901234"), ("320190-1234", None),
     ("011390-1234", None), ("01019-01234", None), ("0101901234 ", None),
     ("0101901234\n", None), ("\u0661" * 10, None)],
)  # fmt: skip
def test_only_a_cpr_shaped_number_with_a_real_day_and_month_is_taken(
    given_: str, normal: str | None
) -> None:
    assert normal_cpr(given_) == normal


def test_the_key_comes_from_the_environment_and_a_bad_one_is_named_not_shown(
    tmp_path: Path,
) -> None:
    encoded = base64.b64encode(KEY).decode()
    config = load_config(environ={"CASEFLOW_CITIZEN_REF_KEY": encoded})
    assert load_key(config) == KEY
    assert encoded not in repr(config)  # a secret, not printed with the config
    short = CaseflowConfig(citizen_ref_key=SecretStr(base64.b64encode(b"short").decode()))
    with pytest.raises(CitizenRefKeyError, match="CASEFLOW_CITIZEN_REF_KEY: the key must be 32"):
        load_key(short)
    with pytest.raises(CitizenRefKeyError, match="CASEFLOW_CITIZEN_REF_KEY_FILE: cannot read"):
        load_key(CaseflowConfig(citizen_ref_key_file=tmp_path / "missing"))


def test_caseflow_up_keeps_a_dev_key_in_the_data_dir_readable_by_its_owner_only(
    tmp_path: Path,
) -> None:
    config = with_dev_key(CaseflowConfig(data_dir=tmp_path))
    assert config.citizen_ref_key_file == tmp_path / "citizen-ref.key"
    assert stat.S_IMODE(config.citizen_ref_key_file.stat().st_mode) == 0o600
    key = load_key(config)
    assert key is not None and len(key) == 32
    again = with_dev_key(CaseflowConfig(data_dir=tmp_path))  # a restart keeps the key
    assert load_key(again) == key


def test_the_log_scrubber_never_masks_a_reference() -> None:
    # The scrubber is a safety net for CPR numbers; a reference must pass it untouched,
    # or logs would lose the one name a citizen's registry has.
    ref = citizen_reference(KEY, "0101901234")
    assert CPR_MASK not in ref and not looks_like_cpr(ref)
