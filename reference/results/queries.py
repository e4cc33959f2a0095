"""The counting behind results, done by the database: exposures, trend series and funnels, each one
SELECT grouped by variant, so that no event is loaded into Python.

A person is a ``distinct_id``. Variants come from ``event_flags`` (an event's ``$feature/<flag key>``),
exposures from ``$feature_flag_called`` events (their flag and response are columns of ``events``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Numeric, Select, String, Subquery, and_, cast, func, literal, select, union_all
from sqlalchemy.orm import Session

from reference.db import tables
from reference.events.store import epoch_ms
from reference.results.conditions import PropertyReader
from reference.results.metrics import PER_ACTOR_MATH, Exposure, Step

_DAY_MS = 86_400_000
_NO_VARIANT = literal(None, String).label("variant")
_EVENT, _FLAG = tables.Event, tables.EventFlag
_SAME_EVENT = (
    (_EVENT.project_id == _FLAG.project_id)
    & (_EVENT.timestamp_ms == _FLAG.timestamp_ms)
    & (_EVENT.uuid == _FLAG.event_uuid)
)


@dataclass(frozen=True)
class Window:
    """The experiment's time window, and its days in the project's time zone."""

    start: datetime
    end: datetime
    timezone: str

    @property
    def start_ms(self) -> int:
        return epoch_ms(self.start)

    @property
    def end_ms(self) -> int:
        return epoch_ms(self.end)

    @property
    def offset_ms(self) -> int:
        """The zone's offset at the start; days are cut at local midnight by it (a DST change inside
        the window moves later cuts by the change)."""
        offset = self.start.astimezone(ZoneInfo(self.timezone)).utcoffset() or timedelta()
        return int(offset.total_seconds() * 1000)

    @property
    def first_day(self) -> int:
        return (self.start_ms + self.offset_ms) // _DAY_MS

    @property
    def days(self) -> list[date]:
        first, last = self.first_day, (self.end_ms + self.offset_ms) // _DAY_MS
        return [date(1970, 1, 1) + timedelta(days=day) for day in range(first, last + 1)]


@dataclass
class TrendCounts:
    """Per variant and day index (0 = the window's first day): the events, persons and property aggregate."""

    events: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(dict))
    persons: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(dict))
    aggregate: dict[str, dict[int, float]] = field(default_factory=lambda: defaultdict(dict))


@dataclass(frozen=True)
class FunnelCounts:
    persons: int  # everyone who did the first step in the window, whatever their variant
    steps: dict[str, list[int]]  # per variant: the persons who reached each step


