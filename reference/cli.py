"""``python -m reference serve`` runs the server; ``python -m reference admin ...`` manages it.

Every admin subcommand prints one JSON object (``{"error": ...}`` and exit status 1 when refused).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from reference import admin
from reference.db.engine import Database
from reference.db.migrate import upgrade
from reference.settings import database_url


def main(argv: Sequence[str] | None = None) -> None:
    arguments = _parser().parse_args(argv)
    database = Database(database_url(arguments.database_url))
    try:
        arguments.run(database, arguments)
    except admin.AdminError as error:
        print(json.dumps({"error": str(error)}))
        sys.exit(1)
    finally:
        database.dispose()


def _serve(database: Database, arguments: argparse.Namespace) -> None:
    import uvicorn

    from reference.app import build
    from reference.wire import Protocol

    app = build(database, arguments.public_url or f"http://{arguments.host}:{arguments.port}")
    if admin.is_empty(database):
        print(json.dumps(admin.init(database)), flush=True)
    uvicorn.run(app, host=arguments.host, port=arguments.port, log_level=arguments.log_level, http=Protocol)


def _admin(call: Callable[..., dict[str, Any]], *names: str) -> Callable[[Database, argparse.Namespace], None]:
    """A subcommand that migrates the database, calls ``call`` with the named arguments, prints the result."""

    def run(database: Database, arguments: argparse.Namespace) -> None:
        upgrade(database)
        print(json.dumps(call(database, **{name: getattr(arguments, name) for name in names}), indent=2))

    return run


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m reference", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="command")

    def command(group: Any, name: str, help_text: str, run: Callable[..., None]) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = group.add_parser(name, help=help_text, description=help_text)
        sub.add_argument(
            "--database-url", help="default: $DATABASE_URL, else SQLite in $EXPERIMENTS_DATA_DIR or .data/"
        )
        sub.set_defaults(run=run)
        return sub

    serve = command(commands, "serve", "Run the server (on an empty database, first make a project and a key)", _serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--public-url",
        help="where clients reach this server (default http://HOST:PORT): the served spec and page links name it",
    )
    serve.add_argument("--log-level", default="info")

    group = commands.add_parser("admin", help="Manage projects, users, keys and approvals").add_subparsers(
        required=True, metavar="subcommand"
    )
    command(group, "init", "Create an organization, a project, a user and an all-scopes key", _admin(admin.init))
    sub = command(
        group, "create-project", "Create a project", _admin(admin.create_project, "organization_id", "name", "timezone")
    )
    sub.add_argument("--organization-id", type=int, help="default: a new organization")
    sub.add_argument("--name", required=True)
    sub.add_argument("--timezone", default="UTC")
    command(group, "list-projects", "List projects", _admin(admin.list_projects))
    sub = command(
        group,
        "update-project",
        "Set a project's timezone or test-account filters",
        _admin(admin.update_project, "project_id", "timezone", "test_account_filters"),
    )
    sub.add_argument("--project-id", type=int, required=True)
    sub.add_argument("--timezone")
    sub.add_argument("--test-account-filters", type=_json_list, help="a JSON list of property filters")
    sub = command(
        group, "create-user", "Create a user", _admin(admin.create_user, "email", "first_name", "organization_ids")
    )
    sub.add_argument("--email", required=True)
    sub.add_argument("--first-name", default="")
    sub.add_argument("--organization-id", dest="organization_ids", type=int, action="append", help="repeatable")
    command(group, "list-users", "List users", _admin(admin.list_users))
    for name, active in (("deactivate-user", False), ("activate-user", True)):
        sub = command(
            group, name, f"{name.split('-')[0].capitalize()} a user", _admin(admin.set_user_active, "user_id", "active")
        )
        sub.add_argument("--user-id", type=int, required=True)
        sub.set_defaults(active=active)
    sub = command(
        group,
        "create-key",
        "Create a personal API key (printed once)",
        _admin(admin.create_key, "user_id", "scopes", "project_ids", "label"),
    )
    sub.add_argument("--user-id", type=int, required=True)
    sub.add_argument("--scopes", nargs="+", required=True, help="experiment:read, experiment:write or *")
    sub.add_argument("--project-id", dest="project_ids", type=int, action="append", help="limit the key (repeatable)")
    sub.add_argument("--label", default="")
    sub = command(group, "list-keys", "List keys (masked)", _admin(admin.list_keys, "user_id"))
    sub.add_argument("--user-id", type=int)
    sub = command(group, "revoke-key", "Delete a key", _admin(admin.revoke_key, "key_id"))
    sub.add_argument("--id", dest="key_id", type=int, required=True)
    sub = command(
        group,
        "add-policy",
        "Require approval for a flag change in a project",
        _admin(admin.add_policy, "project_id", "action_key", "quorum", "approver_user_ids", "allow_self_approve"),
    )
    sub.add_argument("--project-id", type=int, required=True)
    sub.add_argument("--action", dest="action_key", required=True, help="feature_flag.enable or feature_flag.update")
    sub.add_argument("--quorum", type=int, default=1)
    sub.add_argument("--approver-user-id", dest="approver_user_ids", type=int, action="append", default=[])
    sub.add_argument("--allow-self-approve", action="store_true")
    sub = command(group, "list-policies", "List approval policies", _admin(admin.list_policies, "project_id"))
    sub.add_argument("--project-id", type=int)
    sub = command(group, "remove-policy", "Remove an approval policy", _admin(admin.remove_policy, "policy_id"))
    sub.add_argument("--id", dest="policy_id", type=int, required=True)
    sub = command(group, "cohort-members", "List a cohort's persons", _admin(admin.cohort_members, "cohort_id"))
    sub.add_argument("--cohort-id", type=int, required=True)
    sub = command(
        group, "list-change-requests", "List change requests", _admin(admin.list_change_requests, "project_id", "state")
    )
    sub.add_argument("--project-id", type=int)
    sub.add_argument("--state", choices=["pending", "applied", "rejected", "expired", "failed"])
    for name, approve in (("approve", True), ("reject", False)):
        sub = command(
            group,
            name,
            f"{name.capitalize()} a change request" + (" (applied once the quorum approves)" if approve else ""),
            _admin(admin.decide, "change_request_id", "user_id", "approve", "reason"),
        )
        sub.add_argument("--id", dest="change_request_id", required=True)
        sub.add_argument("--user-id", type=int, required=True, help="the approver")
        sub.add_argument("--reason")
        sub.set_defaults(approve=approve)
    return parser


def _json_list(text: str) -> list[Any]:
    value = json.loads(text)
    if not isinstance(value, list):
        raise argparse.ArgumentTypeError("expected a JSON list")
    return value
