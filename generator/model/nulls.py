"""Where a schema refuses null although its Python type cannot say so.

datamodel-code-generator types an optional property ``X | None = None``, so that it may be left
out; that type also lets an explicit ``null`` through where the schema does not. The models' base
class (``_schema_model.py``) refuses such a ``null`` on the server, from the table made here.
"""

from __future__ import annotations

from typing import Any

from generator import pointers

SCHEMAS_PREFIX = "#/components/schemas/"
BASE_CLASS = "SchemaModel"


def base_class_name(schema_names: tuple[str, ...]) -> str:
    """The models' base class: a name no schema's class takes."""
    name = BASE_CLASS
    while name in schema_names:
        name += "Base"
    return name


def refused_nulls(schemas: dict[str, Any]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """For each model, the wire names of its optional properties whose schema does not admit null."""
    table = []
    for name in sorted(schemas):
        found = _Properties(schemas).of(schemas[name])
        if found is None:
            continue
        properties, required = found
        refused = tuple(
            sorted(
                key
                for key, schema in properties.items()
                if key not in required and not _has_default(schema) and not admits_null(schema, schemas)
            )
        )
        if refused:
            table.append((name, refused))
    return tuple(table)


def admits_null(schema: Any, schemas: dict[str, Any], seen: frozenset[str] = frozenset()) -> bool:
    """Whether ``null`` is valid for ``schema``; True when unsure, so that nothing valid is refused."""
    if not isinstance(schema, dict):
        return schema is not False
    if schema.get("nullable") is True:
        return True
    ref = schema.get("$ref")
    if isinstance(ref, str):
        if not ref.startswith(SCHEMAS_PREFIX) or ref in seen:
            return True
        target = schemas.get(pointers.split(ref)[-1])
        return target is None or admits_null(target, schemas, seen | {ref})
    if "const" in schema:
        return schema["const"] is None
    if isinstance(schema.get("enum"), list):
        return None in schema["enum"]
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list):
            return any(admits_null(member, schemas, seen) for member in schema[key])
    if isinstance(schema.get("allOf"), list):
        return all(admits_null(member, schemas, seen) for member in schema["allOf"])
    types = schema.get("type")
    if isinstance(types, str):
        return types == "null"
    if isinstance(types, list):
        return "null" in types
    return True  # no type: any value, null included


def _has_default(schema: Any) -> bool:
    """A property with a default is typed without ``None`` unless it is nullable: pydantic refuses null."""
    return isinstance(schema, dict) and "default" in schema


class _Properties:
    """The properties and required names of an object schema, its ``allOf`` parents included."""

    def __init__(self, schemas: dict[str, Any]) -> None:
        self.schemas = schemas

    def of(self, schema: Any, seen: frozenset[str] = frozenset()) -> tuple[dict[str, Any], set[str]] | None:
        if not isinstance(schema, dict):
            return None
        ref = schema.get("$ref")
        if isinstance(ref, str):
            if not ref.startswith(SCHEMAS_PREFIX) or ref in seen:
                return None
            return self.of(self.schemas.get(pointers.split(ref)[-1]), seen | {ref})
        properties: dict[str, Any] = {}
        required: set[str] = set()
        for part in schema.get("allOf") or []:
            inherited = self.of(part, seen)
            if inherited is not None:
                properties.update(inherited[0])
                required.update(inherited[1])
        if isinstance(schema.get("properties"), dict):
            properties.update(schema["properties"])
        if isinstance(schema.get("required"), list):
            required.update(name for name in schema["required"] if isinstance(name, str))
        if not properties:
            return None
        return properties, required
