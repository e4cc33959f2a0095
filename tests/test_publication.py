"""All or nothing: after any failure or interrupt, the output folder is byte for byte what it was."""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator import pipeline
from generator.cli import main
from generator.output import drift, formatting, publish
from generator.progress import Progress
from generator.settings import Settings
from tests.conftest import ROOT, SPEC


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the project's spec, settings and committed output, laid out as in the repository,
    and the folder the generator runs in."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec").mkdir()
    shutil.copy(SPEC, tmp_path / "spec" / "openapi.yaml")
    shutil.copytree(ROOT / "generated", tmp_path / "generated")
    (tmp_path / "generated" / "stale.txt").write_text("left from an earlier run\n")
    return tmp_path


@pytest.fixture
def out(project: Path) -> Path:
    return project / "generated"


@pytest.fixture
def spec(project: Path) -> Path:
    return project / "spec" / "openapi.yaml"


def _leftovers(out: Path) -> list[str]:
    return sorted(path.name for path in out.parent.iterdir() if path.name.startswith(f".{out.name}"))


def test_invalid_spec_leaves_output_untouched(out: Path) -> None:
    before = drift.tree_files(out)
    broken = ROOT / "tests" / "validation_corpus" / "dangling_ref.yaml"
    assert main(["generate", "--spec", str(broken), "--out", str(out)]) == 1
    assert drift.tree_files(out) == before
    assert _leftovers(out) == []


def test_code_that_fails_verification_is_not_published(out: Path, spec: Path, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    (templates / "client" / "__init__.py.jinja").write_text("{{ header }}\nimport os\n")  # an unused import
    before = drift.tree_files(out)
    settings = Settings.load(ROOT, spec=spec, out=out, templates=templates)
    with pytest.raises(formatting.VerificationError, match="does not pass ruff"):
        pipeline.generate(settings, Progress(pipeline.STEPS, io.StringIO()))
    assert drift.tree_files(out) == before
    assert _leftovers(out) == []


def test_code_that_ruff_passes_but_python_refuses_is_not_published(out: Path, spec: Path, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    refused = "{{ header }}\n\ndef probe() -> None:\n    nonlocal missing\n"  # no binding to refer to
    (templates / "client" / "__init__.py.jinja").write_text(refused)
    before = drift.tree_files(out)
    settings = Settings.load(ROOT, spec=spec, out=out, templates=templates)
    with pytest.raises(formatting.VerificationError, match=r"__init__\.py is not valid Python") as raised:
        pipeline.generate(settings, Progress(pipeline.STEPS, io.StringIO()))
    assert "no binding for nonlocal 'missing' found" in raised.value.details
    assert drift.tree_files(out) == before
    assert _leftovers(out) == []


def test_interrupt_while_formatting_leaves_output_untouched(
    out: Path, spec: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(tree: Path) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(formatting, "format_and_verify", interrupted)
    before = drift.tree_files(out)
    assert main(["generate", "--spec", str(spec), "--out", str(out)]) == 130
    assert drift.tree_files(out) == before
    assert _leftovers(out) == []


def test_crash_between_the_two_renames_is_recovered(out: Path) -> None:
    before = drift.tree_files(out)
    os.replace(out, out.with_name(f".{out.name}-previous"))  # as if killed right after the first rename
    publish.recover(out)
    assert drift.tree_files(out) == before


def test_successful_run_replaces_the_whole_folder(out: Path, spec: Path) -> None:
    assert main(["generate", "--spec", str(spec), "--out", str(out)]) == 0
    assert not (out / "stale.txt").exists()
    assert drift.tree_files(out) == drift.tree_files(ROOT / "generated")
    assert _leftovers(out) == []


@pytest.mark.parametrize("delay", [0.05, 0.3, 0.6, 1.5, 3.0])
def test_sigint_at_any_moment_leaves_old_or_new_never_a_mix(out: Path, spec: Path, delay: float) -> None:
    """A real Ctrl-C to a real process, at several moments of the run."""
    before = drift.tree_files(out)
    after = drift.tree_files(ROOT / "generated")  # what a finished run makes: the committed tree
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "generate", "--spec", str(spec), "--out", str(out)],
        cwd=out.parent,  # the copy's own project, whose settings name the packages as the committed tree does
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    _, errors = process.communicate(timeout=60)
    # 130: interrupted and cleaned up; 0: it had finished; -SIGINT, or 1 with Python's own fatal
    # error: stopped while Python itself started, before any of the generator ran
    started = "Failed to import the site module" not in errors
    assert process.returncode in (0, 130, -signal.SIGINT) or (process.returncode == 1 and not started), errors
    assert drift.tree_files(out) in (before, after)
    assert _leftovers(out) == []
