"""Rules about operations that OpenAPI's JSON Schema cannot express."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from generator import pointers, refs, walk
from generator.context import Context
from generator.problems import Problem

_TEMPLATE = re.compile(r"\{([^{}]+)\}")


def check(context: Context) -> Iterator[Problem]:
    yield from _unique_operation_ids(context)
    for operation in walk.operations(context.data):
        yield from _path_parameters(context, operation)
        yield from _success_response(context, operation)
    yield from _security_schemes_defined(context)
    yield from _link_targets(context)


def _unique_operation_ids(context: Context) -> Iterator[Problem]:
    first_use: dict[str, str] = {}
    for operation in walk.operations(context.data):
        operation_id = operation.value.get("operationId")
        if not isinstance(operation_id, str):
            continue
        at = pointers.join(operation.pointer, "operationId")
        if operation_id in first_use:
            yield context.problem(
                at, "operation-id-unique", f"operationId {operation_id!r} is already used at #{first_use[operation_id]}"
            )
        else:
            first_use[operation_id] = at


def _parameters(context: Context, listed: Any) -> Iterator[dict[str, Any]]:
    if not isinstance(listed, list):
        return
    for parameter in listed:
        try:
            value, _ = context.resolver.deref(parameter, context.document)
        except refs.UnresolvableRefError:
            continue  # reported by the references rule
        if isinstance(value, dict):
            yield value


def _path_parameters(context: Context, operation: walk.Operation) -> Iterator[Problem]:
    declared = {
        parameter.get("name")
        for listed in (operation.path_item.get("parameters"), operation.value.get("parameters"))
        for parameter in _parameters(context, listed)
        if parameter.get("in") == "path"
    }
    in_template = set(_TEMPLATE.findall(operation.path))
    for name in sorted(in_template - declared):
        yield context.problem(
            operation.pointer,
            "path-parameters",
            f"path parameter {name!r} of {operation.path!r} is not declared",
            at_key=True,
        )
    for name in sorted(n for n in declared - in_template if isinstance(n, str)):
        yield context.problem(
            operation.pointer,
            "path-parameters",
            f"parameter {name!r} is declared in path but {operation.path!r} has no {{{name}}}",
            at_key=True,
        )


def _success_response(context: Context, operation: walk.Operation) -> Iterator[Problem]:
    responses = operation.value.get("responses")
    if not isinstance(responses, dict):
        return
    if not any(str(code).startswith("2") or str(code).upper() == "2XX" for code in responses):
        yield context.problem(
            pointers.join(operation.pointer, "responses"),
            "success-response",
            f"{operation.method.upper()} {operation.path} documents no 2xx response",
            at_key=True,
        )


def _security_schemes_defined(context: Context) -> Iterator[Problem]:
    components = context.data.get("components") or {}
    defined = set((components.get("securitySchemes") or {}) if isinstance(components, dict) else {})
    places = [("/security", context.data.get("security"))]
    places += [
        (pointers.join(op.pointer, "security"), op.value.get("security")) for op in walk.operations(context.data)
    ]
    for at, requirements in places:
        if not isinstance(requirements, list):
            continue
        for index, requirement in enumerate(requirements):
            if not isinstance(requirement, dict):
                continue
            for name in requirement:
                if name not in defined:
                    yield context.problem(
                        pointers.join(at, index, name),
                        "security-defined",
                        f"security scheme {name!r} is not defined in components/securitySchemes: the client "
                        "cannot send it, and the server's authenticator is asked for it by name",
                        at_key=True,
                    )


def _link_targets(context: Context) -> Iterator[Problem]:
    operation_ids = {op.value.get("operationId") for op in walk.operations(context.data)}
    stack: list[tuple[Any, str]] = [(context.data, "")]
    while stack:
        value, here = stack.pop()
        if isinstance(value, dict):
            links = value.get("links")
            if isinstance(links, dict):
                for name, link in links.items():
                    target = link.get("operationId") if isinstance(link, dict) else None
                    if isinstance(target, str) and target not in operation_ids:
                        yield context.problem(
                            pointers.join(here, "links", name, "operationId"),
                            "link-target",
                            f"link {name!r} names operationId {target!r}, which no operation has "
                            "(links are documentation here: no code follows them)",
                        )
            stack.extend(
                (item, pointers.join(here, key))
                for key, item in value.items()
                if key not in ("example", "examples", "links") and not key.startswith("x-")
            )
        elif isinstance(value, list):
            stack.extend((item, pointers.join(here, index)) for index, item in enumerate(value))
