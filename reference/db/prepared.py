"""Hot SELECTs compiled once and run on the driver's cursor.

SQLAlchemy's Core execution costs tens of microseconds per statement (events, execution context,
result set-up), more than SQLite takes to answer a lookup by primary key. The statements run on
every request (the key lookup, the shown experiment) are compiled here once for the engine's
dialect and run straight on the DBAPI cursor; the columns' own result processors still turn the
driver's values into Python ones (JSON, time zones), so rows read the same as through Core.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Connection, Dialect, Select


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
