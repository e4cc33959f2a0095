"""The intermediate model of an API: small, typed, sorted, and free of OpenAPI's spelling."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ParameterLocation = Literal["path", "query", "header", "cookie"]


@dataclass(frozen=True)
class Parameter:
    name: str  # as the spec spells it, on the wire
    python_name: str
    location: ParameterLocation
    required: bool
    annotation: str  # with the schema's constraints, as Annotated[..., Field(...)]
    plain_annotation: str  # the type alone
    default: str | None  # Python source of the default, if the schema has one
    description: str
    json_encoded: bool  # the value travels as JSON text (a parameter with `content: application/json`)
    is_array: bool
    explode: bool
    style: str = "form"  # as the spec says, or its location's default: form (query, cookie), simple
    object_properties: tuple[str, ...] | None = None  # an object's property names; None: not an object


@dataclass(frozen=True)
class MediaType:
    content_type: str
    annotation: str | None  # None: the body is raw bytes or has no schema
    json_fields: tuple[str, ...] = ()  # form fields that carry JSON text (from `encoding`)
    list_fields: tuple[str, ...] = ()  # form fields that repeat to send an array; others keep their last value


@dataclass(frozen=True)
class Body:
    required: bool
    description: str
    media_types: tuple[MediaType, ...]

    @property
    def annotation(self) -> str:
        """The body's type: one model, or the union of each media type's."""
        found = dict.fromkeys(media.annotation or "bytes" for media in self.media_types)
        return " | ".join(found)


@dataclass(frozen=True)
class Header:
    name: str
    python_name: str
    required: bool
    annotation: str


@dataclass(frozen=True)
class Response:
    status: str  # "200", "4XX", "default"
    description: str
    media_types: tuple[MediaType, ...]
    headers: tuple[Header, ...]

    @property
    def is_success(self) -> bool:
        return self.status.startswith("2")

    @property
    def fixed_status(self) -> int | None:
        """The status code, when the spec names one (not a range like 4XX, nor `default`)."""
        return int(self.status) if self.status.isdigit() else None

    @property
    def json_media_type(self) -> MediaType | None:
        """The JSON media type with a model; a "JSON" one whose schema is binary is bytes, like any file."""
        return next(
            (media for media in self.media_types if is_json(media.content_type) and media.annotation is not None),
            None,
        )

    @property
    def text_type(self) -> str | None:
        """The first ``text/*`` media type: its body is ``str``."""
        return next((media.content_type for media in self.media_types if media.content_type.startswith("text/")), None)

    @property
    def binary_type(self) -> str | None:
        """The first media type that is neither JSON with a model nor text: its body is ``bytes``."""
        json_media = self.json_media_type
        return next(
            (
                media.content_type
                for media in self.media_types
                if media is not json_media
                and not media.content_type.startswith("text/")
                and not (is_json(media.content_type) and json_media is not None)
            ),
            None,
        )

    @property
    def body_annotation(self) -> str | None:
        """The body's type: the JSON model, ``str`` for text, ``bytes`` for the rest (a union when
        several are declared, chosen by the answer's ``Content-Type``); None: no body."""
        json_media = self.json_media_type
        kinds = [json_media.annotation if json_media else None, "str" if self.text_type else None]
        kinds.append("bytes" if self.binary_type else None)
        found = [kind for kind in kinds if kind]
        return " | ".join(found) if found else None

    @property
    def accept(self) -> str:
        """What a client asks for: every declared media type, JSON first."""
        types = sorted({media.content_type for media in self.media_types}, key=lambda kind: not is_json(kind))
        return ", ".join(types) or "application/json"


@dataclass(frozen=True)
class SecurityScheme:
    name: str
    kind: str  # "http", "apiKey", "oauth2", "openIdConnect", "mutualTLS"
    scheme: str | None  # for http: "bearer", "basic"
    location: str | None  # for apiKey: "header", "query", "cookie"
    parameter_name: str | None  # for apiKey
    token_url: str | None = None  # for oauth2: its client-credentials flow's tokenUrl


@dataclass(frozen=True)
class BodyField:
    """A property of a JSON object body, offered as a keyword argument by the client."""

    name: str  # on the wire
    python_name: str
    annotation: str
    required: bool
    description: str


@dataclass(frozen=True)
class Operation:
    operation_id: str
    python_name: str
    class_stem: str  # PascalCase, for per-operation classes
    method: str
    path: str
    tag: str  # its tag's name in the spec while the model is built, then the tag's Python name
    summary: str
    description: str
    deprecated: bool
    parameters: tuple[Parameter, ...]
    body: Body | None
    responses: tuple[Response, ...]
    # alternatives, each a set of schemes with their scopes; () means no authentication
    security: tuple[tuple[tuple[str, tuple[str, ...]], ...], ...]
    client_name: str  # the client's method name, within its tag's resource
    body_fields: tuple[BodyField, ...] | None  # None: the body is passed whole, as `body=`
    page_item: str | None  # the item type, when the success response is a page with `results` and `next`

    @property
    def success(self) -> Response | None:
        return next((response for response in self.responses if response.is_success), None)


@dataclass(frozen=True)
class Received:
    """A webhook or callback: a request the API sends to its users, which the client can parse."""

    kind: str  # "webhook" or "callback"
    name: str
    method: str
    python_name: str  # of the client's parse function: parse_<python_name>
    description: str
    body: str | None  # the JSON body's type; None: nothing to parse (a warning says so)


@dataclass(frozen=True)
class Tag:
    name: str
    python_name: str
    class_stem: str
    description: str
    operations: tuple[Operation, ...]


@dataclass(frozen=True)
class Api:
    title: str
    version: str
    description: str
    servers: tuple[str, ...]
    tags: tuple[Tag, ...]
    schema_names: tuple[str, ...]  # the class names of the models module
    security_schemes: tuple[SecurityScheme, ...]
    spec_sha256: str
    spec_path: str
    formats: tuple[str, ...] = ()  # the generator's own string formats (``formats.py``) that schemas use
    model_base: str = "SchemaModel"  # the base class of the models (``nulls.py``)
    # model name -> wire names of its optional properties that may not be null (``nulls.py``)
    refused_nulls: tuple[tuple[str, tuple[str, ...]], ...] = ()
    received: tuple[Received, ...] = ()  # webhooks and callbacks

    @property
    def operations(self) -> tuple[Operation, ...]:
        return tuple(op for tag in self.tags for op in tag.operations)

    @property
    def resources(self) -> tuple[Resource, ...]:
        """Every path with its operations, in routing order: a literal segment before a parameter.

        A request belongs to the first resource whose path matches, as in Django's URL routing, so
        ``/experiments/stats`` is its own resource and not also an ``/experiments/{id}``.
        """
        by_path: dict[str, list[Operation]] = {}
        for operation in self.operations:
            by_path.setdefault(operation.path, []).append(operation)
        ordered = sorted(by_path, key=lambda path: ([part.startswith("{") for part in path.split("/")], path))
        return tuple(Resource(path, tuple(sorted(by_path[path], key=lambda op: op.method))) for path in ordered)


@dataclass(frozen=True)
class Resource:
    path: str
    operations: tuple[Operation, ...]


def is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")
