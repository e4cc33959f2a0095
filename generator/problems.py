"""Problems found in a spec, and how they are shown: located text with a code frame, or JSON."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from generator.source import SourceDocument

_FRAME_CONTEXT = 1  # lines shown above and below the problem's line
_FRAME_WIDTH = 100  # characters of each line shown: a minified JSON document is one line


# Rules whose findings do not change what code is generated: `validate` reports them and fails,
# `generate` reports how many there are and goes on.
ADVISORY_RULES = frozenset(
    {
        "example-valid",
        "success-response",
        "renamed",
        "security-defined",
        "not-rendered",
        "pattern-unsupported",
        "enum-type",
        "link-target",
    }
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a spec, about the value at ``pointer`` in ``file``.

    Its line and column are found only when asked for: on a large spec, finding them costs more
    than the check that found the problem, and a run that only counts problems never needs them.
    """

    file: str
    pointer: str
    rule: str
    message: str
    where: Callable[[], tuple[int, int]] = field(compare=False, repr=False)

    @classmethod
    def at(cls, file: str, line: int, column: int, pointer: str, rule: str, message: str) -> Problem:
        """A problem whose position is already known."""
        return cls(file, pointer, rule, message, lambda: (line, column))

    @functools.cached_property
    def position(self) -> tuple[int, int]:
        return self.where()

    @property
    def line(self) -> int:
        return self.position[0]

    @property
    def column(self) -> int:
        return self.position[1]

    @property
    def blocking(self) -> bool:
        """Whether code cannot be generated while this problem stands."""
        return self.rule not in ADVISORY_RULES

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "pointer": self.pointer,
            "rule": self.rule,
            "message": self.message,
            "blocking": self.blocking,
        }


def in_order(problems: Iterable[Problem]) -> list[Problem]:
    """Without repeats, by file, then place in the file (which locates every problem)."""
    unique = set(problems)
    return sorted(unique, key=lambda p: (p.file, p.line, p.column, p.pointer, p.rule, p.message))


def locate(document: SourceDocument, pointer: str, rule: str, message: str, *, at_key: bool = False) -> Problem:
    """A problem about the value (or, with ``at_key``, the key) at ``pointer`` in ``document``."""

    def where() -> tuple[int, int]:
        position = document.key_position(pointer) if at_key else document.position(pointer)
        return (position.line, position.column) if position else (1, 1)

    return Problem(display_path(document.path), "#" + pointer, rule, message, where)


def display_path(path: Path) -> str:
    """The path relative to the working directory when it lies below it, as editors link it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def render_text(problems: Sequence[Problem], sources: dict[str, SourceDocument]) -> str:
    blocks = []
    for problem in in_order(problems):
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
    rows = [problem.as_dict() for problem in in_order(problems)]
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
    # One window for every line, so that the caret stays under its column.
    start = 0 if column <= _FRAME_WIDTH * 3 // 4 else column - 1 - _FRAME_WIDTH // 2
    frame = []
    for number in range(first, last + 1):
        marker = ">" if number == line else " "
        frame.append(f"  {marker} {number:>{width}} | {_window(lines[number - 1], start)}")
        if number == line:
            caret = column - 1 - start + (1 if start else 0)
            frame.append(f"    {' ' * width} | {' ' * caret}^")
    return frame


def _window(text: str, start: int) -> str:
    shown = text[start : start + _FRAME_WIDTH]
    return ("…" if start else "") + shown + ("…" if len(text) > start + _FRAME_WIDTH else "")
