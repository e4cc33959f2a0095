"""Fixtures for the reference server's tests: a fresh database per test, on SQLite and on PostgreSQL.

PostgreSQL is the server at ``EXPERIMENTS_TEST_POSTGRES_URL`` (default: the local one, trust
auth, user ``postgres``); each test gets its own database, dropped afterwards. When no server
answers, the PostgreSQL cases are skipped and say so.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from reference import admin
from reference.app import build
from reference.db.engine import Database
from reference.db.scratch import scratch_database

POSTGRES_URL = os.environ.get("EXPERIMENTS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ROOT = Path(__file__).resolve().parent.parent


def _postgres_unreachable() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except Exception as error:  # noqa: BLE001 - any failure to connect means: skip, saying why
        return f"PostgreSQL not reachable at {POSTGRES_URL}: {type(error).__name__}"
    return None


_UNREACHABLE = _postgres_unreachable()


@contextmanager
def fresh_database_url(kind: str, tmp_path: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'reference.sqlite3'}"
        return
    if _UNREACHABLE:
        pytest.skip(_UNREACHABLE)
    with scratch_database(POSTGRES_URL, "test_reference") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database(database_url, pool_size=5)
    yield database
    database.dispose()


@dataclass
class Api:
    """A test client of the reference app, authenticated as the ``init`` user of one project."""

    client: TestClient
    database: Database
    project_id: int
    user_id: int
    key: str
    project_token: str

    @property
    def experiments(self) -> str:
        return f"/api/projects/{self.project_id}/experiments/"

    def call(self, method: str, path: str, body: Any = None, *, key: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key or self.key}"}
        response: httpx.Response = self.client.request(method, path, json=body, headers=headers)
        return response

    def create(self, **fields: Any) -> dict[str, Any]:
        fields.setdefault("name", "An experiment")
        fields.setdefault("feature_flag_key", f"flag-{uuid.uuid4().hex[:8]}")
        answer = self.call("POST", self.experiments, fields)
        assert answer.status_code == 201, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def patch(self, experiment_id: int, body: Any) -> httpx.Response:
        return self.call("PATCH", f"{self.experiments}{experiment_id}/", body)

    def retrieve(self, experiment_id: int) -> dict[str, Any]:
        answer = self.call("GET", f"{self.experiments}{experiment_id}/")
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def key_with(self, scopes: list[str], project_ids: list[int] | None = None) -> str:
        created = admin.create_key(self.database, user_id=self.user_id, scopes=scopes, project_ids=project_ids)
        return str(created["key"])


@pytest.fixture
def api(database: Database) -> Iterator[Api]:
    app = build(database)
    made = admin.init(database)
    with TestClient(app, base_url="http://testserver", raise_server_exceptions=False) as client:
        yield Api(
            client,
            database,
            made["project_id"],
            made["user_id"],
            made["personal_api_key"],
            made["project_token"],
        )


def error(
    status: int, detail: str, *, code: str = "invalid_input", attr: str | None = None
) -> tuple[int, dict[str, Any]]:
    kind = {401: "authentication_error", 403: "authentication_error", 404: "invalid_request"}.get(
        status, "validation_error"
    )
    return status, {"type": kind, "code": code, "detail": detail, "attr": attr}


NOT_PROVIDED = error(401, "Authentication credentials were not provided.", code="not_authenticated")


def invalid_key(source: str) -> tuple[int, dict[str, Any]]:
    """The 401 for a personal API key that is not one, named by where it was found."""
    return error(401, f"Personal API key found in request {source} is invalid.", code="authentication_failed")


def answered(response: httpx.Response) -> tuple[int, Any]:
    return response.status_code, response.json()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def served(database_url: str) -> Iterator[tuple[str, dict[str, Any] | None]]:
    """A real ``python -m reference serve`` process on 127.0.0.1; yields its URL and what it printed at start."""
    with serving(database_url) as (url, printed, _):
        yield url, printed


@contextmanager
def serving(database_url: str) -> Iterator[tuple[str, dict[str, Any] | None, subprocess.Popen[str]]]:
    """``served``, with the process itself, for tests that kill it."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reference",
            "serve",
            "--port",
            str(port),
            "--database-url",
            database_url,
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"server exited: {process.stderr.read() if process.stderr else ''}")
            try:
                httpx.get(f"{url}/api/schema/", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError("server did not start in 30 s")
        printed = None
        if process.stdout is not None:
            os.set_blocking(process.stdout.fileno(), False)
            line = process.stdout.readline()
            printed = json.loads(line) if line.strip() else None
        yield url, printed, process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=10)
