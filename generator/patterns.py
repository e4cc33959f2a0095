"""Schema patterns as the generated code reads them: pydantic's regular expressions (Rust's
engine, linear in the text's length), so that a check here agrees with the code and no pattern
written for a backtracking engine (``([a-z.-]*)*``) can take a check hours."""

from __future__ import annotations

import functools
from collections.abc import Callable

from pydantic_core import SchemaError, SchemaValidator, core_schema


class UnreadablePatternError(ValueError):
    """pydantic cannot compile the pattern; its reason is the message."""


@functools.cache
def matcher(pattern: str) -> Callable[[str], bool]:
    """Whether a text matches ``pattern`` anywhere, as JSON Schema's ``pattern`` says."""
    try:
        validator = SchemaValidator(core_schema.str_schema(pattern=pattern))
    except SchemaError as error:
        raise UnreadablePatternError(str(error).strip().splitlines()[-1]) from None
    return validator.isinstance_python


def unreadable(pattern: str) -> str:
    """Why pydantic cannot compile ``pattern``; empty when it can."""
    try:
        matcher(pattern)
    except UnreadablePatternError as error:
        return str(error)
    return ""
