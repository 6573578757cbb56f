"""One trace from the HTTP request through the workflow to its activities, and the
worker's activity outcome counters on the SDK's own metrics port, beside `temporal_*`."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import httpx
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families
from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.testing import WorkflowEnvironment

from tests.gateway.conftest import _listening
from tests.gateway.test_api import new_case_id, start_body
from tests.helpers import free_port, new_worker
from tests.workflows.driver import case_activities
from workers.activity_metrics import COUNTER, ActivityOutcomeMetrics
from workers.auth import Scope, write_token_file
from workers.config import CaseflowConfig
from workers.gateway.server import run_gateway
from workers.telemetry import init_tracing
from workflows.case_workflow import CaseWorkflow
from workflows.enrolment_workflow import EnrolmentWorkflow

REPORT_EVENT = "report_event"
"""The update the events endpoint sends (`CaseWorkflow.report_event`)."""


async def test_a_request_trace_runs_through_the_workflow_into_its_activities(
    env: WorkflowEnvironment, tmp_path: Path
) -> None:
    provider = init_tracing(CaseflowConfig())
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    metrics_port = free_port()
    runtime = Runtime(
        telemetry=TelemetryConfig(
            metrics=PrometheusConfig(bind_address=f"127.0.0.1:{metrics_port}")
        )
    )
    # As the stack runs: one client with the tracing interceptor for worker and gateway.
    client = await Client.connect(
        env.client.service_client.config.target_host,
        namespace=env.client.namespace,
        data_converter=env.client.data_converter,
        interceptors=[TracingInterceptor()],
        runtime=runtime,
    )
    token = secrets.token_urlsafe(24)
    tokens_file = tmp_path / "tokens.yaml"
    write_token_file(tokens_file, [(token, "thisted", ["thisted"], [Scope.READ, Scope.WRITE])])
    try:
        async with new_worker(
            client,
            CaseWorkflow,
            EnrolmentWorkflow,
            activities=case_activities(tmp_path),
            interceptors=[ActivityOutcomeMetrics()],
        ) as worker:
            port = free_port()
            config = CaseflowConfig(
                namespace=env.client.namespace,
                task_queue=worker.task_queue,
                gateway_port=port,
                gateway_tokens_file=tokens_file,
                demo_features=True,
                data_dir=tmp_path,
            )
            stop = asyncio.Event()
            serving = asyncio.create_task(run_gateway(config, stop, client=client))
            await _listening(port, serving)
            try:
                async with httpx.AsyncClient(
                    base_url=f"http://127.0.0.1:{port}",
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=30,
                ) as http:
                    case_id = new_case_id()
                    started = await http.post("/v1/cases", json=start_body(case_id))
                    assert started.status_code == 201, started.text
                    event = {"type": "screened", "event_id": "e-1", "date": "2019-03-04"}
                    reported = await http.post(
                        f"/v1/cases/thisted/{case_id}/events", json={**event, "category": 2}
                    )
                    assert reported.status_code == 200, reported.text
                update_trace = int(reported.headers["x-trace-id"], 16)
                trace_id = int(started.headers["x-trace-id"], 16)
                names: set[str] = set()
                for _ in range(200):
                    names = {
                        s.name
                        for s in exporter.get_finished_spans()
                        if s.context.trace_id == trace_id
                    }
                    wanted = ("RunActivity:", f"HandleUpdate:{REPORT_EVENT}")
                    if all(any(n.startswith(w) for n in names) for w in wanted):
                        break
                    await asyncio.sleep(0.05)
            finally:
                stop.set()
                await serving
            async with httpx.AsyncClient() as http:
                scraped = (await http.get(f"http://127.0.0.1:{metrics_port}/metrics")).text
        spans = exporter.get_finished_spans()
    finally:
        exporter.shutdown()
    in_update = {s.name for s in spans if s.context.trace_id == update_trace}
    assert "POST /v1/cases/{municipality}/{case_id}/events" in in_update, in_update
    assert any(n.startswith("StartWorkflowUpdate:") for n in in_update), in_update
    assert "POST /v1/cases" in names, names
    # A case opens with update-with-start (idempotent opens): its client span is that one.
    assert any(n.startswith("StartUpdateWithStartWorkflow:") for n in names), names
    assert any(n.startswith("RunWorkflow:") for n in names), names
    assert any(n.startswith("RunActivity:") for n in names), names
    # The update's handler runs inside the workflow, so its span is in the workflow's trace
    # (the opening request's), linked to the event request's client span that sent it.
    update_client = next(
        s
        for s in spans
        if s.context.trace_id == update_trace and s.name.startswith("StartWorkflowUpdate:")
    )
    for step in ("ValidateUpdate", "HandleUpdate"):
        handled = [
            s
            for s in spans
            if s.name == f"{step}:{REPORT_EVENT}"
            and any(link.context.span_id == update_client.context.span_id for link in s.links)
        ]
        assert len(handled) == 1, (step, sorted(s.name for s in spans))
        assert handled[0].context.trace_id == trace_id
        assert handled[0].attributes is not None
        assert str(handled[0].attributes["temporalWorkflowID"]).endswith(case_id)
    server = next(s for s in spans if s.name == "POST /v1/cases")
    assert server.attributes is not None and server.attributes["http.route"] == "/v1/cases"

    outcomes = [
        sample
        for family in text_string_to_metric_families(scraped)
        for sample in family.samples
        if sample.name.startswith(COUNTER)
    ]
    assert outcomes, "the activity counters are on the SDK's metrics port"
    assert all(s.labels["task_queue"] == worker.task_queue for s in outcomes)
    assert {s.labels["outcome"] for s in outcomes} <= {
        "created",
        "existing",
        "overbooked",
        "completed",
        "rejected",
        "retrying",
    }
    assert any(name.startswith("temporal_") for name in scraped.split())
