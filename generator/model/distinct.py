"""Tags and operations under distinct Python names: of two that Python would name alike
(``ManagedClusters`` and ``managedClusters``; ``getUsers`` and ``get_users``), the later is
numbered, and a ``renamed`` advisory says so where the spec names it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

from generator import naming, pointers
from generator.model import api

Renamed = Callable[[str, str], None]  # (pointer, message): told of each rename


def tags(tags: tuple[api.Tag, ...], renamed: Renamed) -> tuple[api.Tag, ...]:
    """Each tag, and each operation of a tag, under its own Python name."""
    distinct: list[api.Tag] = []
    seen: dict[str, str] = {}  # Python name -> the tag's name in the spec
    for tag in tags:
        if tag.python_name in seen:
            name = naming.numbered(tag.python_name, seen, "_")
            first = tag.operations[0]  # where the spec gives the tag its name
            at = pointers.join("/paths", first.path, first.method, "tags")
            renamed(at, _message(f"tags {seen[tag.python_name]!r} and {tag.name!r}", tag.python_name, name))
            number = name.rsplit("_", 1)[1]
            tag = dataclasses.replace(tag, python_name=name, class_stem=f"{tag.class_stem}{number}")
        seen[tag.python_name] = tag.name
        operations = (dataclasses.replace(op, tag=tag.python_name) for op in _operations(tag.operations, renamed))
        distinct.append(dataclasses.replace(tag, operations=tuple(operations)))
    return tuple(distinct)


def _operations(operations: tuple[api.Operation, ...], renamed: Renamed) -> Iterator[api.Operation]:
    methods: dict[str, str] = {}  # Python name -> operationId
    clients = {operation.client_name for operation in operations}
    for operation in operations:
        if operation.python_name in methods:
            name = naming.numbered(operation.python_name, methods, "_")
            at = pointers.join("/paths", operation.path, operation.method, "operationId")
            both = f"operations {methods[operation.python_name]!r} and {operation.operation_id!r}"
            renamed(at, _message(both, operation.python_name, name))
            number = name.rsplit("_", 1)[1]
            client_name = naming.numbered(f"{operation.client_name}_{number}", clients)
            clients.add(client_name)
            operation = dataclasses.replace(
                operation, python_name=name, class_stem=f"{operation.class_stem}{number}", client_name=client_name
            )
        methods[operation.python_name] = operation.operation_id
        yield operation


def _message(both: str, name: str, renamed: str) -> str:
    return f"{both} would both be named {name}: the second is {renamed}"
