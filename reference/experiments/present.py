"""Stored experiments as the API shows them: one SELECT of the experiment, its flag and its author,
and the mapping of that row to the API's fields. Every answer that shows an experiment uses it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from posthog_experiments_server import models
from sqlalchemy import Select, select

from reference.db import tables

_EXPERIMENT, _FLAG, _USER = tables.Experiment, tables.FeatureFlag, tables.User

# The API's field names, each the name of the column it shows (except where noted below).
EXPERIMENT_FIELDS = (
    "id",
    "name",
    "description",
    "start_date",
    "end_date",
    "parameters",
    "secondary_metrics",
    "filters",
    "archived",
    "created_at",
    "updated_at",
)
FLAG_FIELDS = ("id", "name", "key", "filters", "deleted", "active", "ensure_experience_continuity")
USER_FIELDS = ("id", "uuid", "distinct_id", "first_name", "last_name", "email", "is_email_verified")

SHOWN: Select[Any] = (
    select(
        *(getattr(_EXPERIMENT, name) for name in EXPERIMENT_FIELDS),
        _EXPERIMENT.exposure_cohort_id,
        _FLAG.project_id.label("flag_team_id"),
        *(getattr(_FLAG, name).label(f"flag_{name}") for name in FLAG_FIELDS),
        *(getattr(_USER, name).label(f"user_{name}") for name in USER_FIELDS),
    )
    .join(_FLAG, _FLAG.id == _EXPERIMENT.feature_flag_id)
    .join(_USER, _USER.id == _EXPERIMENT.created_by_id)
)


def user_basic(user: tables.User) -> dict[str, Any]:
    return {name: getattr(user, name) for name in USER_FIELDS}


def experiment_fields(row: Mapping[Any, Any]) -> dict[str, Any]:
    """The API's fields of one row of ``SHOWN``."""
    return {
        **{name: row[name] for name in EXPERIMENT_FIELDS},
        "exposure_cohort": row["exposure_cohort_id"],
        "feature_flag_key": row["flag_key"],
        "feature_flag": {"team_id": row["flag_team_id"], **{name: row[f"flag_{name}"] for name in FLAG_FIELDS}},
        "created_by": {name: row[f"user_{name}"] for name in USER_FIELDS},
    }


def experiment(row: Mapping[Any, Any]) -> models.Experiment:
    return models.Experiment.model_validate(experiment_fields(row))
