"""Problems found in a spec, and how they are shown: located text with a code frame, or JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from generator.source import SourceDocument

_FRAME_CONTEXT = 1  # lines shown above and below the problem's line


# Rules whose findings do not change what code is generated: `validate` reports them and fails,
# `generate` reports how many there are and goes on.
ADVISORY_RULES = frozenset({"example-valid", "success-response"})


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a spec. Sorting orders problems by file, then place in the file."""

    file: str
    line: int
    column: int
    pointer: str
    rule: str
    message: str

    @property
    def blocking(self) -> bool:
        """Whether code cannot be generated while this problem stands."""
        return self.rule not in ADVISORY_RULES


def locate(document: SourceDocument, pointer: str, rule: str, message: str, *, at_key: bool = False) -> Problem:
    """A problem about the value (or, with ``at_key``, the key) at ``pointer`` in ``document``."""
    position = document.key_position(pointer) if at_key else document.position(pointer)
    line, column = (position.line, position.column) if position else (1, 1)
    return Problem(display_path(document.path), line, column, "#" + pointer, rule, message)


def display_path(path: Path) -> str:
    """The path relative to the working directory when it lies below it, as editors link it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def render_text(problems: Sequence[Problem], sources: dict[str, SourceDocument]) -> str:
    blocks = []
    for problem in sorted(problems):
        kind = "" if problem.blocking else " (advisory)"
        head = f"{problem.file}:{problem.line}:{problem.column}: {problem.rule}{kind}: {problem.message}"
        lines = [head, f"  at {problem.pointer or '#'}"]
        source = sources.get(problem.file)
        if source is not None:
            lines.extend(_code_frame(source.lines, problem.line, problem.column))
        blocks.append("\n".join(lines))
    count = len(problems)
    blocks.append(f"{count} problem{'s' if count != 1 else ''} found")
    return "\n\n".join(blocks)


def render_json(problems: Iterable[Problem]) -> str:
    rows = [{**asdict(problem), "blocking": problem.blocking} for problem in sorted(problems)]
    return json.dumps({"problems": rows}, indent=2)


def summary(problems: Sequence[Problem]) -> str:
    """One line: how many problems of each rule."""
    counts: dict[str, int] = {}
    for problem in problems:
        counts[problem.rule] = counts.get(problem.rule, 0) + 1
    return ", ".join(f"{rule}: {count}" for rule, count in sorted(counts.items()))


def _code_frame(lines: Sequence[str], line: int, column: int) -> list[str]:
    first = max(1, line - _FRAME_CONTEXT)
    last = min(len(lines), line + _FRAME_CONTEXT)
    width = len(str(last))
    frame = []
    for number in range(first, last + 1):
        marker = ">" if number == line else " "
        frame.append(f"  {marker} {number:>{width}} | {lines[number - 1]}")
        if number == line:
            frame.append(f"    {' ' * width} | {' ' * (column - 1)}^")
    return frame
