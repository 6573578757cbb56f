"""The rulebook: Danish employment law, free-municipality trials and reforms as dated data.

Other packages code against exactly the names in ``__all__``. Law lives in YAML under
``law/`` (one entry per legal quantity or duty, each with a citation); this package only
loads, validates and resolves it. See ``load_rulebook`` and ``Rulebook.resolve``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from domain.rulebook.errors import (
    RulebookError,
    RuleNotInForce,
    UnknownMunicipality,
    UnknownReform,
    UnknownRule,
    UnknownTargetGroup,
    UnknownTrial,
)
from domain.rulebook.loader import DEFAULT_ROOT, PARAMETERS_ENV, content_hash, load_law
from domain.rulebook.model import Fact, Municipality, TargetGroup
from domain.rulebook.resolver import (
    FactValue,
    Resolution,
    ResolutionContext,
    Rulebook,
    TrialStatus,
)
from domain.rulebook.slice import RuleSlice

__all__ = [
    "DEFAULT_ROOT",
    "PARAMETERS_ENV",
    "Fact",
    "FactValue",
    "Municipality",
    "Resolution",
    "ResolutionContext",
    "RuleNotInForce",
    "RuleSlice",
    "Rulebook",
    "RulebookError",
    "TargetGroup",
    "TrialStatus",
    "UnknownMunicipality",
    "UnknownReform",
    "UnknownRule",
    "UnknownTargetGroup",
    "UnknownTrial",
    "load_rulebook",
]


def load_rulebook(
    root: Path | None = None, *, parameters: Path | Mapping[str, Any] | None = None
) -> Rulebook:
    """Load, validate and compile the law directory (default: the packaged ``law/``).

    ``parameters`` (a YAML path or a mapping) overrides DOMAIN §8 defaults per trial and per
    municipality; when omitted, the file named by ``CASEFLOW_RULEBOOK_PARAMETERS`` is used if
    set. Results are cached by (root, parameters). Raises ``RulebookError`` naming file,
    entry and reason.
    """
    law = load_law(root, parameters)
    hit = _COMPILED.get(id(law))
    if hit is None or hit[0] is not law:
        hit = _COMPILED[id(law)] = (law, Rulebook(law, content_hash(law)))
    return hit[1]


# The loader caches LawData by (root, parameters); the same object compiles once. The law
# object is kept in the value so its id cannot be reused while the entry exists.
_COMPILED: dict[int, tuple[Any, Rulebook]] = {}
