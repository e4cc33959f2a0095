"""What each experiments operation does to the database, one transaction per call.

Methods are synchronous (the app runs them in its thread pool) and raise ``reference.errors``
exceptions; a failed call leaves the database as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from posthog_experiments_server import models, requests
from sqlalchemy import ColumnElement, Select, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reference import approvals
from reference.db import tables
from reference.db.engine import Database
from reference.errors import ApprovalRequiredError, BadRequestError, NotFoundError
from reference.experiments import listing, present, rules
from reference.identity.auth import Caller

NOT_NULL = ("name", "feature_flag_key", "filters", "archived")
FLAG_KEY_TAKEN = "There is already a feature flag with this key."
# A whole experiment (PUT) or some of its fields (PATCH): the same fields, only the required ones differ.
Changes = models.ExperimentInput | models.PatchedExperimentInput


@dataclass
class _Plan:
    """An update, checked: the experiment's new values and what happens to its flag."""

    values: dict[str, Any] = field(default_factory=dict)
    activate_flag: bool = False
    flag_filters: dict[str, Any] | None = None

    def gated_actions(self, flag: tables.FeatureFlag) -> list[str]:
        actions = [approvals.ENABLE] if self.activate_flag and not flag.active else []
        if self.flag_filters is not None and self.flag_filters != flag.filters:
            actions.append(approvals.UPDATE)
        return actions


class ExperimentService:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._shown_by_id = database.prepare(_SHOWN_BY_ID)

    def list(self, caller: Caller, query: requests.ExperimentsListRequest) -> models.PaginatedExperimentList:
        mine = tables.Experiment.project_id == caller.project_id
        counted = _filtered(select(func.count()).select_from(tables.Experiment).where(mine), query)
        page = (
            _filtered(present.SHOWN.where(mine), query)
            .order_by(tables.Experiment.created_at.desc(), tables.Experiment.id.desc())
            .limit(query.limit)
            .offset(query.offset)
        )
        with self._database.read() as session:
            count = session.scalar(counted) or 0
            rows = session.execute(page).mappings().all()
            return models.PaginatedExperimentList.model_validate(
                {
                    "count": count,
                    "next": listing.next_url(caller.url, query.limit, query.offset, count),
                    "previous": listing.previous_url(caller.url, query.limit, query.offset),
                    "results": [present.experiment_fields(row) for row in rows],
                }
            )

    def retrieve(self, caller: Caller, experiment_id: int) -> models.Experiment:
        with self._database.read_one() as connection:
            row = self._shown_by_id.first(connection, {"id": experiment_id, "project_id": caller.project_id})
        if row is None:
            raise NotFoundError()
        return present.experiment(row)

    def create(self, caller: Caller, body: models.ExperimentInput) -> models.Experiment:
        parameters = _json(body.parameters)
        filters = _json(body.filters) or {}
        rules.check_filters(filters)
        rules.check_dates(body.start_date, body.end_date)
        rules.check_new_variants(parameters)
        with self._database.write() as session:
            taken = select(tables.FeatureFlag.id).where(
                tables.FeatureFlag.project_id == caller.project_id,
                tables.FeatureFlag.key == body.feature_flag_key,
                tables.FeatureFlag.deleted.is_(False),
            )
            if session.scalar(taken) is not None:
                raise BadRequestError(FLAG_KEY_TAKEN, code="unique", attr="key")
            flag = tables.FeatureFlag(
                project_id=caller.project_id,
                key=body.feature_flag_key,
                name=rules.flag_name(body.name),
                filters=rules.flag_filters(parameters),
                active=body.start_date is not None,
                created_by_id=caller.user_id,
            )
            row = tables.Experiment(
                project_id=caller.project_id,
                name=body.name,
                description=body.description,
                start_date=body.start_date,
                end_date=body.end_date,
                feature_flag=flag,
                parameters=parameters,
                secondary_metrics=_json(body.secondary_metrics) if "secondary_metrics" in body.model_fields_set else [],
                filters=filters,
                archived=bool(body.archived),
                created_by_id=caller.user_id,
            )
            session.add(row)
            try:
                session.flush()
            except IntegrityError:  # a concurrent create took the key between the check and the insert
                raise BadRequestError(FLAG_KEY_TAKEN, code="unique", attr="key") from None
            return _shown(session, caller.project_id, row.id)

    def update(self, caller: Caller, experiment_id: int, body: Changes) -> models.Experiment:
        """PATCH and PUT alike: the fields sent replace the stored ones; the rest stay."""
        with self._database.write() as session:
            row = find_experiment(session, caller.project_id, experiment_id, for_update=True)
            plan = _plan_update(row, body)
            waiting = approvals.gate(
                session,
                user_id=caller.user_id,
                experiment=row,
                actions=plan.gated_actions(row.feature_flag),
                changes=body.model_dump(mode="json", exclude_unset=True),
            )
            if waiting is None:
                _apply(row, plan)
                session.flush()
                return _shown(session, caller.project_id, row.id)
        raise ApprovalRequiredError(waiting)  # raised once the change request is committed

    def delete(self, caller: Caller, experiment_id: int) -> None:
        """The experiment goes; its flag is soft-deleted, which frees its key."""
        with self._database.write() as session:
            row = find_experiment(session, caller.project_id, experiment_id, for_update=True)
            row.feature_flag.deleted = True
            row.feature_flag.updated_at = tables.now()
            session.delete(row)

    def stats(self, caller: Caller) -> models.ExperimentStats:
        today = datetime.now(ZoneInfo(caller.project_timezone)).replace(hour=0, minute=0, second=0, microsecond=0)
        last = (today - timedelta(days=30), today + timedelta(days=1))
        previous = (today - timedelta(days=60), today - timedelta(days=30))
        experiment = tables.Experiment
        live = (experiment.project_id == caller.project_id, experiment.archived.is_(False))

        def counted(*conditions: ColumnElement[bool]) -> int:
            return session.scalar(select(func.count()).select_from(experiment).where(*live, *conditions)) or 0

        with self._database.read() as session:
            launched_last = counted(experiment.start_date >= last[0], experiment.start_date < last[1])
            launched_previous = counted(experiment.start_date >= previous[0], experiment.start_date < previous[1])
            active = counted(experiment.start_date.is_not(None), experiment.end_date.is_(None))
            completed = counted(experiment.end_date >= last[0], experiment.end_date < last[1])
        if launched_previous:
            change = round((launched_last - launched_previous) / launched_previous * 100, 1)
        else:
            change = 100.0 if launched_last else 0.0
        return models.ExperimentStats(
            launched_last_30d=launched_last,
            launched_previous_30d=launched_previous,
            percent_change=change,
            active_experiments=active,
            completed_last_30d=completed,
        )


