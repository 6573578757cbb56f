"""The case page's signed links outlive the gateway process that signed them: another
`caseflow gateway` process with the same key configuration opens them (a restart, a second
replica), one with another key refuses them with a clear 401, never a 500."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.gateway.conftest import Gateway
from tests.gateway.test_api import start_case
from tests.helpers import free_port
from workers.cli import exit as cli_exit
from workers.codec import KeyRing
from workers.config import CaseflowConfig
from workers.gateway.page_links import (
    DEV_KEY_FILE,
    load_link_key,
    page_links_for,
    with_dev_link_key,
)
from workers.hmac_keys import ensure_key_file

REPO = Path(__file__).resolve().parents[2]


def _environment(gateway: Gateway, keyring: KeyRing, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEFLOW_")}
    config = gateway.config
    env.update(
        CASEFLOW_TEMPORAL_ADDRESS=gateway.temporal.service_client.config.target_host,
        CASEFLOW_NAMESPACE=config.namespace,
        CASEFLOW_TASK_QUEUE=config.task_queue,
        CASEFLOW_GATEWAY_TOKENS_FILE=str(config.gateway_tokens_file),
        CASEFLOW_CODEC_KEYS=",".join(
            f"{key_id}:{base64.b64encode(key).decode()}" for key_id, key in keyring.keys.items()
        ),
        CASEFLOW_CODEC_ACTIVE_KEY=keyring.active,
        CASEFLOW_LOG_FORMAT="json",
        **settings,
    )
    return env


@contextlib.contextmanager
def _gateway_process(env: dict[str, str], log: Path) -> Iterator[str]:
    """`caseflow gateway` as its own OS process; yields its URL once it answers."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "workers.cli", "gateway"],
            cwd=REPO,
            env={**env, "CASEFLOW_GATEWAY_PORT": str(port)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "the gateway did not come up"
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def test_a_link_opens_on_another_gateway_process_with_the_same_key_only(
    gateway: Gateway, codec_keyring: KeyRing, tmp_path: Path
) -> None:
    case_id = await start_case(gateway)
    async with gateway.http() as http:
        issued = await http.post(f"/v1/cases/thisted/{case_id}/page-link")
    assert issued.status_code == 200, issued.text
    link = httpx.URL(issued.json()["url"])
    page = f"/cases/thisted/{case_id}?{link.query.decode()}"

    same = _environment(
        gateway, codec_keyring, CASEFLOW_PAGE_LINK_KEY_FILE=str(gateway.config.page_link_key_file)
    )
    other = _environment(
        gateway,
        codec_keyring,
        CASEFLOW_PAGE_LINK_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
    )

    def visit() -> tuple[httpx.Response, httpx.Response, str]:
        with (
            _gateway_process(same, tmp_path / "same.log") as replica,
            _gateway_process(other, tmp_path / "other.log") as stranger,
        ):
            opened = httpx.get(replica + page, timeout=60)
            refused = httpx.get(stranger + page, timeout=60)
        return opened, refused, (tmp_path / "same.log").read_text()

    opened, refused, replica_log = await asyncio.to_thread(visit)
    assert opened.status_code == 200, opened.text
    assert opened.headers["content-type"].startswith("text/html")
    assert f"Case {case_id}" in opened.text
    assert refused.status_code == 401
    assert refused.json() == {
        "error": "unauthorized",
        "field": None,
        "reason": "the link is not valid or has expired",
    }
    key_text = gateway.config.page_link_key_file.read_text().strip()  # type: ignore[union-attr]
    assert key_text not in replica_log
    assert "signed with a key of this process only" not in replica_log


def test_a_bad_key_stops_the_gateway_naming_the_setting_never_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "page-link.key"
    bad.write_text("c2hvcnQ=\n")  # base64 of 5 bytes
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEFLOW_")}
    env.update(
        CASEFLOW_PAGE_LINK_KEY_FILE=str(bad),
        CASEFLOW_CODEC_KEYS=f"k1:{base64.b64encode(secrets.token_bytes(32)).decode()}",
        CASEFLOW_GATEWAY_PORT=str(free_port()),
        CASEFLOW_TEMPORAL_ADDRESS=f"127.0.0.1:{free_port()}",
    )
    done = subprocess.run(
        [sys.executable, "-m", "workers.cli", "gateway"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == cli_exit.USAGE, done.stderr
    assert "CASEFLOW_PAGE_LINK_KEY_FILE: the key must be 32 bytes" in done.stderr
    assert "c2hvcnQ" not in done.stderr + done.stdout


def test_caseflow_up_keeps_its_link_key_in_the_data_dir(tmp_path: Path) -> None:
    config = with_dev_link_key(CaseflowConfig(data_dir=tmp_path))
    assert config.page_link_key_file == tmp_path / DEV_KEY_FILE
    assert (tmp_path / DEV_KEY_FILE).stat().st_mode & 0o777 == 0o600
    key = load_link_key(config)
    assert key is not None and len(key) == 32
    again = with_dev_link_key(CaseflowConfig(data_dir=tmp_path))  # a restart: the same key
    assert load_link_key(again) == key
    assert not ensure_key_file(tmp_path / DEV_KEY_FILE), "never replaced"


def test_without_a_key_a_gateway_signs_for_its_own_process() -> None:
    one, two = page_links_for(CaseflowConfig()), page_links_for(CaseflowConfig())
    query, expires = one.issue("thisted", "C-1", "thisted")
    sig = httpx.QueryParams(query)["sig"]
    assert one.verify("thisted", "C-1", "thisted", expires, sig) is not None
    assert two.verify("thisted", "C-1", "thisted", expires, sig) is None
