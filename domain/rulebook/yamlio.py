"""YAML reading for the law data: the only place in ``domain/`` that touches files.

Like openfisca-core's loader, duplicate keys are refused (a silent last-one-wins would hide
a law change). Dates are kept as strings so that ``parse_date`` reports a bad date
together with the entry it belongs to.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from domain.rulebook.errors import RulebookError

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LawLoader(_Base):  # type: ignore[misc]
    pass


# Drop the implicit timestamp resolver: "2018-13-01" must reach our validator as text.
_LawLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}


class DuplicateKeyError(yaml.YAMLError):
    def __init__(self, key: Any, line: int, first_line: int) -> None:
        self.key = key
        self.line = line
        self.first_line = first_line
        super().__init__(f"duplicate key {key!r} at line {line} (first at line {first_line})")


def _construct_mapping(loader: Any, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        line = key_node.start_mark.line + 1
        if key in seen:
            raise DuplicateKeyError(key, line, seen[key])
        seen[key] = line
    return dict(_Base.construct_mapping(loader, node, deep=deep))


_LawLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path, display: str) -> Any:
    """Parse one law file; every failure becomes a ``RulebookError`` naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulebookError(display, "(file)", f"cannot read: {exc.strerror}") from None
    try:
        return yaml.load(text, Loader=_LawLoader)  # noqa: S506 - _LawLoader derives from SafeLoader
    except DuplicateKeyError as exc:
        raise RulebookError(
            display,
            f"line {exc.line}",
            f"duplicate key {exc.key!r} (first at line {exc.first_line})",
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        raise RulebookError(
            display, where, f"invalid YAML: {getattr(exc, 'problem', exc)}"
        ) from None
