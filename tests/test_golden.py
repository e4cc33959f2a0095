"""Golden records: each fixture spec generates exactly its committed ``expected/`` tree.

After an intended change to the generator, refresh the records with
``UPDATE_GOLDEN=1 pytest tests/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import importlib
import io
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import pipeline
from generator.output import drift
from generator.progress import Progress
from generator.settings import Settings
from tests.conftest import ROOT

GOLDEN = Path(__file__).parent / "golden"
FIXTURES = sorted(path.parent for path in GOLDEN.glob("*/spec.yaml"))


# Golden packages keep fixed names, so that the adapter drivers can import them.
NAMES: dict[str, Any] = {
    "client_package": "posthog_experiments",
    "client_distribution": "posthog-experiments",
    "server_package": "posthog_experiments_server",
}


def generate(spec: Path, out: Path) -> None:
    settings = Settings.load(ROOT, spec=spec, out=out, **({} if spec == ROOT / "spec" / "openapi.yaml" else NAMES))
    pipeline.generate(settings, Progress(pipeline.STEPS, io.StringIO()))


@pytest.mark.parametrize("fixture", FIXTURES, ids=[path.name for path in FIXTURES])
def test_golden_record(fixture: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = fixture / "expected"
    if os.environ.get("UPDATE_GOLDEN"):
        generate(fixture / "spec.yaml", expected)
    generate(fixture / "spec.yaml", tmp_path / "generated")
    assert drift.diff(expected, tmp_path / "generated", "generated") == ""
    # and the packages import, every model included: defaults, forward references, dataclass fields
    monkeypatch.syspath_prepend(str(tmp_path / "generated" / "client"))
    monkeypatch.syspath_prepend(str(tmp_path / "generated" / "server"))
    for module in [name for name in sys.modules if name.startswith("posthog_experiments")]:
        monkeypatch.delitem(sys.modules, module)
    models = importlib.import_module("posthog_experiments.models")
    for name in models.__all__:
        getattr(models, name)
    importlib.import_module("posthog_experiments._client")
    importlib.import_module("posthog_experiments_server.app")


def test_regenerating_is_byte_identical(tmp_path: Path) -> None:
    generate(ROOT / "spec" / "openapi.yaml", tmp_path / "first")
    generate(ROOT / "spec" / "openapi.yaml", tmp_path / "second")
    assert drift.tree_files(tmp_path / "first") == drift.tree_files(tmp_path / "second")


def _reversed_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _reversed_keys(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [_reversed_keys(item) for item in value]
    return value


@pytest.mark.parametrize("fixture", ["refs_across_files", "read_write_only", "parameters", "enums"])
def test_key_order_changes_nothing(fixture: str, tmp_path: Path) -> None:
    copy = tmp_path / fixture
    shutil.copytree(GOLDEN / fixture, copy, ignore=shutil.ignore_patterns("expected"))
    for path in copy.rglob("*.yaml"):
        data = yaml.safe_load(path.read_text())
        path.write_text(yaml.safe_dump(_reversed_keys(data), sort_keys=False))
    generate(copy / "spec.yaml", copy / "generated")
    # The served copy of the spec is the spec's own text, so it follows its key order; nothing else may.
    expected = tmp_path / "expected"
    shutil.copytree(GOLDEN / fixture / "expected", expected)
    for tree in (expected, copy / "generated"):
        (tree / "server" / "posthog_experiments_server" / "openapi.yaml").unlink()
    assert drift.diff(expected, copy / "generated", "generated") == ""


def test_committed_output_is_what_our_spec_makes() -> None:
    assert pipeline.check(Settings.load(ROOT), Progress(pipeline.STEPS, io.StringIO())) == ""
