"""One configuration model for every caseflow process.

Values come from three places, later ones winning: field defaults, environment variables
prefixed `CASEFLOW_` (e.g. `CASEFLOW_GRPC_PORT`), and command-line flags. pydantic-settings
is deliberately not used: one explicit `load_config()` keeps the precedence readable and
lets an error name the env var *and* the flag a user can fix.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from workflows.constants import DEFAULT_NAMESPACE, TASK_QUEUE

ENV_PREFIX = "CASEFLOW_"

Port = Annotated[int, Field(ge=1, le=65535)]


class OtelExporter(StrEnum):
    """Where OpenTelemetry spans go."""

    NONE = "none"
    CONSOLE = "console"
    OTLP = "otlp"


class LogFormat(StrEnum):
    """How log lines are rendered; `auto` picks JSON unless stdout is a terminal."""

    AUTO = "auto"
    JSON = "json"
    CONSOLE = "console"


class ConfigError(Exception):
    """The configuration is invalid; the message names the field, its env var and the reason."""


class CaseflowConfig(BaseModel):
    """Settings shared by `caseflow up`, `caseflow worker` and `caseflow gateway`."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    temporal_address: str = "localhost:7233"
    """host:port of the Temporal frontend the worker and gateway connect to.

    `caseflow up` ignores it and connects to its own dev server on `grpc_port`."""

    namespace: str = Field(default=DEFAULT_NAMESPACE, min_length=1)
    """Temporal namespace holding the case workflows."""

    task_queue: str = Field(default=TASK_QUEUE, min_length=1)
    """Task queue the worker polls."""

    data_dir: Path = Path(".caseflow")
    """Where the embedded stack keeps its SQLite database and server log."""

    bind_host: str = "127.0.0.1"
    """Interface the gateway and the metrics endpoint listen on (0.0.0.0 in containers)."""

    grpc_port: Port = 7233
    """Temporal frontend gRPC port of the embedded dev server."""

    ui_port: Port = 8233
    """Temporal Web UI port of the embedded dev server."""

    gateway_port: Port = 8080
    """HTTP port of the gateway."""

    metrics_port: int = Field(default=9464, ge=0, le=65535)
    """Prometheus /metrics port of the worker's Temporal runtime; 0 turns metrics off."""

    otel_exporter: OtelExporter = OtelExporter.NONE
    """Span exporter: none, console or otlp (OTLP over HTTP)."""

    otel_endpoint: str = "http://localhost:4318/v1/traces"
    """OTLP/HTTP traces endpoint, used when otel_exporter is otlp."""

    obligation_counts_refresh: float = Field(default=60.0, gt=0)
    """Seconds a gateway keeps its count of due and overdue obligations (from Temporal's
    visibility) before a scrape of `/metrics` starts a new count (workers.obligation_counts)."""
    rollout_progress_refresh: float = Field(default=15.0, gt=0)
    """Seconds a gateway keeps the roll-out statuses it exports on `/metrics` before a
    scrape starts a new read (workers.rollout_progress)."""
    audit_log: Path | None = None
    """A file for the audit trail's JSON lines (logger `caseflow.audit`), apart from the
    process log; unset: the audit lines go with the process log (workers.audit)."""

    log_format: LogFormat = LogFormat.AUTO
    """auto (JSON unless stdout is a TTY), json or console."""

    log_level: str = "INFO"
    """Minimum level of log lines: DEBUG, INFO, WARNING, ERROR."""

    worker_cached_workflows: int = Field(default=1000, ge=0)
    """Case workflows a worker keeps in memory between tasks. A task for a case not cached
    replays its whole history first: keep every case a worker serves cached when a
    roll-out signals them all at once (one cached case is tens of KB)."""

    batcher_rps: int = Field(default=1000, ge=1, le=1000)
    """Operations per second the embedded dev server's batcher runs a batch job at
    (`worker.batcherRPS`; Temporal 1.32 ignores a job's own rate). A roll-out is a batch
    signal job, so this is its pace. At 10,000 cases on 2 cores a pace near what the worker
    re-plans (60-70/s) finished sooner than 1000/s, which queues every case at once."""

    batcher_concurrency: int = Field(default=5, ge=1, le=100)
    """Signals the embedded dev server's batcher has in flight at once
    (`worker.batcherConcurrency`, Temporal's default 5)."""

    worker_sticky_timeout: float | None = Field(default=None, gt=0)
    """Seconds a case's task waits for the worker that has it cached before any worker may
    take it (replaying its history). Unset: Temporal's 10 s for `caseflow worker`, where
    another worker can take over; 600 s for `caseflow up`, whose one worker would only
    replay the case itself, adding two history events per case to a roll-out's backlog."""

    startup_timeout: float = Field(default=30.0, gt=0)
    """Seconds `caseflow up` waits for the dev server before giving up."""

    temporal_profile: str | None = None
    """Temporal envconfig profile (e.g. `prod`) supplying address, namespace, TLS, API key.

    Read from `temporal_config_file`; the explicitly set `temporal_address` / `namespace`
    still win. The API key may come from TEMPORAL_API_KEY, keeping it out of files."""

    temporal_config_file: Path | None = None
    """TOML file of envconfig profiles (see deploy/temporal/); Temporal's default location
    (or TEMPORAL_CONFIG_FILE) if unset."""

    activity_adapter: str = Field(default="embedded", pattern="^(embedded|http)$")
    """Where certificate requests, bookings and notices go: `embedded` (SQLite outbox in
    the data dir) or `http` (the municipality's integration endpoint)."""

    activity_http_url: str | None = None
    """Base URL of the integration endpoint, for activity_adapter=http."""

    activity_http_token: str | None = None
    """Bearer token for the integration endpoint (set it in the environment, not in files)."""

    gateway_tokens_file: Path | None = None
    """YAML/JSON file of the gateway's API clients: sha256(token) -> client name,
    municipalities, scopes (see workers/auth.py). Unset: every API call is refused (401),
    except under `caseflow up`, which writes a dev token file into the data dir."""

    demo_features: bool = False
    """Dev-stack-only gateway features: simulated case clocks and fast-forwarding a case.
    `caseflow up` turns it on; `caseflow gateway` leaves it off unless set explicitly."""

    temporal_bin: Path | None = None
    """Explicit path of the `temporal` CLI; default: next to the Python interpreter, then PATH."""

    codec_keys: SecretStr | None = None
    """Payload encryption keys, `{"k1": "<base64>"}` or `k1:<base64>,k2:<base64>` (32-byte
    AES-256 keys). Set it in the environment (CASEFLOW_CODEC_KEYS), never in a file in the
    repository. Alternative to codec_key_file; see workers/codec.py."""

    codec_active_key: str | None = None
    """Key id new payloads are encrypted with; may be omitted when only one key exists."""

    codec_key_file: Path | None = None
    """JSON key file `{"active": "k1", "keys": {"k1": "<base64>"}}`. `caseflow up` uses
    (and on first start creates, mode 0600) DATA_DIR/keys.json when no key is configured."""

    citizen_ref_key: SecretStr | None = None
    """Key of the citizen references (base64 of 32 bytes): the gateway's HMAC of a CPR
    number. Environment only (CASEFLOW_CITIZEN_REF_KEY); see workers/citizen_ref.py."""

    citizen_ref_key_file: Path | None = None
    """File holding that key. `caseflow up` creates DATA_DIR/citizen-ref.key (0600)."""

    page_link_key: SecretStr | None = None
    """Key that signs the case page's short-lived links (base64 of 32 bytes), the same on
    every gateway replica so a link works on any of them and after a restart. Environment
    only (CASEFLOW_PAGE_LINK_KEY); see workers/gateway/page_links.py."""

    page_link_key_file: Path | None = None
    """File holding that key. `caseflow up` creates DATA_DIR/page-link.key (0600); without
    either, a gateway signs with a key of its own process (links die with it)."""

    codec_allow_plaintext: bool = False
    """Migration switch: decode also accepts unencrypted payloads (history from before
    encryption was enabled). New payloads are encrypted regardless."""

    codec_open_on_loopback: bool = False
    """The gateway's `/codec` answers loopback calls without a token (the dev server's Web
    UI has no login to get one). `caseflow up` turns it on when it binds to loopback; see
    README "Web UI decoding" for the threat model. Never on a shared or exposed host."""

    demo_on_first_start: bool = True
    """`caseflow up` creates the synthetic demo cases (`caseflow demo`) when it starts on a
    fresh data dir; `--no-demo` / CASEFLOW_DEMO_ON_FIRST_START=false turns that off."""

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("temporal_address")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
            raise ValueError("must be host:port, e.g. localhost:7233")
        return value

    @property
    def embedded_address(self) -> str:
        """Address of the dev server that `caseflow up` starts."""
        return f"127.0.0.1:{self.grpc_port}"


def env_var(field: str) -> str:
    return f"{ENV_PREFIX}{field.upper()}"


def flag(field: str) -> str:
    return "--" + field.replace("_", "-")


def load_config(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> CaseflowConfig:
    """Build the config from `CASEFLOW_*` env vars and CLI overrides (None = not given).

    Raises:
        ConfigError: naming each bad field with its env var / flag and the reason.
    """
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name in CaseflowConfig.model_fields:
        raw = environ.get(env_var(name))
        # An empty env var means "unset", the way shells and compose files use it.
        if raw is not None and raw != "":
            values[name] = raw
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = value
    # Unknown CASEFLOW_* variables are not rejected: other components (e.g. the payload
    # codec's key material) read their own CASEFLOW_* variables outside this model.
    problems: list[str] = []
    try:
        config = CaseflowConfig.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            given = values.get(field)
            problems.append(
                f"{field} ({env_var(field)} / {flag(field)}): {error['msg']} (got {given!r})"
            )
        config = None
    if problems:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems))
    assert config is not None
    return config
