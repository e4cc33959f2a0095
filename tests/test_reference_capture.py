"""Capture through HTTP on SQLite and PostgreSQL: deduplication, all-or-nothing batches, tokens, gzip."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from reference.db import tables
from tests.event_support import (
    START,
    capture,
    event,
)
from tests.reference_support import Api, answered, error


def count_events(api: Api) -> int:
    with api.database.read() as session:
        return session.scalar(select(func.count()).select_from(tables.Event)) or 0


def test_capture_stores_each_event_once_by_uuid(api: Api) -> None:
    once = event("$pageview", "p1", "2024-01-02T00:00:00Z")
    capture(api, [once, once])
    capture(api, [once])
    single = api.client.post("/capture/", json={"api_key": api.project_token, **event("x", "p2", START)})
    short = api.client.post("/e/", json={"api_key": api.project_token, "event": "y", "properties": {"distinct_id": 7}})
    assert (single.status_code, short.status_code) == (200, 200)
    assert count_events(api) == 3


def test_a_bad_event_rejects_the_whole_batch(api: Api) -> None:
    good = event("$pageview", "p1", START)
    no_person = {"event": "$pageview", "properties": {}}
    answer = api.client.post("/batch/", json={"api_key": api.project_token, "batch": [good, no_person]})
    assert answered(answer) == error(400, "Invalid payload: batch[1] has no distinct_id.", code="invalid_payload")
    no_name = api.client.post("/batch/", json={"api_key": api.project_token, "batch": [{"distinct_id": "p"}]})
    assert no_name.status_code == 400
    assert "event" in no_name.json()["attr"]
    assert count_events(api) == 0


def test_an_unknown_project_token_is_refused(api: Api) -> None:
    answer = api.client.post("/batch/", json={"api_key": "phc_nope", "batch": [event("x", "p", START)]})
    assert answer.status_code == 401
    assert answer.json()["code"] == "invalid_api_key"
    assert count_events(api) == 0


def test_gzip_bodies_are_accepted(api: Api) -> None:
    import gzip

    body = gzip.compress(json.dumps({"api_key": api.project_token, "batch": [event("x", "p", START)]}).encode())
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    assert api.client.post("/batch/", content=body, headers=headers).status_code == 200
    assert count_events(api) == 1
