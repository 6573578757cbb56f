"""The factory the worker calls to build the case activities."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.testing import ActivityEnvironment

from activities.embedded import OUTBOX_FILENAME, OutboxStore
from activities.factory import build_case_activities
from activities.models import CaseRef, NotificationInput


async def test_embedded_is_persisted_under_the_data_dir(tmp_path: Path) -> None:
    """The embedded adapters write to DATA_DIR/outbox.db, creating the directory."""
    data_dir = tmp_path / "data"
    acts = build_case_activities("embedded", data_dir)
    notice = NotificationInput(
        case=CaseRef(workflow_id="case-1", municipality="0101", case_id="S-1"),
        notice_id="n-1",
        kind="invite",
        summary="x",
    )
    await ActivityEnvironment().run(acts.notify_citizen, notice)
    await acts.aclose()

    rows = OutboxStore(data_dir / OUTBOX_FILENAME).list_notifications("case-1")
    assert [r.notice_id for r in rows] == ["n-1"]


async def test_http_needs_url_and_token(tmp_path: Path) -> None:
    """The http adapter refuses to start without its base URL and token."""
    with pytest.raises(ValueError, match="http_base_url and http_token"):
        build_case_activities("http", tmp_path, http_base_url="http://localhost:1")
    acts = build_case_activities("http", tmp_path, "http://localhost:1", "token")
    await acts.aclose()


def test_unknown_adapter_is_refused(tmp_path: Path) -> None:
    """A misspelt adapter name fails at start-up, not at the first activity."""
    with pytest.raises(ValueError, match="unknown activity adapter 'sqlite'"):
        build_case_activities("sqlite", tmp_path)
