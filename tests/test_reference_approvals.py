"""The approval gate: a covered flag change answers 409, waits in a change request, and is applied
only when approved through the admin command."""

from __future__ import annotations

import pytest

from reference import admin
from tests.reference_support import Api

LAUNCH = {"start_date": "2024-05-01T00:00:00Z"}
VARIANTS = {
    "feature_flag_variants": [{"key": "control", "rollout_percentage": 20}, {"key": "test", "rollout_percentage": 80}]
}


@pytest.fixture
def approver(api: Api) -> int:
    user = admin.create_user(api.database, email="approver@example.com", organization_ids=[1])
    return int(user["id"])


def test_a_gated_launch_waits_and_is_applied_on_approval(api: Api, approver: int) -> None:
    admin.add_policy(
        api.database,
        project_id=api.project_id,
        action_key="feature_flag.enable",
        quorum=1,
        approver_user_ids=[approver],
        allow_self_approve=False,
    )
    made = api.create()
    answer = api.patch(made["id"], LAUNCH)
    assert answer.status_code == 409, answer.text
    body = answer.json()
    assert body["code"] == "approval_required"
    assert body["status"] == "approval_required"
    assert body["detail"] == body["message"] == "A change request has been created and is pending approval."
    assert body["resource_type"] == "feature_flag"
    assert body["resource_id"] == str(made["feature_flag"]["id"])
    assert body["required_approvers"] == {"quorum": 1, "users": [approver], "roles": []}
    request = body["change_request"]
    assert request["id"] == body["change_request_id"]
    assert (request["state"], request["action_key"], request["validation_status"]) == (
        "pending",
        "feature_flag.enable",
        "valid",
    )
    assert request["created_by"]["id"] == api.user_id
    assert (request["can_approve"], request["can_cancel"], request["is_requester"], request["user_decision"]) == (
        False,
        False,
        False,
        None,
    )
    assert api.retrieve(made["id"]) == made  # nothing applied

    again = api.patch(made["id"], LAUNCH).json()
    assert (again["code"], again["detail"]) == (
        "change_request_pending",
        "A pending approval request already exists for this action",
    )
    assert again["change_request_id"] == body["change_request_id"]
    assert again["required_approvers"] == {}

    with pytest.raises(admin.AdminError, match="not an approver"):
        admin.decide(api.database, change_request_id=request["id"], user_id=api.user_id, approve=True)
    decided = admin.decide(api.database, change_request_id=request["id"], user_id=approver, approve=True, reason="ok")
    assert decided["state"] == "applied"
    assert decided["applied_by"]["id"] == approver
    assert [a["decision"] for a in decided["approvals"]] == ["approved"]
    launched = api.retrieve(made["id"])
    assert launched["start_date"] == LAUNCH["start_date"]
    assert launched["feature_flag"]["active"] is True
    assert admin.list_change_requests(api.database, state="pending") == {"change_requests": []}


def test_a_gated_variant_rewrite_can_be_rejected(api: Api, approver: int) -> None:
    admin.add_policy(
        api.database,
        project_id=api.project_id,
        action_key="feature_flag.update",
        quorum=1,
        approver_user_ids=[],
        allow_self_approve=True,
    )
    made = api.create()
    assert api.patch(made["id"], {"name": "plain fields pass"}).status_code == 200
    answer = api.patch(made["id"], {"parameters": VARIANTS})
    assert answer.status_code == 409, answer.text
    request_id = answer.json()["change_request_id"]
    rejected = admin.decide(api.database, change_request_id=request_id, user_id=approver, approve=False, reason="no")
    assert rejected["state"] == "rejected"
    assert api.retrieve(made["id"])["feature_flag"]["filters"] == made["feature_flag"]["filters"]
    # once decided, the same change may be asked again, and approved (self-approval allowed here)
    second = api.patch(made["id"], {"parameters": VARIANTS}).json()
    assert second["code"] == "approval_required"
    applied = admin.decide(
        api.database, change_request_id=second["change_request_id"], user_id=api.user_id, approve=True
    )
    assert applied["state"] == "applied"
    variants = api.retrieve(made["id"])["feature_flag"]["filters"]["multivariate"]["variants"]
    assert variants == VARIANTS["feature_flag_variants"]


def test_an_approver_asking_is_told_others_must_approve(api: Api) -> None:
    admin.add_policy(
        api.database,
        project_id=api.project_id,
        action_key="feature_flag.enable",
        quorum=1,
        approver_user_ids=[api.user_id],
        allow_self_approve=False,
    )
    made = api.create()
    body = api.patch(made["id"], LAUNCH).json()
    assert body["detail"] == "A change request has been created and is pending approval from others."


def test_changes_that_touch_no_policy_pass(api: Api) -> None:
    admin.add_policy(
        api.database,
        project_id=api.project_id,
        action_key="feature_flag.update",
        quorum=1,
        approver_user_ids=[],
        allow_self_approve=False,
    )
    made = api.create(start_date="2024-01-01T00:00:00Z")  # create is never gated
    assert made["feature_flag"]["active"] is True
    assert api.patch(made["id"], {"end_date": "2024-02-01T00:00:00Z"}).status_code == 200
