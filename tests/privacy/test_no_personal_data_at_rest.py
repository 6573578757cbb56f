"""No synthetic personal value reaches Temporal's database or the logs in clear.

A `caseflow up`-like stack of our own (dev server on a file-backed SQLite in a temp data
dir, the production worker with the codec) runs a case with synthetic health details in
the one free-text field the domain accepts (a meeting's `form`), and is sent the same kind
of values where the domain refuses them (documentation, RT recommendation, a CPR-shaped
case id). Then the server is stopped and every byte of every file in the data dir (the
SQLite database incl. visibility tables, WAL, the outbox, the server log) and the captured
log output are searched for each value. All values are synthetic.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from temporalio.client import Client, WorkflowFailureError, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from domain.case.engine import CaseStart
from domain.case.events import MeetingHeld, Screened
from domain.case.scenario import Scenario, load_scenario
from tests.helpers import free_port, new_workflow_id
from workers.config import CaseflowConfig
from workers.demo import DemoCase, run_demo
from workers.devserver import DevServer, dev_server_args, resolve_temporal_bin, with_stack_keys
from workers.temporal_client import connect, data_converter
from workers.worker import build_worker
from workflows.case_models import CaseClock, CaseWorkflowInput, ReportEventInput, workflow_id_for
from workflows.case_workflow import CaseWorkflow

pytestmark = pytest.mark.e2e

SCENARIO = Path(__file__).parent.parent / "scenarios" / "thisted_sdp_standard_to_jaf.yaml"

# Accepted by the domain and stored in the case (timeline summary): free text.
ACCEPTED_FORM = "SYNTHETIC-F32.1-moderat-depressiv-episode-QX7"
# Refused by the domain; the refusal must not echo them into anything persistent.
REFUSED_DOCUMENTATION = "SYNTHETIC-DOC-hjertesvigt-NYHA3-ZK9"
REFUSED_RECOMMENDATION = "SYNTHETIC-RT-angstbehandling-psykiater-WM2"
CPR_SHAPED = "240388-7719"  # shape only; synthetic
PLAIN_CONTROL = "SYNTHETIC-CONTROL-unencrypted-on-purpose"
SYNTHETIC_VALUES = [
    ACCEPTED_FORM,
    REFUSED_DOCUMENTATION,
    REFUSED_RECOMMENDATION,
    CPR_SHAPED,
    CPR_SHAPED.replace("-", ""),
]


@dataclass
class Stack:
    config: CaseflowConfig
    client: Client
    server: DevServer


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    config = CaseflowConfig(
        data_dir=tmp_path / "data",
        grpc_port=free_port(),
        ui_port=free_port(),
        gateway_port=free_port(),
        metrics_port=0,
    )
    config.data_dir.mkdir()
    config, created = with_stack_keys(config)  # what `caseflow up` does: DATA_DIR/keys.json
    assert created
    args = dev_server_args(config, resolve_temporal_bin(config))
    server = DevServer(args, config.data_dir / "temporal.log")
    server.start()
    try:

        async def probe() -> Client:
            return await connect(config, address=config.embedded_address)

        client = await server.wait_ready(probe, within=30)
        assert client is not None
        yield Stack(config, client, server)
    finally:
        server.stop()


def data_dir_bytes(data_dir: Path) -> dict[str, bytes]:
    """Every file the stack wrote, except the key file (the only secret meant to be there)."""
    return {
        p.name: p.read_bytes() for p in data_dir.iterdir() if p.is_file() and p.name != "keys.json"
    }


async def test_synthetic_personal_values_never_reach_disk_or_logs_in_clear(
    stack: Stack, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    config, client = stack.config, stack.client
    base = load_scenario(SCENARIO)
    # The Thisted case up to its first follow-up, held in the form the citizen asked for
    # (free text carrying a synthetic diagnosis).
    events = [
        *base.events[:2],
        MeetingHeld(**{**base.events[2].model_dump(), "form": ACCEPTED_FORM}),
    ]
    scenario = Scenario(
        name="privacy probe",
        case=CaseStart(**{**base.case.model_dump(), "case_id": "SIM-PRIV-0001"}),
        events=events,
        until=date(2019, 4, 24),
    )
    case = DemoCase(scenario, workflow_id_for("787", "SIM-PRIV-0001"), "787")

    with ThreadPoolExecutor(max_workers=4) as executor:
        async with build_worker(client, config, executor):
            [result] = await run_demo(client, config.task_queue, cases=[case], show_progress=False)
            assert result.refused_events == 0, "the free-text form must be accepted"
            handle = client.get_workflow_handle(case.workflow_id)
            timeline = await handle.query(CaseWorkflow.timeline)
            # Stored in the case: so finding it nowhere on disk below means encrypted.
            assert any(ACCEPTED_FORM in entry.summary for entry in timeline)

            refused = [
                Screened(
                    event_id="priv-doc",
                    effective_date=date(2019, 4, 24),
                    category=2,
                    documentation=REFUSED_DOCUMENTATION,
                ),
                MeetingHeld(
                    event_id="priv-rt",
                    effective_date=date(2019, 4, 24),
                    meeting="rt_meeting",
                    recommendation=REFUSED_RECOMMENDATION,
                ),
            ]
            for event in refused:
                with pytest.raises(WorkflowUpdateFailedError):
                    await handle.execute_update(
                        CaseWorkflow.report_event, ReportEventInput(event=event)
                    )

            # A CPR-shaped case id inside the (encrypted) input: refused, and not echoed.
            cpr_start = CaseStart(**{**base.case.model_dump(), "case_id": CPR_SHAPED})
            with pytest.raises(WorkflowFailureError) as failed:
                await client.execute_workflow(
                    CaseWorkflow.run,
                    CaseWorkflowInput(
                        start=cpr_start, clock=CaseClock(legal_anchor=cpr_start.opened_on)
                    ),
                    id=new_workflow_id("case-priv-cpr"),
                    task_queue=config.task_queue,
                )
            cause = failed.value.cause
            assert isinstance(cause, ApplicationError)
            assert cause.type == "EventRefused"
            assert "CPR" in cause.message
            assert CPR_SHAPED not in cause.message
            assert CPR_SHAPED not in str(cause.details)

    # Control: a payload written *without* the codec is found by the same scan, so the scan
    # does see history payload blobs (not only ids and search attributes).
    plain = await Client.connect(config.embedded_address, data_converter=data_converter())
    await plain.start_workflow(
        "NoSuchWorkflow", PLAIN_CONTROL, id=new_workflow_id("control"), task_queue="nobody"
    )

    code = stack.server.stop()
    assert code is not None
    files = data_dir_bytes(config.data_dir)
    assert "temporal.db" in files and len(files["temporal.db"]) > 100_000
    for name, content in files.items():
        for value in SYNTHETIC_VALUES:
            assert value.encode() not in content, f"{value} found in clear in {name}"
    # Sanity check of the scan itself: non-personal metadata *is* stored in clear.
    assert case.workflow_id.encode() in files["temporal.db"]
    assert b"sygedagpenge" in files["temporal.db"]  # the CasePhase search attribute
    assert any(PLAIN_CONTROL.encode() in content for content in files.values())

    out, err = capfd.readouterr()
    logged = "\n".join(
        [out, err, *(r.getMessage() + " " + str(r.__dict__) for r in caplog.records)]
    )
    for value in SYNTHETIC_VALUES:
        assert value not in logged, f"{value} found in the log output"
