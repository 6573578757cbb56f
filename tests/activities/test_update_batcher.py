"""The queue in front of an entity workflow's updates: one batch in flight, the rest waits.

The entity here is a recording `send` (the Temporal side is raced on the dev server in
tests/workflows/test_enrolment_race.py); these pin the queueing itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from activities.update_batcher import UpdateBatcher


class Entity:
    """Answers `n -> n * 10`; holds each batch until released, and records the batches."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.batches: list[list[int]] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.release = asyncio.Event()
        self.fail_on = fail_on

    async def send(self, batch: Sequence[int]) -> Sequence[int]:
        self.batches.append(list(batch))
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await self.release.wait()
        finally:
            self.in_flight -= 1
        if self.fail_on in batch:
            raise LookupError("the entity refused this batch")
        return [n * 10 for n in batch]


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_requests_that_race_an_update_in_flight_go_together_in_the_next() -> None:
    entity = Entity()
    batcher = UpdateBatcher(entity.send, max_batch=4)
    first = asyncio.create_task(batcher.submit(0))
    await settle()
    rest = [asyncio.create_task(batcher.submit(n)) for n in range(1, 10)]
    await settle()
    entity.release.set()
    assert await first == 0
    assert [await task for task in rest] == [n * 10 for n in range(1, 10)]
    assert entity.batches == [[0], [1, 2, 3, 4], [5, 6, 7, 8], [9]]
    assert entity.most_in_flight == 1


async def test_a_failed_batch_fails_its_own_requests_only() -> None:
    entity = Entity(fail_on=2)
    batcher = UpdateBatcher(entity.send, max_batch=2)
    tasks = [asyncio.create_task(batcher.submit(n)) for n in range(5)]
    await settle()
    entity.release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert entity.batches == [[0, 1], [2, 3], [4]]
    assert results[0:2] == [0, 10]
    assert all(isinstance(r, LookupError) for r in results[2:4])
    assert results[4] == 40


async def test_a_caller_that_gives_up_does_not_cancel_the_others() -> None:
    entity = Entity()
    batcher = UpdateBatcher(entity.send, max_batch=10)
    impatient = asyncio.create_task(batcher.submit(1))
    patient = asyncio.create_task(batcher.submit(2))
    await settle()
    impatient.cancel()
    await settle()
    entity.release.set()
    assert await patient == 20
    with pytest.raises(asyncio.CancelledError):
        await impatient
    assert entity.batches == [[1, 2]]


async def test_an_answer_count_that_does_not_match_the_batch_is_an_error() -> None:
    async def short(batch: Sequence[int]) -> Sequence[int]:
        return list(batch)[:-1]

    batcher = UpdateBatcher(short, max_batch=5)
    results = await asyncio.gather(*(batcher.submit(n) for n in range(3)), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) and "answered 2 of 3" in str(r) for r in results)


async def test_max_batch_must_be_positive() -> None:
    async def send(batch: Sequence[int]) -> Sequence[int]:
        return batch

    with pytest.raises(ValueError, match="max_batch"):
        UpdateBatcher(send, max_batch=0)
