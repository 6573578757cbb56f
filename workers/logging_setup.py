"""structlog configured once per process, with stdlib logging routed through it.

Temporal's own loggers (`temporalio.*`, `workflow.logger`, `activity.logger`, and Core's
Rust logs once forwarded by `workers.telemetry`) are stdlib loggers; they reach the same
renderer through `structlog.stdlib.ProcessorFormatter` and its `foreign_pre_chain`, so a
process emits one format only.

Personal data and secrets: we log case ids and workflow ids, never CPR numbers, health
details, tokens or request bodies. Two safety nets stand under that rule, for every logger
and every level, as the last steps before rendering:

- exceptions are rendered without frame locals (a local may hold the bearer token, the raw
  body, the citizen's record); file, line, function and the exception's message remain;
- `redact_secrets` scrubs every key and string of the event, the rendered traceback
  included (`workers.redaction`: tokens, Authorization headers, bodies, CPR-shaped text).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TextIO

import structlog
from opentelemetry import trace
from structlog.typing import EventDict, Processor, WrappedLogger
from temporalio import activity, workflow

from workers.config import LogFormat
from workers.redaction import CPR_MASK, scrub

__all__ = [
    "CPR_MASK",
    "add_trace_ids",
    "configure_logging",
    "get_logger",
    "redact_secrets",
    "use_json",
]

# The only stdlib `extra` keys copied into events. Temporal's adapters put workflow and
# activity ids there; anything else a library attaches (e.g. whole Info objects) stays out.
_EXTRA_KEYS = ("temporal_workflow", "temporal_activity")

_configured = False


# JSON: structured tracebacks, but never the frames' locals (structlog's default shows them).
_dict_tracebacks = structlog.processors.ExceptionRenderer(
    structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
)


def redact_secrets(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """Drop secret-named keys and mask tokens, auth headers and CPR-shaped text everywhere
    in the event (nested values and the rendered exception included)."""
    scrubbed: EventDict = scrub(dict(event_dict))
    return scrubbed


def add_trace_ids(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """The current OpenTelemetry span's trace and span id (hex, as trace backends show
    them), so a line can be found from its trace and the other way round. Outside any span
    (start-up, shutdown) there is none to add."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event_dict.setdefault("trace_id", format(context.trace_id, "032x"))
        event_dict.setdefault("span_id", format(context.span_id, "016x"))
    return event_dict


def _shared_processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        add_trace_ids,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.ExtraAdder(allow=_EXTRA_KEYS),
        structlog.processors.StackInfoRenderer(),
    ]


def use_json(log_format: LogFormat, stream: TextIO | None = None) -> bool:
    if log_format is LogFormat.AUTO:
        stream = stream or sys.stdout
        return not (hasattr(stream, "isatty") and stream.isatty())
    return log_format is LogFormat.JSON


def configure_logging(
    log_format: LogFormat = LogFormat.AUTO,
    level: str = "INFO",
    *,
    stream: TextIO | None = None,
    force: bool = False,
    audit_log: Path | None = None,
) -> None:
    """Configure structlog and the stdlib root logger; later calls are no-ops unless `force`.

    Args:
        log_format: auto (JSON unless the stream is a TTY), json or console.
        level: minimum level for every logger.
        stream: where lines go; stdout by default (12-factor: the platform collects it).
        force: reconfigure even if already configured (tests).
        audit_log: a file for the audit trail (logger `caseflow.audit`) alone, always JSON
            lines, through the same redaction; None: audit lines go with the rest.
    """
    global _configured  # noqa: PLW0603 - logging is process-global by nature
    if _configured and not force:
        return
    stream = stream or sys.stdout
    as_json = use_json(log_format, stream)
    # The exception is rendered to data first (without locals), so the scrubber sees the
    # messages of the whole chain; the console renderer then only prints text it was given.
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if as_json
        else structlog.dev.ConsoleRenderer(
            colors=stream.isatty(), exception_formatter=structlog.dev.plain_traceback
        )
    )
    final: list[Processor] = [
        structlog.stdlib.ProcessorFormatter.remove_processors_meta,
        _dict_tracebacks if as_json else structlog.processors.format_exc_info,
        redact_secrets,
        renderer,
    ]

    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(),
        processors=final,
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    _route_audit(audit_log)
    # uvicorn installs its own handlers unless told otherwise; make it propagate to ours.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uv = logging.getLogger(name)
        uv.handlers.clear()
        uv.propagate = True

    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_shared_processors(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    _quiet_temporal_message_suffix()
    _configured = True


AUDIT_LOGGER = "caseflow.audit"


def _route_audit(audit_log: Path | None) -> None:
    audit = logging.getLogger(AUDIT_LOGGER)
    for old in list(audit.handlers):
        audit.removeHandler(old)
        old.close()
    audit.propagate = audit_log is None
    if audit_log is None:
        return
    audit_log.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(audit_log, encoding="utf-8")
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=_shared_processors(),
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                _dict_tracebacks,
                redact_secrets,
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    audit.addHandler(handler)
    audit.setLevel(logging.INFO)


def _quiet_temporal_message_suffix() -> None:
    """Stop Temporal appending its info dict to every message.

    The same ids already arrive as the structured `temporal_workflow` / `temporal_activity`
    keys; repeating them in the message text only makes lines harder to query.
    """
    workflow.logger.workflow_info_on_message = False
    activity.logger.activity_info_on_message = False


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger
