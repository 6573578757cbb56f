"""Logging: one format per process, Temporal's stdlib loggers included, no CPR numbers."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from workers.config import LogFormat
from workers.logging_setup import CPR_MASK, configure_logging, get_logger


@pytest.fixture
def json_stream() -> Iterator[io.StringIO]:
    """Route all logging to a buffer as JSON; restore a quiet root logger afterwards."""
    stream = io.StringIO()
    configure_logging(LogFormat.JSON, "INFO", stream=stream, force=True)
    yield stream
    structlog.reset_defaults()
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    structlog.contextvars.clear_contextvars()


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line]


def test_structlog_and_stdlib_loggers_both_render_as_json(json_stream: io.StringIO) -> None:
    structlog.contextvars.bind_contextvars(case_id="case-0101-42")
    get_logger("caseflow.test").info("obligation due", obligation="sdp.followup.3")
    logging.getLogger("temporalio.worker").warning("poller slow")
    first, second = lines(json_stream)
    assert first["event"] == "obligation due"
    assert first["case_id"] == "case-0101-42"
    assert first["level"] == "info"
    assert second["event"] == "poller slow"
    assert second["logger"] == "temporalio.worker"
    assert second["case_id"] == "case-0101-42"  # contextvars reach stdlib records too


def test_temporal_workflow_ids_arrive_as_structured_keys(json_stream: io.StringIO) -> None:
    logging.getLogger("temporalio.workflow").info(
        "timer fired",
        extra={"temporal_workflow": {"workflow_id": "case-0101-42"}, "other": "dropped"},
    )
    (line,) = lines(json_stream)
    assert line["temporal_workflow"] == {"workflow_id": "case-0101-42"}
    assert "other" not in line


def test_cpr_numbers_are_masked_wherever_they_appear(json_stream: io.StringIO) -> None:
    get_logger().info("looked up 010190-1234", note={"cpr": "0101901234"})
    logging.getLogger("x").error("citizen %s", "311299-9999")
    first, second = lines(json_stream)
    assert "010190-1234" not in json_stream.getvalue()
    assert "0101901234" not in json_stream.getvalue()
    assert first["event"] == f"looked up {CPR_MASK}"
    assert first["note"] == {"cpr": CPR_MASK}
    assert second["event"] == f"citizen {CPR_MASK}"


def test_timestamps_and_other_digits_are_not_mistaken_for_cpr(json_stream: io.StringIO) -> None:
    get_logger().info("epoch 1763812345 and case 4242424242")
    (line,) = lines(json_stream)
    assert line["event"] == "epoch 1763812345 and case 4242424242"


def test_exceptions_render_as_structured_tracebacks(json_stream: io.StringIO) -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("x").exception("failed")
    (line,) = lines(json_stream)
    assert line["exception"][0]["exc_type"] == "ValueError"  # type: ignore[index]


def test_console_format_is_not_json() -> None:
    stream = io.StringIO()
    try:
        configure_logging(LogFormat.CONSOLE, "INFO", stream=stream, force=True)
        get_logger().info("hello", case_id="c-1")
        assert "hello" in stream.getvalue()
        assert not stream.getvalue().lstrip().startswith("{")
    finally:
        structlog.reset_defaults()
        for handler in list(logging.getLogger().handlers):
            logging.getLogger().removeHandler(handler)
