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
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from reference.db import tables
from reference.db.engine import Database
from reference.errors import error_body
from reference.identity.keys import grants, hashed

_BODY_KEY_LIMIT = 64 * 1024  # a key in the body is looked for only in small JSON bodies


@dataclass(frozen=True)
class Caller:
    """The identity each operation receives: who calls, in which project, at which URL."""

    user_id: int
    project_id: int
    project_timezone: str
    url: str  # the request's absolute URL, for the list's next/previous links


class Authenticator:
    def __init__(self, database: Database) -> None:
        self._database = database

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
        return await run_in_threadpool(self._check, key, source, project_id, required, str(request.url))

    def _check(self, key: str, source: str, project_ref: str, required: list[str], url: str) -> Caller:
        with self._database.read() as session:
            found = session.execute(
                select(tables.PersonalApiKey, tables.User)
                .join(tables.User, tables.User.id == tables.PersonalApiKey.user_id)
                .where(tables.PersonalApiKey.secure_value == hashed(key))
            ).first()
            if found is None or not found[1].is_active:
                raise _refused(
                    401,
                    "authentication_failed",
                    f"Personal API key found in request {source} is invalid.",
                    {"WWW-Authenticate": "Bearer"},
                )
            api_key, user = found
            project = session.get(tables.Project, int(project_ref)) if project_ref.isdigit() else None
            if project is None:
                raise Denied(ErrorAnswer(404, error_body("invalid_request", "not_found", "Project not found.")))
            if api_key.scoped_projects is not None and project.id not in api_key.scoped_projects:
                raise _refused(
                    403, "permission_denied", f"API key does not have access to the requested project: ID {project.id}."
                )
            member = session.scalar(
                select(tables.Membership.id).where(
                    tables.Membership.user_id == user.id,
                    tables.Membership.organization_id == project.organization_id,
                )
            )
            if member is None:
                raise _refused(403, "permission_denied", "You don't have access to the project.")
            for scope in required:
                if not grants(api_key.scopes, scope):
                    raise _refused(403, "permission_denied", f"API key missing required scope '{scope}'")
            return Caller(user.id, project.id, project.timezone, url)


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
        except ValueError:
            return None, ""  # the adapter reports the malformed body
        if isinstance(body, dict) and isinstance(body.get("personal_api_key"), str):
            return body["personal_api_key"], "body"
    return None, ""
