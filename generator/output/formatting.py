"""ruff over a staged output tree: fix what it can, format, then check that nothing is left."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


class VerificationError(Exception):
    """The generated code does not pass its own checks; ``details`` says where."""

    def __init__(self, message: str, details: str) -> None:
        super().__init__(message)
        self.details = details


def format_and_verify(tree: Path) -> None:
    config = tree / "ruff.toml"
    _ruff(tree, "check", "--fix-only", "--exit-zero", "--config", str(config), str(tree))
    _ruff(tree, "format", "--config", str(config), str(tree))
    result = _ruff(tree, "check", "--no-fix", "--config", str(config), str(tree), check=False)
    if result.returncode != 0:
        raise VerificationError("the generated code does not pass ruff", result.stdout + result.stderr)
    failure = _compile_failure(sorted(tree.rglob("*.py")))
    if failure is not None:
        path, details = failure
        raise VerificationError(f"{path.name} is not valid Python", details)


def _ruff(tree: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """ruff, run from ``tree``: the relative paths of its config (per-file ignores) are read from there."""
    command = [sys.executable, "-m", "ruff", *args, "--no-cache"]  # not --quiet: it hides why it failed
    result = subprocess.run(command, cwd=tree, capture_output=True, text=True, check=False)  # noqa: S603 - our own tool
    if check and result.returncode != 0:
        raise VerificationError(f"ruff {args[0]} failed", result.stdout + result.stderr)
    return result


# A second interpreter compiles its share of the files; it prints the first that fails, then why.
_COMPILE_EACH = """
import sys
for name in sys.argv[1:]:
    try:
        with open(name, "rb") as file:
            compile(file.read(), name, "exec")
    except SyntaxError as error:
        print(name)
        print(error)
        break
"""


def _compile_failure(paths: list[Path]) -> tuple[Path, str] | None:
    """The first of ``paths`` that CPython does not compile, and why.

    CPython refuses some code that ruff passes (a ``nonlocal`` without a binding, ``await`` in a
    function that is not async), so every file is compiled too. Each distinct text once: the client
    and the server carry the same models module (3 MB on GitHub's description). The files are
    shared, by size, between this process and a second interpreter, which run on two cores at once.
    """
    texts: dict[bytes, Path] = {}
    for path in paths:
        texts.setdefault(path.read_bytes(), path)  # a repeated text is named by its first path
    halves: tuple[list[tuple[Path, bytes]], list[tuple[Path, bytes]]] = ([], [])
    sizes = [0, 0]
    for text, path in sorted(texts.items(), key=lambda item: len(item[0]), reverse=True):
        lighter = sizes.index(min(sizes))
        halves[lighter].append((path, text))
        sizes[lighter] += len(text)
    own, other = sorted(halves[0]), sorted(path for path, _ in halves[1])
    helper = subprocess.Popen(  # noqa: S603 - the running interpreter, on our own files
        [sys.executable, "-c", _COMPILE_EACH, *map(str, other)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    failures = []
    for path, text in own:
        try:
            compile(text, str(path), "exec")
        except SyntaxError as error:
            failures.append((path, str(error)))
            break
    output, errors = helper.communicate()
    if helper.returncode != 0:
        raise VerificationError("the compile check failed", errors)
    if output:
        name, _, details = output.partition("\n")
        failures.append((Path(name), details.rstrip("\n")))
    return min(failures, default=None)
