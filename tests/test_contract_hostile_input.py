"""Hostile input: each request of the corpus is a 4xx in PostHog's error shape, the server keeps
serving, and the database is exactly what it was."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from reference.db import tables
from tests.reference_support import Api

JSON = {"content-type": "application/json"}
DEEP = 100_000


def _deep_capture(token: str) -> bytes:
    event = b'{"event": "e", "distinct_id": "d", "properties": ' + b'{"a":' * DEEP + b"1" + b"}" * DEEP + b"}"
    return b'{"api_key": "%s", "batch": [%s]}' % (token.encode(), event)


# (name, method, path under the experiments URL or absolute, headers, body) -> (status, code, attr)
CORPUS: list[tuple[str, str, str, dict[str, str], Any, tuple[int, str, str | None]]] = [
    ("deeply nested array", "POST", "", JSON, b"[" * DEEP + b"]" * DEEP, (400, "parse_error", None)),
    ("deeply nested object", "POST", "", JSON, b'{"a":' * DEEP + b"1" + b"}" * DEEP, (400, "parse_error", None)),
    ("deeply nested event", "POST", "/batch/", JSON, _deep_capture, (400, "parse_error", None)),
    ("huge body", "POST", "", JSON, b'{"name": "' + b"x" * 2_000_000 + b'"}', (413, "payload_too_large", None)),
    ("invalid UTF-8", "POST", "", JSON, b'{"name": "\xff\xfe", "feature_flag_key": "k"}', (400, "parse_error", None)),
    (
        "NUL in a name",
        "POST",
        "",
        {},
        {"name": "a\x00b", "feature_flag_key": "nul"},
        (400, "null_characters_not_allowed", "name"),
    ),
    ("NUL in a query", "GET", "?search=a%00b", {}, None, (400, "null_characters_not_allowed", "search")),
    (
        "NUL in an event",
        "POST",
        "/batch/",
        {},
        "nul-event",
        (400, "null_characters_not_allowed", "batch__0__properties__k"),
    ),
    (
        "NUL in a form",
        "POST",
        "",
        {"content-type": "application/x-www-form-urlencoded"},
        b"name=a%00b&feature_flag_key=f",
        (400, "null_characters_not_allowed", "name"),
    ),
    (
        "integer of 5000 digits",
        "POST",
        "",
        JSON,
        b'{"name": "n", "feature_flag_key": "k", "archived": 1' + b"0" * 5000 + b"}",
        (400, "parse_error", None),
    ),
    (
        "float beyond range",
        "POST",
        "",
        JSON,
        b'{"name": "n", "feature_flag_key": "k", "parameters": {"minimum_detectable_effect": 1e400}}',
        (400, "parse_error", None),
    ),
    (
        "NaN",
        "POST",
        "",
        JSON,
        b'{"name": "n", "feature_flag_key": "k", "parameters": {"minimum_detectable_effect": NaN}}',
        (400, "parse_error", None),
    ),
    ("huge limit", "GET", "?limit=" + "9" * 40, {}, None, (400, "max_value", "limit")),
    ("huge id", "GET", "9" * 40 + "/", {}, None, (404, "not_found", None)),
    (
        "repeated key",
        "POST",
        "",
        JSON,
        b'{"name": "a", "name": "b", "feature_flag_key": "k"}',
        (400, "parse_error", None),
    ),
    ("SQL in an id", "GET", "1%20OR%201=1/", {}, None, (404, "not_found", None)),
    (
        "SQL in a project id",
        "GET",
        "/api/projects/1;DROP%20TABLE%20experiments/experiments/",
        {},
        None,
        (404, "not_found", None),
    ),
    (
        "SQL in a flag key",
        "POST",
        "",
        {},
        {"name": "n", "feature_flag_key": "x'; DROP TABLE experiments; --"},
        (400, "invalid_key", "key"),
    ),
    ("path traversal, encoded", "GET", "..%2F..%2F..%2Fetc%2Fpasswd/", {}, None, (404, "not_found", None)),
    ("path traversal", "GET", "/api/projects/1/experiments/../../../../etc/passwd", {}, None, (404, "not_found", None)),
    ("text/plain", "POST", "", {"content-type": "text/plain"}, b"name=x", (415, "unsupported_media_type", None)),
    ("XML", "POST", "", {"content-type": "application/xml"}, b"<name>x</name>", (415, "unsupported_media_type", None)),
    ("JSON that is a list", "POST", "", JSON, b"[]", (400, "not_a_dict", None)),
    (
        "gzip that is not",
        "POST",
        "/batch/",
        {**JSON, "content-encoding": "gzip"},
        b"not gzip",
        (400, "parse_error", None),
    ),
]


def _body(api: Api, body: Any) -> dict[str, Any]:
    if callable(body):
        return {"content": body(api.project_token)}
    if body == "nul-event":
        event = {"event": "e", "distinct_id": "d", "properties": {"k": "v\x00"}}
        return {"json": {"api_key": api.project_token, "batch": [event]}}
    if isinstance(body, bytes):
        return {"content": body}
    return {"json": body} if body is not None else {}


def _snapshot(api: Api) -> dict[str, Any]:
    with api.database.read() as session:
        counts = {
            table.__tablename__: session.scalar(select(func.count()).select_from(table))
            for table in (tables.Experiment, tables.FeatureFlag, tables.Event, tables.EventFlag, tables.Cohort)
        }
    return {"counts": counts, "listed": api.call("GET", api.experiments).json()}


@pytest.mark.parametrize(
    ("name", "method", "path", "headers", "body", "expected"), CORPUS, ids=[case[0] for case in CORPUS]
)
def test_hostile_requests_are_refused_and_change_nothing(
    api: Api,
    name: str,
    method: str,
    path: str,
    headers: dict[str, str],
    body: Any,
    expected: tuple[int, str, str | None],
) -> None:
    api.create(name="Already here", feature_flag_key="already-here")
    before = _snapshot(api)
    url = path if path.startswith("/") else api.experiments + path
    answer = api.client.request(
        method, url, headers={"Authorization": f"Bearer {api.key}", **headers}, **_body(api, body)
    )
    payload = answer.json()
    assert set(payload) == {"type", "code", "detail", "attr"}, payload
    assert (answer.status_code, payload["code"], payload["attr"]) == expected, payload
    assert isinstance(payload["detail"], str)
    assert payload["detail"]
    assert _snapshot(api) == before
    assert json.loads(api.call("GET", api.experiments).text)["count"] == 1  # still serving
