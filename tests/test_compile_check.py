"""The last check before publication: every generated file compiles, whichever process compiles it.

The largest file is compiled in this process and the second largest by a second interpreter, so
each case below places the file that CPython refuses on one side or the other.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.output.formatting import _compile_failure

REFUSED = "def probe() -> None:\n    nonlocal missing\n"  # ruff passes it; CPython does not
WHY = "no binding for nonlocal 'missing' found"
PADDING = "# padding\n" * 1000


def _tree(folder: Path, files: dict[str, str]) -> list[Path]:
    for name, text in files.items():
        (folder / name).write_text(text)
    return sorted(folder / name for name in files)


@pytest.mark.parametrize("refused", ["a.py", "b.py"], ids=["in this process", "in the second interpreter"])
def test_a_refused_file_is_found(tmp_path: Path, refused: str) -> None:
    files = {"a.py": "x = 1\n" + PADDING * 2, "b.py": "y = 2\n" + PADDING, "c.py": "z = 3\n"}
    files[refused] = REFUSED + files[refused]
    failure = _compile_failure(_tree(tmp_path, files))
    assert failure is not None
    path, details = failure
    assert path == tmp_path / refused
    assert WHY in details


def test_the_first_refused_file_is_named_when_both_processes_find_one(tmp_path: Path) -> None:
    files = {"a.py": REFUSED + PADDING * 2, "b.py": REFUSED + PADDING, "c.py": "z = 3\n"}
    assert _compile_failure(_tree(tmp_path, files)) == (tmp_path / "a.py", f"{WHY} (a.py, line 2)")


def test_identical_files_are_compiled_once_and_named_by_the_first(tmp_path: Path) -> None:
    files = {"client.py": REFUSED, "server.py": REFUSED}
    failure = _compile_failure(_tree(tmp_path, files))
    assert failure is not None
    assert failure[0] == tmp_path / "client.py"


def test_a_tree_that_compiles_passes(tmp_path: Path) -> None:
    files = {"a.py": "x = 1\n" + PADDING, "b.py": "async def f() -> None:\n    await g()\n", "c.py": ""}
    assert _compile_failure(_tree(tmp_path, files)) is None
