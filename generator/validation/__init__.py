"""Checking a spec: every problem found in one run, each located in its file."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from generator import refs, source
from generator.problems import Problem, display_path, locate
from generator.validation import examples, operations, references, spec_validator, structure
from generator.validation.context import Context

Rule = Callable[[Context], Iterable[Problem]]

# Run in order; a later group runs only when the earlier ones found nothing, since it relies on
# what they check (a dangling $ref would make the examples rule and the spec validator fail).
_RULE_GROUPS: tuple[tuple[Rule, ...], ...] = (
    (structure.check, references.check),
    (operations.check, examples.check),
    (spec_validator.check,),
)
SUPPORTED_VERSIONS = ("3.0", "3.1")


@dataclass
class Report:
    problems: list[Problem]
    sources: dict[str, source.SourceDocument] = field(default_factory=dict)
    context: Context | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def validate(path: Path) -> Report:
    try:
        document = source.load(path)
    except source.SourceError as error:
        line, column = (error.position.line, error.position.column) if error.position else (1, 1)
        problem = Problem(display_path(error.path), line, column, "#", "readable", error.message)
        return Report([problem])
    sources = {display_path(document.path): document}
    if document.data is None:
        return Report([locate(document, "", "readable", "the file holds no document")], sources)
    version = _version(document.data)
    if version is None:
        found = document.data.get("openapi") if isinstance(document.data, dict) else None
        message = f"expected an OpenAPI 3.0.x or 3.1.x document, found openapi: {found!r}"
        return Report([locate(document, "/openapi", "openapi-version", message)], sources)
    context = Context(document, refs.Resolver(document), version)
    problems = [
        Problem(
            display_path(document.path),
            position.line,
            position.column,
            "#",
            "duplicate-key",
            f"the key {key!r} appears more than once in this mapping; only its last value would count",
        )
        for key, position in document.duplicate_keys
    ]
    for group in _RULE_GROUPS:
        for rule in group:
            problems.extend(rule(context))
        if problems:
            break
    sources.update({display_path(doc.path): doc for doc in context.resolver.documents})
    return Report(sorted(set(problems)), sources, context)


def _version(data: object) -> str | None:
    if not isinstance(data, dict) or not isinstance(data.get("openapi"), str):
        return None
    major_minor = ".".join(data["openapi"].split(".")[:2])
    return major_minor if major_minor in SUPPORTED_VERSIONS else None
