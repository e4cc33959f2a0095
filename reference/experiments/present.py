"""Stored experiments as the API shows them: one SELECT of the experiment, its flag and its author,
and the mapping of that row to the API's fields. Every answer that shows an experiment uses it."""

from __future__ import annotations

from typing import Any

from posthog_experiments_server import models
from sqlalchemy import RowMapping, Select, select

from reference.db import tables

_EXPERIMENT, _FLAG, _USER = tables.Experiment, tables.FeatureFlag, tables.User

SHOWN: Select[Any] = (
    select(
        _EXPERIMENT.id,
        _EXPERIMENT.name,
        _EXPERIMENT.description,
        _EXPERIMENT.start_date,
        _EXPERIMENT.end_date,
        _EXPERIMENT.exposure_cohort_id,
        _EXPERIMENT.parameters,
        _EXPERIMENT.secondary_metrics,
        _EXPERIMENT.filters,
        _EXPERIMENT.archived,
        _EXPERIMENT.created_at,
        _EXPERIMENT.updated_at,
        _FLAG.id.label("flag_id"),
        _FLAG.project_id.label("flag_project_id"),
        _FLAG.name.label("flag_name"),
        _FLAG.key.label("flag_key"),
        _FLAG.filters.label("flag_filters"),
        _FLAG.deleted.label("flag_deleted"),
        _FLAG.active.label("flag_active"),
        _FLAG.ensure_experience_continuity.label("flag_ensure_experience_continuity"),
        _USER.id.label("user_id"),
        _USER.uuid.label("user_uuid"),
        _USER.distinct_id.label("user_distinct_id"),
        _USER.first_name.label("user_first_name"),
        _USER.last_name.label("user_last_name"),
        _USER.email.label("user_email"),
        _USER.is_email_verified.label("user_is_email_verified"),
    )
    .join(_FLAG, _FLAG.id == _EXPERIMENT.feature_flag_id)
    .join(_USER, _USER.id == _EXPERIMENT.created_by_id)
)


def user_basic(user: tables.User) -> dict[str, Any]:
    return {
        "id": user.id,
        "uuid": user.uuid,
        "distinct_id": user.distinct_id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_email_verified": user.is_email_verified,
    }


def experiment_fields(row: RowMapping) -> dict[str, Any]:
    """The API's fields of one row of ``SHOWN``."""
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "start_date": row["start_date"],
        "end_date": row["end_date"],
        "feature_flag_key": row["flag_key"],
        "feature_flag": {
            "id": row["flag_id"],
            "team_id": row["flag_project_id"],
            "name": row["flag_name"],
            "key": row["flag_key"],
            "filters": row["flag_filters"],
            "deleted": row["flag_deleted"],
            "active": row["flag_active"],
            "ensure_experience_continuity": row["flag_ensure_experience_continuity"],
        },
        "exposure_cohort": row["exposure_cohort_id"],
        "parameters": row["parameters"],
        "secondary_metrics": row["secondary_metrics"],
        "filters": row["filters"],
        "archived": row["archived"],
        "created_by": {
            "id": row["user_id"],
            "uuid": row["user_uuid"],
            "distinct_id": row["user_distinct_id"],
            "first_name": row["user_first_name"],
            "last_name": row["user_last_name"],
            "email": row["user_email"],
            "is_email_verified": row["user_is_email_verified"],
        },
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def experiment(row: RowMapping) -> models.Experiment:
    return models.Experiment.model_validate(experiment_fields(row))
