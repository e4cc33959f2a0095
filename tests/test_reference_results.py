"""Results and secondary results from captured events, through HTTP, on SQLite and on PostgreSQL.

The flows follow PostHog's own API tests of era A (``stats.md`` section 7.1, rows 18-21): the same
events give the same counts, and the exact numbers PostHog's Monte Carlo estimates.
"""

from __future__ import annotations

import json

import pytest

from reference.db import tables
from tests.event_support import (
    FUNNEL,
    THREE_VARIANTS,
    TREND,
    capture,
    event,
    exposed,
    launched,
    results,
    seen,
)
from tests.reference_support import Api, answered, error

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
    assert answered(api.call("GET", f"{path}?id=-1")) == error(400, "Invalid metric ID")
    assert answered(api.call("GET", path)) == error(400, "Secondary metric id is required")
    assert answered(api.call("GET", f"{path}?id=first")) == error(400, "Secondary metric id must be an integer")
    no_secondary = api.create()
    assert answered(api.call("GET", f"{api.experiments}{no_secondary['id']}/secondary_results/")) == error(
        400, "Experiment has no secondary metrics"
    )
