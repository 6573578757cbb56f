"""The event model: how a generated case's citizen, doctor and caseworker answer its duties.

Defaults in behaviour.yaml (documented and cited there); a cohort overrides any of them.
"""

from __future__ import annotations

from copy import deepcopy
from pathlib import Path
from random import Random
from typing import Any

import yaml

__all__ = ["Behaviour", "default_behaviour", "merged", "pick"]

Behaviour = dict[str, Any]

_DEFAULTS = Path(__file__).with_name("behaviour.yaml")


def default_behaviour() -> Behaviour:
    with _DEFAULTS.open(encoding="utf-8") as handle:
        loaded: Behaviour = yaml.safe_load(handle)
    return loaded


def merged(base: Behaviour, override: Behaviour, path: str = "behaviour") -> Behaviour:
    """`base` with `override` laid over it; an unknown key is an error naming its path.

    A table of weights (all values numbers) is replaced whole: its keys are outcomes."""
    out = deepcopy(base)
    for key, value in override.items():
        where = f"{path}.{key}"
        if key not in out:
            raise ValueError(f"{where}: unknown setting")
        current = out[key]
        if isinstance(current, dict) and not isinstance(value, dict):
            raise ValueError(f"{where}: expected a mapping")
        if isinstance(current, dict) and not _is_weights(current):
            out[key] = merged(current, value, where)
        else:
            _check_leaf(where, current, value)
            out[key] = value
    return out


def _is_weights(table: dict[Any, Any]) -> bool:
    return bool(table) and all(isinstance(v, int | float) for v in table.values())


def _check_leaf(where: str, current: Any, value: Any) -> None:
    if isinstance(current, dict):
        if not value or any(not isinstance(v, int | float) or v < 0 for v in value.values()):
            raise ValueError(f"{where}: weights must be non-negative numbers")
    elif isinstance(current, list):
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(v, int) and v >= 0 for v in value)
            or value[0] > value[1]
        ):
            raise ValueError(f"{where}: expected [low, high] whole numbers, low <= high")
    elif isinstance(current, float) and (not isinstance(value, int | float) or not 0 <= value <= 1):
        raise ValueError(f"{where}: expected a share between 0 and 1")
    elif isinstance(current, int) and (not isinstance(value, int) or value < 0):
        raise ValueError(f"{where}: expected a whole number >= 0")


def pick(rng: Random, weights: dict[Any, float]) -> Any:
    keys = sorted(weights, key=str)
    return rng.choices(keys, weights=[float(weights[k]) for k in keys])[0]
