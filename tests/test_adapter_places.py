"""The adapter binds every parameter place and body kind: servers generated from the golden fixtures,
driven in their own process (their package has the same name as ours)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from tests.conftest import ROOT

GOLDEN = ROOT / "tests" / "golden"


def _drive(fixture: str) -> Any:
    """Type-check the driver against the fixture's server package, then run it."""
    package = GOLDEN / fixture / "expected" / "server"
    environment = {**os.environ, "PYTHONPATH": f"{package}{os.pathsep}{ROOT}", "MYPYPATH": str(package)}
    script = ROOT / "tests" / "adapter_drivers" / f"{fixture}.py"
    typed = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(script)],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    assert typed.returncode == 0, typed.stdout
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=environment, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_path_query_header_cookie_and_json_content_parameters() -> None:
    seen = _drive("parameters")
    assert (seen["status"], seen["body"], seen["rate_limit"]) == (200, {"name": "lamp"}, "41")
    assert seen["seen"] == {
        "item_id": 7,
        "store_id": "s1",
        "fields": ["a", "b"],
        "filter": {"colour": "red"},
        "verbose": True,
        "x_request_id": "0190f5c4-3b6e-7a51-9d0e-2f4c1b8a7e21",
        "session": "abc",
    }
    status, body = seen["missing_header"]
    assert (status, body["code"], body["attr"]) == (400, "missing", "X-Request-Id")
    assert seen["bad_uuid"] == [400, "X-Request-Id"]


def test_json_form_and_multipart_bodies() -> None:
    seen = _drive("bodies")
    assert seen["statuses"] == [201, 201, 201, 400, 415, 201, 201, 400]
    assert seen["seen"] == [
        {"text": "hi", "tags": ["a"], "labels": None},
        {"text": "form", "tags": ["x", "y"], "labels": None},
        {"file": "hello", "caption": "greeting"},
        {"text": "last", "tags": None, "labels": ["p", "q"]},
        {"text": "one label", "tags": None, "labels": ["p"]},
    ]
