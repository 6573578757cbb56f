"""On the session's dev server: what Temporal stores is ciphertext, failures included.

The session `env` runs with the codec (tests/conftest.py), so this also proves the wiring
of `data_converter(codec)`: every workflow test in the suite goes through it.
"""

from __future__ import annotations

import pytest
from temporalio.api.common.v1 import Payload, WorkflowExecution
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.api.workflowservice.v1 import GetWorkflowExecutionHistoryRequest
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError

from tests.codec.workflows import EchoWorkflow, RefuseWorkflow
from tests.helpers import new_worker, new_workflow_id
from workers.codec import ENCODING, KEY_ID_METADATA, KeyRing

MARKER = "SYNTHETIC-HEALTH-NOTE-7f3a discus prolapse"


async def raw_history(client: Client, workflow_id: str) -> list[HistoryEvent]:
    """History exactly as the server stores it: no data converter, no codec."""
    response = await client.workflow_service.get_workflow_execution_history(
        GetWorkflowExecutionHistoryRequest(
            namespace=client.namespace, execution=WorkflowExecution(workflow_id=workflow_id)
        )
    )
    return list(response.history.events)


def assert_encrypted(payload: Payload, key_id: str) -> None:
    assert payload.metadata["encoding"] == ENCODING
    assert payload.metadata[KEY_ID_METADATA] == key_id.encode()
    assert MARKER.encode() not in payload.data


async def test_history_payloads_are_encrypted(client: Client, codec_keyring: KeyRing) -> None:
    async with new_worker(client, EchoWorkflow) as worker:
        workflow_id = new_workflow_id("codec-echo")
        result = await client.execute_workflow(
            EchoWorkflow.run, MARKER, id=workflow_id, task_queue=worker.task_queue
        )
    assert result == f"echo {MARKER}"  # the client decrypts transparently
    events = await raw_history(client, workflow_id)
    started = events[0].workflow_execution_started_event_attributes
    completed = next(
        e for e in events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED
    ).workflow_execution_completed_event_attributes
    for payload in [*started.input.payloads, *completed.result.payloads]:
        assert_encrypted(payload, codec_keyring.active)
    assert MARKER.encode() not in b"".join(e.SerializeToString() for e in events)


async def test_failure_messages_and_details_are_encrypted(
    client: Client, codec_keyring: KeyRing
) -> None:
    async with new_worker(client, RefuseWorkflow) as worker:
        workflow_id = new_workflow_id("codec-refuse")
        with pytest.raises(WorkflowFailureError) as caught:
            await client.execute_workflow(
                RefuseWorkflow.run, MARKER, id=workflow_id, task_queue=worker.task_queue
            )
    # A client holding the key sees the real message and details.
    cause = caught.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.message == f"refused: {MARKER}"
    assert cause.details == ({"quoted": MARKER},)
    # The server (and its UI without the codec endpoint) does not.
    events = await raw_history(client, workflow_id)
    failed = next(
        e for e in events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED
    ).workflow_execution_failed_event_attributes.failure
    assert failed.message == "Encoded failure"
    assert failed.stack_trace == ""
    assert_encrypted(failed.encoded_attributes, codec_keyring.active)
    for payload in failed.application_failure_info.details.payloads:
        assert_encrypted(payload, codec_keyring.active)
    assert MARKER.encode() not in b"".join(e.SerializeToString() for e in events)
