"""Reliability against what an attacker or an unlucky operator sends, on SQLite and PostgreSQL:
ids never reused, no stale cached results, concurrent first computations, stored metrics that
cannot be computed, a dropped database connection, and unauthenticated hostile bodies."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text

from reference import admin
from reference.db import tables
from reference.db.engine import Database
from tests.event_support import START, TREND, capture, event, exposed, launched, results, seen
from tests.reference_support import NOT_PROVIDED, Api, answered, error, fresh_database_url, served, serving

JSON = {"content-type": "application/json"}


# --- identity -------------------------------------------------------------------------------------


def test_an_id_is_never_handed_out_twice(api: Api) -> None:
    """A retried DELETE must not delete a newer experiment: the newest id does not come back."""
    first = api.create(feature_flag_key="first")
    assert api.call("DELETE", f"{api.experiments}{first['id']}/").status_code == 204
    second = api.create(feature_flag_key="second")
    assert second["id"] > first["id"]
    assert second["feature_flag"]["id"] > first["feature_flag"]["id"]
    assert api.call("DELETE", f"{api.experiments}{first['id']}/").status_code == 404  # the retry
    assert api.retrieve(second["id"])["feature_flag_key"] == "second"
    key = admin.create_key(api.database, user_id=api.user_id, scopes=["*"], project_ids=None)
    admin.revoke_key(api.database, key_id=key["id"])
    assert admin.create_key(api.database, user_id=api.user_id, scopes=["*"], project_ids=None)["id"] > key["id"]


def test_a_refused_patch_changes_nothing(api: Api) -> None:
    made = api.create(description="before")
    body = b'{"description": "changed", "parameters": {"x": "\\udc00"}}'
    headers = {"Authorization": f"Bearer {api.key}", **JSON}
    answer = api.client.patch(f"{api.experiments}{made['id']}/", content=body, headers=headers)
    assert (answer.status_code, answer.json()["code"]) == (400, "surrogate_characters_not_allowed")
    assert api.retrieve(made["id"]) == made
    assert api.call("GET", api.experiments).status_code == 200


# --- results --------------------------------------------------------------------------------------


def test_a_cached_answer_never_omits_an_event_of_its_window(api: Api) -> None:
    """Many events in few batches: event ids run far ahead of batch ids (the cache compares batches)."""
    made = launched(api, TREND)
    flag = made["feature_flag_key"]
    capture(
        api,
        [
            *(exposed(flag, "control" if n % 2 else "test", f"p{n}", "2024-01-02T09:00:00Z") for n in range(50)),
            *(seen(flag, "control" if n % 2 else "test", f"p{n}", "2024-01-02T10:00:00Z") for n in range(50)),
        ],
    )
    first = results(api, made["id"]).json()
    assert results(api, made["id"]).json()["is_cached"] is True
    capture(api, [seen(flag, "test", f"q{n}", "2024-01-03T10:00:00Z") for n in range(30)])
    after = results(api, made["id"]).json()
    assert after["is_cached"] is False
    counts = {v["key"]: v["count"] for v in after["result"]["variants"]}
    assert counts == {"control": 25, "test": 55}
    assert first["result"]["variants"] != after["result"]["variants"]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_concurrent_first_computations_all_answer(kind: str, tmp_path: Path) -> None:
    """16 first calls at once for each of 6 experiments: every one stores its answer, none fails."""
    with fresh_database_url(kind, tmp_path) as url, served(url) as (base, printed):
        assert printed is not None
        headers = {"Authorization": f"Bearer {printed['personal_api_key']}"}
        experiments = f"{base}/api/projects/{printed['project_id']}/experiments/"
        with httpx.Client(headers=headers, timeout=60) as client:
            made = []
            for number in range(6):
                body = {"name": "n", "feature_flag_key": f"k{number}", "filters": TREND, "start_date": START}
                made.append(client.post(experiments, json=body).json()["id"])
                batch = [seen(f"k{number}", "control" if n % 2 else "test", f"p{n}", START) for n in range(20)]
                client.post(f"{base}/batch/", json={"api_key": printed["project_token"], "batch": batch})
        together = threading.Barrier(16)

        def ask(thread: int) -> list[int]:
            with httpx.Client(headers=headers, timeout=60) as client:
                client.get(f"{base}/api/schema/")  # connected before the race starts
                statuses = []
                for experiment in made:
                    together.wait(timeout=120)
                    statuses.append(client.get(f"{experiments}{experiment}/results/").status_code)
                return statuses

        with ThreadPoolExecutor(16) as pool:
            statuses = Counter(status for answers in pool.map(ask, range(16)) for status in answers)
        assert statuses == {200: 96}


@pytest.mark.parametrize(
    ("property_filter", "detail"),
    [
        ({"key": "plan", "operator": "icontains", "value": []}, "Property filter 'plan' has no value to compare with."),
        ({"key": "amount", "operator": "gt", "value": []}, "Property filter 'amount' has no value to compare with."),
    ],
)
def test_a_stored_comparison_without_a_value_is_a_400(api: Api, property_filter: dict[str, Any], detail: str) -> None:
    made = launched(api, {"insight": "TRENDS", "events": [{"id": "$pageview", "properties": [property_filter]}]})
    capture(api, [seen(made["feature_flag_key"], "control", "p", "2024-01-02T10:00:00Z")])
    assert answered(results(api, made["id"])) == error(400, detail)


def test_a_funnel_window_past_any_date_is_refused_when_written(api: Api) -> None:
    filters = {"insight": "FUNNELS", "events": [{"id": "a"}, {"id": "b"}], "funnel_window_interval": 10**12}
    answer = api.call("POST", api.experiments, {"name": "n", "feature_flag_key": "k", "filters": filters})
    assert answered(answer) == error(
        400,
        "Ensure this value is less than or equal to 100000.",
        code="max_value",
        attr="filters__funnel_window_interval",
    )


@pytest.mark.parametrize("math", ["sum", "avg", "max"])
def test_huge_property_values_are_a_400_not_a_failure(api: Api, math: str) -> None:
    made = launched(api, {"insight": "TRENDS", "events": [{"id": "buy", "math": math, "math_property": "amount"}]})
    flag = made["feature_flag_key"]
    purchases = [
        event("buy", f"p{n}", "2024-01-02T10:00:00Z", amount=1e308, **{f"$feature/{flag}": variant})
        for n, variant in enumerate(["control", "control", "test", "test"])
    ]
    capture(api, purchases)
    answer = results(api, made["id"])
    # the values themselves are numbers (a maximum of 1e308; an average too, where the database
    # averages without overflowing, as PostgreSQL's numeric does and SQLite's doubles do not)
    if math == "max" or (math == "avg" and not api.database.is_sqlite):
        assert answer.status_code == 200, answer.text
    else:
        assert answered(answer) == error(
            400, "The metric's values are out of the range this server can compare (0 to 2^53)."
        )


def test_a_thousand_conditions_are_a_400(api: Api) -> None:
    conditions = [{"key": f"k{n}", "operator": "is_not", "value": "x"} for n in range(1000)]
    made = launched(api, {"insight": "TRENDS", "events": [{"id": "$pageview", "properties": conditions}]})
    capture(api, [seen(made["feature_flag_key"], "control", "p", "2024-01-02T10:00:00Z")])
    answer = results(api, made["id"])
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("Property filters of more than 200 conditions")


# --- faults ---------------------------------------------------------------------------------------


def test_a_dropped_postgresql_connection_fails_no_later_request(tmp_path: Path) -> None:
    with fresh_database_url("postgresql", tmp_path) as url, served(url) as (base, printed):
        assert printed is not None
        headers = {"Authorization": f"Bearer {printed['personal_api_key']}"}
        experiments = f"{base}/api/projects/{printed['project_id']}/experiments/"
        with httpx.Client(headers=headers, timeout=60) as client:
            for number in range(8):  # warm the server's pools
                assert client.post(experiments, json={"name": "n", "feature_flag_key": f"k{number}"}).status_code == 201
            name = url.rsplit("/", 1)[1]
            engine = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
            with engine.connect() as connection:
                dropped = connection.execute(
                    text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = :name"),
                    {"name": name},
                ).scalar()
            engine.dispose()
            assert dropped
            statuses = Counter(client.get(experiments).status_code for _ in range(14))
            statuses.update(
                client.post(experiments, json={"name": "n", "feature_flag_key": f"after{n}"}).status_code
                for n in range(6)
            )
        assert statuses == {200: 14, 201: 6}


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_kill_9_mid_write_loses_nothing_acknowledged_and_leaves_nothing_half_written(kind: str, tmp_path: Path) -> None:
    """Writers create experiments and capture batches while the server is killed; afterwards every
    acknowledged write is there whole, every experiment has its flag, and a new server serves."""
    acknowledged: list[tuple[str, Any]] = []
    with fresh_database_url(kind, tmp_path) as url:
        with serving(url) as (base, printed, process):
            assert printed is not None
            headers = {"Authorization": f"Bearer {printed['personal_api_key']}"}
            experiments = f"{base}/api/projects/{printed['project_id']}/experiments/"
            token = printed["project_token"]

            def write(thread: int) -> None:
                with httpx.Client(headers=headers, timeout=10) as client:
                    for number in range(10_000):
                        try:
                            made = client.post(
                                experiments, json={"name": "n", "feature_flag_key": f"k{thread}-{number}"}
                            )
                            if made.status_code == 201:
                                acknowledged.append(("experiment", made.json()["id"]))
                            batch = [event("e", f"t{thread}-{number}-{n}", "2024-01-02T10:00:00Z") for n in range(20)]
                            sent = client.post(f"{base}/batch/", json={"api_key": token, "batch": batch})
                            if sent.status_code == 200:
                                acknowledged.append(("batch", f"t{thread}-{number}-"))
                        except httpx.TransportError:
                            return

            with ThreadPoolExecutor(6) as pool:
                running = [pool.submit(write, thread) for thread in range(6)]
                deadline = time.monotonic() + 30
                while len(acknowledged) < 60 and time.monotonic() < deadline:
                    time.sleep(0.05)
                process.kill()  # SIGKILL: no shutdown, no flush
                for future in running:
                    future.result()
        assert len(acknowledged) >= 60
        with served(url) as (base, printed):  # a new server on the same database: it migrates and serves
            database = Database(url, pool_size=1)
            try:
                with database.read() as session:
                    stored = set(session.scalars(select(tables.Experiment.id)))
                    flags = session.scalar(select(func.count()).select_from(tables.FeatureFlag))
                    people = set(session.scalars(select(tables.Event.distinct_id)))
            finally:
                database.dispose()
            made = {value for kind_, value in acknowledged if kind_ == "experiment"}
            assert made <= stored
            assert flags == len(stored)  # no experiment without its flag, no flag without its experiment
            for prefix in (value for kind_, value in acknowledged if kind_ == "batch"):
                assert {f"{prefix}{n}" for n in range(20)} <= people, prefix
            batches = Counter(person.rsplit("-", 1)[0] for person in people)
            assert set(batches.values()) == {20}  # every stored batch whole
            assert httpx.get(f"{base}/api/schema/", timeout=10).status_code == 200


# --- without credentials --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 1000 + b"]" * 1000,
        b'{"personal_api_key": "\\ud800"}',
        b'{"personal_api_key": "' + b"\\ud800" * 50 + b'"}',
    ],
    ids=["deep", "surrogate key", "surrogate key, long"],
)
def test_hostile_bodies_without_credentials_are_a_401(api: Api, body: bytes) -> None:
    answer = api.client.post(api.experiments, content=body, headers=JSON)
    if b"personal_api_key" in body:
        assert answered(answer) == error(
            401, "Personal API key found in request body is invalid.", code="authentication_failed"
        )
    else:
        assert answered(answer) == NOT_PROVIDED


UNPARSABLE_REQUESTS = (
    b"GET /api/projects/1/experiments/?" + b"q" * 200_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",  # an overlong line
    b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n",
    b"NOT HTTP AT ALL\r\n\r\n",
)


def test_a_request_the_http_parser_refuses_gets_the_error_shape(tmp_path: Path) -> None:
    with fresh_database_url("sqlite", tmp_path) as url, served(url) as (base, _printed):
        port = int(base.rsplit(":", 1)[1])
        for request_head in UNPARSABLE_REQUESTS:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
                connection.sendall(request_head)
                answer = b""
                while chunk := connection.recv(65536):
                    answer += chunk
            head, _, body = answer.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 400 "), (request_head[:40], head)
            assert b"content-type: application/json" in head.lower()
            assert json.loads(body) == {
                "type": "invalid_request",
                "code": "parse_error",
                "detail": "Invalid HTTP request received.",
                "attr": None,
            }
