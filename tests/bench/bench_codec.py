"""Benchmark the payload codec (not a test): encode + decode of a 2 KB payload.

Run: ``.venv/bin/python -m tests.bench.bench_codec``. Prints the AES-GCM codec's round trip
per payload and, as the same-run baseline, the plain JSON payload converter's round trip of
the same bytes, in interleaved rounds (median and spread), so the ratio is the codec's cost.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time

from temporalio.api.common.v1 import Payload

from workers.codec import EncryptionCodec, KeyRing

ROUNDS = 7
PER_ROUND = 2000


def _payload() -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=os.urandom(2048))


async def _codec_round(codec: EncryptionCodec, payload: Payload) -> float:
    began = time.perf_counter()
    for _ in range(PER_ROUND):
        await codec.decode(await codec.encode([payload]))
    return (time.perf_counter() - began) / PER_ROUND * 1e6


def _copy_round(payload: Payload) -> float:
    began = time.perf_counter()
    for _ in range(PER_ROUND):
        Payload.FromString(payload.SerializeToString())
    return (time.perf_counter() - began) / PER_ROUND * 1e6


async def main() -> None:
    codec = EncryptionCodec(KeyRing.generate())
    payload = _payload()
    codec_us, copy_us = [], []
    for _ in range(ROUNDS):
        codec_us.append(await _codec_round(codec, payload))
        copy_us.append(_copy_round(payload))
    ratios = [c / b for c, b in zip(codec_us, copy_us, strict=True)]
    print(f"codec round trip, 2 KB payload: median {statistics.median(codec_us):.1f} us")
    print(f"protobuf copy (baseline):       median {statistics.median(copy_us):.1f} us")
    print(
        f"ratio codec/baseline: median x{statistics.median(ratios):.1f} "
        f"(spread x{min(ratios):.1f}-x{max(ratios):.1f})"
    )


if __name__ == "__main__":
    asyncio.run(main())
