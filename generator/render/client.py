"""What the client templates need beyond the model: signatures, body forms, error classes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from generator import naming
from generator.model.annotations import annotate, union
from generator.model.api import Api, Body, BodyField, Parameter
from generator.settings import Settings

_BUILTIN_GENERIC = re.compile(r"(?<![\w.])(list|dict)\[")
# Attributes every status error has already; an error class's own fields may not take these names.
_TAKEN = frozenset(
    {"type", "code", "detail", "attr", "status_code", "body", "response", "request", "message", "parsed", "args"}
)
_STATUS_CLASSES = {
    400: "BadRequestError",
    401: "AuthenticationError",
    403: "PermissionDeniedError",
    404: "NotFoundError",
    409: "ConflictError",
    422: "UnprocessableEntityError",
    429: "RateLimitError",
}


def builtin_safe(annotation: str) -> str:
    """``list[...]`` as ``builtins.list[...]``: inside a resource, ``list`` may be a method's name."""
    return _BUILTIN_GENERIC.sub(lambda match: f"builtins.{match.group(1)}[", annotation)


def client_parameter(parameter: Parameter, settings: Settings) -> str:
    """A parameter in a client method's signature: its type and default."""
    annotation = builtin_safe(parameter.plain_annotation)
    if parameter.required and parameter.name not in settings.client_parameter_env:
        return annotation
    return f"{or_none(annotation)} = None"


def or_not_given(annotation: str) -> str:
    """``annotation | NotGiven``, with a ``None`` it admits kept last."""
    return union([annotation, "NotGiven"])


def or_none(annotation: str) -> str:
    """``annotation`` admitting None, without saying ``| None`` twice."""
    return union([annotation, "None"])


def wire_value(parameter: Parameter) -> str:
    """How a method hands a parameter's value to the request."""
    if parameter.json_encoded:
        return f"json_parameter({parameter.python_name})"
    plain_style = "form" if parameter.location in ("query", "cookie") else "simple"
    plain_explode = parameter.style == "form"
    if parameter.style == plain_style and parameter.explode == plain_explode:
        return parameter.python_name
    return f'styled({parameter.python_name}, "{parameter.style}", explode={parameter.explode})'


def body_kind(body: Body) -> str:
    """How the client sends a body: ``json``, ``form``, ``multipart``, ``text`` or ``binary`` (the first
    the body declares, in that order)."""
    types = [media.content_type for media in body.media_types]
    if any(kind == "application/json" or kind.endswith("+json") for kind in types):
        return "json"
    if "application/x-www-form-urlencoded" in types:
        return "form"
    if "multipart/form-data" in types:
        return "multipart"
    return "text" if any(kind.startswith("text/") for kind in types) else "binary"


def body_content_type(body: Body, kind: str) -> str:
    """The declared media type a text or binary body is sent as; a range (``*/*``, ``text/*``) as
    its plainest member."""
    types = [media.content_type for media in body.media_types]
    chosen = next((media for media in types if media.startswith("text/")), types[0]) if kind == "text" else types[0]
    if "*" not in chosen:
        return chosen
    return "text/plain" if kind == "text" else "application/octet-stream"


def body_dict(fields: tuple[BodyField, ...]) -> str:
    return "{" + ", ".join(f'"{field.name}": {field.python_name}' for field in fields) + "}"


@dataclass(frozen=True)
class Field:
    python_name: str
    annotation: str


@dataclass(frozen=True)
class ErrorClass:
    name: str
    schema: str
    status: int
    base: str
    description: str
    discriminator: tuple[str, ...]  # keys a body must have to be parsed as this schema
    fields: tuple[Field, ...]  # the schema's properties, offered as attributes of the error


def error_classes(api: Api, document: dict[str, Any], settings: Settings) -> list[ErrorClass]:
    """One class per configured error schema that some operation declares for a 4xx status."""
    schemas = document["components"]["schemas"]
    found = []
    for schema, name in sorted(settings.client_error_classes.items()):
        statuses = sorted(
            {
                response.fixed_status
                for operation in api.operations
                for response in operation.responses
                if response.fixed_status
                and 400 <= response.fixed_status < 500
                and any(media.annotation == f"models.{schema}" for media in response.media_types)
            }
        )
        if not statuses or schema not in schemas:
            continue
        definition = schemas[schema]
        properties = definition.get("properties") or {}
        fields = tuple(
            Field(naming.snake_name(key), builtin_safe(annotate(value)))
            for key, value in sorted(properties.items())
            if naming.snake_name(key) not in _TAKEN
        )
        found.append(
            ErrorClass(
                name=name,
                schema=schema,
                status=statuses[0],
                base=_STATUS_CLASSES.get(statuses[0], "APIStatusError"),
                description=str(definition.get("description") or "").split("\n")[0],
                discriminator=tuple(sorted(definition.get("required") or [])),
                fields=fields,
            )
        )
    return found
