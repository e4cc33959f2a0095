"""How a freshly generated tree differs from the committed one, as a unified diff."""

from __future__ import annotations

import difflib
from pathlib import Path

# What tools leave beside code (bytecode, lint and type-check caches) is not part of the output.
_TOOL_LITTER = frozenset({"__pycache__", ".ruff_cache", ".mypy_cache", ".pytest_cache"})


def tree_files(root: Path) -> dict[str, bytes]:
    if not root.is_dir():
        return {}
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not _TOOL_LITTER & set(path.relative_to(root).parts)
    }


def diff(expected_root: Path, actual_root: Path, label: str) -> str:
    """What ``actual_root`` (the committed folder, shown as ``label``) changes from ``expected_root``."""
    expected, actual = tree_files(expected_root), tree_files(actual_root)
    chunks: list[str] = []
    for name in sorted(expected.keys() | actual.keys()):
        old, new = expected.get(name), actual.get(name)
        if old == new:
            continue
        old_lines = _lines(old)
        new_lines = _lines(new)
        chunks.extend(
            difflib.unified_diff(
                old_lines,
                new_lines,
                fromfile=f"expected/{name}" if old is not None else "/dev/null",
                tofile=f"{label}/{name}" if new is not None else "/dev/null",
            )
        )
    return "".join(chunks)


def _lines(content: bytes | None) -> list[str]:
    if content is None:
        return []
    text = content.decode("utf-8", errors="replace")
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines
