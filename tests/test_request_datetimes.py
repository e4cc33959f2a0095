"""Datetimes in requests, read as PostHog's DRF reads them (behaviour page 1.2 "what parses").

The spec's ``RequestDatetime`` has the generator's ``date-time-lenient`` format: the server reads
the forms below through the API (experiments and capture), the generated client's models read the
same, the client refuses a naive ``datetime`` before sending, and the spec's pattern is exactly the
grammar the generated parser reads.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pydantic
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from posthog_experiments import Client, models
from posthog_experiments_server import _formats as server_formats
from pydantic_core import PydanticCustomError
from sqlalchemy import select

from generator.model import formats
from reference.db import tables
from tests.conftest import SPEC
from tests.reference_support import Api, answered, error

WRONG_FORMAT = (
    "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
)
# (sent, what the API answers) for each form the behaviour page lists, and more of the same grammar
ACCEPTED = [
    ("2021-12-01T10:23", "2021-12-01T10:23:00Z"),
    ("2021-12-01 10:23", "2021-12-01T10:23:00Z"),
    ("2021-12-01", "2021-12-01T00:00:00Z"),
    ("2021-12-01T10:23:00.123456+0530", "2021-12-01T04:53:00.123456Z"),
    ("20211201T1023", "2021-12-01T10:23:00Z"),
    ("2021-12-1 9:5", "2021-12-01T09:05:00Z"),
    ("2021-12-01T10:23:00Z", "2021-12-01T10:23:00Z"),
    ("2021-12-01T10:23:00+05:30", "2021-12-01T04:53:00Z"),
    ("2021-12-01T10:23-05", "2021-12-01T15:23:00Z"),
    ("2021-12-01T10:23:00,5", "2021-12-01T10:23:00.500000Z"),
    ("2021-12-01T10:23:00.1234567", "2021-12-01T10:23:00.123456Z"),
    ("2021-12-01 10:23:00 +05:00", "2021-12-01T05:23:00Z"),
    ("20211201", "2021-12-01T00:00:00Z"),
    ("2021-12-01T10", "2021-12-01T10:00:00Z"),
    ("2024-02-29T23:59:59-23:59", "2024-03-01T23:58:59Z"),
]
# what DRF refuses with its format message (numbers, numeric strings, lowercase t/z, 24:00, no such day, "")
REFUSED: list[Any] = [
    1638354180,
    "1638354180",
    1638354180.5,
    True,
    "2021-12-01t10:23",
    "2021-12-01T10:23z",
    "2021-12-01T24:00",
    "2021-02-30T10:00",
    "2023-02-29",
    "",
    "soon",
    "2021-12",
    "2021-1-1",
    "2021-12-01T10:23:60",
    "2021-12-01T10:23:00+24:00",
    " 2021-12-01T10:23",
    "2021-12-01T10:23:00+05:30\n",
    "2021-12-01T10:23".translate(str.maketrans("0123456789", "०१२३४५६७८९")),  # Devanagari digits
]
OUT_OF_RANGE = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]


def _sent(api: Api, value: Any) -> tuple[int, Any]:
    return answered(api.call("POST", api.experiments, {"name": "n", "feature_flag_key": "k", "start_date": value}))


def test_every_accepted_form_is_read_and_answered_in_utc(api: Api) -> None:
    made = api.create(start_date="2021-01-01T00:00:00Z")
    for sent, expected in ACCEPTED:
        status, body = _sent(api, sent)
        assert (status, body["start_date"]) == (201, expected), sent
        api.call("DELETE", f"{api.experiments}{body['id']}/")
        patched = api.patch(made["id"], {"end_date": sent})
        assert (patched.status_code, patched.json()["end_date"]) == (200, expected), sent


def test_every_refused_form_is_drfs_400_naming_the_field(api: Api) -> None:
    made = api.create()
    for sent in REFUSED:
        assert _sent(api, sent) == error(400, WRONG_FORMAT, attr="start_date"), sent
        assert answered(api.patch(made["id"], {"end_date": sent})) == error(400, WRONG_FORMAT, attr="end_date"), sent
    for sent in OUT_OF_RANGE:
        overflow = error(400, "Datetime value out of range.", code="overflow", attr="start_date")
        assert _sent(api, sent) == overflow, sent
    assert api.retrieve(made["id"])["end_date"] is None


def test_capture_reads_event_times_the_same_way(api: Api) -> None:
    sent = {"2021-12-01T10:23": "a", "2021-12-01 10:23:00+01:00": "b", "20211201": "c"}
    batch = [{"event": "e", "distinct_id": person, "timestamp": when} for when, person in sent.items()]
    answer = api.client.post("/batch/", json={"api_key": api.project_token, "batch": batch, "sent_at": "2021-12-01"})
    assert answer.status_code == 200, answer.text
    with api.database.read() as session:
        stored = dict(session.execute(select(tables.Event.distinct_id, tables.Event.timestamp_ms)).all())
    moment = datetime(2021, 12, 1, 10, 23, tzinfo=UTC)
    expected = {"a": moment, "b": moment - timedelta(hours=1), "c": datetime(2021, 12, 1, tzinfo=UTC)}
    assert {person: datetime.fromtimestamp(ms / 1000, UTC) for person, ms in stored.items()} == expected
    refused = api.client.post(
        "/batch/", json={"api_key": api.project_token, "batch": [{"event": "e", "distinct_id": "d", "timestamp": 1}]}
    )
    assert refused.status_code == 400


# --- the generated client -----------------------------------------------------------------------


@pytest.mark.parametrize(("sent", "expected"), ACCEPTED)
def test_the_clients_models_read_each_accepted_form_as_the_server_does(sent: str, expected: str) -> None:
    read = models.PatchedExperimentInput.model_validate({"start_date": sent}).start_date
    assert read is not None
    assert read.isoformat().replace("+00:00", "Z") == expected


@pytest.mark.parametrize("sent", [*REFUSED, *OUT_OF_RANGE])
def test_the_clients_models_refuse_what_the_server_refuses(sent: Any) -> None:
    with pytest.raises(pydantic.ValidationError):
        models.PatchedExperimentInput.model_validate({"start_date": sent})


def _recording_client(sent: list[httpx.Request]) -> Client:
    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(400, json={"type": "validation_error", "code": "x", "detail": "x", "attr": None})

    return Client(api_key="phx_test", project_id="1", http_client=httpx.Client(transport=httpx.MockTransport(answer)))


def test_the_client_sends_an_aware_datetime_with_its_offset_and_refuses_a_naive_one() -> None:
    sent: list[httpx.Request] = []
    client = _recording_client(sent)
    with pytest.raises(ValueError, match="has no timezone"):
        client.experiments.partial_update(id=1, start_date=datetime(2021, 12, 1, 10, 23))
    with pytest.raises(pydantic.ValidationError, match="timezone"):
        models.PatchedExperimentInput(start_date=datetime(2021, 12, 1, 10, 23))
    assert sent == []
    india = timezone(timedelta(hours=5, minutes=30))
    with pytest.raises(Exception, match="400"):
        client.experiments.partial_update(id=1, start_date=datetime(2021, 12, 1, 10, 23, tzinfo=india))
    assert b'"start_date":"2021-12-01T10:23:00+05:30"' in sent[0].content.replace(b" ", b"")


# --- the grammar ----------------------------------------------------------------------------------

_GRAMMAR = re.compile(formats.PATTERN)
_TEXT = st.text(alphabet="0123456789T Z+-:.,", max_size=32)


def _parsed(text: str) -> datetime | None:
    try:
        return server_formats.parse_lenient_datetime(text)
    except PydanticCustomError:
        return None


@settings(max_examples=3000, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(st.from_regex(formats.PATTERN, fullmatch=True, alphabet="0123456789T Z+-:.,"), _TEXT))
def test_the_spec_pattern_is_exactly_the_grammar_the_parser_reads(text: str) -> None:
    """What the parser reads matches the pattern; what the pattern admits, the parser reads or
    refuses only for the calendar (a day, hour, minute or offset that does not exist)."""
    read = _parsed(text)
    if read is not None:
        assert _GRAMMAR.fullmatch(text), text
        assert read.tzinfo is UTC
    elif _GRAMMAR.fullmatch(text):
        with pytest.raises(PydanticCustomError, match=r"real date-time|between years"):
            server_formats.parse_lenient_datetime(text)


def test_the_spec_carries_the_grammar_as_its_pattern() -> None:
    schema = yaml.safe_load(SPEC.read_text(encoding="utf-8"))["components"]["schemas"]["RequestDatetime"]
    assert (schema["format"], schema["pattern"]) == (formats.LENIENT_DATETIME, formats.PATTERN)
