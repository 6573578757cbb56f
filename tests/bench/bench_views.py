"""Benchmark the law-as-known-on views (not a test): what one decision epoch costs.

Run: ``.venv/bin/python -m tests.bench.bench_views [--rounds 5] [--whole]``. For a
municipality's slice (what a workflow and the what-if read; ``--whole`` adds the whole
rulebook), every decision epoch is compiled in four arms, in the same run, interleaved
(the arms' order rotates each round) and repeated, each round on a fresh rulebook:

- ``frozen``: the resolver as of ``FROZEN`` (before views were shared), read from git:
  every epoch compiled whole and eagerly;
- ``alone``: every answer of the epoch compiled from its own law (``shared=False``);
- ``shared``: every answer of the epoch, each rule's taken from the view after the last
  decision that touched it (the epochs asked in order, as a case's today advances);
- ``asked``: what a case asks, the hot rules of one (municipality, group) pair, shared.

Prints per arm the median and the largest per-epoch time over all epochs and rounds, the
total per round, and same-run ratios against ``frozen``.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

from domain.rulebook import Rulebook, load_rulebook
from tests.bench.bench_rulebook import HOT_RULES

FROZEN = "a530e1e"
"""The last commit whose resolver compiled each epoch whole (the parent of this change)."""


def frozen_resolver() -> ModuleType:
    """The frozen commit's resolver module, importing today's unchanged rulebook modules."""
    source = subprocess.run(
        ["git", "show", f"{FROZEN}:domain/rulebook/resolver.py"],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "frozen_resolver.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("frozen_resolver", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["frozen_resolver"] = module
    spec.loader.exec_module(module)
    return module


def every_answer(view: Rulebook) -> None:
    for m in view.municipalities():
        for g in view.target_groups():
            view._boundaries[(m.id, g.code)]
            for rid in view.rule_ids():
                view._index[(rid, m.id, g.code)]


def arm_frozen(module: ModuleType, source: Rulebook) -> list[float]:
    root = module.Rulebook(source.law, source.content_hash, only=source._only)
    out = []
    for decision in source.decisions()[:-1]:
        t0 = time.perf_counter()
        root.as_known_on(decision.day)
        out.append(time.perf_counter() - t0)
    return out


def arm_alone(source: Rulebook) -> list[float]:
    root = Rulebook(source.law, source.content_hash, only=source._only)
    days = [d.day for d in source.decisions()]
    out = []
    for day, until in itertools.pairwise(days):
        t0 = time.perf_counter()
        every_answer(root._epoch(day, until, shared=False))
        out.append(time.perf_counter() - t0)
    return out


def arm_shared(source: Rulebook) -> list[float]:
    root = Rulebook(source.law, source.content_hash, only=source._only)
    out = []
    for decision in source.decisions()[:-1]:
        t0 = time.perf_counter()
        every_answer(root.as_known_on(decision.day))
        out.append(time.perf_counter() - t0)
    return out


def arm_asked(source: Rulebook) -> list[float]:
    root = Rulebook(source.law, source.content_hash, only=source._only)
    m = root.municipalities()[0].id
    out = []
    for decision in source.decisions()[:-1]:
        t0 = time.perf_counter()
        view = root.as_known_on(decision.day)
        view.next_boundary(m, "2.5", date(2019, 1, 1))
        for rid in HOT_RULES:
            view._index[(rid, m, "2.5")]
        out.append(time.perf_counter() - t0)
    return out


def measure(label: str, source: Rulebook, module: ModuleType, rounds: int) -> None:
    arms: dict[str, Callable[[], list[float]]] = {
        "frozen": lambda: arm_frozen(module, source),
        "alone": lambda: arm_alone(source),
        "shared": lambda: arm_shared(source),
        "asked": lambda: arm_asked(source),
    }
    names = list(arms)
    for name in names:  # warm-up: imports, the predicate and citation code paths
        arms[name]()
    per_epoch: dict[str, list[float]] = {n: [] for n in names}
    totals: dict[str, list[float]] = {n: [] for n in names}
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            times = arms[name]()
            per_epoch[name] += times
            totals[name].append(sum(times))
    epochs = len(source.decisions()) - 1
    print(f"{label}: {epochs} epochs x {rounds} rounds, arms interleaved")
    base = statistics.median(totals["frozen"])
    for name in names:
        ms = [t * 1000 for t in per_epoch[name]]
        total = statistics.median(totals[name])
        ratios = [f / t for f, t in zip(totals["frozen"], totals[name], strict=True)]
        print(
            f"  {name:7} per epoch median {statistics.median(ms):7.2f} ms, max {max(ms):7.2f} ms;"
            f" all epochs {total * 1000:8.1f} ms/round; frozen/this {base / total:6.1f}x"
            f" (rounds {min(ratios):.1f}-{max(ratios):.1f}x)"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--municipality", default="jammerbugt")
    parser.add_argument("--whole", action="store_true", help="also the whole rulebook")
    args = parser.parse_args()
    module = frozen_resolver()
    rules: Any = load_rulebook()
    piece = Rulebook.from_slice(rules.slice_for(args.municipality))
    measure(f"slice {args.municipality}", piece, module, args.rounds)
    if args.whole:
        measure("whole rulebook", rules, module, args.rounds)


if __name__ == "__main__":
    main()
