"""Hostile input: each request of the corpus is a 4xx in PostHog's error shape, the server keeps
serving, and the database is exactly what it was."""

from __future__ import annotations

import gzip
import json
import zlib
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
        "lone surrogate in filters",
        "POST",
        "",
        JSON,
        b'{"name": "poison", "feature_flag_key": "poison-key", "filters": {"note": "\\ud800"}}',
        (400, "surrogate_characters_not_allowed", "filters__note"),
    ),
    (
        "lone surrogate as a key",
        "POST",
        "",
        JSON,
        b'{"name": "poison", "feature_flag_key": "poison-key", "parameters": {"\\udc00": 1}}',
        (400, "surrogate_characters_not_allowed", "parameters"),
    ),
    (
        "lone surrogate in a form's JSON field",
        "POST",
        "",
        {"content-type": "application/x-www-form-urlencoded"},
        b"name=n&feature_flag_key=f&filters=%7B%22a%22%3A%22%5Cud800%22%7D",
        (400, "surrogate_characters_not_allowed", "filters__a"),
    ),
    (
        "lone surrogate in an event",
        "POST",
        "/batch/",
        JSON,
        lambda token: (
            b'{"api_key": "%s", "batch": [{"event": "e", "distinct_id": "d", "properties": {"note": "x"}}, '
            b'{"event": "e", "distinct_id": "d", "properties": {"$feature/f": "\\udfff"}}]}' % token.encode()
        ),
        (400, "surrogate_characters_not_allowed", "batch__1__properties__$feature/f"),
    ),
    (
        "lone surrogate in one captured event",
        "POST",
        "/capture/",
        JSON,
        lambda token: b'{"api_key": "%s", "event": "e", "distinct_id": "\\ud800"}' % token.encode(),
        (400, "surrogate_characters_not_allowed", "distinct_id"),
    ),
    (
        "filters nested 255 deep",
        "POST",
        "",
        JSON,
        b'{"name": "n", "feature_flag_key": "k", "filters": ' + b'{"a":' * 255 + b"1" + b"}" * 255 + b"}",
        (400, "parse_error", None),
    ),
    (
        "a date before year 1 in UTC",
        "POST",
        "",
        {},
        {"name": "n", "feature_flag_key": "k", "start_date": "0001-01-01T00:00:00+14:00"},
        (400, "overflow", "start_date"),
    ),
    (
        "a date after year 9999 in UTC",
        "POST",
        "",
        {},
        {"name": "n", "feature_flag_key": "k", "start_date": "9999-12-31T23:59:59-14:00"},
        (400, "overflow", "start_date"),
    ),
    (
        "a capture without its token",
        "POST",
        "/capture/",
        {},
        {"event": "e", "distinct_id": "d"},
        (400, "required", "api_key"),
    ),
    (
        "gzip cut short",
        "POST",
        "",
        {**JSON, "content-encoding": "gzip"},
        gzip.compress(b'{"name": "n", "feature_flag_key": "cut"}')[:-6],
        (400, "parse_error", None),
    ),
    (
        "gzip with bytes after its end",
        "POST",
        "",
        {**JSON, "content-encoding": "gzip"},
        gzip.compress(b'{"name": "n", "feature_flag_key": "tail"}') + b"garbage",
        (400, "parse_error", None),
    ),
    (
        "an encoding the server does not undo",
        "POST",
        "",
        {**JSON, "content-encoding": "br"},
        b'{"name": "n", "feature_flag_key": "br"}',
        (415, "unsupported_media_type", None),
    ),
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


def test_a_deflated_body_is_read(api: Api) -> None:
    body = zlib.compress(json.dumps({"name": "n", "feature_flag_key": "deflated"}).encode())
    headers = {"Authorization": f"Bearer {api.key}", **JSON, "content-encoding": "deflate"}
    answer = api.client.post(api.experiments, content=body, headers=headers)
    assert answer.status_code == 201, answer.text
