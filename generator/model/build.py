"""Building the intermediate model from a normalized document."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from generator import naming, pointers, refs, source, walk
from generator.context import Context
from generator.model import api, distinct, formats, nulls
from generator.model.annotations import CannotRender, annotate, default_literal
from generator.model.normalize import Normalized
from generator.problems import Problem

DEFAULT_TAG = "default"


class Builder:
    def __init__(self, context: Context, normalized: Normalized, spec_path: str) -> None:
        self.context = context
        self.document = normalized.document
        self.normalized_source = source.SourceDocument(context.document.path, context.document.text, self.document)
        self.resolver = refs.Resolver(self.normalized_source)
        self.spec_path = spec_path
        self.problems: list[Problem] = []

    def build(self) -> api.Api:
        by_tag: dict[str, list[api.Operation]] = {}
        for operation in walk.operations(self.document):
            built = self._operation(operation)
            if built is not None:
                by_tag.setdefault(built.tag, []).append(built)
        tags = tuple(self._tag(name, operations) for name, operations in sorted(by_tag.items()))
        tags = distinct.tags(tags, self._renamed)
        info = self.document.get("info") or {}
        return api.Api(
            title=str(info.get("title", "")),
            version=str(info.get("version", "")),
            description=str(info.get("description", "")),
            servers=tuple(str(server.get("url")) for server in self.document.get("servers") or [] if "url" in server),
            tags=tags,
            schema_names=tuple(sorted(self.document["components"]["schemas"])),
            security_schemes=tuple(self._security_schemes()),
            spec_sha256=_content_hash(self.document),
            spec_path=self.spec_path,
            formats=_generator_formats(self.document),
            model_base=nulls.base_class_name(tuple(self.document["components"]["schemas"])),
            refused_nulls=nulls.refused_nulls(self.document["components"]["schemas"]),
            received=self._received(),
        )

    def _received(self) -> tuple[api.Received, ...]:
        """Webhooks and callbacks, each with the type of its JSON body, or a warning that it has none."""
        found: list[api.Received] = []
        taken: set[str] = set()
        for item in walk.received(self.document):
            operation = item.operation
            operation_id = operation.value.get("operationId")
            base = naming.snake_name(operation_id or f"{operation.path} {operation.method}")
            python_name = naming.numbered(base, taken, "_")
            taken.add(python_name)
            try:
                body = self._body(operation.pointer, operation.value.get("requestBody"))
            except _Located as error:
                self.problems.append(self.context.problem(error.pointer, "renderable", error.message))
                continue
            json_media = next(
                (media for media in body.media_types if api.is_json(media.content_type) and media.annotation)
                if body
                else iter(()),
                None,
            )
            if json_media is None:
                self.problems.append(
                    self.context.problem(
                        operation.pointer,
                        "not-rendered",
                        f"{item.kind} {item.name!r} ({operation.method.upper()}) has no JSON body: "
                        "the client has nothing to parse for it",
                    )
                )
            description = str(operation.value.get("summary") or operation.value.get("description") or "")
            found.append(
                api.Received(
                    item.kind,
                    item.name,
                    operation.method,
                    python_name,
                    description,
                    json_media.annotation if json_media else None,
                )
            )
        return tuple(found)

    def _tag(self, name: str, operations: list[api.Operation]) -> api.Tag:
        descriptions = {tag.get("name"): tag.get("description", "") for tag in self.document.get("tags") or []}
        # Short client names that two operations of the tag would share: both keep their full name.
        counts = Counter(operation.client_name for operation in operations)
        operations = [
            dataclasses.replace(operation, client_name=operation.python_name)
            if counts[operation.client_name] > 1
            else operation
            for operation in operations
        ]
        ordered = tuple(sorted(operations, key=lambda op: (op.path, op.method)))
        return api.Tag(name, naming.snake_name(name), naming.class_name(name), descriptions.get(name) or "", ordered)

    def _operation(self, found: walk.Operation) -> api.Operation | None:
        value = found.value
        operation_id = value.get("operationId") or f"{found.method} {found.path}"
        tags = value.get("tags") or [DEFAULT_TAG]
        try:
            parameters = self._parameters(found)
            body = self._body(found.pointer, value.get("requestBody"))
            responses = tuple(
                self._response(pointers.join(found.pointer, "responses", status), status, response)
                for status, response in sorted((value.get("responses") or {}).items())
            ) or (_UNDECLARED,)
        except _Located as error:
            self.problems.append(self.context.problem(error.pointer, "renderable", error.message))
            return None
        security = value.get("security", self.document.get("security") or [])
        client_name = value.get("x-python-name") or _client_name(operation_id, str(tags[0]))
        return api.Operation(
            operation_id=operation_id,
            python_name=naming.snake_name(operation_id),
            class_stem=naming.class_name(operation_id),
            method=found.method,
            path=found.path,
            tag=str(tags[0]),
            summary=str(value.get("summary") or ""),
            description=str(value.get("description") or ""),
            deprecated=bool(value.get("deprecated")),
            parameters=parameters,
            body=body,
            responses=responses,
            security=tuple(
                tuple((scheme, tuple(scopes)) for scheme, scopes in sorted(requirement.items()))
                for requirement in security
            ),
            client_name=naming.snake_name(client_name),
            body_fields=self._body_fields(
                found.pointer, value.get("requestBody"), {parameter.python_name for parameter in parameters}
            ),
            page_item=self._page_item(value.get("responses") or {}),
        )

    def _object_properties(self, schema: Any) -> tuple[dict[str, Any], set[str]] | None:
        """The properties and required names of an object schema, through refs and allOf; None if not one."""
        schema = self._deref(schema)
        if not isinstance(schema, dict):
            return None
        properties: dict[str, Any] = dict(schema.get("properties") or {})
        required = set(schema.get("required") or [])
        for member in schema.get("allOf") or []:
            merged = self._object_properties(member)
            if merged is None:
                return None
            properties = {**merged[0], **properties}
            required |= merged[1]
        if not properties or any(key in schema for key in ("oneOf", "anyOf")):
            return None
        return properties, required

    def _body_fields(self, operation_pointer: str, raw: Any, taken: set[str]) -> tuple[api.BodyField, ...] | None:
        if raw is None:
            return None
        content = self._deref(raw).get("content") or {}
        # The fields of the body as the client will send it: JSON when the operation takes it, else a form.
        kinds = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")
        media = next((content[kind] for kind in kinds if isinstance(content.get(kind), dict)), None)
        found = self._object_properties(media.get("schema")) if media is not None else None
        if found is None:
            return None
        properties, required = found
        fields: list[api.BodyField] = []
        for name, schema in sorted(properties.items()):
            python_name = naming.snake_name(name)
            if python_name in {*taken, "self", "body", *(field.python_name for field in fields)}:
                # a name a parameter or another field (`prefs/background`, `prefs_background`) already has:
                # the body is passed whole, as its model
                return None
            at = pointers.join(operation_pointer, "requestBody")
            description = str(self._deref(schema).get("description") or "") if isinstance(schema, dict) else ""
            try:
                annotation = self._annotation(at, schema)
            except _Located:
                return None  # a field whose type has no name of its own: the body is passed whole, as its model
            fields.append(api.BodyField(name, python_name, annotation, name in required, description))
        return tuple(fields)

    def _page_item(self, responses: dict[str, Any]) -> str | None:
        for status, raw in sorted(responses.items()):
            if not status.startswith("2"):
                continue
            media = (self._deref(raw).get("content") or {}).get("application/json")
            found = self._object_properties(media.get("schema")) if isinstance(media, dict) else None
            if found and "next" in found[0] and "results" in found[0]:
                results = self._deref(found[0]["results"])
                if isinstance(results, dict) and results.get("type") == "array" and "items" in results:
                    try:
                        return annotate(results["items"])
                    except CannotRender:
                        return None  # items without a name: the page is returned as its model
            return None
        return None

    def _deref(self, value: Any) -> Any:
        resolved, _ = self.resolver.deref(value, self.normalized_source)
        return resolved

    def _parameters(self, found: walk.Operation) -> tuple[api.Parameter, ...]:
        merged: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
        path_level = pointers.join("/paths", found.path, "parameters")
        operation_level = pointers.join(found.pointer, "parameters")
        for base, listed in (
            (path_level, found.path_item.get("parameters")),
            (operation_level, found.value.get("parameters")),
        ):
            for index, raw in enumerate(listed or []):
                parameter = self._deref(raw)
                # the operation's own parameters override the path's of the same name and place
                merged[(parameter["name"], parameter["in"])] = (pointers.join(base, index), parameter)
        built = {at: self._parameter(at, parameter) for at, parameter in merged.values()}
        order = {"path": 0, "query": 1, "header": 2, "cookie": 3}
        ordered = sorted(built.items(), key=lambda item: (order[item[1].location], not item[1].required, item[1].name))
        return tuple(self._distinct_names(ordered))

    def _distinct_names(self, parameters: list[tuple[str, api.Parameter]]) -> Iterator[api.Parameter]:
        """Each parameter under its own Python name: of two that would share one (``token`` in the
        path and in the query, ``MaxResults`` and ``maxResults``), the later is renamed, and told."""
        holders: dict[str, api.Parameter] = {}
        for at, parameter in parameters:
            name = parameter.python_name
            if name in holders:
                first = holders[name]
                name = f"{name}_{parameter.location}" if parameter.location != first.location else name
                name = name if name not in holders else naming.numbered(parameter.python_name, holders, "_")
                self.problems.append(
                    self.context.problem(
                        at,
                        "renamed",
                        f"parameters {first.name!r} ({first.location}) and {parameter.name!r} ({parameter.location}) "
                        f"would both be named {parameter.python_name}: the second is {name} "
                        "(x-python-name chooses another)",
                    )
                )
                parameter = dataclasses.replace(parameter, python_name=name)
            holders[name] = parameter
            yield parameter

    def _parameter(self, at: str, parameter: dict[str, Any]) -> api.Parameter:
        location = parameter["in"]
        if parameter.get("allowReserved") is True:
            message = "allowReserved is not followed: reserved characters are sent percent-encoded (read alike)"
            self.problems.append(self.context.problem(pointers.join(at, "allowReserved"), "not-rendered", message))
        content = parameter.get("content")
        schema = parameter.get("schema", {})
        json_encoded = False
        if isinstance(content, dict) and content:
            content_type, media = next(iter(content.items()))
            schema = media.get("schema", {})
            json_encoded = "json" in content_type
        annotation = self._annotation(pointers.join(at, "schema"), schema, constrained=True)
        default_style = "form" if location in ("query", "cookie") else "simple"
        style = str(parameter.get("style", default_style))
        resolved = self._deref(schema) if isinstance(schema, dict) else {}
        properties = resolved.get("properties") if isinstance(resolved, dict) else None
        is_object = not json_encoded and (isinstance(properties, dict) or _has_type(resolved, "object"))
        return api.Parameter(
            name=parameter["name"],
            python_name=naming.snake_name(parameter.get("x-python-name") or parameter["name"]),
            location=location,
            required=bool(parameter.get("required")) or location == "path",
            annotation=annotation,
            plain_annotation=self._annotation(pointers.join(at, "schema"), schema),
            default=default_literal(schema),
            description=str(parameter.get("description") or ""),
            json_encoded=json_encoded,
            is_array=not json_encoded and _has_type(resolved, "array"),
            explode=bool(parameter.get("explode", style == "form")),
            style=style,
            object_properties=tuple(sorted(properties or {})) if is_object else None,
        )

    def _body(self, operation_pointer: str, raw: Any) -> api.Body | None:
        if raw is None:
            return None
        body = self._deref(raw)
        if not body.get("content"):  # `content: {}` names no media type a body could have
            return None
        at = pointers.join(operation_pointer, "requestBody")
        return api.Body(
            required=bool(body.get("required")),
            description=str(body.get("description") or ""),
            media_types=tuple(self._media_types(at, body.get("content") or {})),
        )

    def _media_types(self, at: str, content: dict[str, Any]) -> Iterator[api.MediaType]:
        for content_type, media in sorted(content.items()):
            schema = (media or {}).get("schema")
            if schema is None:  # no schema: JSON could be anything, anything else is bytes
                annotation = "Any" if "json" in content_type else None
            elif isinstance(schema, dict) and schema.get("format") == "binary":
                annotation = None
            else:
                annotation = self._annotation(pointers.join(at, "content", content_type), schema)
            encoding = (media or {}).get("encoding") or {}
            json_fields = tuple(sorted(name for name, enc in encoding.items() if "json" in enc.get("contentType", "")))
            is_form = content_type in ("application/x-www-form-urlencoded", "multipart/form-data")
            arrays = set(self._array_properties(schema)) if is_form else set()
            list_fields = tuple(sorted(arrays - set(json_fields)))
            yield api.MediaType(content_type, annotation, json_fields, list_fields)

    def _array_properties(self, raw: Any) -> Iterator[str]:
        """The properties of an object schema (its allOf members' too) that hold arrays."""
        schema = self._deref(raw)
        if not isinstance(schema, dict):
            return
        for name, property_raw in (schema.get("properties") or {}).items():
            kind = (self._deref(property_raw) or {}).get("type")
            if kind == "array" or (isinstance(kind, list) and "array" in kind):
                yield name
        for member in schema.get("allOf") or ():
            yield from self._array_properties(member)

    def _response(self, at: str, status: str, raw: Any) -> api.Response:
        response = self._deref(raw)
        headers = []
        for name, header_raw in sorted((response.get("headers") or {}).items()):
            header = self._deref(header_raw)
            annotation = self._annotation(pointers.join(at, "headers", name), header.get("schema", {}))
            headers.append(api.Header(name, naming.snake_name(name), bool(header.get("required")), annotation))
        return api.Response(
            status=status,
            description=str(response.get("description") or ""),
            media_types=tuple(self._media_types(at, response.get("content") or {})),
            headers=tuple(headers),
        )

    def _annotation(self, at: str, schema: Any, *, constrained: bool = False) -> str:
        try:
            return annotate(schema, constrained=constrained)
        except CannotRender as error:
            raise _Located(at, str(error)) from None

    def _security_schemes(self) -> Iterator[api.SecurityScheme]:
        schemes = (self.document.get("components") or {}).get("securitySchemes") or {}
        for name, raw in sorted(schemes.items()):
            scheme = self._deref(raw)
            flow = (scheme.get("flows") or {}).get("clientCredentials") or {}
            yield api.SecurityScheme(
                name,
                scheme.get("type", ""),
                scheme.get("scheme"),
                scheme.get("in"),
                scheme.get("name"),
                str(flow["tokenUrl"]) if isinstance(flow, dict) and flow.get("tokenUrl") else None,
            )

    def _renamed(self, pointer: str, message: str) -> None:
        self.problems.append(self.context.problem(pointer, "renamed", message))


# What an operation that declares no responses may answer: any status, any JSON.
_UNDECLARED = api.Response(
    status="default",
    description="The spec declares no responses for this operation.",
    media_types=(api.MediaType("application/json", "Any"),),
    headers=(),
)


# DRF's standard actions, and the endings it gives custom actions (`results_retrieve`).
_STANDARD_ACTIONS = frozenset({"list", "create", "retrieve", "update", "partial_update", "destroy"})
_ACTION_SUFFIXES = ("_create", "_retrieve", "_list", "_update", "_destroy")
_CLIENT_VERBS = {"destroy": "delete"}


def _client_name(operation_id: str, tag: str) -> str:
    """``experiments_results_retrieve`` -> ``results``; ``experiments_destroy`` -> ``delete``."""
    name = naming.snake_name(operation_id)
    prefix = naming.snake_name(tag) + "_"
    if name.startswith(prefix) and len(name) > len(prefix):
        name = name[len(prefix) :]
    if name not in _STANDARD_ACTIONS:
        for suffix in _ACTION_SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix):
                name = name[: -len(suffix)]
                break
    return _CLIENT_VERBS.get(name, name)


def _has_type(schema: Any, kind: str) -> bool:
    types = schema.get("type") if isinstance(schema, dict) else None
    return types == kind or (isinstance(types, list) and kind in types)


def _content_hash(document: dict[str, Any]) -> str:
    """A hash of what the spec says, not of how it is written (key order, YAML or JSON, comments)."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class _Located(Exception):  # noqa: N818 - internal carrier of a location
    def __init__(self, pointer: str, message: str) -> None:
        super().__init__(message)
        self.pointer = pointer
        self.message = message


def _generator_formats(document: dict[str, Any]) -> tuple[str, ...]:
    """The generator's own string formats that some schema of ``document`` uses."""
    used = {
        schema.get("format")
        for pointer, root in walk.schema_roots(document)
        for _, schema in walk.subschemas(root, pointer)
    }
    return tuple(sorted(name for name in (formats.LENIENT_DATETIME,) if name in used))
