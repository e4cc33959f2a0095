"""The rules an experiment's fields must satisfy, and the flag an experiment's parameters make.

Pure functions on the request's values; each raises ``BadRequestError`` with PostHog's message, code
and ``attr`` (era A unless the contract says otherwise).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reference.errors import BadRequestError

DEFAULT_VARIANTS: list[dict[str, Any]] = [
    {"key": "control", "name": "Control Group", "rollout_percentage": 50},
    {"key": "test", "name": "Test Variant", "rollout_percentage": 50},
]


def check_filters(filters: dict[str, Any] | None) -> None:
    if filters and filters.get("properties"):
        raise BadRequestError("Experiments do not support global filter properties")


def check_dates(start: datetime | None, end: datetime | None) -> None:
    if start is not None and end is not None and end <= start:
        raise BadRequestError("End date must be after start date")


def variants_of(parameters: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The variants the flag gets: those sent, or control/test at 50 % each."""
    sent = (parameters or {}).get("feature_flag_variants") or []
    return [dict(variant) for variant in sent] if sent else [dict(variant) for variant in DEFAULT_VARIANTS]


def check_new_variants(parameters: dict[str, Any] | None) -> None:
    """Variants for a new flag, or a draft's rewritten one: 2 to 10, a control, 100 % in all."""
    sent = (parameters or {}).get("feature_flag_variants") or []
    if not sent:
        return
    if len(sent) < 2:
        raise BadRequestError(
            "Feature flag must have at least 2 variants (control and at least one test variant)", attr="parameters"
        )
    if len(sent) > 10:
        raise BadRequestError("Feature flag variants must be less than 11", attr="parameters")
    if not any(variant.get("key") == "control" for variant in sent):
        raise BadRequestError("Feature flag variants must contain a control variant", attr="parameters")
    if sum(variant.get("rollout_percentage") or 0 for variant in sent) != 100:
        raise BadRequestError("Invalid variant definitions: Variant rollout percentages must sum to 100.")


def check_launched_variants(parameters: dict[str, Any] | None, flag_variants: list[dict[str, Any]]) -> None:
    """After launch the variants' keys are fixed: the same number, each key matching one of the flag's."""
    if parameters is None or "feature_flag_variants" not in parameters:
        return
    sent = parameters.get("feature_flag_variants") or []
    flag_keys = [variant.get("key") for variant in flag_variants]
    if len(sent) != len(flag_variants) or any(flag_keys.count(variant.get("key")) != 1 for variant in sent):
        raise BadRequestError("Can't update feature_flag_variants on Experiment")


def flag_filters(parameters: dict[str, Any] | None) -> dict[str, Any]:
    """The experiment flag's release conditions: everyone, split between the variants."""
    return {
        "groups": [{"properties": [], "rollout_percentage": 100}],
        "multivariate": {"variants": variants_of(parameters)},
        "aggregation_group_type_index": (parameters or {}).get("aggregation_group_type_index"),
    }


def flag_name(experiment_name: str) -> str:
    return f"Feature Flag for Experiment {experiment_name}"
