"""Results as PostHog (era A) shapes them: counts from ``queries``, numbers from ``statistics``.

``experiment_result`` answers ``results`` (the experiment's own metric, with PostHog's "no results"
errors); ``secondary_result`` answers ``secondary_results`` (one secondary metric, never those
errors, significance only when it can be computed).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from reference.errors import BadRequestError
from reference.results import statistics as st
from reference.results.metrics import PER_ACTOR_MATH, Exposure, Metric, Step
from reference.results.queries import FunnelCounts, ResultQueries, TrendCounts, Window

CONTROL = "control"
LARGEST_COUNT = 2**53  # a float holds every count up to it exactly; the statistics need counts of 0 or more
OUT_OF_RANGE = "The metric's values are out of the range this server can compare (0 to 2^53)."
MAX_TEST_VARIANTS = 9  # 10 variants in all


@dataclass(frozen=True)
class Setup:
    """What a computation needs besides the metric: the flag's variants (control first) and split."""

    flag_key: str
    variants: list[str]
    weights: dict[str, float]  # rollout percentage of each variant
    window: Window
    exposure: Exposure | None  # the experiment's custom exposure filter, if it has one


def experiment_result(session: Session, queries: ResultQueries, metric: Metric, setup: Setup) -> dict[str, Any]:
    if metric.kind == "funnel":
        funnel = queries.funnel(session, metric.steps, metric.funnel_window)
        present = [v for v in setup.variants if funnel.steps.get(v, [0])[0] > 0]
        _check_present(present, any_rows=funnel.persons > 0)
        return _funnel_result(funnel, present, metric, setup)
    step = metric.steps[0]
    counts = queries.trend(session, step)
    _check_finite(counts)
    present = [v for v in setup.variants if counts.events.get(v)]
    _check_present(present, any_rows=bool(present))
    exposures = _exposures(session, queries, step, setup)
    return _trend_result(counts, exposures, present, step, metric, setup)


def secondary_result(session: Session, queries: ResultQueries, metric: Metric, setup: Setup) -> dict[str, Any]:
    if metric.kind == "funnel":
        funnel = queries.funnel(session, metric.steps, metric.funnel_window)
        present = [v for v in setup.variants if funnel.steps.get(v, [0])[0] > 0]
        values = {v: round(funnel.steps[v][-1] / funnel.steps[v][0], 3) for v in present}
        answer = _funnel_result(funnel, present, metric, setup) if _computable(present) else _bare(metric, setup)
        return {**answer, "result": values}
    step = metric.steps[0]
    counts = queries.trend(session, step)
    _check_finite(counts)
    present = [v for v in setup.variants if counts.events.get(v)]
    days = len(setup.window.days)
    values = {}
    for v in present:
        total = _trend_total(counts, v, step)
        values[v] = total / days if step.aggregates_per_actor_or_property else total
    if not _computable(present):
        return {**_bare(metric, setup, [_series(counts, v, step, setup) for v in present]), "result": values}
    exposures = _exposures(session, queries, step, setup)
    return {**_trend_result(counts, exposures, present, step, metric, setup), "result": values}


# --- funnels ----------------------------------------------------------------------------------


def _funnel_result(funnel: FunnelCounts, present: list[str], metric: Metric, setup: Setup) -> dict[str, Any]:
    variants = [st.FunnelVariant(v, funnel.steps[v][-1], funnel.steps[v][0] - funnel.steps[v][-1]) for v in present]
    _check_variant_count(variants)
    probabilities = st.funnel_probabilities(variants)
    significance = st.funnel_significance(variants, probabilities)
    return {
        "insight": [_funnel_steps(funnel.steps[v], v, metric.steps) for v in present],
        "filters": _executed_filters(metric, setup),
        "probability": dict(zip(present, probabilities, strict=True)),
        "significant": significance.significant,
        "significance_code": significance.code,
        "expected_loss": significance.value,
        "variants": [
            {"key": v.key, "success_count": v.success_count, "failure_count": v.failure_count} for v in variants
        ],
        "credible_intervals": st.funnel_credible_intervals(variants),
        "sample_ratio_mismatch": _sample_ratio({v: funnel.steps[v][0] for v in present}, setup),
    }


def _funnel_steps(counts: list[int], variant: str, steps: Sequence[Step]) -> list[dict[str, Any]]:
    return [
        {
            "action_id": step.event,
            "name": step.name,
            "custom_name": step.custom_name,
            "order": order,
            "people": [],
            "count": count,
            "type": "events",
            "average_conversion_time": None,
            "median_conversion_time": None,
            "breakdown": [variant],
            "breakdown_value": [variant],
        }
        for order, (step, count) in enumerate(zip(steps, counts, strict=True))
    ]


# --- trends -----------------------------------------------------------------------------------


def _exposures(session: Session, queries: ResultQueries, step: Step, setup: Setup) -> dict[str, int]:
    """PostHog's exposure: under a math aggregation, the persons doing the metric event (a custom
    exposure filter is then ignored); else the custom exposure filter counted with its own math;
    else the persons with a ``$feature_flag_called`` per variant."""
    if step.aggregates_per_actor_or_property:
        return queries.exposure_from_event(session, step)
    if setup.exposure is not None:
        return queries.exposure_from_filter(session, setup.exposure)
    return queries.exposure_from_flag_calls(session)


