"""Requests the reference server cannot take: each a 4xx in PostHog's error shape, nothing stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from reference.db import tables
from tests.reference_support import Api, answered


def test_malformed_bodies_are_parse_errors_and_store_nothing(api: Api) -> None:
    headers = {"Authorization": f"Bearer {api.key}"}
    no_boundary = {**headers, "Content-Type": "multipart/form-data"}
    answer = api.client.post(api.experiments, content=b'{"name": "n"}', headers=no_boundary)
    assert answered(answer) == (
        400,
        {
            "type": "invalid_request",
            "code": "parse_error",
            "detail": "Multipart form parse error - Missing boundary in multipart.",
            "attr": None,
        },
    )
    broken_json = {**headers, "Content-Type": "application/json"}
    assert api.client.post(api.experiments, content=b'{"name": ', headers=broken_json).json()["code"] == "parse_error"
    with api.database.read() as session:
        assert session.scalar(select(func.count()).select_from(tables.Experiment)) == 0


@pytest.mark.parametrize("query", ["offset=677421554007645368277085978624", "created_by_id=9223372036854775808"])
def test_integers_past_the_specs_bounds_are_400_not_500(api: Api, query: str) -> None:
    status, body = answered(api.call("GET", f"{api.experiments}?{query}"))
    assert status == 400
    assert (body["code"], body["attr"]) == ("max_value", query.split("=")[0])
    assert body["detail"] == "Ensure this value is less than or equal to 2147483647."
