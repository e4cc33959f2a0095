"""Every example satisfies the schema it illustrates."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from jsonschema import FormatChecker, validators
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator
from openapi_schema_validator import (
    OAS30ReadValidator,
    OAS30WriteValidator,
    OAS31Validator,
    oas30_format_checker,
    oas31_format_checker,
)
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4, DRAFT202012

from generator import patterns, pointers, refs, source, walk
from generator.context import Context
from generator.problems import Problem

RULE = "example-valid"


def check(context: Context) -> Iterator[Problem]:
    factory = _ValidatorFactory(context)
    data = factory.root_data  # in 3.0 without what stands beside a $ref, which 3.0 ignores
    for site in walk.example_sites(data):
        holder = refs.lookup(data, site.holder)
        validator = factory.for_schema(context.document, site.schema_pointer, site.direction)
        if "example" in holder:
            yield from _errors(
                context,
                validator,
                holder["example"],
                context.document,
                pointers.join(site.holder, "example"),
                site.schema_pointer,
            )
        examples = holder.get("examples")
        if isinstance(examples, dict):
            for name, example in examples.items():
                yield from _example_object(
                    context, validator, example, pointers.join(site.holder, "examples", name), site.schema_pointer
                )
    for root_pointer, root in walk.schema_roots(data):
        yield from _schema_examples(context, factory, root_pointer, root)


def _example_object(
    context: Context, validator: Validator, example: Any, at: str, schema_pointer: str
) -> Iterator[Problem]:
    document = context.document
    if isinstance(example, dict) and "$ref" in example:
        try:
            target = context.resolver.resolve(example["$ref"], document)
        except refs.UnresolvableRefError:
            return  # reported by the references rule
        example, document, at = target.value, target.document, target.pointer
    if isinstance(example, dict) and "value" in example:
        yield from _errors(context, validator, example["value"], document, pointers.join(at, "value"), schema_pointer)


def _schema_examples(context: Context, factory: _ValidatorFactory, root_pointer: str, root: Any) -> Iterator[Problem]:
    for pointer, schema in walk.subschemas(root, root_pointer):
        values: list[tuple[str, Any]] = []
        if "example" in schema:
            values.append((pointers.join(pointer, "example"), schema["example"]))
        if context.version == "3.1" and isinstance(schema.get("examples"), list):
            values += [(pointers.join(pointer, "examples", i), v) for i, v in enumerate(schema["examples"])]
        if values:
            validator = factory.for_schema(context.document, pointer, "any")
            for at, value in values:
                yield from _errors(context, validator, value, context.document, at, pointer)


def _errors(
    context: Context, validator: Validator, value: Any, document: source.SourceDocument, at: str, schema_pointer: str
) -> Iterator[Problem]:
    try:
        errors: list[ValidationError] = sorted(
            validator.iter_errors(value), key=lambda e: list(map(str, e.absolute_path))
        )
    except (patterns.UnreadablePatternError, re.error) as unreadable:  # a pattern written for another engine
        message = (
            f"the example is not checked: a pattern of its schema is not one the generated code reads ({unreadable})"
        )
        yield context.problem(at, RULE, f"{message} (the schema is at #{schema_pointer})", document=document)
        return
    except RecursionError:
        message = "the example is not checked: it, or its schema's references, nest deeper than the validator follows"
        yield context.problem(at, RULE, f"{message} (the schema is at #{schema_pointer})", document=document)
        return
    for error in errors:
        pointer = pointers.join(at, *error.absolute_path)
        message = f"{error.message} (the schema is at #{schema_pointer})"
        yield context.problem(
            pointer, RULE, message if len(message) < 400 else message[:397] + "...", document=document
        )


class _ValidatorFactory:
    """Validators for schemas of the spec, with every file of the spec in one registry."""

    def __init__(self, context: Context) -> None:
        self._context = context
        spec = DRAFT202012 if context.version == "3.1" else DRAFT4
        self._spec = spec
        self.root_data = self._read(context.document.data)
        self._registry: Registry[Any] = Registry(retrieve=self._retrieve)  # type: ignore[call-arg]
        self._registry = self._registry.with_resource(_uri(context.document), spec.create_resource(self.root_data))

    def _retrieve(self, uri: str) -> Resource[Any]:
        for document in self._context.resolver.documents:
            if _uri(document) == uri:
                return self._spec.create_resource(self._read(document.data))
        raise LookupError(uri)

    def _read(self, data: Any) -> Any:
        """A document as its version reads it: OpenAPI 3.0 ignores whatever stands beside a $ref."""
        return data if self._context.version == "3.1" else _without_ref_siblings(data)

    def for_schema(self, document: source.SourceDocument, pointer: str, direction: str) -> Validator:
        wrapper = {"$ref": f"{_uri(document)}#{pointer}"}
        validator: Validator
        if self._context.version == "3.1":
            validator = _OAS31(wrapper, registry=self._registry, format_checker=_OAS31_FORMATS)
        else:
            cls = _OAS30_WRITE if direction == "request" else _OAS30_READ
            validator = cls(wrapper, registry=self._registry, format_checker=_OAS30_FORMATS)
        return validator


def _tolerant(checker: FormatChecker) -> FormatChecker:
    """``checker`` whose format functions never crash: a value a function cannot even read (text
    that is not ASCII for ``byte``, in openapi-schema-validator) does not have the format."""
    tolerant = FormatChecker(formats=())
    for name, (function, _) in checker.checkers.items():
        tolerant.checks(name, raises=Exception)(function)
    return tolerant


Keyword = Callable[[Any, Any, Any, dict[str, Any]], Iterator[ValidationError]]
_FOLLOWING: set[int] = set()  # the instances whose discriminator is being followed


def _discriminator_once(keyword: Keyword) -> Keyword:
    """``keyword`` (allOf, anyOf, oneOf) following a discriminator once per instance.

    A subtype names its base in ``allOf``; reached again from there, the base's discriminator
    would lead back to the subtype without end (openapi-schema-validator recurses until Python
    stops it). The second time, the base is checked as a plain schema.
    """

    def guarded(validator: Any, subschemas: Any, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
        if "discriminator" not in schema or not isinstance(instance, dict):
            yield from keyword(validator, subschemas, instance, schema)
        elif id(instance) in _FOLLOWING:
            plain = {key: value for key, value in schema.items() if key != "discriminator"}
            yield from keyword(validator, subschemas, instance, plain)
        else:
            _FOLLOWING.add(id(instance))
            try:
                yield from keyword(validator, subschemas, instance, schema)
            finally:
                _FOLLOWING.discard(id(instance))

    return guarded


def _pattern(validator: Any, pattern: Any, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    """JSON Schema's ``pattern``, read by the engine of the generated code (see ``patterns``)."""
    if isinstance(pattern, str) and validator.is_type(instance, "string") and not patterns.matcher(pattern)(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _guarded(cls: Any) -> Any:
    keywords: dict[str, Keyword] = {
        name: _discriminator_once(cls.VALIDATORS[name]) for name in ("allOf", "anyOf", "oneOf")
    }
    return validators.extend(cls, {**keywords, "pattern": _pattern})  # type: ignore[no-untyped-call]


_OAS30_READ = _guarded(OAS30ReadValidator)
_OAS30_WRITE = _guarded(OAS30WriteValidator)
_OAS31 = _guarded(OAS31Validator)
_OAS30_FORMATS = _tolerant(oas30_format_checker)
_OAS31_FORMATS = _tolerant(oas31_format_checker)


def _without_ref_siblings(value: Any) -> Any:
    if isinstance(value, list):
        return [_without_ref_siblings(item) for item in value]
    if not isinstance(value, dict):
        return value
    if isinstance(value.get("$ref"), str):
        return {"$ref": value["$ref"]}
    return {key: _without_ref_siblings(item) for key, item in value.items()}


def _uri(document: source.SourceDocument) -> str:
    return document.path.resolve().as_uri()
