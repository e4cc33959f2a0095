"""Capture, then results and secondary results through HTTP, on SQLite and on PostgreSQL.

The flows follow PostHog's own API tests of era A (``stats.md`` section 7.1, rows 18-21): the same
events give the same counts, and the exact numbers PostHog's Monte Carlo estimates.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from reference import admin
from reference.db import tables
from tests.reference_support import Api, answered, error

START, END = "2024-01-01T00:00:00Z", "2024-01-10T00:00:00Z"
TREND = {"insight": "TRENDS", "events": [{"id": "$pageview", "order": 0}]}
FUNNEL = {"insight": "FUNNELS", "events": [{"id": "$pageview", "order": 0}, {"id": "$pageleave", "order": 1}]}
THREE_VARIANTS = {
    "feature_flag_variants": [
        {"key": "control", "rollout_percentage": 34},
        {"key": "test_1", "rollout_percentage": 33},
        {"key": "test_2", "rollout_percentage": 33},
    ]
}


def event(name: str, person: str, when: str, **properties: Any) -> dict[str, Any]:
    return {
        "event": name,
        "distinct_id": person,
        "timestamp": when,
        "properties": properties,
        "uuid": str(uuid.uuid4()),
    }


def seen(flag: str, variant: str, person: str, when: str, name: str = "$pageview") -> dict[str, Any]:
    return event(name, person, when, **{f"$feature/{flag}": variant})


def exposed(flag: str, variant: str, person: str, when: str) -> dict[str, Any]:
    return event("$feature_flag_called", person, when, **{"$feature_flag": flag, "$feature_flag_response": variant})


def capture(api: Api, events: list[dict[str, Any]]) -> None:
    answer = api.client.post("/batch/", json={"api_key": api.project_token, "batch": events})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"status": 1}


def results(api: Api, experiment_id: int, suffix: str = "") -> Any:
    return api.call("GET", f"{api.experiments}{experiment_id}/results/{suffix}")


def launched(api: Api, filters: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return api.create(filters=filters, start_date=START, end_date=END, **fields)


# --- capture ------------------------------------------------------------------------------------


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


# --- results: trends ----------------------------------------------------------------------------


def test_trend_results_count_events_against_flag_exposure(api: Api) -> None:
    made = launched(api, TREND)
    flag = made["feature_flag_key"]
    capture(
        api,
        [
            *(seen(flag, "control", person, "2024-01-02T10:00:00Z") for person in ("p1", "p1", "p2", "p2")),
            *(seen(flag, "test", person, "2024-01-03T10:00:00Z") for person in ("p3", "p3", "p3", "p3", "p3")),
            seen(flag, "test", "p3", "2023-12-31T23:00:00Z"),  # before the start: not counted
            seen(flag, "test", "p3", "2024-01-11T00:00:00Z"),  # after the end: not counted
            seen("another-flag", "control", "p9", "2024-01-03T10:00:00Z"),
            exposed(flag, "control", "p1", "2024-01-02T09:00:00Z"),
            exposed(flag, "control", "p2", "2024-01-02T09:00:00Z"),
            exposed(flag, "control", "p2", "2024-01-04T09:00:00Z"),  # a person counts once
            exposed(flag, "test", "p3", "2024-01-03T09:00:00Z"),
        ],
    )
    answer = results(api, made["id"])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["is_cached"] is False
    result = body["result"]
    assert result["variants"] == [
        {"key": "control", "count": 4, "exposure": 1.0, "absolute_exposure": 2},
        {"key": "test", "count": 5, "exposure": 0.5, "absolute_exposure": 1},
    ]
    assert result["probability"]["test"] == pytest.approx(0.923436, abs=1e-6)  # stats.md row 19
    assert result["significance_code"] == "not_enough_exposure"
    assert result["significant"] is False
    assert result["p_value"] == 1
    series = {s["breakdown_value"]: s for s in result["insight"]}
    assert series["control"]["data"][:3] == [0, 4, 4]  # cumulative per day from Jan 1
    assert series["test"]["count"] == 5
    assert len(series["test"]["days"]) == 10
    assert result["sample_ratio_mismatch"]["observed"] == {"control": 2, "test": 1}


def test_trend_results_with_three_variants_and_no_exposure_events(api: Api) -> None:
    made = launched(api, TREND, parameters=THREE_VARIANTS)
    flag = made["feature_flag_key"]
    capture(
        api,
        [
            *(seen(flag, "control", f"c{i}", "2024-01-02T10:00:00Z") for i in range(3)),
            *(seen(flag, "test_1", f"a{i}", "2024-01-02T10:00:00Z") for i in range(2)),
            seen(flag, "test_2", "b0", "2024-01-02T10:00:00Z"),
        ],
    )
    result = results(api, made["id"]).json()["result"]
    assert [v["absolute_exposure"] for v in result["variants"]] == [1, 1, 1]  # missing exposure counts as 1
    probability = result["probability"]
    assert [probability[k] for k in ("control", "test_1", "test_2")] == pytest.approx(
        [0.582605, 0.298740, 0.118656], abs=1e-6
    )  # stats.md row 20


def test_avg_count_per_actor_takes_exposure_from_the_metric_event(api: Api) -> None:
    filters = {"insight": "TRENDS", "events": [{"id": "$pageview", "math": "avg_count_per_actor"}]}
    made = launched(api, filters)
    flag = made["feature_flag_key"]
    # one person a day, so the daily averages add up to the events (stats.md row 21)
    control = [
        seen(flag, "control", p, f"2024-01-0{d}T10:00:00Z") for p, d in [("c1", 2), ("c1", 3), ("c2", 4), ("c2", 5)]
    ]
    test = [
        seen(flag, "test", p, f"2024-01-0{d}T10:00:00Z") for p, d in [("t1", 2)] * 1 + [("t2", d) for d in range(3, 9)]
    ]
    capture(api, [*control, *test])
    result = results(api, made["id"]).json()["result"]
    assert result["variants"] == [
        {"key": "control", "count": 4, "exposure": 1.0, "absolute_exposure": 2},
        {"key": "test", "count": 7, "exposure": 1.0, "absolute_exposure": 2},
    ]
    assert result["probability"]["test"] == pytest.approx(0.806152, abs=1e-6)


def test_property_sum_is_rounded_down(api: Api) -> None:
    filters = {"insight": "TRENDS", "events": [{"id": "purchase", "math": "sum", "math_property": "amount"}]}
    made = launched(api, filters)
    flag = made["feature_flag_key"]
    capture(
        api,
        [
            event("purchase", "c1", "2024-01-02T10:00:00Z", amount=12.7, **{f"$feature/{flag}": "control"}),
            event("purchase", "c2", "2024-01-02T10:00:00Z", amount="n/a", **{f"$feature/{flag}": "control"}),
            event("purchase", "t1", "2024-01-02T10:00:00Z", amount=3, **{f"$feature/{flag}": "test"}),
            event("purchase", "t1", "2024-01-03T10:00:00Z", amount=4.5, **{f"$feature/{flag}": "test"}),
        ],
    )
    counts = {v["key"]: v["count"] for v in results(api, made["id"]).json()["result"]["variants"]}
    assert counts == {"control": 12, "test": 7}


def test_test_account_filters_leave_out_matching_events(api: Api) -> None:
    with api.database.write() as session:
        project = session.get(tables.Project, api.project_id)
        assert project is not None
        project.test_account_filters = [
            {"key": "email", "operator": "not_icontains", "value": "@example.com", "type": "person"}
        ]
    made = launched(api, {**TREND, "filter_test_accounts": True})
    flag = made["feature_flag_key"]
    capture(
        api,
        [
            seen(flag, "control", "c1", "2024-01-02T10:00:00Z"),
            event("$pageview", "c2", "2024-01-02T10:00:00Z", email="me@EXAMPLE.com", **{f"$feature/{flag}": "control"}),
            seen(flag, "test", "t1", "2024-01-02T10:00:00Z"),
        ],
    )
    counts = {v["key"]: v["count"] for v in results(api, made["id"]).json()["result"]["variants"]}
    assert counts == {"control": 1, "test": 1}


# --- results: funnels ---------------------------------------------------------------------------


def test_funnel_results_follow_ordered_steps_and_first_touch(api: Api) -> None:
    made = launched(api, FUNNEL)
    flag = made["feature_flag_key"]
    day = "2024-01-02T1{}:00:00Z"
    capture(
        api,
        [
            # control: two persons convert
            seen(flag, "control", "c1", day.format(0)),
            seen(flag, "control", "c1", day.format(1), "$pageleave"),
            seen(flag, "control", "c2", day.format(0)),
            seen(flag, "control", "c2", day.format(2), "$pageleave"),
            # test: three start, one converts; t2 leaves before viewing (out of order), t3 never leaves
            seen(flag, "test", "t1", day.format(0)),
            seen(flag, "test", "t1", day.format(3), "$pageleave"),
            seen(flag, "test", "t2", day.format(5)),
            seen(flag, "test", "t2", day.format(4), "$pageleave"),
            seen(flag, "test", "t3", day.format(0)),
            # first touch wins: x1 saw control first, so its later test-tagged event does not move it
            seen(flag, "control", "x1", "2024-01-05T00:00:00Z", "$pageleave"),
            seen(flag, "test", "x1", "2024-01-05T01:00:00Z"),
        ],
    )
    result = results(api, made["id"]).json()["result"]
    assert result["variants"] == [
        {"key": "control", "success_count": 2, "failure_count": 1},
        {"key": "test", "success_count": 1, "failure_count": 2},
    ]
    assert [[step["count"] for step in steps] for steps in result["insight"]] == [[3, 2], [3, 1]]
    assert result["significance_code"] == "not_enough_exposure"
    assert result["expected_loss"] == 1


def test_funnel_window_bounds_the_steps(api: Api) -> None:
    made = launched(api, {**FUNNEL, "funnel_window_interval": 1, "funnel_window_interval_unit": "hour"})
    flag = made["feature_flag_key"]
    capture(
        api,
        [
            seen(flag, "control", "c1", "2024-01-02T10:00:00Z"),
            seen(flag, "control", "c1", "2024-01-02T12:00:00Z", "$pageleave"),  # two hours later: too late
            seen(flag, "control", "c1", "2024-01-02T11:30:00Z"),  # a second start: within its hour
            seen(flag, "test", "t1", "2024-01-02T10:00:00Z"),
            seen(flag, "test", "t1", "2024-01-02T10:30:00Z", "$pageleave"),
        ],
    )
    variants = results(api, made["id"]).json()["result"]["variants"]
    assert variants == [
        {"key": "control", "success_count": 1, "failure_count": 0},
        {"key": "test", "success_count": 1, "failure_count": 0},
    ]


# --- errors and cache ---------------------------------------------------------------------------


def no_results(**flags: bool) -> str:
    return json.dumps(
        {"no-events": False, "no-flag-info": False, "no-control-variant": False, "no-test-variant": False} | flags
    )


def test_no_events_and_missing_variants_answer_posthogs_400(api: Api) -> None:
    made = launched(api, TREND)
    everything = {"no-events": True, "no-flag-info": True, "no-control-variant": True, "no-test-variant": True}
    assert answered(results(api, made["id"])) == error(400, json.dumps(everything), code="no-results")
    capture(api, [seen(made["feature_flag_key"], "control", "c1", "2024-01-02T10:00:00Z")])
    assert answered(results(api, made["id"])) == error(400, no_results(**{"no-test-variant": True}))


def test_results_preconditions(api: Api) -> None:
    no_metric = api.create()
    assert answered(results(api, no_metric["id"])) == error(400, "Experiment has no target metric")
    draft = api.create(filters=TREND)
    assert answered(results(api, draft["id"])) == error(400, "Experiment has not been started yet")
    actions = launched(api, {"insight": "TRENDS", "actions": [{"id": 3, "type": "actions"}]})
    assert answered(results(api, actions["id"])) == error(400, "Action-based metrics are not supported by this server.")
    assert results(api, 999_999).status_code == 404


def test_results_are_cached_until_refresh_or_new_events_in_the_window(api: Api) -> None:
    made = launched(api, TREND)
    flag = made["feature_flag_key"]
    capture(
        api, [seen(flag, "control", "c1", "2024-01-02T10:00:00Z"), seen(flag, "test", "t1", "2024-01-02T10:00:00Z")]
    )
    first = results(api, made["id"]).json()
    second = results(api, made["id"]).json()
    assert (first["is_cached"], second["is_cached"]) == (False, True)
    assert second["result"] == first["result"]
    assert second["last_refresh"] == first["last_refresh"]
    assert results(api, made["id"], "?refresh=false").json()["is_cached"] is False  # any value refreshes
    capture(api, [seen(flag, "test", "t2", "2024-02-01T10:00:00Z")])  # outside the window: still cached
    assert results(api, made["id"]).json()["is_cached"] is True
    capture(api, [seen(flag, "test", "t2", "2024-01-03T10:00:00Z")])
    fresh = results(api, made["id"]).json()
    assert fresh["is_cached"] is False
    assert fresh["result"]["variants"][1]["count"] == 2
    assert api.patch(made["id"], {"filters": {**TREND, "filter_test_accounts": True}}).status_code == 200
    assert results(api, made["id"]).json()["is_cached"] is False  # the metric changed


def test_secondary_results(api: Api) -> None:
    secondary = [{"name": "leave rate", "filters": FUNNEL}, {"name": "views", "filters": TREND}]
    made = launched(api, TREND, secondary_metrics=secondary)
    flag = made["feature_flag_key"]
    capture(
        api,
        [
            seen(flag, "control", "c1", "2024-01-02T10:00:00Z"),
            seen(flag, "control", "c1", "2024-01-02T11:00:00Z", "$pageleave"),
            seen(flag, "control", "c2", "2024-01-02T10:00:00Z"),
            seen(flag, "control", "c3", "2024-01-02T10:00:00Z"),
        ],
    )
    path = f"{api.experiments}{made['id']}/secondary_results/"
    funnel = api.call("GET", f"{path}?id=0").json()["result"]
    assert funnel["result"] == {"control": 0.333}
    assert "probability" not in funnel  # no test variant: no significance, and no error either
    capture(api, [seen(flag, "test", "t1", "2024-01-02T10:00:00Z")])
    trend = api.call("GET", f"{path}?id=1").json()["result"]
    assert trend["result"] == {"control": 3, "test": 1}
    assert set(trend["probability"]) == {"control", "test"}
    assert answered(api.call("GET", f"{path}?id=2")) == error(400, "Invalid metric ID")


# --- exposure cohorts ---------------------------------------------------------------------------


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
