"""Checking a spec: every problem found in one run, each located in its file.

Checking runs in two phases. The first holds what generation depends on: the file reads, every
``$ref`` resolves, the operations are consistent, and the generator can name and model
everything (which yields the model). The second holds the checks that nothing waits for: the
document against OpenAPI's JSON Schema, and examples against their schemas; ``validate`` adds
openapi-spec-validator as a final net. The generator renders code while the second phase runs.
Should modelling fail on a malformed document, the structure check runs at once and says why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from generator import refs, source
from generator.context import Context
from generator.model.api import Api
from generator.model.build import Builder
from generator.model.normalize import Normalized, normalize
from generator.problems import Problem, display_path, in_order, locate
from generator.validation import formats, operations, references

Rule = Callable[[Context], Iterable[Problem]]

# The first phase, in order; a later group runs only when the earlier found nothing blocking,
# since it relies on what they check (a dangling $ref would make later rules fail).
_PREREQUISITES: tuple[tuple[Rule, ...], ...] = (
    (references.check,),
    (operations.check, formats.check),
)
SUPPORTED_VERSIONS = ("3.0", "3.1")


@dataclass
class Report:
    found: list[Problem]
    sources: dict[str, source.SourceDocument] = field(default_factory=dict)
    context: Context | None = None
    # What the first phase made along the way, for the generator to go on from:
    normalized: Normalized | None = None
    api: Api | None = None

    @property
    def problems(self) -> list[Problem]:
        """Every problem, in order of place (which locates each; counting does not need it)."""
        return in_order(self.found)

    @property
    def ok(self) -> bool:
        return not self.found

    @property
    def blocking(self) -> list[Problem]:
        return [problem for problem in dict.fromkeys(self.found) if problem.blocking]

    @property
    def advisory(self) -> list[Problem]:
        return [problem for problem in dict.fromkeys(self.found) if not problem.blocking]


def validate(path: Path) -> Report:
    """Both phases and the final net: every problem of the spec at ``path``."""
    report = check_prerequisites(path)
    if report.api is not None:
        check_remaining(report, final_net=True)
    return report


def check_prerequisites(path: Path) -> Report:
    """The first phase; ``report.api`` is set when nothing blocking was found."""
    try:
        document = source.load(path)
    except source.SourceError as error:
        line, column = (error.position.line, error.position.column) if error.position else (1, 1)
        return Report([Problem.at(display_path(error.path), line, column, "#", "readable", error.message)])
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
        Problem.at(
            display_path(document.path),
            position.line,
            position.column,
            "#",
            "duplicate-key",
            f"the key {key!r} appears more than once in this mapping; only its last value would count",
        )
        for key, position in document.duplicate_keys
    ]
    for group in _PREREQUISITES:
        for rule in group:
            problems.extend(rule(context))
        if any(problem.blocking for problem in problems):
            break
    sources.update({display_path(doc.path): doc for doc in context.resolver.documents})
    report = Report(problems, sources, context)
    if report.blocking:
        report.found += _structure(context)  # the likely cause, when the document is malformed
        return report
    # Can the generator name and render everything? (normalize and build the model)
    try:
        report.normalized = normalize(context)
        builder = Builder(context, report.normalized, _spec_label(path))
        api = builder.build()
    except (KeyError, TypeError, AttributeError, ValueError, IndexError):
        malformed = _structure(context)
        if not malformed:
            raise  # a document of the right shape that the generator fails on: our bug, not the spec's
        report.found += malformed
        return report
    report.found += report.normalized.problems + builder.problems
    report.api = None if report.blocking else api
    if report.blocking:  # what the second phase would find is reported in the same run
        report.found += _structure(context)
    return report


def check_remaining(report: Report, *, final_net: bool = False) -> None:
    """The second phase, adding to ``report``; only after a first phase that found nothing blocking."""
    if report.context is None:
        raise ValueError("the first phase did not get far enough")
    for rule in _second_phase(final_net=final_net):
        if report.blocking:
            break
        report.found.extend(rule(report.context))


def _second_phase(*, final_net: bool) -> tuple[Rule, ...]:
    """The second phase's rules, in order; each runs only when those before it found nothing blocking.

    Last, in `validate` only: openapi-spec-validator's own pass, which locates little and costs much
    on a large spec (8 s of GitHub's 13 MB); `generate` relies on the rules before it, which are located.

    The rules are imported here, not at the top: they bring jsonschema, openapi-schema-validator and
    openapi-spec-validator (about 0.3 s of imports), which `generate` thus loads after its fork,
    beside the rendering instead of before it.
    """
    from generator.validation import examples, structure

    rules: tuple[Rule, ...] = (structure.check, examples.check)
    if not final_net:
        return rules
    from generator.validation import spec_validator

    return (*rules, spec_validator.check)


def _structure(context: Context) -> list[Problem]:
    from generator.validation import structure

    return list(structure.check(context))


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
