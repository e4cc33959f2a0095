"""A stored metric (PostHog's insight filter form) read into what the queries need.

Only what this server can compute is accepted; anything else is a 400 that says what, never a
silently different answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from reference.errors import BadRequestError

ACTIONS_UNSUPPORTED = "Action-based metrics are not supported by this server."
DEFAULT_FUNNEL_WINDOW = timedelta(days=14)
_WINDOW_UNITS = {
    "second": timedelta(seconds=1),
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
    "month": timedelta(days=30),
}
COUNT_MATHS = (None, "total")  # events counted; the cumulative series
PROPERTY_MATHS = ("sum", "avg", "min", "max")  # a numeric property aggregated
PER_ACTOR_MATH = "avg_count_per_actor"


@dataclass(frozen=True)
class Step:
    """One event of a metric: a funnel step, or a trend series."""

    event: str
    name: str
    custom_name: str | None
    conditions: list[dict[str, Any]] = field(default_factory=list)  # event property filters, all must hold
    math: str | None = None
    math_property: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def aggregates_per_actor_or_property(self) -> bool:
        """PostHog's "math aggregation" (every math of its list but ``sum``): the statistics then count
        the metric's events against the persons who did them, and the series is linear."""
        return self.math == PER_ACTOR_MATH or self.math in ("avg", "min", "max")


@dataclass(frozen=True)
class Metric:
    kind: str  # "funnel" or "trend"
    steps: list[Step]
    filter_test_accounts: bool
    funnel_window: timedelta
    filters: dict[str, Any]  # as stored


def read_metric(filters: dict[str, Any]) -> Metric:
    kind = "funnel" if str(filters.get("insight") or "TRENDS").upper() == "FUNNELS" else "trend"
    return _metric(filters, kind)


def read_secondary_metric(filters: dict[str, Any]) -> Metric:
    insight = str(filters.get("insight") or "").upper()
    if insight not in ("FUNNELS", "TRENDS"):
        raise BadRequestError("Secondary metrics need to be funnel or trend insights")
    return _metric(filters, "funnel" if insight == "FUNNELS" else "trend")


@dataclass(frozen=True)
class Exposure:
    """A custom exposure filter: its one event, counted with its own math and test-account setting."""

    step: Step
    filter_test_accounts: bool

    @property
    def counts_persons(self) -> bool:
        """``dau`` counts the persons who did the event; no math (or ``total``) counts the events."""
        return self.step.math == "dau"


EXPOSURE_MATHS = (*COUNT_MATHS, "dau")


def read_exposure(custom_exposure_filter: dict[str, Any]) -> Exposure:
    steps = _steps(custom_exposure_filter)
    if not steps:
        raise BadRequestError("The custom exposure filter has no event.")
    if steps[0].math not in EXPOSURE_MATHS:
        raise BadRequestError(f"Trend math '{steps[0].math}' is not supported by this server.")
    return Exposure(steps[0], bool(custom_exposure_filter.get("filter_test_accounts")))


def _metric(filters: dict[str, Any], kind: str) -> Metric:
    steps = _steps(filters)
    if not steps:
        raise BadRequestError("Experiment metric has no events.")
    for step in steps:
        if kind == "trend" and step.math not in (*COUNT_MATHS, *PROPERTY_MATHS, PER_ACTOR_MATH):
            raise BadRequestError(f"Trend math '{step.math}' is not supported by this server.")
        if step.math in PROPERTY_MATHS and not step.math_property:
            raise BadRequestError(f"Trend math '{step.math}' needs a math_property.")
    return Metric(
        kind=kind,
        steps=steps if kind == "funnel" else steps[:1],  # a trend experiment compares its first series
        filter_test_accounts=bool(filters.get("filter_test_accounts")),
        funnel_window=_funnel_window(filters),
        filters=filters,
    )


def _steps(filters: dict[str, Any]) -> list[Step]:
    if filters.get("actions"):
        raise BadRequestError(ACTIONS_UNSUPPORTED)
    entities = sorted(
        (entity for entity in filters.get("events") or [] if isinstance(entity, dict)),
        key=lambda entity: entity.get("order") or 0,
    )
    steps = []
    for entity in entities:
        if entity.get("type") == "actions":
            raise BadRequestError(ACTIONS_UNSUPPORTED)
        if entity.get("id") is None:
            raise BadRequestError("Every metric event needs an id (the event name).")
        steps.append(
            Step(
                event=str(entity["id"]),
                name=str(entity.get("name") or entity["id"]),
                custom_name=entity.get("custom_name"),
                conditions=flatten_conditions(entity.get("properties")),
                math=entity.get("math"),
                math_property=entity.get("math_property"),
                raw=entity,
            )
        )
    return steps


def flatten_conditions(properties: Any) -> list[dict[str, Any]]:
    """Property filters that must all hold; an OR group of more than one condition is refused."""
    if not properties:
        return []
    if isinstance(properties, list):
        return [condition for item in properties for condition in _conditions(item)]
    return _conditions(properties)


def _conditions(item: Any) -> list[dict[str, Any]]:
    if not isinstance(item, dict):
        return []
    if "values" in item and item.get("type") in ("AND", "OR"):
        values = [condition for value in item["values"] for condition in _conditions(value)]
        if item["type"] == "OR" and len(values) > 1:
            raise BadRequestError("Property filters joined with OR are not supported by this server.")
        return values
    return [item]


def _funnel_window(filters: dict[str, Any]) -> timedelta:
    interval, unit = filters.get("funnel_window_interval"), filters.get("funnel_window_interval_unit")
    if isinstance(interval, int) and unit in _WINDOW_UNITS:
        return interval * _WINDOW_UNITS[unit]
    days = filters.get("funnel_window_days")
    return timedelta(days=days) if isinstance(days, int) else DEFAULT_FUNNEL_WINDOW
