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

from sqlalchemy import Connection, Dialect, Insert, Select


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

    def first(self, connection: Connection, parameters: Mapping[str, Any]) -> dict[str, Any] | None:
        given = [parameters[name] for name in self._positions] if self._positions is not None else parameters
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
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
    """An INSERT of ``columns`` compiled once, run with the driver's ``executemany``.

    For bulk writes of plain values (capture): rows are tuples in ``columns`` order, JSON already
    serialized to text, times as epoch integers; the driver takes them as they are.
    """

    def __init__(self, statement: Insert, columns: Sequence[str], dialect: Dialect) -> None:
        compiled = statement.values(dict.fromkeys(columns)).compile(dialect=dialect)
        self._sql = compiled.string
        self.columns = tuple(columns)
        positions = compiled.positiontup
        if positions is not None and tuple(positions) != self.columns:
            raise ValueError(f"compiled parameters {positions} are not in the order {self.columns}")
        self._named = positions is None

    def run(self, connection: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
        given: Sequence[Any] = [dict(zip(self.columns, row, strict=True)) for row in rows] if self._named else rows
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(self._sql, given)
        finally:
            cursor.close()
