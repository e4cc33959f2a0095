"""The admin command's operations: identity, approval policies and change requests.

Each takes the database and returns a JSON-ready dict, which the command line prints.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from posthog_experiments_server import models
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reference import approvals
from reference.cohorts import member_query
from reference.db import tables
from reference.db.engine import Database
from reference.errors import ApiError
from reference.experiments.present import user_basic
from reference.experiments.service import apply_change
from reference.identity.keys import ALL_SCOPES, KNOWN_SCOPES, hashed, masked, new_personal_api_key, new_project_token

_Row = TypeVar("_Row")


class AdminError(Exception):
    """A refused admin operation; its message is printed as ``{"error": ...}``."""


def init(database: Database, *, email: str = "admin@example.com") -> dict[str, Any]:
    """An organization, a project, a user who belongs to it, and an all-scopes key."""
    with database.write() as session:
        organization = tables.Organization(name="Default organization")
        session.add(organization)
        session.flush()
        project = _new_project(session, organization.id, "Default project", "UTC")
        user = _new_user(session, email, "Admin", organization.id)
        key = _new_key(session, user.id, [ALL_SCOPES], None, "init")
        return {
            "organization_id": organization.id,
            "project_id": project.id,
            "project_token": project.api_token,
            "user_id": user.id,
            "personal_api_key": key["key"],
        }


def is_empty(database: Database) -> bool:
    with database.read() as session:
        return session.scalar(select(tables.Organization.id).limit(1)) is None


def create_project(
    database: Database, *, organization_id: int | None, name: str, timezone: str = "UTC"
) -> dict[str, Any]:
    with database.write() as session:
        if organization_id is None:
            organization = tables.Organization(name=name)
            session.add(organization)
            session.flush()
            organization_id = organization.id
        elif session.get(tables.Organization, organization_id) is None:
            raise AdminError(f"no organization {organization_id}")
        return _project(_new_project(session, organization_id, name, timezone))


def update_project(
    database: Database,
    *,
    project_id: int,
    timezone: str | None = None,
    test_account_filters: list[Any] | None = None,
) -> dict[str, Any]:
    """The project settings results use: its timezone, and the filters that leave test accounts out."""
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise AdminError(f"unknown timezone {timezone!r}") from None
    with database.write() as session:
        project = _existing(session, tables.Project, project_id)
        if timezone is not None:
            project.timezone = timezone
        if test_account_filters is not None:
            project.test_account_filters = test_account_filters
        return _project(project)


def list_projects(database: Database) -> dict[str, Any]:
    with database.read() as session:
        return {"projects": [_project(p) for p in session.scalars(select(tables.Project).order_by(tables.Project.id))]}


def create_user(
    database: Database, *, email: str, first_name: str = "", organization_ids: list[int] | None = None
) -> dict[str, Any]:
    with database.write() as session:
        user = _new_user(session, email, first_name, None)
        for organization_id in organization_ids or []:
            if session.get(tables.Organization, organization_id) is None:
                raise AdminError(f"no organization {organization_id}")
            session.add(tables.Membership(organization_id=organization_id, user_id=user.id))
        try:
            session.flush()
        except IntegrityError:
            raise AdminError(f"a user with email {email} exists") from None
        return _user(session, user)


def list_users(database: Database) -> dict[str, Any]:
    with database.read() as session:
        return {"users": [_user(session, u) for u in session.scalars(select(tables.User).order_by(tables.User.id))]}


def set_user_active(database: Database, *, user_id: int, active: bool) -> dict[str, Any]:
    with database.write() as session:
        user = _existing(session, tables.User, user_id)
        user.is_active = active
        return _user(session, user)


def create_key(
    database: Database, *, user_id: int, scopes: list[str], project_ids: list[int] | None, label: str = ""
) -> dict[str, Any]:
    unknown = sorted(set(scopes) - KNOWN_SCOPES)
    if unknown or not scopes:
        raise AdminError(f"unknown scopes {unknown}; known: {sorted(KNOWN_SCOPES)}")
    with database.write() as session:
        _existing(session, tables.User, user_id)
        return _new_key(session, user_id, scopes, project_ids, label)


def list_keys(database: Database, *, user_id: int | None = None) -> dict[str, Any]:
    query = select(tables.PersonalApiKey).order_by(tables.PersonalApiKey.id)
    if user_id is not None:
        query = query.where(tables.PersonalApiKey.user_id == user_id)
    with database.read() as session:
        return {"keys": [_key(key) for key in session.scalars(query)]}


def revoke_key(database: Database, *, key_id: int) -> dict[str, Any]:
    with database.write() as session:
        key = _existing(session, tables.PersonalApiKey, key_id)
        session.delete(key)
        return {"revoked": key_id}


def add_policy(
    database: Database,
    *,
    project_id: int,
    action_key: str,
    quorum: int,
    approver_user_ids: list[int],
    allow_self_approve: bool,
) -> dict[str, Any]:
    if action_key not in approvals.ACTIONS:
        raise AdminError(f"unknown action {action_key!r}; known: {list(approvals.ACTIONS)}")
    if quorum < 1:
        raise AdminError("the quorum is at least 1")
    with database.write() as session:
        _existing(session, tables.Project, project_id)
        for user_id in approver_user_ids:
            _existing(session, tables.User, user_id)
        policy = tables.ApprovalPolicy(
            project_id=project_id,
            action_key=action_key,
            quorum=quorum,
            approver_user_ids=approver_user_ids,
            allow_self_approve=allow_self_approve,
        )
        session.add(policy)
        session.flush()
        return approvals.policy_snapshot(policy) | {"project_id": project_id}


def list_policies(database: Database, *, project_id: int | None = None) -> dict[str, Any]:
    query = select(tables.ApprovalPolicy).order_by(tables.ApprovalPolicy.id)
    if project_id is not None:
        query = query.where(tables.ApprovalPolicy.project_id == project_id)
    with database.read() as session:
        return {
            "policies": [approvals.policy_snapshot(p) | {"project_id": p.project_id} for p in session.scalars(query)]
        }


def remove_policy(database: Database, *, policy_id: int) -> dict[str, Any]:
    with database.write() as session:
        session.delete(_existing(session, tables.ApprovalPolicy, policy_id))
        return {"removed": policy_id}


def cohort_members(database: Database, *, cohort_id: int) -> dict[str, Any]:
    """The persons (distinct ids) in a cohort, computed from the events now."""
    with database.read() as session:
        cohort = _existing(session, tables.Cohort, cohort_id)
        try:
            members = session.scalars(member_query(cohort, is_sqlite=database.is_sqlite)).all()
        except ApiError as error:
            raise AdminError(f"this server cannot list the members of cohort {cohort_id}: {error.detail}") from None
        return {"cohort_id": cohort_id, "count": len(members), "distinct_ids": sorted(members)}


def list_change_requests(
    database: Database, *, project_id: int | None = None, state: str | None = None
) -> dict[str, Any]:
    query = select(tables.ChangeRequest).order_by(tables.ChangeRequest.created_at)
    if project_id is not None:
        query = query.where(tables.ChangeRequest.project_id == project_id)
    if state is not None:
        query = query.where(tables.ChangeRequest.state == state)
    with database.read() as session:
        return {"change_requests": [_change_request(session, cr) for cr in session.scalars(query)]}


def decide(
    database: Database, *, change_request_id: str, user_id: int, approve: bool, reason: str | None = None
) -> dict[str, Any]:
    """Record an approver's decision; a rejection closes the request, the quorum's approval applies it."""
    with database.write() as session:
        request = session.get(tables.ChangeRequest, change_request_id, with_for_update=True)
        if request is None:
            raise AdminError(f"no change request {change_request_id}")
        if request.state != "pending":
            raise AdminError(f"the change request is {request.state}, not pending")
        approvers = request.policy_snapshot.get("users") or []
        _existing(session, tables.User, user_id)
        if approvers and user_id not in approvers:
            raise AdminError(f"user {user_id} is not an approver of this policy")
        if user_id == request.created_by_id and not request.policy_snapshot.get("allow_self_approve"):
            raise AdminError("the requester may not decide their own change request")
        session.add(
            tables.Approval(
                id=str(uuid.uuid4()),
                change_request_id=request.id,
                created_by_id=user_id,
                decision="approved" if approve else "rejected",
                reason=reason,
            )
        )
        session.flush()
        session.refresh(request)
        request.updated_at = tables.now()
        if not approve:
            request.state = "rejected"
        elif sum(a.decision == "approved" for a in request.approvals) >= int(request.policy_snapshot["quorum"]):
            _apply(session, request, user_id)
        return _change_request(session, request)


def _apply(session: Session, request: tables.ChangeRequest, user_id: int) -> None:
    try:
        with session.begin_nested():  # a change that no longer applies fails alone
            request.result_data = apply_change(session, request)
    except ApiError as error:
        request.state, request.apply_error = "failed", error.detail
        return
    request.state, request.applied_at, request.applied_by_id = "applied", tables.now(), user_id


def _new_project(session: Session, organization_id: int, name: str, timezone: str) -> tables.Project:
    project = tables.Project(
        organization_id=organization_id, name=name, api_token=new_project_token(), timezone=timezone
    )
    session.add(project)
    session.flush()
    return project


def _new_user(session: Session, email: str, first_name: str, organization_id: int | None) -> tables.User:
    user = tables.User(uuid=str(uuid.uuid4()), email=email, first_name=first_name, distinct_id=str(uuid.uuid4()))
    session.add(user)
    session.flush()
    if organization_id is not None:
        session.add(tables.Membership(organization_id=organization_id, user_id=user.id))
    return user


def _new_key(
    session: Session, user_id: int, scopes: list[str], project_ids: list[int] | None, label: str
) -> dict[str, Any]:
    key = new_personal_api_key()
    row = tables.PersonalApiKey(
        user_id=user_id,
        label=label,
        secure_value=hashed(key),
        mask_value=masked(key),
        scopes=scopes,
        scoped_projects=project_ids,
    )
    session.add(row)
    session.flush()
    return {"id": row.id, "key": key, "scopes": scopes, "project_ids": project_ids}


def _existing(session: Session, table: type[_Row], row_id: int) -> _Row:
    row = session.get(table, row_id)
    if row is None:
        raise AdminError(f"no {table.__name__} {row_id}")
    return row


def _project(project: tables.Project) -> dict[str, Any]:
    return {
        "id": project.id,
        "organization_id": project.organization_id,
        "name": project.name,
        "project_token": project.api_token,
        "timezone": project.timezone,
        "test_account_filters": project.test_account_filters,
    }


def _change_request(session: Session, request: tables.ChangeRequest) -> dict[str, Any]:
    shown = models.ChangeRequest.model_validate(approvals.change_request(session, request))
    return shown.model_dump(mode="json")


def _user(session: Session, user: tables.User) -> dict[str, Any]:
    organizations = session.scalars(
        select(tables.Membership.organization_id).where(tables.Membership.user_id == user.id)
    ).all()
    return user_basic(user) | {"is_active": user.is_active, "organization_ids": list(organizations)}


def _key(key: tables.PersonalApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "user_id": key.user_id,
        "label": key.label,
        "mask": key.mask_value,
        "scopes": key.scopes,
        "project_ids": key.scoped_projects,
        "created_at": key.created_at.isoformat(),
    }
