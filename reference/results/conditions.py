"""Property filters as SQL conditions on an event's JSON properties, on SQLite and PostgreSQL alike.

This server keeps no person profiles, so ``person`` properties are read from the event's own
properties (where PostHog's SDKs also put ``$set`` values); other property types are refused.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Float, and_, case, cast, func, literal, not_, or_, true

from reference.errors import BadRequestError

_READ_TYPES = (None, "event", "person")
# SQLite nests AND-ed conditions one level each (at most 1,000 deep) and binds each value (at most
# 32,766); these bounds keep every metric well inside both, on either database.
MAX_CONDITIONS = 200
MAX_VALUES = 10_000


class PropertyReader:
    """Text and numeric values of one JSON properties column, in the database's own dialect."""

    def __init__(self, column: Any, *, is_sqlite: bool) -> None:
        self._column, self._is_sqlite = column, is_sqlite

    def text(self, key: str) -> ColumnElement[Any]:
        return self._column[_checked(key)].as_string()  # type: ignore[no-any-return]

    def number(self, key: str) -> ColumnElement[Any]:
        """The property as a float where it is a JSON number, else NULL (never a failed cast)."""
        key = _checked(key)
        if self._is_sqlite:
            path = f'$."{key}"'
            return case(
                (func.json_type(self._column, path).in_(("integer", "real")), func.json_extract(self._column, path))
            )
        return case((func.jsonb_typeof(self._column[key]) == "number", cast(self._column[key].as_string(), Float)))

    def conditions(self, filters: list[dict[str, Any]]) -> ColumnElement[bool]:
        values = sum(len(item["value"]) if isinstance(item.get("value"), list) else 1 for item in filters)
        if len(filters) > MAX_CONDITIONS or values > MAX_VALUES:
            raise BadRequestError(
                f"Property filters of more than {MAX_CONDITIONS} conditions or {MAX_VALUES} values "
                "are not supported by this server."
            )
        return and_(true(), *(self._condition(item) for item in filters))

    def _condition(self, item: dict[str, Any]) -> ColumnElement[bool]:
        if item.get("type") not in _READ_TYPES:
            raise BadRequestError(f"Property filters of type '{item.get('type')}' are not supported by this server.")
        key, operator, value = str(item.get("key")), item.get("operator") or "exact", item.get("value")
        values = [str(v) for v in value] if isinstance(value, list) else [str(value)]
        text = self.text(key)
        if not values and operator not in ("exact", "is_not", "is_set", "is_not_set"):
            raise BadRequestError(f"Property filter '{key}' has no value to compare with.")
        if operator == "exact":
            return text.in_(values)
        if operator == "is_not":
            return or_(text.is_(None), not_(text.in_(values)))
        if operator in ("icontains", "not_icontains"):
            pattern = "%" + values[0].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            contains = func.lower(text).like(func.lower(literal(pattern)), escape="\\")
            return contains if operator == "icontains" else or_(text.is_(None), not_(contains))
        if operator == "is_set":
            return text.is_not(None)
        if operator == "is_not_set":
            return text.is_(None)
        if operator in ("gt", "gte", "lt", "lte"):
            try:
                bound = float(values[0])
            except ValueError:
                raise BadRequestError(f"Property filter '{key}' compares with a value that is not a number.") from None
            number = self.number(key)
            return {"gt": number > bound, "gte": number >= bound, "lt": number < bound, "lte": number <= bound}[
                operator
            ]
        raise BadRequestError(f"Property filter operator '{operator}' is not supported by this server.")


def _checked(key: str) -> str:
    if '"' in key or "\\" in key:
        raise BadRequestError(f"Property name {key!r} is not supported by this server.")
    return key
