"""Trend experiments with math, counted as PostHog's era A counts them (behaviour page 5.1 and 5.2).

Under a math aggregation (every math but ``sum``) the statistics see the metric's events against
the persons who did them, whatever the math values; under other math they see the series' total
(truncated) against the exposure, which a custom exposure filter counts with its own math.
"""

from __future__ import annotations

from typing import Any

import pytest

from reference.db import tables
from tests.event_support import capture, event, exposed, launched, results
from tests.reference_support import Api

# The behaviour page's worked example: control's two persons view 3 and 1 times, test's 5 and 2.
VIEWS = {"control": {"c1": 3, "c2": 1}, "test": {"t1": 5, "t2": 2}}
WORKED_EXAMPLE_P_TEST = 0.806  # P(Gamma(8, 1) > Gamma(5, 1)), PostHog's figure


def _views(flag: str, *, amount: Any = None) -> list[dict[str, Any]]:
    """The worked example's pageviews, one a day from Jan 2, each with ``amount`` if given."""
    made = []
    for variant, persons in VIEWS.items():
        for person, times in persons.items():
            for day in range(times):
                properties = {f"$feature/{flag}": variant}
                if amount is not None:
                    properties["amount"] = amount(person, day)
                made.append(event("$pageview", person, f"2024-01-0{day + 2}T10:00:00Z", **properties))
    return made


def _variants(answer: Any) -> dict[str, tuple[int, float, int]]:
    assert answer.status_code == 200, answer.text
    variants = answer.json()["result"]["variants"]
    return {v["key"]: (v["count"], v["exposure"], v["absolute_exposure"]) for v in variants}


@pytest.mark.parametrize(
    "math",
    [
        {"math": "avg_count_per_actor"},
        {"math": "max", "math_property": "amount"},
        {"math": "min", "math_property": "amount"},
        {"math": "avg", "math_property": "amount"},
    ],
    ids=lambda math: math["math"],
)
def test_a_math_aggregation_counts_events_against_the_persons_who_did_them(api: Api, math: dict[str, str]) -> None:
    made = launched(api, {"insight": "TRENDS", "events": [{"id": "$pageview", **math}]})
    flag = made["feature_flag_key"]
    # amounts that would change every answer if the statistics read them
    capture(api, _views(flag, amount=lambda person, day: 1000.0 * (day + 1) if person == "c1" else 0.5))
    answer = results(api, made["id"])
    assert _variants(answer) == {"control": (4, 1.0, 2), "test": (7, 1.0, 2)}
    assert answer.json()["result"]["probability"]["test"] == pytest.approx(WORKED_EXAMPLE_P_TEST, abs=0.01)


def test_a_math_aggregation_ignores_flag_calls_and_the_custom_exposure_filter(api: Api) -> None:
    exposure = {"events": [{"id": "$feature_flag_called", "order": 0}]}
    made = launched(
        api,
        {"insight": "TRENDS", "events": [{"id": "$pageview", "math": "avg_count_per_actor"}]},
        parameters={"custom_exposure_filter": exposure},
    )
    flag = made["feature_flag_key"]
    calls = [exposed(flag, "control", f"x{i}", "2024-01-02T09:00:00Z") for i in range(30)]
    capture(api, [*_views(flag), *calls])
    assert _variants(results(api, made["id"])) == {"control": (4, 1.0, 2), "test": (7, 1.0, 2)}


def test_a_math_aggregation_shows_the_linear_series_of_its_values(api: Api) -> None:
    made = launched(api, {"insight": "TRENDS", "events": [{"id": "$pageview", "math": "avg_count_per_actor"}]})
    flag = made["feature_flag_key"]
    capture(api, _views(flag))
    series = {s["breakdown_value"]: s for s in results(api, made["id"]).json()["result"]["insight"]}
    # control: Jan 2 both persons view (2 views / 2 persons), Jan 3 and 4 only c1 (1 / 1)
    assert series["control"]["data"][:5] == [0.0, 1.0, 1.0, 1.0, 0.0]
    assert series["test"]["data"][:7] == [0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0]


