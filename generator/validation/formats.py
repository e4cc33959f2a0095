"""Rules for the generator's own string formats (``generator/model/formats.py``).

A schema of such a format is read by the format's grammar, so it may constrain its text by nothing
else: another pattern, or a length, would be in the spec and not in the code.
"""

from __future__ import annotations

from collections.abc import Iterator

from generator import pointers, source, walk
from generator.context import Context
from generator.model import formats
from generator.problems import Problem

RULE = "format-constraints"


def check(context: Context) -> Iterator[Problem]:
    documents = [context.document, *(doc for doc in context.resolver.documents if doc is not context.document)]
    for document in documents:
        for pointer, root in walk.schema_roots(document.data):
            for here, schema in walk.subschemas(root, pointer):
                if schema.get("format") == formats.LENIENT_DATETIME:
                    yield from _constraints(context, document, here, schema)


def _constraints(
    context: Context, document: source.SourceDocument, here: str, schema: dict[str, object]
) -> Iterator[Problem]:
    types = schema.get("type", "string")
    if types not in ("string", ["string", "null"], ["null", "string"]):
        yield context.problem(
            pointers.join(here, "type"),
            RULE,
            f"format {formats.LENIENT_DATETIME!r} is a string's format; this schema's type is {types!r}",
            document=document,
        )
    for keyword in formats.TEXT_CONSTRAINTS:
        if keyword not in schema or (keyword == "pattern" and schema[keyword] == formats.PATTERN):
            continue
        yield context.problem(
            pointers.join(here, keyword),
            RULE,
            f"format {formats.LENIENT_DATETIME!r} is read by its own grammar, so {keyword!r} here would not be "
            f"enforced; remove it{' or use the grammar itself: ' + formats.PATTERN if keyword == 'pattern' else ''}",
            document=document,
        )
