"""The document against OpenAPI's own JSON Schema, and each schema against its dialect.

jsonschema-rs answers whether anything is wrong, hundreds of times faster than the pure-Python
jsonschema; only when something is, does jsonschema run too, for its best-matching, most specific
error messages. A valid spec, the usual case, pays milliseconds.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from openapi_spec_validator.schemas import openapi_v30_schema_validator, openapi_v31_schema_validator

from generator import pointers, refs, walk
from generator.context import Context
from generator.problems import Problem

_SCHEMA_DIALECT = Draft202012Validator(Draft202012Validator.META_SCHEMA)


@functools.cache
def _fast(version: str) -> jsonschema_rs.Validator:
    validator = openapi_v31_schema_validator if version == "3.1" else openapi_v30_schema_validator
    return jsonschema_rs.validator_for(validator.schema)


@functools.cache
def _fast_dialect() -> jsonschema_rs.Validator:
    return jsonschema_rs.validator_for(Draft202012Validator.META_SCHEMA)


def check(context: Context) -> Iterator[Problem]:
    if not _fast(context.version).is_valid(context.data):
        validator = openapi_v31_schema_validator if context.version == "3.1" else openapi_v30_schema_validator
        for error in validator.iter_errors(context.data):
            yield _problem(context, "", error, "openapi-structure")
    if context.version == "3.1":
        # OpenAPI 3.1's own schema leaves Schema Objects open; check them as JSON Schema 2020-12.
        dialect = _fast_dialect()
        for pointer, schema in walk.schema_roots(context.data):
            if not dialect.is_valid(schema):
                for error in _SCHEMA_DIALECT.iter_errors(schema):
                    yield _problem(context, pointer, error, "schema-valid")


def _problem(context: Context, base: str, error: ValidationError, rule: str) -> Problem:
    specific = _most_specific(error)
    pointer = pointers.join(base, *specific.absolute_path)
    try:  # the value itself: jsonschema-rs's errors (through openapi-spec-validator) carry the whole document
        value = refs.lookup(context.data, pointer)
    except LookupError:
        value = specific.instance
    at_key = specific.validator in ("additionalProperties", "unevaluatedProperties")
    if at_key:
        unexpected = _unexpected_key(specific)
        if unexpected is not None:
            pointer = pointers.join(pointer, unexpected)
    return context.problem(pointer, rule, _reason_first(specific, value), at_key=at_key)


def _most_specific(error: ValidationError) -> ValidationError:
    while error.context:
        error = best_match(error.context)
    return error


def _unexpected_key(error: ValidationError) -> str | None:
    instance: Any = error.instance
    if not isinstance(instance, dict):
        return None
    for key in instance:
        if f"'{key}'" in error.message:
            return str(key)
    return None


def _reason_first(error: ValidationError, value: Any) -> str:
    """The validator's message with the reason before the value, which is cut when long.

    Validators word most messages "<the value> is not ...": on a large value the reason would come
    after hundreds of characters of it, or be cut off.
    """
    for shown in _renderings(value):
        if error.message.startswith(shown) and len(shown) > 40:
            reason = error.message[len(shown) :].strip().split("\n\n", 1)[0]  # not its schema dump
            return f"the value {reason}: {_shorten(shown, 200)}"
    return _shorten(error.message, 300)


def _renderings(instance: Any) -> Iterator[str]:
    """How a validator may have written the value: Python's repr (jsonschema), compact JSON with
    sorted keys (jsonschema-rs)."""
    yield repr(instance)
    try:
        yield json.dumps(instance, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        return


def _shorten(message: str, limit: int) -> str:
    return message if len(message) <= limit else message[: limit - 3] + "..."