def test_sum_counts_its_total_truncated_against_flag_calls(api: Api) -> None:
    made = launched(
        api, {"insight": "TRENDS", "events": [{"id": "$pageview", "math": "sum", "math_property": "amount"}]}
    )
    flag = made["feature_flag_key"]
    calls = [exposed(flag, variant, person, "2024-01-02T09:00:00Z") for variant in VIEWS for person in VIEWS[variant]]
    capture(api, [*_views(flag, amount=lambda person, day: 2.5), *calls])
    # control 4 views of 2.5 = 10.0; test 7 views = 17.5 -> 17
    assert _variants(results(api, made["id"])) == {"control": (10, 1.0, 2), "test": (17, 1.0, 2)}


@pytest.mark.parametrize(("exposure_math", "expected"), [(None, (3, 4)), ("total", (3, 4)), ("dau", (2, 1))])
def test_a_custom_exposure_filter_is_counted_with_its_own_math(
    api: Api, exposure_math: str | None, expected: tuple[int, int]
) -> None:
    entity: dict[str, Any] = {"id": "signup", "order": 0}
    if exposure_math is not None:
        entity["math"] = exposure_math
    made = launched(
        api,
        {"insight": "TRENDS", "events": [{"id": "$pageview"}]},
        parameters={"custom_exposure_filter": {"events": [entity]}},
    )
    flag = made["feature_flag_key"]
    signups = [("control", "c1"), ("control", "c1"), ("control", "c2"), *[("test", "t1")] * 4]
    capture(
        api,
        [
            *_views(flag),
            *(event("signup", person, "2024-01-02T08:00:00Z", **{f"$feature/{flag}": v}) for v, person in signups),
        ],
    )
    control, test = expected
    assert _variants(results(api, made["id"])) == {
        "control": (4, 1.0, control),
        "test": (7, test / control, test),
    }


def test_a_custom_exposure_filter_filters_test_accounts_by_its_own_setting(api: Api) -> None:
    with api.database.write() as session:
        project = session.get(tables.Project, api.project_id)
        assert project is not None
        project.test_account_filters = [{"key": "internal", "operator": "is_not_set", "type": "event"}]
    exposures = {"events": [{"id": "signup", "order": 0}], "filter_test_accounts": True}
    made = launched(
        api,
        {"insight": "TRENDS", "events": [{"id": "$pageview"}]},  # the metric keeps test accounts
        parameters={"custom_exposure_filter": exposures},
    )
    flag = made["feature_flag_key"]
    capture(
        api,
        [
            *_views(flag),
            event("signup", "c1", "2024-01-02T08:00:00Z", **{f"$feature/{flag}": "control"}),
            event("signup", "c2", "2024-01-02T08:00:00Z", internal=True, **{f"$feature/{flag}": "control"}),
            event("signup", "t1", "2024-01-02T08:00:00Z", **{f"$feature/{flag}": "test"}),
            event("signup", "t2", "2024-01-02T08:00:00Z", **{f"$feature/{flag}": "test"}),
            event("$pageview", "c9", "2024-01-02T08:00:00Z", internal=True, **{f"$feature/{flag}": "control"}),
        ],
    )
    # the internal pageview counts (the metric does not filter); the internal signup does not
    assert _variants(results(api, made["id"])) == {"control": (5, 1.0, 1), "test": (7, 2.0, 2)}


def test_an_exposure_math_this_server_cannot_count_is_a_400(api: Api) -> None:
    exposure = {"events": [{"id": "signup", "order": 0, "math": "weekly_active"}]}
    made = launched(
        api, {"insight": "TRENDS", "events": [{"id": "$pageview"}]}, parameters={"custom_exposure_filter": exposure}
    )
    answer = results(api, made["id"])
    assert answer.status_code == 400
    assert answer.json()["detail"] == "Trend math 'weekly_active' is not supported by this server."


def test_secondary_results_divide_a_math_aggregation_by_the_days(api: Api) -> None:
    secondary = [
        {
            "name": "per person",
            "filters": {"insight": "TRENDS", "events": [{"id": "$pageview", "math": "avg_count_per_actor"}]},
        }
    ]
    made = launched(api, {"insight": "TRENDS", "events": [{"id": "$pageview"}]}, secondary_metrics=secondary)
    flag = made["feature_flag_key"]
    capture(api, _views(flag))
    answer = api.call("GET", f"{api.experiments}{made['id']}/secondary_results/?id=0")
    assert answer.status_code == 200, answer.text
    result = answer.json()["result"]
    days = 10  # Jan 1 to Jan 10
    assert result["result"] == {"control": pytest.approx(3.0 / days), "test": pytest.approx(5.0 / days)}
    assert {v["key"]: v["count"] for v in result["variants"]} == {"control": 4, "test": 7}
    assert result["probability"]["test"] == pytest.approx(WORKED_EXAMPLE_P_TEST, abs=0.01)


