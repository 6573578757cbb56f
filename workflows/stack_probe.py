"""The stack's self-check workflow. It is not a case and carries no case data.

`caseflow up` operators and the end-to-end tests start one to prove the whole chain works:
client -> Temporal server -> worker, and that a running workflow survives a restart of the
embedded stack (it is persisted in the SQLite file). It waits until told to stop, so "still
running after a restart" is observable.
"""

from __future__ import annotations

from pydantic import BaseModel
from temporalio import workflow


class StackProbeResult(BaseModel):
    """What a probe reports when it is stopped."""

    pings: int
    """How many `ping` signals it received, across restarts of the stack."""


@workflow.defn(name="StackProbe")
class StackProbeWorkflow:
    """Waits for a `stop` signal; counts `ping` signals; answers the `pings` query."""

    def __init__(self) -> None:
        self._pings = 0
        self._stopped = False

    @workflow.run
    async def run(self) -> StackProbeResult:
        await workflow.wait_condition(lambda: self._stopped)
        return StackProbeResult(pings=self._pings)

    @workflow.signal
    def ping(self) -> None:
        self._pings += 1

    @workflow.signal
    def stop(self) -> None:
        self._stopped = True

    @workflow.query
    def pings(self) -> int:
        return self._pings
