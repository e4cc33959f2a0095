"""The admin command line and the migrations behind it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from reference.db.engine import Database
from reference.db.migrate import upgrade
from reference.db.tables import Base
from tests.reference_support import ROOT, served


def run(database_url: str, *arguments: str, status: int = 0) -> Any:
    done = subprocess.run(
        [sys.executable, "-m", "reference", "admin", *arguments, "--database-url", database_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == status, done.stderr
    return json.loads(done.stdout)


def test_admin_commands_print_json(database_url: str) -> None:
    made = run(database_url, "init")
    assert set(made) == {"organization_id", "project_id", "project_token", "user_id", "personal_api_key"}
    assert made["personal_api_key"].startswith("phx_")
    user = run(
        database_url, "create-user", "--email", "reader@example.com", "--organization-id", str(made["organization_id"])
    )
    key = run(
        database_url,
        "create-key",
        "--user-id",
        str(user["id"]),
        "--scopes",
        "experiment:read",
        "--project-id",
        str(made["project_id"]),
    )
    assert set(key) >= {"id", "key", "scopes"}
    assert key["scopes"] == ["experiment:read"]
    listed = run(database_url, "list-keys", "--user-id", str(user["id"]))["keys"]
    assert [k["id"] for k in listed] == [key["id"]]
    assert key["key"] not in json.dumps(listed)  # shown once, stored hashed
    project = run(database_url, "create-project", "--name", "Second", "--timezone", "Europe/Paris")
    assert project["timezone"] == "Europe/Paris"
    assert [p["id"] for p in run(database_url, "list-projects")["projects"]] == [made["project_id"], project["id"]]
    policy = run(database_url, "add-policy", "--project-id", str(made["project_id"]), "--action", "feature_flag.enable")
    assert run(database_url, "list-policies")["policies"] == [policy]
    assert run(database_url, "remove-policy", "--id", str(policy["id"])) == {"removed": policy["id"]}
    assert run(database_url, "list-change-requests") == {"change_requests": []}
    assert "error" in run(database_url, "create-key", "--user-id", "999", "--scopes", "*", status=1)
    assert "error" in run(database_url, "update-project", "--project-id", "1", "--timezone", "Mars/Base", status=1)


def test_serve_on_an_empty_database_prints_a_working_key(tmp_path: Path) -> None:
    import httpx

    with served(f"sqlite:///{tmp_path / 'served.sqlite3'}") as (url, printed):
        assert printed is not None
        answer = httpx.get(
            f"{url}/api/projects/{printed['project_id']}/experiments/",
            headers={"Authorization": f"Bearer {printed['personal_api_key']}"},
        )
        assert answer.status_code == 200
        assert answer.json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_the_migrations_make_exactly_the_tables_the_models_describe(database: Database) -> None:
    upgrade(database)
    upgrade(database)  # a second start finds nothing to do
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
