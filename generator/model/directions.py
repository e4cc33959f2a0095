"""Separate request and response models where readOnly or writeOnly fields make them differ.

A component ``S`` stays what the server sends: without its ``writeOnly`` properties. When a
request body uses ``S`` (directly or through other schemas) and ``S`` has ``readOnly`` or
``writeOnly`` properties, or refers to a schema that does, the client sends ``SRequest``: a copy
without the ``readOnly`` properties, whose references lead to the request forms of what it
refers to.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

from generator import naming, pointers, walk

SCHEMAS_REF = "#/components/schemas/"
REQUEST_SUFFIX = "Request"


def split(document: dict[str, Any], collision: Callable[[str, str], None]) -> None:
    """Rewrite ``document`` in place; ``collision(schema name, message)`` tells of a name taken."""
    schemas: dict[str, Any] = document["components"]["schemas"]
    read_only = {name for name, schema in schemas.items() if _has_flag(schema, "readOnly")}
    write_only = {name for name, schema in schemas.items() if _has_flag(schema, "writeOnly")}
    references = {name: set(_references(schema)) for name, schema in schemas.items()}
    differs = _reaching(read_only | write_only, references)
    bodies = list(_request_body_holders(document))
    used_in_requests = _closure({name for holder in bodies for name in _references(holder["schema"])}, references)
    renamed: dict[str, str] = {}
    for name in sorted(differs & used_in_requests):
        wanted = name + REQUEST_SUFFIX
        request_name = naming.numbered(wanted, {*schemas, *renamed.values()})
        if request_name != wanted:  # a schema of the spec has the name already
            collision(name, f"schema {name!r} needs a request form; {wanted!r} is taken, so it is {request_name!r}")
        renamed[name] = request_name
    for name, request_name in renamed.items():
        schemas[request_name] = _without(schemas[name], "readOnly", renamed)
    for name in write_only:
        schemas[name] = _without(schemas[name], "writeOnly", {})
    for holder in bodies:
        holder["schema"] = _renamed_refs(holder["schema"], renamed)


def _has_flag(schema: Any, flag: str) -> bool:
    return any(
        isinstance(prop, dict) and prop.get(flag) is True
        for _, sub in walk.subschemas(schema, "")
        for prop in (sub.get("properties") or {}).values()
    )


def _references(schema: Any) -> Iterator[str]:
    for _, sub in walk.subschemas(schema, ""):
        ref = sub.get("$ref")
        if isinstance(ref, str) and ref.startswith(SCHEMAS_REF):
            yield pointers.split(ref)[-1]


def _reaching(targets: set[str], references: dict[str, set[str]]) -> set[str]:
    """The schemas in ``targets`` and every schema that refers to one of them, however indirectly."""
    found = set(targets)
    changed = True
    while changed:
        changed = False
        for name, refs in references.items():
            if name not in found and refs & found:
                found.add(name)
                changed = True
    return found


def _closure(start: set[str], references: dict[str, set[str]]) -> set[str]:
    found, pending = set(), list(start)
    while pending:
        name = pending.pop()
        if name not in found:
            found.add(name)
            pending.extend(references.get(name, ()))
    return found


def _request_body_holders(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for operation in walk.operations(document):
        body = operation.value.get("requestBody")
        if isinstance(body, dict):
            for media in (body.get("content") or {}).values():
                if isinstance(media, dict) and isinstance(media.get("schema"), dict):
                    yield media


def _without(schema: Any, flag: str, renamed: dict[str, str]) -> Any:
    """A copy of ``schema`` without the properties marked ``flag``, its refs renamed."""
    result = _renamed_refs(copy.deepcopy(schema), renamed)
    for _, sub in walk.subschemas(result, ""):
        properties = sub.get("properties")
        if not isinstance(properties, dict):
            continue
        dropped = {key for key, prop in properties.items() if isinstance(prop, dict) and prop.get(flag) is True}
        if dropped:
            sub["properties"] = {key: prop for key, prop in properties.items() if key not in dropped}
            if isinstance(sub.get("required"), list):
                sub["required"] = [key for key in sub["required"] if key not in dropped]
    return result


def _renamed_refs(schema: Any, renamed: dict[str, str]) -> Any:
    if isinstance(schema, list):
        return [_renamed_refs(item, renamed) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: _renamed_refs(value, renamed) for key, value in schema.items()}
    ref = result.get("$ref")
    if isinstance(ref, str) and ref.startswith(SCHEMAS_REF) and ref[len(SCHEMAS_REF) :] in renamed:
        result["$ref"] = SCHEMAS_REF + renamed[ref[len(SCHEMAS_REF) :]]
    return result
