"""Python type expressions for schemas, as templates write them in signatures."""

from __future__ import annotations

import json
from typing import Any

from generator import pointers
from generator.model import formats
from generator.model.normalize import SCHEMAS


class CannotRender(Exception):  # noqa: N818 - it is a verdict about the spec, not a failure of ours
    """A schema that no type expression of ours can say; carries the reason."""


# (type, format) -> annotation; the same choices datamodel-code-generator makes. Templates import
# these names (AwareDatetime, date, time, UUID, and the generator's own formats from _formats);
# ruff removes the imports a file does not use.
_FORMATS: dict[tuple[str, str], str] = {
    ("string", "date-time"): "AwareDatetime",
    ("string", formats.LENIENT_DATETIME): formats.PYTHON_NAME,
    ("string", "date"): "date",
    ("string", "time"): "time",
    ("string", "uuid"): "UUID",
    ("string", "binary"): "bytes",
    ("string", "byte"): "str",
}
_TYPES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "None"}


# JSON Schema keyword -> pydantic Field argument, for the constraints a value itself carries
_CONSTRAINTS = {
    "minimum": "ge",
    "maximum": "le",
    "exclusiveMinimum": "gt",
    "exclusiveMaximum": "lt",
    "minLength": "min_length",
    "maxLength": "max_length",
    "minItems": "min_length",
    "maxItems": "max_length",
    "pattern": "pattern",
    "multipleOf": "multiple_of",
}


def annotate(schema: Any, *, constrained: bool = False) -> str:
    """The type of ``schema``; with ``constrained``, wrapped in ``Annotated[..., Field(...)]`` for its limits."""
    text = _annotate(schema)
    if constrained and isinstance(schema, dict):
        # the generator's own formats are read by their type, which enforces their grammar
        skipped = formats.TEXT_CONSTRAINTS if schema.get("format") == formats.LENIENT_DATETIME else ()
        arguments = [
            f"{argument}={_literal(schema[keyword]) if keyword == 'pattern' else repr(schema[keyword])}"
            for keyword, argument in _CONSTRAINTS.items()
            if keyword in schema and keyword not in skipped and not isinstance(schema[keyword], bool)
        ]
        if arguments:
            text = f"Annotated[{text}, Field({', '.join(arguments)})]"
    return text


def default_literal(schema: Any) -> str | None:
    """The schema's default as Python source, or None when it has none."""
    if not isinstance(schema, dict) or "default" not in schema:
        return None
    value = schema["default"]
    if isinstance(value, (list, dict)):
        return None  # a mutable default: the parameter is optional, the implementation applies it
    return _literal(value)


def _annotate(schema: Any) -> str:
    if schema is True or schema == {}:
        return "Any"
    if not isinstance(schema, dict):
        raise CannotRender(f"a schema must be an object or a boolean, not {schema!r}")
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = pointers.split(ref)[-1]
        if not ref.startswith(f"#{SCHEMAS}/"):
            raise CannotRender(f"unexpected reference {ref!r}")
        return f"models.{name}"  # qualified: no generated name can shadow a model
    nullable = schema.get("nullable") is True
    if "const" in schema:
        text = f"Literal[{_literal(schema['const'])}]"
    elif isinstance(schema.get("enum"), list):
        values = [value for value in schema["enum"] if value is not None]
        nullable = nullable or None in schema["enum"]
        text = f"Literal[{', '.join(_literal(value) for value in values)}]"
    elif isinstance(alternatives := schema.get("oneOf") or schema.get("anyOf"), list):
        text = union([_annotate(member) for member in alternatives])
    elif isinstance(schema.get("allOf"), list) and len(schema["allOf"]) == 1:
        text = _annotate(schema["allOf"][0])
    else:
        types = schema.get("type")
        type_list = types if isinstance(types, list) else [types] if isinstance(types, str) else []
        if "null" in type_list:
            nullable = True
        parts = [_annotate_type(kind, schema) for kind in type_list if kind != "null"]
        if type_list == ["null"]:
            return "None"
        if not parts:
            if "properties" in schema or "allOf" in schema:
                raise CannotRender("an inline object schema here needs a name: move it to components/schemas")
            parts = ["Any"]
        text = " | ".join(parts)
    return union([text, "None"]) if nullable and text not in ("Any", "None") else text


def union(annotations: list[str]) -> str:
    """The union of ``annotations``: each type once, ``None`` last (``str | None`` and ``list[str] | None``
    make ``str | list[str] | None``)."""
    parts = dict.fromkeys(part for annotation in annotations for part in _top_level_parts(annotation))
    if "Any" in parts:
        return "Any"
    ordered = [part for part in parts if part != "None"] + (["None"] if "None" in parts else [])
    return " | ".join(ordered)


def _top_level_parts(annotation: str) -> list[str]:
    """``a | b[c | d]`` -> ``["a", "b[c | d]"]``: split at the bars outside brackets."""
    parts, depth, start = [], 0, 0
    for index, character in enumerate(annotation):
        if character == "[":
            depth += 1
        elif character == "]":
            depth -= 1
        elif character == "|" and depth == 0:
            parts.append(annotation[start:index].strip())
            start = index + 1
    parts.append(annotation[start:].strip())
    return parts


def _annotate_type(kind: str, schema: dict[str, Any]) -> str:
    if kind == "array":
        items = schema.get("items", True)
        return f"list[{_annotate(items)}]"
    if kind == "object":
        if "properties" in schema:
            raise CannotRender("an inline object schema here needs a name: move it to components/schemas")
        values = schema.get("additionalProperties", True)
        if values is False:
            return "dict[str, Any]"
        return f"dict[str, {_annotate(values)}]"
    annotation = _FORMATS.get((kind, schema.get("format", "")), _TYPES.get(kind, ""))
    if not annotation:
        raise CannotRender(f"unknown type {kind!r}")
    return annotation


def _literal(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, (int, float, str)):
        return json.dumps(value) if isinstance(value, str) else repr(value)
    raise CannotRender(f"an enum value must be a string, a number, a boolean or null, not {value!r}")
