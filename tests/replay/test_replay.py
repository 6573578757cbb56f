"""Committed histories of representative cases (and of the enrolment registry) replay
against today's workflow code.

A change to the workflow that would break running cases (a non-deterministic change)
fails here. Record new histories with `python -m tests.replay.record` only for an
intended change, gated with `workflow.patched` where running cases exist.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from workers.temporal_client import data_converter
from workflows.case_workflow import CaseWorkflow
from workflows.enrolment_workflow import EnrolmentWorkflow

HISTORIES = sorted(Path(__file__).parent.glob("*.json"))


def test_histories_are_committed() -> None:
    assert len(HISTORIES) >= 4, "run `python -m tests.replay.record` and commit the histories"


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_history_replays(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())  # noqa: ASYNC240 - tiny file
    # With the 2 s deadlock detector on, as a worker runs: a view of the law as known on a
    # day compiles only what the case asks of it, so a first task on a fresh process no
    # longer compiles every decision day's law.
    replayer = Replayer(
        workflows=[CaseWorkflow, EnrolmentWorkflow],
        data_converter=data_converter(),
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None