# --- PostHog's own scenarios (era A, ee/clickhouse/views/test/test_clickhouse_experiments.py) -----

FOUR_VARIANTS = {
    "feature_flag_variants": [
        {"key": key, "name": key, "rollout_percentage": 25} for key in ("control", "test_1", "test_2", "test")
    ]
}
# (person, variant, day of January 2020, mathable) for each $pageview of the scenario
POSTHOG_PAGEVIEWS = [
    *[("person1_2", "test_2", 2, value) for value in (1, 2)],
    *[("person1_1", "test_1", 2, value) for value in (1, 2, 3)],
    ("person2_1", "test_1", 3, 10),
    ("person1", "test", 2, 200),
    *[("person2", "control", day, None) for day in (3, 3, 4)],
    *[("person3", "control", 4, None) for _ in range(2)],
    ("person_out_of_control", None, 3, None),
    ("person_out_of_end_date", "control", 8 * 31, None),
]
POSTHOG_TREND_VIEWS = [("p12", "test_2", 2), ("p11", "test_1", 2), ("p21", "test_1", 2)] + [
    (f"c{day}{n}", "control", day) for n, day in enumerate((3, 4, 4))
]


def _posthog_scenario(api: Api, second_metric: dict[str, Any], *, extra: bool) -> dict[str, Any]:
    """PostHog's scenario: 4 variants, Jan 1 to Jan 6 2020, dates sent as PostHog's tests send them."""
    made = api.create(
        start_date="2020-01-01T00:00",
        end_date="2020-01-06T00:00",
        parameters=FOUR_VARIANTS,
        filters={"insight": "trends", "events": [{"order": 0, "id": "whatever"}]},
        secondary_metrics=[
            {
                "name": "secondary metric",
                "filters": {"insight": "trends", "events": [{"order": 0, "id": "$pageview_trend"}]},
            },
            {
                "name": "second",
                "filters": {"insight": "trends", "events": [{"order": 0, "id": "$pageview", **second_metric}]},
            },
        ],
    )
    flag = made["feature_flag_key"]
    views = POSTHOG_PAGEVIEWS + (
        [("person4", "test", 3, None), ("person5", "test", 4, None), ("person6_1", "test_1", 2, None)] if extra else []
    )
    batch = []
    for person, variant, day, value in views:
        properties: dict[str, Any] = {} if variant is None else {f"$feature/{flag}": variant}
        if value is not None and not extra:
            properties["mathable"] = value
        when = f"2020-01-{day:02d}" if day <= 31 else "2020-08-03"
        batch.append(event("$pageview", person, when, **properties))
    batch += [
        event("$pageview_trend", p, f"2020-01-0{d}", **{f"$feature/{flag}": v}) for p, v, d in POSTHOG_TREND_VIEWS
    ]
    capture(api, batch)
    return made


def _secondary(api: Api, experiment_id: int, index: int) -> dict[str, Any]:
    answer = api.call("GET", f"{api.experiments}{experiment_id}/secondary_results/?id={index}")
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()["result"]["result"]
    return result


def test_posthogs_secondary_results_with_avg_count_per_actor(api: Api) -> None:
    """``test_secondary_metric_results_for_multiple_variants``: values per day over 6 days."""
    made = _posthog_scenario(api, {"math": "avg_count_per_actor"}, extra=True)
    assert _secondary(api, made["id"], 0) == {"control": 3, "test_1": 2, "test_2": 1}
    assert _secondary(api, made["id"], 1) == pytest.approx(
        {"control": round(3.5 / 6, 3), "test": 0.5, "test_1": 0.5, "test_2": round(1 / 3, 3)}, abs=1e-3
    )


def test_posthogs_secondary_results_with_a_property_average(api: Api) -> None:
    """``..._with_trend_count_per_property_value``: ``avg`` of ``mathable`` per day, over 6 days."""
    made = _posthog_scenario(api, {"math": "avg", "math_property": "mathable"}, extra=False)
    assert _secondary(api, made["id"], 0) == {"control": 3, "test_1": 2, "test_2": 1}
    assert _secondary(api, made["id"], 1) == pytest.approx(
        {"control": 0, "test": 33.3333, "test_1": 2, "test_2": 0.25}, abs=1e-3
    )
