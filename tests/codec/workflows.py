"""Two tiny workflows whose history shows what the codec does to inputs, results, failures."""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ApplicationError


@workflow.defn
class EchoWorkflow:
    @workflow.run
    async def run(self, text: str) -> str:
        return f"echo {text}"


@workflow.defn
class RefuseWorkflow:
    @workflow.run
    async def run(self, text: str) -> None:
        # A failure message quoting its input: exactly what must not reach history in clear.
        raise ApplicationError(f"refused: {text}", {"quoted": text}, non_retryable=True)
