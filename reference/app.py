"""The reference server's ASGI application: the generated app, given this implementation."""

from __future__ import annotations

from fastapi import FastAPI
from posthog_experiments_server.app import create_app

from reference.api import Experiments
from reference.capture import Capture
from reference.db.engine import Database
from reference.db.migrate import upgrade
from reference.errors import render
from reference.identity.auth import Authenticator


def build(database: Database, public_url: str | None = None) -> FastAPI:
    """The app on ``database``, whose schema is brought up to date first.

    ``public_url`` is where clients reach this server: the served spec names it, and the list's
    page links are made from it rather than from the request's ``Host``, which a client chooses.
    """
    upgrade(database)
    app = create_app(
        experiments=Experiments(database),
        capture=Capture(database),
        authenticator=Authenticator(database, public_url),
        error_renderer=render,
        public_url=public_url,
    )
    app.router.on_shutdown.append(database.dispose)
    return app
