"""The authenticator: PostHog's personal API key checks, in PostHog's order and words.

It runs before each secured operation; it finds the key (``Authorization: Bearer``, else the
``personal_api_key`` query parameter, else the same field of a JSON body), then checks the user,
the project, the key's project limits, the user's membership and the operation's scope.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from posthog_experiments_server._runtime import Denied, ErrorAnswer, SecurityAlternative
from sqlalchemy import bindparam, select
from starlette.requests import Request

from reference.db import tables
from reference.db.engine import Database
from reference.errors import error_body
from reference.identity.keys import grants, hashed

_BODY_KEY_LIMIT = 64 * 1024  # a key in the body is looked for only in small JSON bodies
# One query, built once: the key, its user, the project, and the user's membership of its organization.
_LOOKUP = (
    select(
        tables.PersonalApiKey.scopes,
        tables.PersonalApiKey.scoped_projects,
        tables.User.id.label("user_id"),
        tables.User.is_active,
        tables.Project.id.label("project_id"),
        tables.Project.timezone,
        tables.Membership.id.label("membership_id"),
    )
    .select_from(tables.PersonalApiKey)
    .join(tables.User, tables.User.id == tables.PersonalApiKey.user_id)
    .outerjoin(tables.Project, tables.Project.id == bindparam("project_id"))
    .outerjoin(
        tables.Membership,
        (tables.Membership.user_id == tables.User.id)
        & (tables.Membership.organization_id == tables.Project.organization_id),
    )
    .where(tables.PersonalApiKey.secure_value == bindparam("secure_value"))
)


@dataclass(frozen=True)
class Caller:
    """The identity each operation receives: who calls, in which project, at which URL."""

    user_id: int
    project_id: int
    project_timezone: str
    url: str  # the request's absolute URL, for the list's next/previous links


class Authenticator:
    def __init__(self, database: Database, public_url: str | None = None) -> None:
        self._database = database
        self._lookup = database.prepare(_LOOKUP)
        self._public_url = public_url.rstrip("/") if public_url else None

    async def __call__(self, request: Request, alternatives: Sequence[SecurityAlternative]) -> Caller:
        key, source = await _find_key(request)
        if key is None:
            raise Denied(
                ErrorAnswer(
                    401,
                    error_body(
                        "authentication_error", "not_authenticated", "Authentication credentials were not provided."
                    ),
                    {"WWW-Authenticate": "Bearer"},
                )
            )
        required = sorted({scope for alternative in alternatives for _, scopes in alternative for scope in scopes})
        project_id = request.path_params.get("project_id", "")
        url = str(request.url)
        if self._public_url is not None:
            url = self._public_url + request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return await self._database.run_read(self._check, key, source, project_id, required, url)

    def _check(self, key: str, source: str, project_ref: str, required: list[str], url: str) -> Caller:
        project_id = (
            int(project_ref) if project_ref.isascii() and project_ref.isdigit() and len(project_ref) < 19 else -1
        )
        with self._database.read_one() as connection:
            found = self._lookup.first(connection, {"secure_value": hashed(key), "project_id": project_id})
        if found is None or not found["is_active"]:
            raise _refused(
                401,
                "authentication_failed",
                f"Personal API key found in request {source} is invalid.",
                {"WWW-Authenticate": "Bearer"},
            )
        found_project = found["project_id"]
        if found_project is None:
            raise Denied(ErrorAnswer(404, error_body("invalid_request", "not_found", "Project not found.")))
        scopes, scoped_projects = found["scopes"], found["scoped_projects"]
        if scoped_projects is not None and found_project not in scoped_projects:
            raise _refused(
                403, "permission_denied", f"API key does not have access to the requested project: ID {found_project}."
            )
        if found["membership_id"] is None:
            raise _refused(403, "permission_denied", "You don't have access to the project.")
        for scope in required:
            if not grants(scopes, scope):
                raise _refused(403, "permission_denied", f"API key missing required scope '{scope}'")
        return Caller(found["user_id"], found_project, found["timezone"], url)


def _refused(status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> Denied:
    return Denied(ErrorAnswer(status, error_body("authentication_error", code, detail), headers or {}))


async def _find_key(request: Request) -> tuple[str | None, str]:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), "Authorization header"
    if key := request.query_params.get("personal_api_key"):
        return key, "query string"
    size = request.headers.get("content-length", "")
    is_json = request.headers.get("content-type", "").startswith("application/json")
    if is_json and size.isdigit() and 0 < int(size) <= _BODY_KEY_LIMIT and "content-encoding" not in request.headers:
        try:
            body = json.loads(await request.body())
        except (ValueError, RecursionError):
            return None, ""  # the adapter reports the malformed body
        if isinstance(body, dict) and isinstance(body.get("personal_api_key"), str):
            return body["personal_api_key"], "body"
    return None, ""
