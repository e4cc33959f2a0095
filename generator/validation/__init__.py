"""Checking a spec: every problem found in one run, each located in its file."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from generator import refs, source
from generator.model.api import Api
from generator.model.build import Builder
from generator.model.normalize import Normalized, normalize
from generator.problems import Problem, display_path, locate
from generator.validation import examples, operations, references, spec_validator, structure
from generator.validation.context import Context

Rule = Callable[[Context], Iterable[Problem]]

# Run in order; a later group runs only when the earlier ones found nothing blocking, since it
# relies on what they check (a dangling $ref would make the examples rule and the validator fail).
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
    # What the last check made along the way, for the generator to go on from:
    normalized: Normalized | None = None
    api: Api | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def blocking(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.blocking]

    @property
    def advisory(self) -> list[Problem]:
        return [problem for problem in self.problems if not problem.blocking]


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
        if any(problem.blocking for problem in problems):
            break
    sources.update({display_path(doc.path): doc for doc in context.resolver.documents})
    if any(problem.blocking for problem in problems):
        return Report(sorted(set(problems)), sources, context)
    # Last: can the generator name and render everything? (normalize and build the model)
    normalized = normalize(context)
    builder = Builder(context, normalized, _spec_label(path))
    api = builder.build()
    problems += normalized.problems + builder.problems
    blocked = any(problem.blocking for problem in problems)
    return Report(sorted(set(problems)), sources, context, normalized, None if blocked else api)


def _spec_label(path: Path) -> str:
    """The spec's path as generated headers show it: from the project folder, never machine-specific.

    The project folder is the one above the spec's own folder when that is named ``spec`` (as in
    this repository), else the spec's folder.
    """
    resolved = path.resolve()
    base = resolved.parent.parent if resolved.parent.name == "spec" else resolved.parent
    return resolved.relative_to(base).as_posix()


def _version(data: object) -> str | None:
    if not isinstance(data, dict) or not isinstance(data.get("openapi"), str):
        return None
    major_minor = ".".join(data["openapi"].split(".")[:2])
    return major_minor if major_minor in SUPPORTED_VERSIONS else None
