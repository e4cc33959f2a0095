"""Interop: a client that nobody here wrote, generated from the spec by openapi-python-client, works.

The client is generated into a temporary folder for each run (never committed) and drives a real
server process through create, retrieve, list, patch and delete. ``nox -s interop`` runs this alone.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import SPEC
from tests.reference_support import fresh_database_url, served

PACKAGE = "interop_experiments_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    tool = shutil.which("openapi-python-client", path=str(Path(sys.executable).parent))
    if tool is None:
        pytest.fail("openapi-python-client is a dev dependency; install with pip install -e '.[dev]'")
    folder = tmp_path_factory.mktemp("interop")
    made = subprocess.run(
        [tool, "generate", "--path", str(SPEC), "--meta", "none", "--output-path", str(folder / PACKAGE)],
        capture_output=True,
        text=True,
        env={"PATH": str(Path(sys.executable).parent)},  # its own ruff run, from this environment
        check=False,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    assert "Warning" not in made.stdout + made.stderr, made.stdout + made.stderr  # every operation generated
    _import_unset(folder / PACKAGE)
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name.startswith(PACKAGE)]:
            del sys.modules[name]


def _import_unset(package: Path) -> None:
    """Work around openapi-python-client issue #1451 (open in 0.29.1, the newest release).

    A required body with several media types (ours take JSON, form and multipart, as PostHog's
    do) is annotated ``... | Unset`` without importing ``Unset``, so the module fails to import.
    """
    for module in (package / "api").rglob("*.py"):
        text = module.read_text()
        if "| Unset" in text and "import UNSET, Response" in text:
            module.write_text(text.replace("import UNSET, Response", "import UNSET, Response, Unset"))


def _call(module: str, **arguments: Any) -> Any:
    """``sync_detailed`` of one generated operation module; the parsed answer and its status."""
    response = importlib.import_module(f"{PACKAGE}.api.experiments.{module}").sync_detailed(**arguments)
    return response.status_code, response.parsed


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_create_retrieve_list_patch_delete(generated: ModuleType, kind: str, tmp_path: Path) -> None:
    models = importlib.import_module(f"{PACKAGE}.models")
    with fresh_database_url(kind, tmp_path) as url, served(url) as (base, printed):
        assert printed is not None
        client = generated.AuthenticatedClient(base_url=base, token=printed["personal_api_key"])
        project = str(printed["project_id"])
        common = {"client": client, "project_id": project}

        body = models.ExperimentInput(name="Interop", feature_flag_key="interop-flag", description="from opc")
        status, created = _call("experiments_create", body=body, **common)
        assert status == 201, created
        assert (created.name, created.feature_flag_key, created.description) == ("Interop", "interop-flag", "from opc")

        status, fetched = _call("experiments_retrieve", id=created.id, **common)
        assert (status, fetched.to_dict()) == (200, created.to_dict())

        status, page = _call("experiments_list", limit=10, **common)
        assert (status, page.count, [item.id for item in page.results]) == (200, 1, [created.id])

        change = models.PatchedExperimentInput(name="Interop, renamed")
        status, patched = _call("experiments_partial_update", id=created.id, body=change, **common)
        assert (status, patched.name, patched.description) == (200, "Interop, renamed", "from opc")

        status, _ = _call("experiments_destroy", id=created.id, **common)
        assert status == 204
        status, missing = _call("experiments_retrieve", id=created.id, **common)
        assert (status, missing.code, missing.detail) == (404, "not_found", "Not found.")
