"""The scrubber under logs and spans: what it masks, what it leaves readable."""

from __future__ import annotations

import io
import logging
import secrets

import structlog
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode

from workers.config import LogFormat
from workers.logging_setup import configure_logging
from workers.redaction import CPR_MASK, REDACTED, scrub, scrub_text
from workers.telemetry import RedactingSpanExporter


def _cpr() -> str:
    return f"1103{secrets.randbelow(100):02d}{secrets.randbelow(10000):04d}"


def test_bearer_tokens_auth_headers_and_query_strings_are_masked() -> None:
    token = secrets.token_urlsafe(24)
    text = (
        f"Authorization: Bearer {token}; (b'authorization', b'Bearer {token}') "
        f"GET https://idp.example/userinfo?access_token={token}&x=1 token={token}"
    )
    assert token not in scrub_text(text)
    assert "Bearer <redacted>" in scrub_text(f"Authorization: Bearer {token}")


def test_bare_random_tokens_are_masked_but_ids_and_names_stay_readable() -> None:
    assert all(scrub_text(secrets.token_urlsafe(32)) == REDACTED for _ in range(50))
    for readable in (
        "case-851-CASE-2024-000123",
        "case-787-Sag2024-Aalborg-01",
        "01a23c77-534c-7545-8971-ba869964d8f5",
        "WorkflowUpdateRPCTimeoutOrCancelledError",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ):
        assert scrub_text(readable) == readable


def test_cpr_shaped_numbers_are_masked_with_or_without_the_dash() -> None:
    cpr = _cpr()
    masked = scrub_text(f"citizen {cpr} / {cpr[:6]}-{cpr[6:]} / case{cpr}x")
    assert cpr not in masked
    assert cpr[:6] not in masked
    assert masked.count(CPR_MASK) == 3


def test_bodies_and_headers_are_dropped_by_key_but_counts_are_kept() -> None:
    event = {
        "body": {"recommendation": "anything"},
        "request_body": b'{"a": 1}',
        "headers": {"Authorization": "Basic abc", "Content-Type": "application/json"},
        "payloads": 3,
        "nested": [{"token": "t"}, ("ok", b"raw")],
    }
    assert scrub(event) == {
        "body": REDACTED,
        "request_body": REDACTED,
        "headers": {"Authorization": REDACTED, "Content-Type": "application/json"},
        "payloads": 3,
        "nested": [{"token": REDACTED}, ["ok", "<3 bytes redacted>"]],
    }


def test_console_tracebacks_show_no_frame_locals_and_are_scrubbed() -> None:
    stream = io.StringIO()
    token = secrets.token_urlsafe(24)
    configure_logging(LogFormat.CONSOLE, "DEBUG", stream=stream, force=True)
    try:
        secret_local = f"bodymarker-{secrets.token_hex(4)}"
        try:
            raise ValueError(f"refused Authorization: Bearer {token} {secret_local[:4]}")
        except ValueError:
            logging.getLogger("x").debug("failed", exc_info=True)
        out = stream.getvalue()
        assert "ValueError" in out
        assert token not in out
        assert secret_local not in out
    finally:
        structlog.reset_defaults()
        for handler in list(logging.getLogger().handlers):
            logging.getLogger().removeHandler(handler)


def test_exported_spans_carry_no_token_or_cpr_in_attributes_events_or_status() -> None:
    token, cpr = secrets.token_urlsafe(24), _cpr()
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(RedactingSpanExporter(memory)))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span(f"POST /v1/cases/{cpr}") as span:
        span.set_attribute("http.request.header.authorization", f"Bearer {token}")
        span.set_attribute("http.url", f"http://gw/v1/cases?token={token}")
        span.set_attribute("citizens", [cpr, "ok"])
        span.record_exception(RuntimeError(f"subject {cpr} token {token}"))
        span.set_status(Status(StatusCode.ERROR, f"failed for {cpr}"))
    (exported,) = memory.get_finished_spans()
    rendered = exported.to_json()
    assert token not in rendered
    assert cpr not in rendered
    assert exported.attributes is not None
    assert exported.attributes["citizens"] == (CPR_MASK, "ok")
    assert exported.events[0].name == "exception"
    assert exported.status.status_code is StatusCode.ERROR
    provider.shutdown()