def apply_change(session: Session, request: tables.ChangeRequest) -> dict[str, Any]:
    """Apply an approved change request's update, as its requester asked it, past the gate."""
    intent = request.intent
    row = find_experiment(session, request.project_id, int(intent["experiment_id"]), for_update=True)
    body = models.PatchedExperimentInput.model_validate(intent["changes"])
    _apply(row, _plan_update(row, body))
    session.flush()
    return {"experiment_id": row.id, "feature_flag_active": row.feature_flag.active}


_SHOWN_BY_ID = present.SHOWN.where(
    tables.Experiment.id == bindparam("id"), tables.Experiment.project_id == bindparam("project_id")
)


def _shown(session: Session, project_id: int, experiment_id: int) -> models.Experiment:
    row = session.execute(_SHOWN_BY_ID, {"id": experiment_id, "project_id": project_id}).mappings().first()
    if row is None:
        raise NotFoundError()
    return present.experiment(row)


_BY_ID = select(tables.Experiment).where(
    tables.Experiment.id == bindparam("id"), tables.Experiment.project_id == bindparam("project_id")
)
# Concurrent updates of one experiment queue up instead of losing each other's changes.
_BY_ID_FOR_UPDATE = _BY_ID.with_for_update(of=tables.Experiment)


def find_experiment(
    session: Session, project_id: int, experiment_id: int, *, for_update: bool = False
) -> tables.Experiment:
    """The project's experiment, or NotFoundError; ``for_update`` locks its row until the transaction ends."""
    query = _BY_ID_FOR_UPDATE if for_update else _BY_ID
    row = session.scalars(query, {"id": experiment_id, "project_id": project_id}).first()
    if row is None:
        raise NotFoundError()
    return row


def _filtered(query: Select[Any], given: requests.ExperimentsListRequest) -> Select[Any]:
    """``query`` narrowed by the list's filters."""
    experiment = tables.Experiment
    if given.search:
        escaped = given.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(experiment.name.ilike(f"%{escaped}%", escape="\\"))
    if given.archived is not None:
        query = query.where(experiment.archived.is_(given.archived))
    if given.created_by_id is not None:
        query = query.where(experiment.created_by_id == given.created_by_id)
    if given.status == models.ExperimentStatusFilter.draft:
        query = query.where(experiment.start_date.is_(None))
    elif given.status == models.ExperimentStatusFilter.running:
        query = query.where(experiment.start_date.is_not(None), experiment.end_date.is_(None))
    elif given.status == models.ExperimentStatusFilter.complete:
        query = query.where(experiment.end_date.is_not(None))
    return query


def _plan_update(row: tables.Experiment, body: Changes) -> _Plan:
    sent = body.model_fields_set
    for name in NOT_NULL:
        if name in sent and getattr(body, name) is None:
            raise BadRequestError("This field may not be null.", code="null", attr=name)
    if "feature_flag_key" in sent and body.feature_flag_key != row.feature_flag.key:
        raise BadRequestError("Can't update keys: get_feature_flag_key on Experiment")
    plan = _Plan()
    for name in ("name", "description", "start_date", "end_date", "archived"):
        if name in sent:
            plan.values[name] = getattr(body, name)
    for name in ("filters", "parameters", "secondary_metrics"):
        if name in sent:
            plan.values[name] = _json(getattr(body, name))
    rules.check_filters(plan.values.get("filters"))
    rules.check_dates(plan.values.get("start_date", row.start_date), plan.values.get("end_date", row.end_date))
    parameters = plan.values.get("parameters")
    is_draft = row.start_date is None
    if is_draft and parameters:
        rules.check_new_variants(parameters)
        plan.flag_filters = rules.flag_filters(parameters)
    elif not is_draft and "parameters" in sent:
        rules.check_launched_variants(parameters, row.feature_flag.filters.get("multivariate", {}).get("variants", []))
    plan.activate_flag = is_draft and plan.values.get("start_date") is not None
    return plan


def _apply(row: tables.Experiment, plan: _Plan) -> None:
    for name, value in plan.values.items():
        setattr(row, name, value)
    row.updated_at = tables.now()
    flag = row.feature_flag
    if plan.flag_filters is not None:
        flag.filters = plan.flag_filters
    if plan.activate_flag:
        flag.active = True
    if plan.flag_filters is not None or plan.activate_flag:
        flag.updated_at = tables.now()


def _json(value: Any) -> Any:
    """A body value as JSON, with only the keys that were sent (stored as sent)."""
    if value is None:
        return None
    if isinstance(value, list):
        return [_json(item) for item in value]
    return value.model_dump(mode="json", exclude_unset=True)
