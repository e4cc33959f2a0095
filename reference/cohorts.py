"""Exposure cohorts: the persons who saw an experiment's flag (or its custom exposure event) since
it started, stored as PostHog's behavioural cohort filter and computed from events on demand."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reference.db import tables
from reference.db.engine import Database
from reference.errors import BadRequestError
from reference.events.store import EXPOSURE_EVENT, epoch_ms
from reference.experiments.present import user_basic
from reference.experiments.service import find_experiment
from reference.identity.auth import Caller
from reference.results.conditions import PropertyReader

_KEPT_PROPERTY_TYPES = ("event", "feature", "element", "hogql")  # what PostHog keeps of a custom exposure


class CohortService:
    def __init__(self, database: Database) -> None:
        self._database = database

    def create_exposure_cohort(self, caller: Caller, experiment_id: int) -> dict[str, Any]:
        with self._database.write() as session:
            experiment = find_experiment(session, caller.project_id, experiment_id, for_update=True)
            if experiment.start_date is None:
                raise BadRequestError("Experiment does not have a start date")
            if experiment.exposure_cohort_id is not None:
                raise BadRequestError("Experiment already has an exposure cohort")
            behaviour = _exposure_filter(experiment)
            cohort = tables.Cohort(
                project_id=caller.project_id,
                name=f'Users exposed to experiment "{experiment.name}"',
                filters={"properties": {"type": "OR", "values": [{"type": "OR", "values": [behaviour]}]}},
                created_by_id=caller.user_id,
            )
            session.add(cohort)
            session.flush()
            experiment.exposure_cohort_id = cohort.id
            members = count_members(session, cohort, is_sqlite=self._database.is_sqlite)
            return {"cohort": _shown(session, cohort, members)}


def _exposure_filter(experiment: tables.Experiment) -> dict[str, Any]:
    assert experiment.start_date is not None
    behaviour: dict[str, Any] = {
        "type": "behavioral",
        "value": "performed_event",
        "key": EXPOSURE_EVENT,
        "negation": False,
        "event_type": "events",
        "event_filters": [
            {"key": "$feature_flag", "value": [experiment.feature_flag.key], "operator": "exact", "type": "event"}
        ],
        "explicit_datetime": experiment.start_date.astimezone(UTC).isoformat(),
    }
    custom = (experiment.parameters or {}).get("custom_exposure_filter")
    if custom:
        entity, event_type = _first_entity(custom)
        key: Any = entity.get("id")
        if event_type == "actions":
            try:
                key = int(key)
            except (TypeError, ValueError):
                raise BadRequestError("Invalid action ID") from None
        written = [_written(p) for p in _flattened(entity.get("properties"))]
        behaviour |= {
            "key": key,
            "event_type": event_type,
            "event_filters": [p for p in written if p["type"] in _KEPT_PROPERTY_TYPES],
        }
    return behaviour


def _flattened(properties: Any) -> list[dict[str, Any]]:
    """The properties of a filter, its AND/OR groups however nested made one list (PostHog's ``flat``)."""
    if isinstance(properties, list):
        return [found for item in properties for found in _flattened(item)]
    if not isinstance(properties, dict):
        return []
    if properties.get("type") in ("AND", "OR") and isinstance(properties.get("values"), list):
        return _flattened(properties["values"])
    return [properties]


def _written(prop: dict[str, Any]) -> dict[str, Any]:
    """A property as PostHog's ``Property.to_dict`` writes it: null values left out, ``type`` defaulting to event."""
    return {**{key: value for key, value in prop.items() if value is not None}, "type": prop.get("type") or "event"}


def _first_entity(custom: dict[str, Any]) -> tuple[dict[str, Any], str]:
    for kind in ("events", "actions"):
        for entity in custom.get(kind) or []:
            if isinstance(entity, dict):
                return entity, kind
    raise BadRequestError("The custom exposure filter has no event.")


def member_query(cohort: tables.Cohort, *, is_sqlite: bool) -> Any:
    """The distinct persons who did the cohort's event, with its filters, since its date."""
    behaviour = _behaviour(cohort)
    if behaviour["event_type"] != "events":
        raise BadRequestError("Action-based cohorts are not supported by this server.")
    events = tables.Event
    since = epoch_ms(datetime.fromisoformat(behaviour["explicit_datetime"]))
    conditions = PropertyReader(events.properties, is_sqlite=is_sqlite).conditions(behaviour["event_filters"])
    return (
        select(events.distinct_id)
        .where(
            events.project_id == cohort.project_id,
            events.event == str(behaviour["key"]),
            events.timestamp_ms >= since,
            conditions,
        )
        .distinct()
    )


def count_members(session: Session, cohort: tables.Cohort, *, is_sqlite: bool) -> int | None:
    """How many persons are in the cohort; None when this server cannot compute it (an action, or a
    property it cannot evaluate, such as a HogQL expression): PostHog stores such a cohort all the same."""
    try:
        query = member_query(cohort, is_sqlite=is_sqlite).subquery()
    except BadRequestError:
        return None
    return session.scalar(select(func.count()).select_from(query)) or 0


def _behaviour(cohort: tables.Cohort) -> dict[str, Any]:
    (behaviour,) = cohort.filters["properties"]["values"][0]["values"]
    return dict(behaviour)


def _shown(session: Session, cohort: tables.Cohort, members: int | None) -> dict[str, Any]:
    creator = session.get(tables.User, cohort.created_by_id)
    assert creator is not None
    experiments = session.scalars(
        select(tables.Experiment.id).where(tables.Experiment.exposure_cohort_id == cohort.id)
    ).all()
    return {
        "id": cohort.id,
        "name": cohort.name,
        "description": cohort.description,
        "groups": [],
        "deleted": cohort.deleted,
        "filters": cohort.filters,
        "query": None,
        "is_calculating": False,  # members are computed from events whenever they are asked for
        "created_by": user_basic(creator),
        "created_at": cohort.created_at,
        "last_calculation": tables.now() if members is not None else None,
        "errors_calculating": 0,
        "count": members,
        "is_static": False,
        "experiment_set": list(experiments),
    }
