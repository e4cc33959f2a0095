"""Following ``$ref``s, within a spec file and to files beside it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from generator import pointers, source, walk


class UnresolvableRefError(Exception):
    """A ``$ref`` that names nothing; ``reason`` says why."""

    def __init__(self, ref: str, reason: str) -> None:
        super().__init__(f"cannot resolve {ref!r}: {reason}")
        self.ref = ref
        self.reason = reason


@dataclass(frozen=True)
class Target:
    """Where a ``$ref`` leads: a document and a pointer in it, and the value found there."""

    document: source.SourceDocument
    pointer: str
    value: Any


@dataclass
class Resolver:
    """Resolves refs from a root document, loading each referenced file once."""

    root: source.SourceDocument
    _documents: dict[Path, source.SourceDocument] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._documents[self.root.path.resolve()] = self.root

    @property
    def documents(self) -> list[source.SourceDocument]:
        return list(self._documents.values())

    def resolve(self, ref: str, base: source.SourceDocument) -> Target:
        location, _, fragment = ref.partition("#")
        fragment = unquote(fragment)  # a URI fragment: `{` may come as %7B (RFC 6901, section 6)
        if "://" in location:
            raise UnresolvableRefError(ref, "remote references are not followed; use a relative file path")
        document = base if not location else self._load(base.path.parent / unquote(location), ref)
        try:
            value = lookup(document.data, fragment)
        except LookupError as error:
            where = "" if document is base else f"in {location}: "
            raise UnresolvableRefError(ref, f"{where}{error}") from None
        return Target(document, pointers.from_path(pointers.split(fragment)), value)

    def deref(self, value: Any, base: source.SourceDocument) -> tuple[Any, source.SourceDocument]:
        """``value`` with its chain of refs followed (cycles raise ``UnresolvableRefError``)."""
        seen: set[tuple[Path, str]] = set()
        while isinstance(value, dict) and isinstance(value.get("$ref"), str):
            target = self.resolve(value["$ref"], base)
            key = (target.document.path, target.pointer)
            if key in seen:
                raise UnresolvableRefError(value["$ref"], "the references form a cycle")
            seen.add(key)
            value, base = target.value, target.document
        return value, base

    def _load(self, path: Path, ref: str) -> source.SourceDocument:
        key = path.resolve()
        if key not in self._documents:
            try:
                self._documents[key] = source.load(path)
            except source.SourceError as error:
                raise UnresolvableRefError(ref, f"{error.path}: {error.message}") from None
        return self._documents[key]


def lookup(data: Any, pointer: str) -> Any:
    """The value at ``pointer`` in ``data``; ``LookupError`` names the first missing token."""
    value = data
    walked = ""
    for token in pointers.split(pointer):
        if isinstance(value, dict) and token in value:
            value = value[token]
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            raise LookupError(f"{walked or 'the document'} has no {token!r}")
        walked = pointers.join(walked, token)
    return value


def iter_refs(data: Any, pointer: str = "") -> Iterator[tuple[str, str]]:
    """Every ``$ref`` of the spec in ``data``, with the pointer of the object that holds it."""
    stack: list[tuple[Any, str, str | None]] = [(data, pointer, None)]
    while stack:
        value, here, names = stack.pop()
        if isinstance(value, dict):
            ref = value.get("$ref")
            if isinstance(ref, str) and names is None:
                yield here, ref
            if names is None and isinstance(value.get("examples"), dict):
                stack.extend(_example_objects(value["examples"], pointers.join(here, "examples")))
            for key, item, item_names in walk.spec_items(value, names):
                stack.append((item, pointers.join(here, key), item_names))
        elif isinstance(value, list):
            stack.extend((item, pointers.join(here, index), None) for index, item in enumerate(value))


def _example_objects(examples: Any, here: str) -> list[tuple[Any, str, str | None]]:
    """Example Objects may be refs; their ``value`` and a schema's ``examples`` list are data."""
    if not isinstance(examples, dict):
        return []
    found: list[tuple[Any, str, str | None]] = []
    for name, example in examples.items():
        if isinstance(example, dict):
            spec_part = {key: item for key, item in example.items() if key != "value"}
            found.append((spec_part, pointers.join(here, name), None))
    return found
