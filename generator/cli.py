"""``python -m generator``: validate the spec, generate code from it, or check generated code for drift."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from generator import __version__, pipeline
from generator.output.formatting import VerificationError
from generator.problems import render_json, render_text, summary
from generator.progress import Progress
from generator.settings import Settings
from generator.validation import validate


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        named = {name: getattr(args, name, None) for name in _NAMED}
        out = getattr(args, "out", None)
        settings = Settings.load(spec=args.spec, out=out, writing=args.command == "generate", **named)
        if getattr(args, "no_cache", False):
            settings = replace(settings, cache=None)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.command == "validate":
        return _validate(settings, args.format)
    progress = Progress(pipeline.STEPS)
    try:
        if args.command == "generate":
            outcome = pipeline.generate(settings, progress)
            if outcome.advisory:
                print(
                    f"warning: {len(outcome.advisory)} advisory problems ({summary(outcome.advisory)}); "
                    "`python -m generator validate` lists them",
                    file=sys.stderr,
                )
            skipped = [problem for problem in outcome.advisory if problem.rule == "not-rendered"]
            for problem in skipped:
                print(f"skipped: {problem.file}:{problem.line}:{problem.column}: {problem.message}", file=sys.stderr)
            progress.finish(
                f"generated {outcome.files} files ({len(outcome.api.schema_names)} models, "
                f"{len(outcome.api.operations)} operations, {len(outcome.api.received)} webhooks and callbacks, "
                f"{len(skipped)} skipped) into {settings.out}"
            )
            return 0
        difference = pipeline.check(settings, progress)
    except pipeline.GenerationFailed as failure:
        progress.close()
        _print_problems(failure.problems, failure.sources, args.format)
        return 1
    except VerificationError as error:
        progress.close()
        print(f"error: {error}\n{error.details}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        progress.close()
        print("interrupted; the output folder is unchanged", file=sys.stderr)
        return 130
    if difference:
        progress.close()
        sys.stdout.write(difference)
        print(
            f"{settings.out} differs from what {settings.spec.name} makes; run `python -m generator generate`",
            file=sys.stderr,
        )
        return 1
    progress.finish(f"{settings.out} is up to date with {settings.spec.name}")
    return 0


_NAMED = {  # settings that a flag may give
    "client_package": "the client's import name (Swagger Petstore: swagger_petstore_client)",
    "client_distribution": "the client's distribution name (swagger-petstore-client)",
    "server_package": "the server's import name (swagger_petstore_server)",
    "client_api_key_env": 'the variable the client reads its key from (SWAGGER_PETSTORE_API_KEY; "": none)',
    "client_base_url_env": 'the variable the client reads its base URL from (SWAGGER_PETSTORE_BASE_URL; "": none)',
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("validate", "check the spec and report every problem, located"),
        ("generate", "validate, then regenerate the output folder all at once"),
        ("check", "regenerate in a temporary place and fail with a diff if the output folder differs"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--spec", type=Path, help="the spec (default: from pyproject.toml, or spec/openapi.yaml)")
        if name != "validate":
            command.add_argument("--out", type=Path, help="the output folder (default: generated)")
            command.add_argument("--no-cache", action="store_true", help="generate the models anew, ignoring the cache")
            names = command.add_argument_group("names (default: from pyproject.toml, else from the spec's title)")
            for option, help_text in _NAMED.items():
                names.add_argument(f"--{option.replace('_', '-')}", metavar="NAME", help=help_text)
        command.add_argument("--format", choices=("text", "json"), default="text", help="how problems are printed")
    return parser


def _validate(settings: Settings, output_format: str) -> int:
    report = validate(settings.spec)
    if report.problems or output_format == "json":
        _print_problems(report.problems, report.sources, output_format)
    else:
        print(f"{settings.spec.name}: valid", file=sys.stderr)
    return 0 if report.ok else 1


def _print_problems(problems: list, sources: dict, output_format: str) -> None:  # type: ignore[type-arg]
    if output_format == "json":
        print(render_json(problems))
    else:
        print(render_text(problems, sources), file=sys.stderr)
