"""YAML loading that remembers where every value came from.

PyYAML's composer gives each node a start mark (line, column). We build plain Python data
from the node tree and, beside it, a map from the path of every value (a tuple of keys and
list indices, as pydantic reports it in ``ValidationError.loc``) to its 1-based line number.
"""

from __future__ import annotations

from typing import Any

import yaml

from openiads.errors import InputError

Path = tuple[str | int, ...]


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe loader; construction is done by hand below so duplicate keys can be reported."""


def load_yaml_with_lines(text: str, file: str) -> tuple[Any, dict[Path, int]]:
    """Parse ``text``; return ``(data, lines)``. Malformed YAML raises :class:`InputError`."""
    try:
        node = yaml.compose(text, Loader=_UniqueKeyLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "malformed YAML"
        raise InputError(f"malformed YAML: {problem}", file=file, line=line) from None
    except yaml.YAMLError as exc:
        raise InputError(f"malformed YAML: {exc}", file=file) from None
    if node is None:
        raise InputError("the file is empty", file=file, line=1)
    lines: dict[Path, int] = {}
    loader = _UniqueKeyLoader("")
    data = _build(node, (), lines, loader, file)
    return data, lines


def _build(node: yaml.Node, path: Path, lines: dict[Path, int], loader: Any, file: str) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                key = str(key)
            if key in out:
                raise InputError(
                    "duplicate key", file=file, line=key_node.start_mark.line + 1, field=key
                )
            out[key] = _build(value_node, (*path, key), lines, loader, file)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(v, (*path, i), lines, loader, file) for i, v in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def line_of(lines: dict[Path, int], loc: Path) -> int | None:
    """Line of the deepest known prefix of ``loc`` (pydantic locations may go deeper)."""
    for n in range(len(loc), -1, -1):
        key = tuple(loc[:n])
        if key in lines:
            return lines[key]
    return None


def dotted(loc: Path) -> str:
    """``('air', 0, 'route', 2, 'alt')`` → ``air[0].route[2].alt``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
