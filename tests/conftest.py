from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec" / "openapi.yaml"
# The project's shared material, beside the project root (or where EXPERIMENTS_SHARED_DIR says).
SHARED = Path(os.environ.get("EXPERIMENTS_SHARED_DIR", ROOT.parent / "shared"))
# The generated packages, importable as their users import them.
sys.path[:0] = [str(ROOT / "generated" / "server"), str(ROOT / "generated" / "client")]


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The project's shared material, beside the project root (or where EXPERIMENTS_SHARED_DIR says)."""
    if not (SHARED / "api-contract.md").is_file():
        pytest.skip(f"shared material not found at {SHARED} (set EXPERIMENTS_SHARED_DIR)")
    return SHARED


pytest_plugins = ["tests.reference_support", "tests.contract_support"]
