"""Finding the parts of an OpenAPI document that rules look at."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from generator import pointers

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# Subschema-holding keywords of JSON Schema, by the shape of what they hold.
ONE_SCHEMA = (
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "additionalItems",
)
SCHEMA_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")
SCHEMA_MAP = ("properties", "patternProperties", "dependentSchemas", "$defs", "definitions")
# Keys whose values are data, not spec.
DATA_KEYS = frozenset({"example", "examples", "default", "const", "enum"})
# Objects whose keys are names the author chose, not keywords: a response may be named `default`,
# a header `example`, a property `enum` or `x-request-id`.
NAME_MAPS = frozenset(
    {"responses", "headers", "content", "encoding", "links", "callbacks", "variables", "parameters"}
    | {"requestBodies", "securitySchemes", "pathItems", "webhooks", "paths", "schemas", *SCHEMA_MAP}
)


def spec_items(value: dict[str, Any], names: str | None) -> Iterator[tuple[str, Any, str | None]]:
    """The entries of ``value`` that are spec, not data, each with what its own keys are.

    ``names`` is the key under which ``value`` was found when its keys are names (see ``NAME_MAPS``),
    None when they are keywords; so is the third item of each entry, for the entry's value.
    """
    for key, item in value.items():
        if names is not None:
            if names in SCHEMA_MAP or not key.startswith("x-"):  # a property may be called x-anything
                yield key, item, None
        elif key not in DATA_KEYS and not key.startswith("x-"):
            yield key, item, key if key in NAME_MAPS else None


@dataclass(frozen=True)
class Operation:
    pointer: str
    path: str
    method: str
    value: dict[str, Any]
    path_item: dict[str, Any]


def operations(document: Any) -> Iterator[Operation]:
    paths = document.get("paths") if isinstance(document, dict) else None
    if not isinstance(paths, dict):
        return
    for path, item in paths.items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                yield Operation(pointers.join("", "paths", path, method), path, method, operation, item)


@dataclass(frozen=True)
class Received:
    """An operation the API calls on its users: a webhook (3.1) or a callback of an operation."""

    kind: str  # "webhook" or "callback"
    name: str  # the webhook's name; for a callback, "<operation> <callback name> <expression>"
    operation: Operation  # its ``path`` is what names it in Python: the webhook, or "<operation> <callback>"


def received(document: Any) -> Iterator[Received]:
    """Every webhook and callback operation, webhooks first, in document order."""
    webhooks = document.get("webhooks") if isinstance(document, dict) else None
    if isinstance(webhooks, dict):
        for name, item in webhooks.items():
            yield from _received_item("webhook", str(name), str(name), pointers.join("", "webhooks", name), item)
    for operation in operations(document):
        callbacks = operation.value.get("callbacks")
        if not isinstance(callbacks, dict):
            continue
        owner = str(operation.value.get("operationId") or f"{operation.method} {operation.path}")
        for callback_name, callback in callbacks.items():
            if not isinstance(callback, dict):
                continue
            for expression, item in callback.items():
                at = pointers.join(operation.pointer, "callbacks", callback_name, expression)
                name = f"{owner} {callback_name} {expression}"
                yield from _received_item("callback", name, f"{owner} {callback_name}", at, item)


def _received_item(kind: str, name: str, stem: str, at: str, item: Any) -> Iterator[Received]:
    if not isinstance(item, dict):
        return
    for method in HTTP_METHODS:
        value = item.get(method)
        if isinstance(value, dict):
            yield Received(kind, name, Operation(pointers.join(at, method), stem, method, value, item))


def schema_roots(document: Any) -> Iterator[tuple[str, Any]]:
    """Each schema that is not inside another schema: component schemas and every ``schema``."""
    components = document.get("components") if isinstance(document, dict) else None
    schemas = components.get("schemas") if isinstance(components, dict) else None
    if isinstance(schemas, dict):
        for name, schema in schemas.items():
            yield pointers.join("", "components", "schemas", name), schema
    stack: list[tuple[Any, str, str | None]] = [(document, "", None)]
    while stack:
        value, here, names = stack.pop()
        if isinstance(value, dict):
            for key, item, item_names in spec_items(value, names):
                at = pointers.join(here, key)
                if key == "schema" and names is None and isinstance(item, (dict, bool)):
                    yield at, item
                elif at != "/components/schemas":
                    stack.append((item, at, item_names))
        elif isinstance(value, list):
            stack.extend((item, pointers.join(here, index), None) for index, item in enumerate(value))


def subschemas(schema: Any, pointer: str) -> Iterator[tuple[str, Any]]:
    """``schema`` and every schema nested in it, by JSON Schema's keywords."""
    stack = [(pointer, schema)]
    while stack:
        here, value = stack.pop()
        if not isinstance(value, dict):
            continue
        yield here, value
        for key in ONE_SCHEMA:
            if key in value:
                stack.append((pointers.join(here, key), value[key]))
        if "items" in value:
            items = value["items"]
            if isinstance(items, list):  # OpenAPI 3.0 / draft 4 tuple form
                stack.extend((pointers.join(here, "items", i), item) for i, item in enumerate(items))
            else:
                stack.append((pointers.join(here, "items"), items))
        for key in SCHEMA_LIST:
            if isinstance(value.get(key), list):
                stack.extend((pointers.join(here, key, i), item) for i, item in enumerate(value[key]))
        for key in SCHEMA_MAP:
            if isinstance(value.get(key), dict):
                stack.extend((pointers.join(here, key, name), item) for name, item in value[key].items())


@dataclass(frozen=True)
class ExampleSite:
    """An example, or a map of Example Objects, next to the schema it must satisfy."""

    holder: str  # pointer of the media type, parameter or header (or schema)
    schema_pointer: str
    schema: Any
    direction: str  # "request", "response", or "any"


def example_sites(document: Any) -> Iterator[ExampleSite]:
    """Media types, parameters and headers that hold a schema and examples for it."""
    stack: list[tuple[Any, str, str, str | None]] = [(document, "", "any", None)]
    while stack:
        value, here, direction, names = stack.pop()
        if isinstance(value, dict):
            schema = value.get("schema")
            if names is None and isinstance(schema, (dict, bool)) and ("example" in value or "examples" in value):
                yield ExampleSite(here, pointers.join(here, "schema"), schema, direction)
            for key, item, item_names in spec_items(value, names):
                at = pointers.join(here, key)
                if (key != "schema" or names is not None) and at != "/components/schemas":
                    stack.append((item, at, _direction(key, direction) if names is None else direction, item_names))
        elif isinstance(value, list):
            stack.extend((item, pointers.join(here, index), direction, None) for index, item in enumerate(value))


def _direction(key: str, inherited: str) -> str:
    if key in ("requestBody", "requestBodies", "parameters"):
        return "request"
    if key in ("responses", "headers"):
        return "response"
    return inherited
