"""A second rulebook version for roll-out tests and benchmarks: the packaged law with one
dated change appended (law changes are new dated values, never edits of old ones)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from domain.rulebook import DEFAULT_ROOT

__all__ = ["RT_RULE", "law_with_rt_weeks"]

RT_RULE = "jaf.rt.within_weeks"
_FILE = "standard/jobafklaringsforloeb.yaml"
_CURRENT = "    - {valid_from: 2014-07-01, decided: 2014-07-01, value: 4}\n"


def law_with_rt_weeks(target: Path, weeks: int, from_day: date) -> Path:
    """A copy of the law in `target` where the JAF rehabilitation-team deadline is `weeks`
    weeks for cases from `from_day` on (4 weeks before). Moves a deadline of every open
    jobafklaringsforløb case in every municipality."""
    shutil.copytree(DEFAULT_ROOT, target)
    path = target / _FILE
    text = path.read_text(encoding="utf-8")
    head, sep, tail = text.partition(f"{RT_RULE}:\n")
    assert sep and _CURRENT in tail, "the packaged RT rule changed; update this helper"
    day = from_day.isoformat()
    changed = (
        f"    - {{valid_from: 2014-07-01, valid_to: {day}, decided: 2014-07-01, value: 4}}\n"
        f"    - {{valid_from: {day}, decided: {day}, value: {weeks}, "
        'reason: "synthetic test change (roll-out tests)"}\n'
    )
    path.write_text(head + sep + tail.replace(_CURRENT, changed, 1), encoding="utf-8")
    decisions = target / "decisions.yaml"
    text = decisions.read_text(encoding="utf-8")
    if f"- day: {day}\n" not in text:
        # Every `decided:` names a documented decision day.
        decisions.write_text(
            text.rstrip("\n")
            + f"\n  - day: {day}\n"
            + "    title: Synthetic rule change for the roll-out tests\n"
            + '    citation: {act: "Test fixture (synthetic)", '
            + 'provenance: "public law, to confirm"}\n',
            encoding="utf-8",
        )
    return target
