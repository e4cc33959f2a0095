"""The engine and its transactions: every request reads or writes in one transaction."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import Engine, Select, create_engine, event
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from reference.db.prepared import PreparedSelect

P = ParamSpec("P")
T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 30_000


class Database:
    """Sessions on one database; ``write()`` commits on success and rolls everything back on error."""

    def __init__(self, url: str, *, pool_size: int = 20) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.engine = create_engine(url, pool_size=pool_size, max_overflow=10)
            _configure_sqlite(self.engine)
        else:
            # pre-ping: a connection the server dropped (a restart, pg_terminate_backend) is replaced
            # when it is taken from the pool, so that only the statements running at the time fail
            self.engine = create_engine(
                url, pool_size=pool_size, max_overflow=10, pool_recycle=3600, pool_pre_ping=True
            )
        # SQLite: writers take the write lock at BEGIN, so that two writers wait for each other
        # (busy timeout) instead of failing when a reader tries to upgrade its lock.
        self._writer = self.engine.execution_options(sqlite_begin="BEGIN IMMEDIATE")
        # One statement needs no transaction around it: SQLite's driver connections are in autocommit
        # mode (BEGIN is issued by the "begin" event below); on PostgreSQL a pool of autocommit
        # connections spares the BEGIN and ROLLBACK round trips.
        self._single_statement = (
            self.engine
            if self.is_sqlite
            else create_engine(
                url,
                pool_size=pool_size,
                max_overflow=10,
                pool_recycle=3600,
                pool_pre_ping=True,
                isolation_level="AUTOCOMMIT",
            )
        )
        # SQLite has one writer at a time anyway; queueing this process's writers on a lock spares
        # them SQLite's busy-wait sleeps, which grow to 100 ms. Other processes still meet the busy timeout.
        self._write_lock = threading.Lock() if self.is_sqlite else nullcontext()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def read_one(self) -> Iterator[Any]:
        """For a hot read of one statement (``PreparedSelect``): the pool's driver connection itself,
        outside a transaction; a SQLAlchemy Connection, let alone a Session, costs more than the query."""
        pooled = self._single_statement.raw_connection()
        try:
            yield pooled.driver_connection
        finally:
            pooled.close()

    @contextmanager
    def write(self) -> Iterator[Session]:
        with self._write_lock, Session(self._writer, expire_on_commit=False) as session, session.begin():
            yield session

    async def run_read(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a read from async code: on SQLite right here, elsewhere in the thread pool.

        A SQLite read takes tens of microseconds and, in WAL mode, never waits for a writer, so
        a hop to a thread would cost more than the read. Writes, long reads (results) and reads
        over a network go to the thread pool (``run_in_thread``).
        """
        if self.is_sqlite:
            return call(*args, **kwargs)
        return await run_in_threadpool(call, *args, **kwargs)

    @staticmethod
    async def run_in_thread(call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await run_in_threadpool(call, *args, **kwargs)

    def prepare(self, statement: Select[Any]) -> PreparedSelect:
        """``statement`` compiled once for this database, to run in ``read_one``."""
        return PreparedSelect(statement, self.engine.dialect)

    def dispose(self) -> None:
        self.engine.dispose()
        self._single_statement.dispose()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy's begin event below issues BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # straight to the driver: through SQLAlchemy it costs more than a short read
        connection.connection.driver_connection.execute(connection.get_execution_options().get("sqlite_begin", "BEGIN"))
