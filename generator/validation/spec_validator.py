"""openapi-spec-validator itself, as the last word once our own rules find nothing blocking.

Its errors about the structure carry paths relative to the schema it was checking, and some carry
none, so our rules run first and locate what they can; this catches whatever they do not. Its
first half, the document against OpenAPI's JSON Schema, is what our ``structure`` rule already
did, so only its second half runs here: the checks of each part of the document in turn.
"""

from __future__ import annotations

from collections.abc import Iterator

from openapi_spec_validator.validation import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

from generator import pointers
from generator.context import Context
from generator.problems import Problem

RULE = "openapi-spec-validator"


def check(context: Context) -> Iterator[Problem]:
    validator_class = OpenAPIV31SpecValidator if context.version == "3.1" else OpenAPIV30SpecValidator
    validator = validator_class(context.data, base_uri=context.document.path.resolve().as_uri())
    try:
        for error in validator.root_validator(validator.schema_path):
            path = getattr(error, "absolute_path", None) or ()
            yield context.problem(pointers.from_path(path), RULE, error.message)
    except Exception as error:  # noqa: BLE001 - the validator's own failure is a finding too
        yield context.problem("", RULE, f"the validator failed: {type(error).__name__}: {error}")
