"""Many writers at once, through HTTP on real server processes: no 5xx, nothing lost or half-written,
no flag key twice. On SQLite (one process) and on PostgreSQL (two processes, one database)."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from reference.db import tables
from reference.db.engine import Database
from tests.reference_support import fresh_database_url, served

THREADS = 16
ROUNDS = 6
CONTESTED_KEYS = 4  # every thread tries to create these too; exactly one create of each may win


def hammer(urls: list[str], project_id: int, key: str) -> list[tuple[str, int, Any]]:
    """Each thread creates its own experiments, patches them, and fights over the contested keys."""

    def work(thread: int) -> list[tuple[str, int, Any]]:
        seen: list[tuple[str, int, Any]] = []
        base = f"{urls[thread % len(urls)]}/api/projects/{project_id}/experiments/"
        with httpx.Client(headers={"Authorization": f"Bearer {key}"}, timeout=60) as client:
            for round_ in range(ROUNDS):
                made = client.post(
                    base, json={"name": f"t{thread}-{round_}", "feature_flag_key": f"k-{thread}-{round_}"}
                )
                seen.append(("create", made.status_code, made.json()))
                if made.status_code == 201:
                    changed = client.patch(
                        f"{base}{made.json()['id']}/",
                        json={"description": f"patched by {thread}", "start_date": "2024-01-01T00:00:00Z"},
                    )
                    seen.append(("patch", changed.status_code, changed.json()))
                contested = client.post(
                    base, json={"name": "c", "feature_flag_key": f"contested-{round_ % CONTESTED_KEYS}"}
                )
                seen.append(("contested", contested.status_code, contested.json()))
        return seen

    with ThreadPoolExecutor(THREADS) as pool:
        return [outcome for outcomes in pool.map(work, range(THREADS)) for outcome in outcomes]


def check(outcomes: list[tuple[str, int, Any]], database_url: str) -> None:
    statuses = Counter((kind, status) for kind, status, _ in outcomes)
    assert not [o for o in outcomes if o[1] >= 500], statuses
    assert statuses[("create", 201)] == THREADS * ROUNDS, statuses
    assert statuses[("patch", 200)] == THREADS * ROUNDS, statuses
    assert statuses[("contested", 201)] == CONTESTED_KEYS, statuses
    refused = [body for kind, status, body in outcomes if kind == "contested" and status != 201]
    assert all(body["code"] == "unique" and body["attr"] == "key" for body in refused), refused[:3]
    patched = {body["id"]: body for kind, status, body in outcomes if kind == "patch"}
    database = Database(database_url, pool_size=1)
    try:
        with database.read() as session:
            experiments = session.scalars(select(tables.Experiment)).all()
            assert len(experiments) == THREADS * ROUNDS + CONTESTED_KEYS
            for row in experiments:  # every experiment whole: its flag, and the patch it was given
                assert not row.feature_flag.deleted
                if row.id in patched:
                    assert row.description == patched[row.id]["description"]
                    assert row.feature_flag.active is True
            flags = session.scalar(select(func.count()).select_from(tables.FeatureFlag))
            keys = session.scalar(select(func.count(func.distinct(tables.FeatureFlag.key))))
            assert flags == keys == len(experiments)  # no orphan flag, no key twice
    finally:
        database.dispose()


def test_sixteen_writers_on_sqlite(tmp_path: Path) -> None:
    with fresh_database_url("sqlite", tmp_path) as url, served(url) as (base, printed):
        assert printed is not None
        check(hammer([base], printed["project_id"], printed["personal_api_key"]), url)


def test_sixteen_writers_on_two_processes_sharing_postgresql(tmp_path: Path) -> None:
    with fresh_database_url("postgresql", tmp_path) as url, served(url) as (first, printed), served(url) as (second, _):
        assert printed is not None
        check(hammer([first, second], printed["project_id"], printed["personal_api_key"]), url)
