"""Bring a database's schema up to date with the Alembic migrations, safely from several processes at once."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from reference.db.engine import Database

MIGRATIONS = Path(__file__).with_name("migrations")
_LOCK_ID = 0x6578_7065  # any constant: the advisory lock that serializes migrating processes


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(database: Database) -> None:
    """Apply every migration not yet applied, in one transaction that holds the migration lock."""
    config = alembic_config()
    if database.is_sqlite:
        _upgrade_sqlite(database, config)
        return
    with database.write() as session:
        connection = session.connection()
        if not database.is_sqlite:  # SQLite's write lock (BEGIN IMMEDIATE) already serializes
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _upgrade_sqlite(database: Database, config: Config) -> None:
    """SQLite's own way to change a table: foreign keys off (a table rebuilt to change its definition
    is dropped, which they would refuse), every change in one transaction that takes the write lock,
    and the foreign keys checked whole before the commit."""
    with database.engine.connect() as connection:
        driver = connection.connection.driver_connection
        assert driver is not None
        driver.execute("PRAGMA foreign_keys=OFF")  # before BEGIN: inside a transaction it is ignored
        try:
            with connection.execution_options(sqlite_begin="BEGIN IMMEDIATE").begin():
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
                if broken is not None:
                    raise RuntimeError(f"migrating left a broken foreign key: {tuple(broken)}")
        finally:
            driver.execute("PRAGMA foreign_keys=ON")