def _trend_count(counts: TrendCounts, variant: str, step: Step) -> int:
    """What the statistics count: the metric's events under a math aggregation (not its values),
    else the series' total, truncated as PostHog's ``int()`` truncates."""
    if step.aggregates_per_actor_or_property:
        return sum(counts.events[variant].values())
    total = _trend_total(counts, variant, step)
    if not 0 <= total <= LARGEST_COUNT:  # NaN and infinities too
        raise BadRequestError(OUT_OF_RANGE)
    return int(total)


def _check_finite(counts: TrendCounts) -> None:
    """The property values a series shows (sums, averages, extremes) must be numbers JSON can write."""
    if not all(math.isfinite(value) for daily in counts.aggregate.values() for value in daily.values()):
        raise BadRequestError(OUT_OF_RANGE)


def _trend_result(
    counts: TrendCounts, exposures: dict[str, int], present: list[str], step: Step, metric: Metric, setup: Setup
) -> dict[str, Any]:
    control_exposure = exposures.get(CONTROL, 0)
    variants = []
    for v in present:
        absolute = exposures.get(v)
        relative = absolute / control_exposure if v != CONTROL and absolute and control_exposure else 1.0
        variants.append(st.TrendVariant(v, _trend_count(counts, v, step), relative, absolute or 1))
    _check_variant_count(variants)
    probabilities = st.trend_probabilities(variants)
    significance = st.trend_significance(variants, probabilities)
    return {
        "insight": [_series(counts, v, step, setup) for v in present],
        "filters": _executed_filters(metric, setup),
        "probability": dict(zip(present, probabilities, strict=True)),
        "significant": significance.significant,
        "significance_code": significance.code,
        "p_value": significance.value,
        "variants": [
            {"key": v.key, "count": v.count, "exposure": v.exposure, "absolute_exposure": v.absolute_exposure}
            for v in variants
        ],
        "credible_intervals": st.trend_credible_intervals(variants),
        "sample_ratio_mismatch": _sample_ratio(exposures, setup),
    }


def _daily(counts: TrendCounts, variant: str, step: Step) -> dict[int, float]:
    """The metric's value on each day that has events."""
    if step.math == PER_ACTOR_MATH:
        persons = counts.persons[variant]
        return {day: events / persons[day] for day, events in counts.events[variant].items() if persons[day]}
    if step.math_property and step.math in ("sum", "avg", "min", "max"):
        return dict(counts.aggregate[variant])
    return {day: float(events) for day, events in counts.events[variant].items()}


def _trend_total(counts: TrendCounts, variant: str, step: Step) -> float:
    """The cumulative total (counts, sums), or the sum of daily values under a math aggregation."""
    return sum(_daily(counts, variant, step).values())


def _series(counts: TrendCounts, variant: str, step: Step, setup: Setup) -> dict[str, Any]:
    daily = _daily(counts, variant, step)
    data = [daily.get(index, 0.0) for index in range(len(setup.window.days))]
    if not step.aggregates_per_actor_or_property:  # PostHog shows counts and sums cumulatively
        running = 0.0
        data = [running := running + value for value in data]
    return {
        "action": step.raw,
        "label": step.custom_name or step.name,
        "breakdown_value": variant,
        "count": sum(daily.values()),
        "data": data,
        "days": [day.isoformat() for day in setup.window.days],
        "labels": [f"{day.day}-{day:%b-%Y}" for day in setup.window.days],
    }


# --- shared -----------------------------------------------------------------------------------


def _check_present(present: list[str], *, any_rows: bool) -> None:
    """PostHog's "no results" 400: a JSON text of four flags saying what is missing."""
    errors = {"no-events": True, "no-flag-info": True, "no-control-variant": True, "no-test-variant": True}
    if not any_rows:
        raise BadRequestError(json.dumps(errors), code="no-results")
    errors["no-events"] = False
    if CONTROL in present:
        errors["no-control-variant"] = errors["no-flag-info"] = False
    if any(v != CONTROL for v in present):
        errors["no-test-variant"] = errors["no-flag-info"] = False
    if any(errors.values()):
        raise BadRequestError(json.dumps(errors))


def _computable(present: list[str]) -> bool:
    tests = [v for v in present if v != CONTROL]
    return CONTROL in present and 0 < len(tests) <= MAX_TEST_VARIANTS


def _check_variant_count(variants: Sequence[st.FunnelVariant | st.TrendVariant]) -> None:
    tests = len(variants) - 1
    if tests > MAX_TEST_VARIANTS:
        raise BadRequestError("Can't calculate experiment results for more than 10 variants", code="too_much_data")
    if tests < 1:
        raise BadRequestError("Can't calculate experiment results for less than 2 variants", code="no_data")


def _bare(metric: Metric, setup: Setup, insight: list[Any] | None = None) -> dict[str, Any]:
    return {"insight": insight or [], "filters": _executed_filters(metric, setup)}


def _executed_filters(metric: Metric, setup: Setup) -> dict[str, Any]:
    return {
        **metric.filters,
        "insight": "FUNNELS" if metric.kind == "funnel" else "TRENDS",
        "date_from": setup.window.start.isoformat(),
        "date_to": setup.window.end.isoformat(),
        "explicit_date": True,
        "breakdown": f"$feature/{setup.flag_key}",
        "breakdown_type": "event",
        "properties": [],
    }


def _sample_ratio(observed: dict[str, int], setup: Setup) -> dict[str, Any] | None:
    if len(setup.weights) < 2 or not sum(setup.weights.values()):
        return None
    found = st.sample_ratio_mismatch(observed, setup.weights)
    return {
        "p_value": found.p_value,
        "detected": found.detected,
        "expected": found.expected,
        "observed": found.observed,
    }
