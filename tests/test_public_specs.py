"""Specs nobody here wrote: each generates, its code imports and passes ruff and mypy --strict.

GitHub's REST description is too large for the default run; `python -m nox -s public_specs`
fetches it and reports the same on it.
"""

from __future__ import annotations

import importlib
import io
import subprocess
import sys
from pathlib import Path

import pytest

from generator import pipeline
from generator.progress import Progress
from generator.settings import Settings
from tests.conftest import ROOT


def _shared_specs() -> list[Path]:
    folder = ROOT.parent / "shared" / "specs"
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


SPECS = _shared_specs()


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if not SPECS:
        pytest.skip("../shared/specs not found beside the project")
    outputs = {}
    for spec in SPECS:
        out = tmp_path_factory.mktemp(spec.stem) / "generated"
        settings = Settings.load(ROOT, spec=spec, out=out, cache=None)
        pipeline.generate(settings, Progress(pipeline.STEPS, io.StringIO()))  # ruff-verified before publication
        outputs[spec.stem] = out
    return outputs


def _package(side: Path) -> Path:
    """The one package generated on a side (its name comes from the spec's title)."""
    (package,) = (path.parent for path in side.glob("*/__init__.py"))
    return package


@pytest.mark.parametrize("name", [spec.stem for spec in SPECS])
def test_generated_models_import(generated: dict[str, Path], name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    client = generated[name] / "client"
    package = _package(client).name
    assert "posthog" not in package  # this project's names are not another API's
    monkeypatch.syspath_prepend(str(client))
    for module in [m for m in sys.modules if m.split(".")[0] == package]:
        monkeypatch.delitem(sys.modules, module)
    models = importlib.import_module(f"{package}.models")
    assert models.__file__ is not None
    assert Path(models.__file__).is_relative_to(client)


def test_generated_code_passes_ruff_and_mypy_strict(generated: dict[str, Path]) -> None:
    packages = [str(_package(out / side)) for out in generated.values() for side in ("client", "server")]
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", *map(str, generated.values())],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ruff.returncode == 0, ruff.stdout
    for package in packages:
        mypy = subprocess.run(
            [sys.executable, "-m", "mypy", "--strict", "--no-incremental", package],
            capture_output=True,
            text=True,
            check=False,
        )
        assert mypy.returncode == 0, (package, mypy.stdout)
