"""Exposure cohorts and requires_flag_implementation through HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from reference import admin
from tests.event_support import (
    TREND,
    capture,
    event,
    exposed,
    launched,
    seen,
)
from tests.reference_support import Api, answered, error


def test_exposure_cohort_holds_persons_who_saw_the_flag_since_the_start(api: Api) -> None:
    made = launched(api, TREND, name="Checkout")
    flag = made["feature_flag_key"]
    capture(
        api,
        [
            exposed(flag, "control", "person1", "2024-01-02T10:00:00Z"),
            exposed(flag, "test", "person2", "2024-02-20T10:00:00Z"),  # after the end date: still in
            exposed(flag, "test", "early", "2023-12-31T10:00:00Z"),  # before the start
            exposed("another-flag", "test", "other", "2024-01-02T10:00:00Z"),
            seen(flag, "test", "wrong-event", "2024-01-02T10:00:00Z"),
            event("$feature_flag_called", "no-flag", "2024-01-02T10:00:00Z"),
        ],
    )
    path = f"{api.experiments}{made['id']}/create_exposure_cohort_for_experiment/"
    answer = api.call("POST", path)
    assert answer.status_code == 201, answer.text
    cohort = answer.json()["cohort"]
    assert cohort["name"] == 'Users exposed to experiment "Checkout"'
    assert cohort["filters"] == {
        "properties": {
            "type": "OR",
            "values": [
                {
                    "type": "OR",
                    "values": [
                        {
                            "type": "behavioral",
                            "value": "performed_event",
                            "key": "$feature_flag_called",
                            "negation": False,
                            "event_type": "events",
                            "event_filters": [
                                {"key": "$feature_flag", "value": [flag], "operator": "exact", "type": "event"}
                            ],
                            "explicit_datetime": "2024-01-01T00:00:00+00:00",
                        }
                    ],
                }
            ],
        }
    }
    assert cohort["count"] == 2
    assert cohort["experiment_set"] == [made["id"]]
    assert cohort["is_static"] is False
    assert api.retrieve(made["id"])["exposure_cohort"] == cohort["id"]
    members = admin.cohort_members(api.database, cohort_id=cohort["id"])
    assert members["distinct_ids"] == ["person1", "person2"]
    assert answered(api.call("POST", path)) == error(400, "Experiment already has an exposure cohort")


def test_exposure_cohort_preconditions_and_custom_exposure(api: Api) -> None:
    draft = api.create(filters=TREND)
    path = f"{api.experiments}{draft['id']}/create_exposure_cohort_for_experiment/"
    assert answered(api.call("POST", path)) == error(400, "Experiment does not have a start date")
    custom = {
        "events": [
            {
                "id": "checkout",
                "properties": [
                    {"key": "plan", "value": ["pro"], "operator": "exact", "type": "event"},
                    {"key": "email", "value": "x", "operator": "icontains", "type": "person"},
                ],
            }
        ]
    }
    made = launched(api, TREND, parameters={"custom_exposure_filter": custom})
    capture(
        api,
        [
            event("checkout", "buyer", "2024-01-02T10:00:00Z", plan="pro"),
            event("checkout", "free", "2024-01-02T10:00:00Z", plan="free"),
        ],
    )
    answer = api.call("POST", f"{api.experiments}{made['id']}/create_exposure_cohort_for_experiment/")
    behaviour = answer.json()["cohort"]["filters"]["properties"]["values"][0]["values"][0]
    assert (behaviour["key"], behaviour["event_type"]) == ("checkout", "events")
    assert behaviour["event_filters"] == [{"key": "plan", "value": ["pro"], "operator": "exact", "type": "event"}]
    assert answer.json()["cohort"]["count"] == 1
    bad_action = launched(
        api, TREND, parameters={"custom_exposure_filter": {"actions": [{"id": "x", "type": "actions"}]}}
    )
    path = f"{api.experiments}{bad_action['id']}/create_exposure_cohort_for_experiment/"
    assert answered(api.call("POST", path)) == error(400, "Invalid action ID")
    assert api.retrieve(bad_action["id"])["exposure_cohort"] is None


def test_exposure_cohort_stores_the_custom_filter_as_posthog_writes_it(api: Api) -> None:
    """Groups flattened, null values dropped, ``type`` defaulting to event, person properties left out."""
    properties = {
        "type": "AND",
        "values": [
            {
                "type": "OR",
                "values": [{"key": "plan", "value": ["pro"], "operator": "exact", "group_type_index": None}],
            },
            {"key": "email", "value": "x", "operator": "icontains", "type": "person"},
            {"type": "AND", "values": [{"key": "$browser", "value": "Firefox", "operator": None, "type": "event"}]},
        ],
    }
    custom = {"events": [{"id": "checkout", "properties": properties}]}
    made = launched(api, TREND, parameters={"custom_exposure_filter": custom})
    capture(
        api,
        [
            event("checkout", "buyer", "2024-01-02T10:00:00Z", plan="pro", **{"$browser": "Firefox"}),
            event("checkout", "other", "2024-01-02T10:00:00Z", plan="pro", **{"$browser": "Safari"}),
        ],
    )
    answer = api.call("POST", f"{api.experiments}{made['id']}/create_exposure_cohort_for_experiment/")
    assert answer.status_code == 201, answer.text
    behaviour = answer.json()["cohort"]["filters"]["properties"]["values"][0]["values"][0]
    assert behaviour["event_filters"] == [
        {"key": "plan", "value": ["pro"], "operator": "exact", "type": "event"},
        {"key": "$browser", "value": "Firefox", "type": "event"},
    ]
    assert answer.json()["cohort"]["count"] == 1


def test_exposure_cohort_with_a_filter_this_server_cannot_evaluate_is_stored(api: Api) -> None:
    """PostHog stores a cohort whatever its properties (a HogQL expression here); its size stays unknown."""
    hogql = {"key": "properties.$browser = 'Firefox'", "type": "hogql", "value": None}
    custom = {"events": [{"id": "checkout", "properties": [hogql]}]}
    made = launched(api, TREND, parameters={"custom_exposure_filter": custom})
    capture(api, [event("checkout", "buyer", "2024-01-02T10:00:00Z")])
    answer = api.call("POST", f"{api.experiments}{made['id']}/create_exposure_cohort_for_experiment/")
    assert answer.status_code == 201, answer.text
    cohort = answer.json()["cohort"]
    behaviour = cohort["filters"]["properties"]["values"][0]["values"][0]
    assert behaviour["event_filters"] == [{"key": "properties.$browser = 'Firefox'", "type": "hogql"}]
    assert (cohort["count"], cohort["last_calculation"]) == (None, None)
    assert api.retrieve(made["id"])["exposure_cohort"] == cohort["id"]
    with pytest.raises(admin.AdminError, match=r"cannot list the members of cohort \d+: .*'hogql'"):
        admin.cohort_members(api.database, cohort_id=cohort["id"])


def test_posthogs_exposure_cohort_with_a_custom_exposure_filter(api: Api) -> None:
    """PostHog's ``test_create_exposure_cohort_for_experiment_with_custom_event_filters_exposure``:
    a property without a type, a cohort, a HogQL expression and a person property; the stored
    filter keeps the first (as an event property) and the expression, and answers 201."""
    custom = {
        "events": [
            {
                "id": "custom_exposure_event",
                "order": 0,
                "entity_type": "events",
                "properties": [
                    {"key": "bonk", "value": "bonk"},
                    {"key": "id", "value": 4, "type": "cohort"},
                    {"key": "properties.$current_url in ('x', 'y')", "type": "hogql"},
                    {"key": "bonk-person", "value": "bonk", "type": "person"},
                ],
            }
        ],
        "filter_test_accounts": False,
    }
    made = api.create(
        name="Test Experiment", start_date="2024-01-01T10:23", parameters={"custom_exposure_filter": custom}
    )
    answer = api.call("POST", f"{api.experiments}{made['id']}/create_exposure_cohort_for_experiment/", {})
    assert answer.status_code == 201, answer.text
    cohort = answer.json()["cohort"]
    assert cohort["name"] == 'Users exposed to experiment "Test Experiment"'
    assert cohort["experiment_set"] == [made["id"]]
    assert cohort["filters"] == {
        "properties": {
            "type": "OR",
            "values": [
                {
                    "type": "OR",
                    "values": [
                        {
                            "event_filters": [
                                {"key": "bonk", "type": "event", "value": "bonk"},
                                {"key": "properties.$current_url in ('x', 'y')", "type": "hogql"},
                            ],
                            "event_type": "events",
                            "explicit_datetime": "2024-01-01T10:23:00+00:00",
                            "key": "custom_exposure_event",
                            "negation": False,
                            "type": "behavioral",
                            "value": "performed_event",
                        }
                    ],
                }
            ],
        }
    }


# --- requires_flag_implementation ---------------------------------------------------------------


def test_requires_flag_implementation_looks_at_recent_events(api: Api) -> None:
    path = f"{api.experiments}requires_flag_implementation/"

    def required(*names: str) -> Any:
        events = json.dumps([{"id": name, "type": "events"} for name in names])
        answer = api.client.get(path, params={"events": events}, headers={"Authorization": f"Bearer {api.key}"})
        assert answer.status_code == 200, answer.text
        return answer.json()["result"]

    assert api.call("GET", path).json() == {"result": True}  # no events asked about
    now = datetime.now(UTC)
    recent, old = (now - timedelta(days=1)).isoformat(), (now - timedelta(days=9)).isoformat()
    capture(api, [event("signup", "p1", recent), event("purchase", "p1", old, **{"$feature/f": "test"})])
    assert required("signup") is True
    assert required("purchase") is True  # its flagged event is older than 7 days
    capture(api, [event("purchase", "p2", recent, **{"$feature/f": True})])
    assert required("signup", "purchase") is False
