"""Telemetry set up once per process: the Temporal `Runtime` (metrics, Core logs) and tracing.

`init_runtime` is the single place that decides where metrics, Core logs and spans go, in
the spirit of samples-python's `init_runtime_with_telemetry()`. Clients built by
`workers.temporal_client.connect` take the returned runtime.

Spans leave the process through `RedactingSpanExporter`, which scrubs span names, attributes,
event attributes (a recorded exception's message and stack trace) and status descriptions
with the same rules as the logs (`workers.redaction`). Core's forwarded logs go through the
stdlib logging chain of `workers.logging_setup`, and are scrubbed there.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.trace import Status
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    PrometheusConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)

from workers.config import CaseflowConfig, OtelExporter
from workers.redaction import scrub, scrub_text

_tracer_provider: TracerProvider | None = None


def _attributes(attributes: Mapping[str, Any] | None) -> dict[str, Any]:
    # OTel attribute values are primitives or sequences of them; keep sequences as tuples.
    cleaned: dict[str, Any] = {}
    for key, value in (scrub(dict(attributes or {}))).items():
        cleaned[key] = tuple(value) if isinstance(value, list) else value
    return cleaned


def redacted_span(span: ReadableSpan) -> ReadableSpan:
    """A copy of `span` with every name, attribute, event and status text scrubbed."""
    status = span.status
    if status.description:
        status = Status(status.status_code, scrub_text(status.description))
    events: Sequence[Event] = [
        Event(scrub_text(e.name), _attributes(e.attributes), timestamp=e.timestamp)
        for e in span.events
    ]
    return ReadableSpan(
        name=scrub_text(span.name),
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=_attributes(span.attributes),
        events=events,
        links=span.links,
        kind=span.kind,
        status=status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class RedactingSpanExporter(SpanExporter):
    """Wraps the real exporter: what leaves the process is scrubbed, whoever set it
    (our code, Temporal's TracingInterceptor, a library's instrumentation)."""

    def __init__(self, exporter: SpanExporter) -> None:
        self.exporter = exporter

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self.exporter.export([redacted_span(span) for span in spans])

    def shutdown(self) -> None:
        self.exporter.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.exporter.force_flush(timeout_millis)


def metrics_bind_address(config: CaseflowConfig) -> str | None:
    if config.metrics_port == 0:
        return None
    return f"{config.bind_host}:{config.metrics_port}"


def init_runtime(config: CaseflowConfig, *, service_name: str = "caseflow") -> Runtime:
    """Create the Temporal runtime for this process and install the tracer provider.

    - Prometheus `/metrics` on `bind_host:metrics_port` unless the port is 0.
    - Core (Rust) logs forwarded to the stdlib logger `temporalio.core`, so they are rendered
      by structlog like everything else instead of going raw to stderr.
    - OpenTelemetry spans exported to the console or OTLP/HTTP, or nowhere.

    Call it once per process: each Runtime owns a thread pool, and a metrics port can only
    be bound once.
    """
    init_tracing(config, service_name=service_name)
    bind = metrics_bind_address(config)
    telemetry = TelemetryConfig(
        logging=LoggingConfig(
            filter=TelemetryFilter(core_level="WARN", other_level="ERROR"),
            forwarding=LogForwardingConfig(logger=logging.getLogger("temporalio.core")),
        ),
        metrics=PrometheusConfig(bind_address=bind) if bind else None,
        # Not "service_name": Core already sets that label, and a duplicate label makes
        # the Prometheus exposition invalid.
        global_tags={"caseflow_process": service_name},
    )
    return Runtime(telemetry=telemetry)


def init_tracing(config: CaseflowConfig, *, service_name: str = "caseflow") -> TracerProvider:
    """Install the global tracer provider (once; OpenTelemetry refuses to replace it)."""
    global _tracer_provider  # noqa: PLW0603 - the OTel provider is process-global by design
    if _tracer_provider is not None:
        return _tracer_provider
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service_name}))
    if config.otel_exporter is OtelExporter.CONSOLE:
        # Simple (synchronous) processor: console output is for humans watching locally.
        provider.add_span_processor(
            SimpleSpanProcessor(RedactingSpanExporter(ConsoleSpanExporter()))
        )
    elif config.otel_exporter is OtelExporter.OTLP:
        provider.add_span_processor(
            BatchSpanProcessor(RedactingSpanExporter(OTLPSpanExporter(config.otel_endpoint)))
        )
    trace.set_tracer_provider(provider)
    _tracer_provider = provider
    return provider


def shutdown_tracing() -> None:
    """Flush buffered spans; called on the way out so the last spans are not lost."""
    if _tracer_provider is not None:
        _tracer_provider.shutdown()
