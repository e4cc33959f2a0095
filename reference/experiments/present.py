"""Stored rows as the API shows them."""

from __future__ import annotations

from typing import Any

from posthog_experiments_server import models

from reference.db import tables


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


def feature_flag(flag: tables.FeatureFlag) -> dict[str, Any]:
    return {
        "id": flag.id,
        "team_id": flag.project_id,
        "name": flag.name,
        "key": flag.key,
        "filters": flag.filters,
        "deleted": flag.deleted,
        "active": flag.active,
        "ensure_experience_continuity": flag.ensure_experience_continuity,
    }


def experiment_fields(row: tables.Experiment) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "start_date": row.start_date,
        "end_date": row.end_date,
        "feature_flag_key": row.feature_flag.key,
        "feature_flag": feature_flag(row.feature_flag),
        "exposure_cohort": row.exposure_cohort_id,
        "parameters": row.parameters,
        "secondary_metrics": row.secondary_metrics,
        "filters": row.filters,
        "archived": row.archived,
        "created_by": user_basic(row.created_by),
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def experiment(row: tables.Experiment) -> models.Experiment:
    return models.Experiment.model_validate(experiment_fields(row))
