"""One update in flight per caller process: requests that arrive meanwhile wait and go together.

Temporal admits at most 10 updates in flight on one workflow (`history.maxInFlightUpdates`);
an entity workflow that hundreds of callers update at once (a capped trial's registry, a
citizen's limits) must keep its callers under that. An `UpdateBatcher` sits in front of one
entity workflow in one process: the first request is sent at once, and every request that
arrives while that update is in flight joins the next one (up to `max_batch`), so a process
never has more than one update in flight on the entity, however many requests race, and the
entity decides a whole batch in one workflow task.

Only the queueing is here; `send` (the update itself, its retries, its payloads) belongs to
the caller. Pure asyncio: no Temporal import, so any entity workflow can reuse it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

__all__ = ["UpdateBatcher"]

Request = TypeVar("Request")
Answer = TypeVar("Answer")


class UpdateBatcher(Generic[Request, Answer]):
    """Queue requests to one entity and send them in batches, one batch at a time.

    Args:
        send: sends one batch as one update and returns one answer per request, in order.
            If it raises, every request of that batch gets the error; later batches are
            still sent.
        max_batch: the most requests one update carries.
    """

    def __init__(
        self,
        send: Callable[[Sequence[Request]], Awaitable[Sequence[Answer]]],
        max_batch: int,
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._send = send
        self._max_batch = max_batch
        self._pending: list[tuple[Request, asyncio.Future[Answer]]] = []
        self._sender: asyncio.Task[None] | None = None
        self.loop = asyncio.get_running_loop()
        """The loop its futures belong to: a batcher serves one event loop."""

    async def submit(self, request: Request) -> Answer:
        """Send `request` with the next batch and return its answer."""
        future: asyncio.Future[Answer] = self.loop.create_future()
        self._pending.append((request, future))
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._drain())
        # Shielded: a caller that gives up must not cancel the batch of the others; its
        # request is still decided, and asking again with the same id gets that answer.
        return await asyncio.shield(future)

    async def _drain(self) -> None:
        batch: list[tuple[Request, asyncio.Future[Answer]]] = []
        try:
            while self._pending:
                batch = self._pending[: self._max_batch]
                del self._pending[: self._max_batch]
                try:
                    answers = await self._send([request for request, _ in batch])
                    if len(answers) != len(batch):
                        raise RuntimeError(
                            f"the entity answered {len(answers)} of {len(batch)} requests"
                        )
                except Exception as error:  # handed to every waiting caller
                    _settle(batch, error)
                    continue
                for (_, future), answer in zip(batch, answers, strict=True):
                    if not future.done():
                        future.set_result(answer)
        except asyncio.CancelledError:
            # The loop is going away: nobody may wait for an answer that will not come.
            _settle([*batch, *self._pending], RuntimeError("the caller process is stopping"))
            self._pending.clear()
            raise


def _settle(batch: Sequence[tuple[object, asyncio.Future[Answer]]], error: Exception) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(error)
