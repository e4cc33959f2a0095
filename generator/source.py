"""Reading a spec file: its data, and where in the text each part of it stands.

Parsing keeps no positions, so loading a large spec costs what a plain YAML or JSON load costs.
Positions are found only when a problem needs one: the text is composed again into YAML nodes,
which carry line and column, and the node at the problem's pointer is looked up.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator import pointers

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based


class _JsonCompatibleLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """YAML as JSON sees it: unquoted dates and times stay strings, as OpenAPI tools read them.

    It also notes every key that appears twice in one mapping, which YAML loaders otherwise
    resolve silently by keeping the last.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicate_keys: list[tuple[str, Position]] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[object, object]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.value in seen:
                    mark = key_node.start_mark
                    self.duplicate_keys.append((key_node.value, Position(mark.line + 1, mark.column + 1)))
                seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


# YAML 1.2's core schema, which OpenAPI asks for, rather than PyYAML's 1.1: `on`, `yes` and `no` stay
# strings (a property named `on` keeps its name), `1:30` is not 90, `012` is twelve, `1e3` is a number;
# and unquoted dates and times stay strings.
_RETYPED = {f"tag:yaml.org,2002:{kind}" for kind in ("bool", "int", "float", "timestamp")}
_JsonCompatibleLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _RETYPED]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
_CORE_SCALARS = {
    "bool": (r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    "int": (r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    "float": (
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+.0123456789",
    ),
}
for _kind, (_pattern, _firsts) in _CORE_SCALARS.items():
    _JsonCompatibleLoader.add_implicit_resolver(f"tag:yaml.org,2002:{_kind}", re.compile(_pattern), list(_firsts))


def _core_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node)
    return int(text, 0) if text[:2] in ("0o", "0x") else int(text, 10)


_JsonCompatibleLoader.add_constructor("tag:yaml.org,2002:int", _core_int)


class SourceError(Exception):
    """The file cannot be read or parsed; carries where, when that is known."""

    def __init__(self, path: Path, message: str, position: Position | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.position = position


@dataclass
class SourceDocument:
    """One parsed file of a spec."""

    path: Path
    text: str
    data: Any
    duplicate_keys: list[tuple[str, Position]] = field(default_factory=list)
    _nodes: yaml.Node | None = field(default=None, repr=False)

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    def position(self, pointer: str) -> Position | None:
        """Where the value at ``pointer`` starts, or the nearest enclosing value that exists."""
        node = self._root_node()
        if node is None:
            return None
        for token in pointers.split(pointer):
            child = _child_node(node, token)
            if child is None:
                break
            node = child
        mark = node.start_mark
        return Position(mark.line + 1, mark.column + 1)

    def key_position(self, pointer: str) -> Position | None:
        """Where the mapping key that holds ``pointer`` starts (its value's position otherwise)."""
        tokens = pointers.split(pointer)
        if not tokens:
            return self.position(pointer)
        parent = self._root_node()
        if parent is None:
            return None
        for token in tokens[:-1]:
            child = _child_node(parent, token)
            if child is None:
                return self.position(pointer)
            parent = child
        if isinstance(parent, yaml.MappingNode):
            for key, _ in parent.value:
                if isinstance(key, yaml.ScalarNode) and key.value == tokens[-1]:
                    return Position(key.start_mark.line + 1, key.start_mark.column + 1)
        return self.position(pointer)

    def _root_node(self) -> yaml.Node | None:
        """The text as YAML nodes (None for an empty file); JSON is read as the YAML it also is."""
        if self._nodes is None:
            node: yaml.Node | None = yaml.compose(self.text, Loader=_JsonCompatibleLoader)
            self._nodes = node
        return self._nodes


def _child_node(node: yaml.Node, token: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == token:
                child: yaml.Node = value
                return child
        return None
    if isinstance(node, yaml.SequenceNode) and token.isdigit():
        index = int(token)
        return node.value[index] if index < len(node.value) else None
    return None


def load(path: Path) -> SourceDocument:
    """Read and parse ``path`` (YAML, or JSON by its suffix)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceError(path, "file not found") from None
    except UnicodeDecodeError as error:
        before = error.object[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        raise SourceError(path, f"not UTF-8 text: {error.reason}", Position(line, column)) from None
    except OSError as error:
        raise SourceError(path, f"cannot read the file: {error.strerror}") from None
    return parse(path, text)


def parse(path: Path, text: str) -> SourceDocument:
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise SourceError(path, f"invalid JSON: {error.msg}", Position(error.lineno, error.colno)) from None
    else:
        loader = _JsonCompatibleLoader(text)
        try:
            data = loader.get_single_data()
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            position = Position(mark.line + 1, mark.column + 1) if mark else None
            raise SourceError(path, f"invalid YAML: {error.problem or error.context}", position) from None
        except yaml.YAMLError as error:
            raise SourceError(path, f"invalid YAML: {error}") from None
        finally:
            loader.dispose()
        return SourceDocument(path, text, _stringify_keys(data), loader.duplicate_keys)
    return SourceDocument(path=path, text=text, data=data)


@functools.singledispatch
def _stringify_keys(value: Any) -> Any:
    return value


@_stringify_keys.register
def _(value: dict) -> dict[str, Any]:  # type: ignore[type-arg]
    # YAML reads an unquoted `200:` as a number; OpenAPI means the text "200".
    return {_key_text(key): _stringify_keys(item) for key, item in value.items()}


@_stringify_keys.register
def _(value: list) -> list[Any]:  # type: ignore[type-arg]
    return [_stringify_keys(item) for item in value]


def _key_text(key: object) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return "null" if key is None else str(key)
