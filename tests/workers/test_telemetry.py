"""Telemetry: the runtime serves Prometheus metrics, the client carries our converter."""

from __future__ import annotations

import httpx
from temporalio.api.common.v1 import Payload
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import PayloadCodec
from temporalio.testing import WorkflowEnvironment

from tests.helpers import free_port
from workers.config import CaseflowConfig
from workers.telemetry import init_runtime, metrics_bind_address
from workers.temporal_client import connect, data_converter


class _Reverse(PayloadCodec):
    async def encode(self, payloads: list[Payload]) -> list[Payload]:  # type: ignore[override]
        return [Payload(metadata=p.metadata, data=p.data[::-1]) for p in payloads]

    async def decode(self, payloads: list[Payload]) -> list[Payload]:  # type: ignore[override]
        return [Payload(metadata=p.metadata, data=p.data[::-1]) for p in payloads]


def test_data_converter_is_pydantic_and_takes_a_codec() -> None:
    assert data_converter() is pydantic_data_converter
    codec = _Reverse()
    with_codec = data_converter(codec)
    assert with_codec.payload_codec is codec
    assert with_codec.payload_converter_class is pydantic_data_converter.payload_converter_class


def test_metrics_port_zero_means_no_endpoint() -> None:
    assert metrics_bind_address(CaseflowConfig(metrics_port=0)) is None


async def test_runtime_serves_prometheus_metrics_of_a_connected_client(
    env: WorkflowEnvironment,
) -> None:
    port = free_port()
    target = env.client.service_client.config.target_host
    config = CaseflowConfig(metrics_port=port, temporal_address=target)
    runtime = init_runtime(config, service_name="test")
    client: Client = await connect(
        config, runtime=runtime, codec=env.client.data_converter.payload_codec
    )
    await client.count_workflows()  # make Core emit at least one request metric
    async with httpx.AsyncClient() as http:
        response = await http.get(f"http://127.0.0.1:{port}/metrics")
    assert response.status_code == 200
    assert 'caseflow_process="test"' in response.text
