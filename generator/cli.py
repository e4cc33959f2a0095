"""``python -m generator``: the command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from generator import __version__
from generator.problems import render_json, render_text
from generator.validation import validate

DEFAULT_SPEC = Path("spec/openapi.yaml")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("validate", help="check the spec and report every problem, located")
    check.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="the spec file (default: %(default)s)")
    check.add_argument("--format", choices=("text", "json"), default="text", help="how problems are printed")
    args = parser.parse_args(argv)
    return _validate(args.spec, args.format)


def _validate(spec: Path, output_format: str) -> int:
    report = validate(spec)
    if output_format == "json":
        print(render_json(report.problems))
    elif report.problems:
        print(render_text(report.problems, report.sources), file=sys.stderr)
    else:
        print(f"{spec}: valid", file=sys.stderr)
    return 0 if report.ok else 1
