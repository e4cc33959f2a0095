"""Hot statements compiled once and run on the driver's cursor.

SQLAlchemy's Core execution costs tens of microseconds per statement (events, execution context,
result set-up), more than SQLite takes to answer a lookup by primary key. The statements run on
every request (the key lookup, the shown experiment) are compiled here once for the engine's
dialect and run straight on the DBAPI cursor; the columns' own result processors still turn the
driver's values into Python ones (JSON, time zones), so rows read the same as through Core.
Captured events are written the same way, a batch per ``executemany``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Dialect, Select, Table, bindparam, cast, func, select
from sqlalchemy.dialects import postgresql, sqlite


class PreparedSelect:
    """``statement`` for ``dialect``; ``first`` gives the first row as a dict keyed by column name.

    Parameters go to the driver as they are, so they must be plain ints and strings.
    """

    def __init__(self, statement: Select[Any], dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self._sql = compiled.string
        self._positions = compiled.positiontup  # None for named parameter styles
        self._keys = tuple(statement.selected_columns.keys())
        processors: list[Callable[[Any], Any] | None] = [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in statement.selected_columns
        ]
        self._processors = tuple(processors)

    def first(self, connection: Any, parameters: Mapping[str, Any]) -> dict[str, Any] | None:
        """The first row on ``connection``, a driver (DBAPI) connection, as ``Database.read_one`` gives."""
        given = [parameters[name] for name in self._positions] if self._positions is not None else parameters
        cursor = connection.cursor()
        try:
            cursor.execute(self._sql, given)
            row = cursor.fetchone()
        finally:
            cursor.close()
        if row is None:
            return None
        return {
            key: value if process is None else process(value)
            for key, value, process in zip(self._keys, row, self._processors, strict=True)
        }


class PreparedInsert:
    """A bulk INSERT of ``columns`` into ``table`` that skips rows already stored (by ``unique``),
    compiled once, run on the driver's cursor.

    Rows are tuples in ``columns`` order of plain values (JSON already text, times as integers),
    which the driver takes as they are. SQLite gets them through ``executemany``; PostgreSQL as one
    array per column, unnested by a single statement, since psycopg's ``executemany`` spends more
    time per row in Python than the server spends storing it.
    """

    def __init__(self, table: Table, columns: Sequence[str], unique: Sequence[str], dialect: Dialect) -> None:
        self.columns = tuple(columns)
        self._by_column = dialect.name == "postgresql"
        if self._by_column:
            arrays = [
                func.unnest(cast(bindparam(f"c{index}"), postgresql.ARRAY(table.c[name].type)))
                for index, name in enumerate(self.columns)
            ]
            statement = postgresql.insert(table).from_select(list(self.columns), select(*arrays))
            sql = statement.on_conflict_do_nothing(index_elements=list(unique)).compile(dialect=dialect).string
            for index in range(len(self.columns)):  # psycopg's %b: the arrays travel in binary, unquoted
                sql = sql.replace(f"%(c{index})s", f"%(c{index})b")
            self._sql = sql
            return
        compiled = (
            sqlite.insert(table)
            .values(dict.fromkeys(self.columns))
            .on_conflict_do_nothing(index_elements=list(unique))
            .compile(dialect=dialect)
        )
        if tuple(compiled.positiontup or ()) != self.columns:
            raise ValueError(f"compiled parameters {compiled.positiontup} are not in the order {self.columns}")
        self._sql = compiled.string

    def run(self, connection: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            if self._by_column:
                arrays = {f"c{index}": list(values) for index, values in enumerate(zip(*rows, strict=True))}
                cursor.execute(self._sql, arrays)
            else:
                cursor.executemany(self._sql, rows)
        finally:
            cursor.close()
