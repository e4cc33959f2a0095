"""The whole run: validate (which also builds the model), render, format and verify, then publish or compare."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from generator.forked import Forked
from generator.model.api import Api
from generator.output import drift, formatting, publish
from generator.problems import Problem, display_path, locate
from generator.progress import Progress
from generator.render.models import ModelsError
from generator.render.tree import Spec, render_tree
from generator.settings import Settings
from generator.source import SourceDocument
from generator.validation import check_prerequisites, check_remaining

STEPS = 4


class GenerationFailed(Exception):  # noqa: N818 - the spec's verdict, carried to the command line
    """The spec cannot be generated from; ``problems`` says why, located."""

    def __init__(self, problems: list[Problem], sources: dict[str, SourceDocument]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems
        self.sources = sources


@dataclass(frozen=True)
class Outcome:
    api: Api
    files: int
    advisory: list[Problem]


def generate(settings: Settings, progress: Progress) -> Outcome:
    """Regenerate ``settings.out``; on any failure it is left exactly as it was."""
    with _staged(settings, progress) as (staged, outcome), progress.step("publishing"):
        publish.publish(staged, settings.out)
    return outcome


def check(settings: Settings, progress: Progress) -> str:
    """The unified diff from what the spec makes to what ``settings.out`` holds; empty when equal."""
    with _staged(settings, progress) as (staged, _), progress.step("comparing"):
        return drift.diff(staged, settings.out, display_path(settings.out))


@contextlib.contextmanager
def _staged(settings: Settings, progress: Progress) -> Iterator[tuple[Path, Outcome]]:
    """The whole output, rendered, formatted and verified in a staging folder beside the real one."""
    publish.recover(settings.out)
    with publish.staging(settings.out) as staged:
        api, files, advisory = _render(settings, progress)
        with progress.step("formatting"):
            publish.write_tree(staged, files)
            formatting.format_and_verify(staged)
        yield staged, Outcome(api, len(files), advisory)


def _render(settings: Settings, progress: Progress) -> tuple[Api, dict[PurePosixPath, str], list[Problem]]:
    with progress.step("validating"):
        report = check_prerequisites(settings.spec)
        if report.blocking or report.context is None or report.normalized is None or report.api is None:
            raise GenerationFailed(report.blocking, report.sources)
    api, document = report.api, report.normalized.document
    settings = settings.named_for(api.title)
    spec = _served_spec(report.context.document, document, len(report.context.resolver.documents) > 1)
    with progress.step("rendering"), Forked(lambda: render_tree(api, document, spec, settings)) as rendering:
        check_remaining(report)  # beside the rendering, on the other core
        if report.blocking:
            raise GenerationFailed(report.blocking, report.sources)
        try:
            files = rendering.result()
        except ModelsError as error:
            problem = locate(report.context.document, "/components/schemas", "renderable", str(error))
            raise GenerationFailed([problem], report.sources) from None
    return api, files, report.advisory


def _served_spec(source: SourceDocument, bundled: dict[str, Any], several_files: bool) -> Spec:
    """The spec's own text when it is one file; the bundled document when it spans several."""
    if several_files:
        return Spec(yaml.safe_dump(bundled, sort_keys=False, allow_unicode=True), bundled)
    return Spec(source.text, source.data)
