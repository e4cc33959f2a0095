"""Results and capture of the reference server, timed through HTTP against a real server process.

    python bench/results.py [--sizes 10000 100000 1000000] [--databases sqlite postgresql] [--runs 3]

For each size, a fresh database is filled with that many exposed persons (about 3 events each:
a ``$feature_flag_called``, a ``$pageview`` and, for some, a second ``$pageview`` and a
``$pageleave``, all tagged with the variant), written straight into the tables. One experiment
has a trend metric (page views per exposed person) and a funnel as its secondary metric (view,
then leave). Cold = ``?refresh`` (computed), cached = the stored answer, each the median of the
runs. Capture = events per second stored through ``POST /batch/`` by 4 concurrent clients sending
500 events a request (60 requests per second of ``--capture-seconds``, sent as fast as they go).
Targets (the issue): 1 M persons cold in at most 1 s on PostgreSQL, a cached answer in at most
10 ms, capture at least 20,000 events/s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from processes import served_process
from sqlalchemy import create_engine, func, select, text

from reference.db import tables
from reference.db.engine import Database
from reference.db.scratch import scratch_database
from reference.events.store import EventStore

FLAG = "bench-flag"
START = datetime(2024, 1, 1, tzinfo=UTC)
TREND = {"insight": "TRENDS", "events": [{"id": "$pageview"}]}
FUNNEL = {"insight": "FUNNELS", "events": [{"id": "$pageview", "order": 0}, {"id": "$pageleave", "order": 1}]}
CHUNK = 50_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--capture-seconds", type=float, default=10)
    arguments = parser.parse_args()
    rows = []
    for kind in arguments.databases:
        for size in arguments.sizes:
            with _database(kind, arguments.postgres_url) as url:
                rows += _results(kind, url, size, arguments.runs)
        with _database(kind, arguments.postgres_url) as url:
            rows.append(_capture(kind, url, arguments.capture_seconds))
    print("\n| database | persons | events | what | cold s (median) | runs (s) | cached ms (median) |")
    print("| --- | ---: | ---: | --- | ---: | --- | ---: |")
    for row in rows:
        print("| " + " | ".join(row) + " |")


@contextmanager
def _database(kind: str, postgres_url: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.sqlite3"
    else:
        with scratch_database(postgres_url, "bench_reference") as url:
            yield url


@contextmanager
def _server(url: str) -> Iterator[tuple[str, dict[str, Any]]]:
    command = [sys.executable, "-m", "reference", "serve", "--database-url", url, "--log-level", "warning"]
    with served_process(command) as (base, process):
        made = json.loads(process.stdout.readline() if process.stdout else "{}")
        yield base, made


def _results(kind: str, url: str, persons: int, runs: int) -> list[list[str]]:
    with _server(url) as (base, made):
        auth = {"Authorization": f"Bearer {made['personal_api_key']}"}
        experiments = f"{base}/api/projects/{made['project_id']}/experiments/"
        body = {
            "name": "bench",
            "feature_flag_key": FLAG,
            "filters": TREND,
            "secondary_metrics": [{"name": "leave", "filters": FUNNEL}],
            "start_date": START.isoformat(),
            "end_date": (START + timedelta(days=9)).isoformat(),
        }
        with httpx.Client(headers=auth, timeout=600) as client:
            experiment = client.post(experiments, json=body).json()["id"]
            started = time.perf_counter()
            events = _seed(url, made["project_id"], persons)
            print(f"{kind}: {persons:,} persons, {events:,} events seeded in {time.perf_counter() - started:.1f} s")
            found = []
            for what, path in (("trend", "results/"), ("funnel", "secondary_results/?id=0")):
                address = f"{experiments}{experiment}/{path}"
                cold = [_timed(client, address + ("&" if "?" in address else "?") + "refresh") for _ in range(runs)]
                cached = [_timed(client, address) for _ in range(max(runs, 10))]
                found.append(
                    [
                        kind,
                        f"{persons:,}",
                        f"{events:,}",
                        f"results, {what}",
                        f"{statistics.median(cold):.3f}",
                        " ".join(f"{t:.3f}" for t in cold),
                        f"{statistics.median(cached) * 1000:.1f}",
                    ]
                )
            return found


def _timed(client: httpx.Client, address: str) -> float:
    started = time.perf_counter()
    answer = client.get(address)
    elapsed = time.perf_counter() - started
    if answer.status_code != 200:
        raise RuntimeError(f"{address}: {answer.status_code} {answer.text[:300]}")
    return elapsed


def _seed(url: str, project_id: int, persons: int) -> int:
    """Write the persons' events straight into the tables, in chunks, through the same bulk inserts
    as capture; the number of events."""
    database = Database(url)
    store = EventStore(database)
    made = 0
    events: list[tuple[Any, ...]] = []
    flags: list[tuple[Any, ...]] = []

    def flush() -> None:
        with database.write() as session:
            store.insert_rows(session.connection(), events, flags)
        events.clear()
        flags.clear()

    def add(name: str, person: str, at: int, variant: str, *, exposure: bool = False) -> None:
        nonlocal made
        made += 1
        event_uuid = str(uuid.UUID(int=made))
        if exposure:
            properties = {"$feature_flag": FLAG, "$feature_flag_response": variant}
            events.append((project_id, event_uuid, name, person, at, json.dumps(properties), FLAG, variant))
        else:
            properties = {f"$feature/{FLAG}": variant}
            events.append((project_id, event_uuid, name, person, at, json.dumps(properties), None, None))
            flags.append((project_id, FLAG, name, at, event_uuid, variant, person))

    start_ms = int(START.timestamp() * 1000)
    for number in range(persons):
        variant = "control" if number % 2 == 0 else "test"
        person = f"person-{number}"
        at = start_ms + (number * 7919) % (8 * 86_400_000)
        add("$feature_flag_called", person, at, variant, exposure=True)
        add("$pageview", person, at + 1_000, variant)
        if number % 3 != 0:
            add("$pageview", person, at + 30_000, variant)
        if (number // 2) % 10 < (3 if variant == "control" else 4):  # converts: 30 % control, 40 % test
            add("$pageleave", person, at + 60_000, variant)
        if len(events) >= CHUNK:
            flush()
    flush()
    if not database.is_sqlite:
        # The state autovacuum brings a table to after a bulk load (statistics and the visibility map
        # that index-only scans need), so that a cold result is timed on a settled database.
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("VACUUM ANALYZE"))
        engine.dispose()
    database.dispose()
    return made


def _capture(kind: str, url: str, seconds: float) -> list[str]:
    """Events/s stored through ``/batch/``; the bodies are made before the clock starts, so that the
    clients spend their CPU on sending, not on making JSON."""
    with _server(url) as (base, made):
        bodies = [_batch_body(made["project_token"], number) for number in range(int(seconds * 60))]
        errors: list[str] = []
        lock = threading.Lock()

        def client() -> None:
            with httpx.Client(timeout=60, headers={"Content-Type": "application/json"}) as http:
                while True:
                    with lock:
                        if not bodies:
                            return
                        body = bodies.pop()
                    answer = http.post(f"{base}/batch/", content=body)
                    if answer.status_code != 200:
                        errors.append(answer.text[:200])
                        return

        started = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        if errors:
            raise RuntimeError(errors[0])
        database = Database(url)
        with database.read() as session:
            stored = session.scalar(select(func.count()).select_from(tables.Event)) or 0
        database.dispose()
        return [kind, "", f"{stored:,}", "capture, events/s", f"{stored / elapsed:,.0f} /s", f"{elapsed:.1f} s", ""]


def _batch_body(token: str, number: int) -> bytes:
    """500 page views a second apart, the batches one after another in time, as an app sends them."""
    batch = [
        {
            "event": "$pageview",
            "distinct_id": f"p{n}",
            "properties": {f"$feature/{FLAG}": "test", "$current_url": "https://example.com/"},
            "timestamp": (START + timedelta(seconds=number * 500 + n)).isoformat(),
            "uuid": str(uuid.uuid4()),
        }
        for n in range(500)
    ]
    return json.dumps({"api_key": token, "batch": batch}).encode()


if __name__ == "__main__":
    main()
