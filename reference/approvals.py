"""The approval gate: flag changes that a project's policy covers wait in change requests.

A gated request changes nothing but the change request it leaves; approving the request (the
admin command) applies the change as it was asked.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from posthog_experiments_server import models
from sqlalchemy import select
from sqlalchemy.orm import Session

from reference.db import tables
from reference.errors import BadRequestError
from reference.experiments.present import user_basic

EXPIRY = timedelta(days=14)
RESOURCE_TYPE = "feature_flag"
ENABLE = "feature_flag.enable"  # launching an experiment switches its flag on
UPDATE = "feature_flag.update"  # a draft's new variants rewrite its flag
ACTIONS = (ENABLE, UPDATE)
CREATED = "A change request has been created and is pending approval."
CREATED_FOR_OTHERS = "A change request has been created and is pending approval from others."
PENDING = "A pending approval request already exists for this action"


def gate(
    session: Session, *, user_id: int, experiment: tables.Experiment, actions: list[str], changes: dict[str, Any]
) -> models.ApprovalRequiredResponse | None:
    """None when no policy covers ``actions``; else the 409 answer, with its change request stored."""
    if not actions:
        return None
    policies = session.scalars(
        select(tables.ApprovalPolicy).where(
            tables.ApprovalPolicy.project_id == experiment.project_id, tables.ApprovalPolicy.action_key.in_(actions)
        )
    ).all()
    if not policies:
        return None
    if len(policies) > 1:
        raise BadRequestError(
            "This change matches multiple approval policies. Split your changes into separate API calls "
            "to address each policy independently.",
            code="policy_conflict",
        )
    policy = policies[0]
    resource_id = str(experiment.feature_flag_id)
    waiting = _pending(session, experiment.project_id, policy.action_key, resource_id)
    if waiting is not None:
        return answer(session, waiting, "change_request_pending", PENDING, {})
    request = tables.ChangeRequest(
        id=str(uuid.uuid4()),
        project_id=experiment.project_id,
        action_key=policy.action_key,
        resource_type=RESOURCE_TYPE,
        resource_id=resource_id,
        intent={"experiment_id": experiment.id, "changes": changes},
        intent_display={
            "description": f"{'Launch' if policy.action_key == ENABLE else 'Change the variants of'} "
            f"experiment {experiment.name!r} (flag {experiment.feature_flag.key!r})",
            "changes": changes,
        },
        policy_snapshot=policy_snapshot(policy),
        validated_at=tables.now(),
        created_by_id=user_id,
        expires_at=tables.now() + EXPIRY,
    )
    session.add(request)
    session.flush()
    self_excluded = user_id in policy.approver_user_ids and not policy.allow_self_approve
    approvers = {"quorum": policy.quorum, "users": policy.approver_user_ids, "roles": []}
    return answer(session, request, "approval_required", CREATED_FOR_OTHERS if self_excluded else CREATED, approvers)


def policy_snapshot(policy: tables.ApprovalPolicy) -> dict[str, Any]:
    return {
        "id": policy.id,
        "action_key": policy.action_key,
        "quorum": policy.quorum,
        "users": policy.approver_user_ids,
        "allow_self_approve": policy.allow_self_approve,
    }


def _pending(session: Session, project_id: int, action_key: str, resource_id: str) -> tables.ChangeRequest | None:
    found = session.scalars(
        select(tables.ChangeRequest).where(
            tables.ChangeRequest.project_id == project_id,
            tables.ChangeRequest.action_key == action_key,
            tables.ChangeRequest.resource_type == RESOURCE_TYPE,
            tables.ChangeRequest.resource_id == resource_id,
            tables.ChangeRequest.state == "pending",
        )
    ).first()
    if found is not None and found.expires_at <= tables.now():
        found.state, found.validation_status, found.updated_at = "expired", "expired", tables.now()
        session.flush()
        return None
    return found


def answer(
    session: Session, request: tables.ChangeRequest, code: str, message: str, approvers: dict[str, Any]
) -> models.ApprovalRequiredResponse:
    return models.ApprovalRequiredResponse.model_validate(
        {
            "code": code,
            "status": "approval_required",
            "detail": message,
            "message": message,
            "resource_type": request.resource_type,
            "resource_id": request.resource_id,
            "change_request_id": request.id,
            "change_request": change_request(session, request),
            "required_approvers": approvers,
        }
    )


def change_request(session: Session, request: tables.ChangeRequest) -> dict[str, Any]:
    """A change request as the API and the admin command show it (no per-user view: those four are off)."""

    def user(user_id: int | None) -> dict[str, Any] | None:
        return None if user_id is None else user_basic(session.get_one(tables.User, user_id))

    return {
        "id": request.id,
        "action_key": request.action_key,
        "action_version": request.action_version,
        "resource_type": request.resource_type,
        "resource_id": request.resource_id,
        "intent": request.intent,
        "intent_display": request.intent_display,
        "policy_snapshot": request.policy_snapshot,
        "validation_status": request.validation_status,
        "validation_errors": request.validation_errors,
        "validated_at": request.validated_at,
        "state": request.state,
        "created_by": user(request.created_by_id),
        "applied_by": user(request.applied_by_id),
        "created_at": request.created_at,
        "updated_at": request.updated_at,
        "expires_at": request.expires_at,
        "applied_at": request.applied_at,
        "apply_error": request.apply_error,
        "result_data": request.result_data,
        "approvals": [
            {
                "id": approval.id,
                "created_by": user(approval.created_by_id),
                "decision": approval.decision,
                "reason": approval.reason,
                "created_at": approval.created_at,
            }
            for approval in request.approvals
        ],
        "can_approve": False,
        "can_cancel": False,
        "is_requester": False,
        "user_decision": None,
    }