class ResultQueries:
    def __init__(
        self,
        *,
        is_sqlite: bool,
        project_id: int,
        flag_key: str,
        variants: Sequence[str],
        window: Window,
        test_account_filters: list[dict[str, Any]],
        exposure_test_account_filters: list[dict[str, Any]],
    ) -> None:
        self._project_id, self._flag_key, self._variants, self._window = project_id, flag_key, list(variants), window
        self._properties = PropertyReader(_EVENT.properties, is_sqlite=is_sqlite)
        self._is_sqlite = is_sqlite
        self._test_accounts = test_account_filters  # the metric's
        self._exposure_test_accounts = exposure_test_account_filters  # a custom exposure filter's own

    # --- exposure ---------------------------------------------------------------------------

    def exposure_from_flag_calls(self, session: Session) -> dict[str, int]:
        """Persons with a ``$feature_flag_called`` for the flag answering each variant.

        One count per variant of its persons grouped: with the variant fixed, the exposure index
        hands the persons over in order, so the database counts them as they stream by instead of
        sorting every exposure (as ``count(DISTINCT ...)`` over all variants at once does).
        """
        per_variant = [
            select(literal(variant, String).label("variant"), func.count().label("persons")).select_from(
                select(_EVENT.distinct_id)
                .where(
                    _EVENT.project_id == self._project_id,
                    _EVENT.flag_key == self._flag_key,
                    _EVENT.flag_response == variant,
                    self._in_window(_EVENT.timestamp_ms),
                    self._event_conditions([]),
                )
                .group_by(_EVENT.distinct_id)
                .subquery()
            )
            for variant in self._variants
        ]
        return {str(variant): count for variant, count in session.execute(union_all(*per_variant)) if count}

    def exposure_from_event(self, session: Session, step: Step) -> dict[str, int]:
        """Persons who did the metric's ``step`` event, by the variant the event carries."""
        query = self._flagged(step, func.count(func.distinct(_FLAG.distinct_id))).group_by(_FLAG.variant)
        return {str(variant): count for variant, count in session.execute(query)}

    def exposure_from_filter(self, session: Session, exposure: Exposure) -> dict[str, int]:
        """A custom exposure filter's events (or, with ``dau``, persons), by the variant each carries."""
        counted = func.count(func.distinct(_FLAG.distinct_id)) if exposure.counts_persons else func.count()
        query = self._flagged(exposure.step, counted, test_accounts=self._exposure_test_accounts)
        return {str(variant): count for variant, count in session.execute(query.group_by(_FLAG.variant))}

    # --- trends -----------------------------------------------------------------------------

    def trend(self, session: Session, step: Step) -> TrendCounts:
        day = (_FLAG.timestamp_ms + self._window.offset_ms) // _DAY_MS - self._window.first_day
        aggregate: Any = literal(None)
        if step.math_property and step.math in ("sum", "avg", "min", "max"):
            value = self._properties.number(step.math_property)
            if step.math in ("sum", "avg") and not self._is_sqlite:
                value = cast(value, Numeric)  # a sum of doubles past 1.8e308 is an error in PostgreSQL
            aggregate = getattr(func, step.math)(value)
        persons = func.count(func.distinct(_FLAG.distinct_id)) if step.math == PER_ACTOR_MATH else literal(0)
        query = self._flagged(step, day.label("day"), func.count(), persons, aggregate).group_by(_FLAG.variant, day)
        counts = TrendCounts()
        for variant, day_index, events, people, value in session.execute(query):
            counts.events[variant][day_index] = events
            counts.persons[variant][day_index] = people
            if value is not None:
                counts.aggregate[variant][day_index] = float(value)
        return counts

    # --- funnels ----------------------------------------------------------------------------

    def funnel(self, session: Session, steps: Sequence[Step], window: timedelta) -> FunnelCounts:
        """Persons per variant reaching each step in order, each step within ``window`` of the first.

        Every first-step event is a possible start; from it each next step takes the earliest event
        after the previous one, which is the best a person can do from that start. A person's variant
        is the first ``$feature/<flag key>`` among their funnel events in the experiment's window.
        """
        window_ms = int(window.total_seconds() * 1000)
        first = self._step_events(steps[0])
        reached = select(first.c.distinct_id, first.c.at.label("start"), first.c.at.label("at")).cte("step_0")
        levels: list[Select[Any]] = [select(reached.c.distinct_id, literal(1).label("level"), _NO_VARIANT)]
        for number in range(1, len(steps)):
            following = self._step_events(steps[number])
            later = (
                following.c.at > reached.c.at
                if steps[number].event == steps[number - 1].event
                else (following.c.at >= reached.c.at)
            )
            reached = (
                select(reached.c.distinct_id, reached.c.start, func.min(following.c.at).label("at"))
                .join(
                    following,
                    and_(
                        following.c.distinct_id == reached.c.distinct_id,
                        later,
                        following.c.at <= reached.c.start + window_ms,
                    ),
                )
                .group_by(reached.c.distinct_id, reached.c.start)
                .cte(f"step_{number}")
            )
            levels.append(select(reached.c.distinct_id, literal(number + 1).label("level"), _NO_VARIANT))
        # The first touch joins in as one more row per person (level 0), so that one GROUP BY gives each
        # person's furthest step and variant: no join of two large intermediate results.
        touches = self._touches([step.event for step in steps])
        first_touch = select(touches.c.distinct_id, literal(0).label("level"), touches.c.variant).where(
            touches.c.rank == 1
        )
        rows = union_all(*levels, first_touch).subquery()
        person = (
            select(func.max(rows.c.level).label("level"), func.max(rows.c.variant).label("variant"))
            .group_by(rows.c.distinct_id)
            .subquery()
        )
        per_variant = select(person.c.variant, person.c.level, func.count()).group_by(person.c.variant, person.c.level)
        persons = 0
        steps_reached: dict[str, list[int]] = {}
        for name, level, count in session.execute(per_variant):
            persons += count if level > 0 else 0
            if level > 0 and name in self._variants:
                counts = steps_reached.setdefault(name, [0] * len(steps))
                for index in range(level):
                    counts[index] += count
        return FunnelCounts(persons, steps_reached)

    def _step_events(self, step: Step) -> Subquery:
        """A step's events in the window: the person and the time."""
        return (
            select(_EVENT.distinct_id, _EVENT.timestamp_ms.label("at"))
            .where(
                _EVENT.project_id == self._project_id,
                _EVENT.event == step.event,
                self._in_window(_EVENT.timestamp_ms),
                self._event_conditions(step.conditions),
            )
            .subquery()
        )

    def _touches(self, events: list[str]) -> Any:
        """Each person's flagged funnel events in the window, ranked by time (rank 1: the first touch)."""
        rank = func.row_number().over(partition_by=_FLAG.distinct_id, order_by=(_FLAG.timestamp_ms, _FLAG.event_uuid))
        query = select(_FLAG.distinct_id, _FLAG.variant, rank.label("rank")).where(
            _FLAG.project_id == self._project_id,
            _FLAG.flag_key == self._flag_key,
            _FLAG.event.in_(sorted(set(events))),
            self._in_window(_FLAG.timestamp_ms),
        )
        if self._test_accounts:
            query = query.join(_EVENT, _SAME_EVENT).where(self._event_conditions([]))
        return query.subquery()

    # --- shared -----------------------------------------------------------------------------

    def _flagged(self, step: Step, *columns: Any, test_accounts: list[dict[str, Any]] | None = None) -> Select[Any]:
        """``columns`` over ``step``'s events that carry one of the variants, grouped as the caller says;
        test accounts are filtered as the metric says unless ``test_accounts`` says otherwise."""
        filters = self._test_accounts if test_accounts is None else test_accounts
        query = select(_FLAG.variant, *columns).where(
            _FLAG.project_id == self._project_id,
            _FLAG.flag_key == self._flag_key,
            _FLAG.event == step.event,
            _FLAG.variant.in_(self._variants),
            self._in_window(_FLAG.timestamp_ms),
        )
        if step.conditions or filters or step.math_property:
            query = query.join(_EVENT, _SAME_EVENT).where(self._properties.conditions([*step.conditions, *filters]))
        return query

    def _in_window(self, column: Any) -> ColumnElement[bool]:
        inside: ColumnElement[bool] = column.between(self._window.start_ms, self._window.end_ms)
        return inside

    def _event_conditions(self, conditions: list[dict[str, Any]]) -> ColumnElement[bool]:
        return self._properties.conditions([*conditions, *self._test_accounts])
