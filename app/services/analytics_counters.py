"""The analytics counters (analytics_rollup keeps them): the metrics, the periods, and how a slice's increments
and distinct markers are written (one upsert per counter, markers with ON CONFLICT DO NOTHING ... RETURNING)."""

import enum
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.runtime import Runtime
from app.services.analytics_events import dialect_insert
from models.analytics import ALL_CHANNELS, NO_GROUP, AnalyticsDistinct, AnalyticsRollup

PERIOD_KINDS = ("DAY", "WEEK", "MONTH")
# Keys per IN (…) list when reading rows for many customers or attempts at once.
CHUNK = 1000


class Metric(enum.StrEnum):
    """The counters. The figures staff read are made of them (app.services.analytics.FIGURES)."""

    REG_STARTED = "REG_STARTED"
    REG_COMPLETED = "REG_COMPLETED"
    REG_ACTIVATED = "REG_ACTIVATED"
    REG_ACTIVATION_SECONDS = "REG_ACTIVATION_SECONDS"
    CHANGES_BY_CUSTOMER = "CHANGES_BY_CUSTOMER"
    CHANGES_BY_STAFF = "CHANGES_BY_STAFF"
    ORDERS_PLACED = "ORDERS_PLACED"
    TICKETS_OPENED = "TICKETS_OPENED"
    HELP_SEARCHES = "HELP_SEARCHES"
    HELP_VIEWS = "HELP_VIEWS"
    HELP_SEARCHES_SETTLED = "HELP_SEARCHES_SETTLED"
    HELP_SEARCHES_WITHOUT_TICKET = "HELP_SEARCHES_WITHOUT_TICKET"
    HELP_VIEWS_SETTLED = "HELP_VIEWS_SETTLED"
    HELP_VIEWS_WITHOUT_TICKET = "HELP_VIEWS_WITHOUT_TICKET"
    PAYMENTS_DECIDED = "PAYMENTS_DECIDED"
    PAYMENTS_CHARGED = "PAYMENTS_CHARGED"
    SIGN_INS = "SIGN_INS"
    ACTIVE_ACCOUNTS = "ACTIVE_ACCOUNTS"
    ACTIVE_WITH_2FA = "ACTIVE_WITH_2FA"
    BUYERS_SELF_SERVICE = "BUYERS_SELF_SERVICE"
    REPEAT_BUYERS_SELF_SERVICE = "REPEAT_BUYERS_SELF_SERVICE"
    BUYERS_NO_SELF_SERVICE = "BUYERS_NO_SELF_SERVICE"
    REPEAT_BUYERS_NO_SELF_SERVICE = "REPEAT_BUYERS_NO_SELF_SERVICE"


# Counters kept per order channel as well as over all channels (the rest: over all channels only).
BY_CHANNEL = frozenset(
    {
        Metric.ORDERS_PLACED,
        Metric.TICKETS_OPENED,
        Metric.PAYMENTS_DECIDED,
        Metric.PAYMENTS_CHARGED,
        Metric.BUYERS_SELF_SERVICE,
        Metric.REPEAT_BUYERS_SELF_SERVICE,
        Metric.BUYERS_NO_SELF_SERVICE,
        Metric.REPEAT_BUYERS_NO_SELF_SERVICE,
    }
)


def period_start(kind: str, day: date) -> date:
    if kind == "DAY":
        return day
    if kind == "WEEK":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def period_end(kind: str, start: date) -> date:
    """The last day of the period that starts on `start`."""
    if kind == "DAY":
        return start
    if kind == "WEEK":
        return start + timedelta(days=6)
    following = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return following - timedelta(days=1)


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), UTC)


def day_of(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


CounterKey = tuple[str, date, str, uuid.UUID, str]
MarkerKey = tuple[str, str, date, uuid.UUID]


@dataclass
class Changes:
    """What a slice adds: counter increments, and distinct markers with what each adds when it is new."""

    counts: Counter[CounterKey] = field(default_factory=Counter)
    markers: dict[MarkerKey, list[tuple[Metric, uuid.UUID, str]]] = field(default_factory=dict)

    def count(self, metric: Metric, day: date, group: uuid.UUID | None, channel: str | None = None, n: int = 1) -> None:
        channels = (ALL_CHANNELS,) if channel is None or metric not in BY_CHANNEL else (ALL_CHANNELS, channel)
        for kind in PERIOD_KINDS:
            start = period_start(kind, day)
            for each in channels:
                self.counts[(kind, start, metric.value, group or NO_GROUP, each)] += n

    def once(
        self, scope: str, kind: str, start: date, subject: uuid.UUID, adds: list[tuple[Metric, uuid.UUID, str]]
    ) -> None:
        """Count `adds` (metric, group, channel) for this period if `subject` was not counted in `scope` yet."""
        self.markers.setdefault((scope, kind, start, subject), adds)


async def apply_changes(session: AsyncSession, changes: Changes) -> None:
    """Insert the markers (those already there are kept and count nothing), then add every increment to its
    counter: executemany statements, batched by the driver, in key order (two runs lock rows in one order)."""
    counts = changes.counts
    markers = sorted(changes.markers.items())
    if markers:
        distinct = AnalyticsDistinct.__table__  # type: ignore[attr-defined]
        statement = (
            dialect_insert(session, distinct)
            .on_conflict_do_nothing()
            .returning(distinct.c.scope, distinct.c.period_kind, distinct.c.period_start, distinct.c.subject_id)
        )
        rows = [{"scope": s, "period_kind": k, "period_start": p, "subject_id": u} for (s, k, p, u), _ in markers]
        new = {tuple(row) for row in (await session.execute(statement, rows)).all()}
        for key, adds in markers:
            if key in new:
                for metric, group, channel in adds:
                    counts[(key[1], key[2], metric.value, group, channel)] += 1
    values = sorted((key, value) for key, value in counts.items() if value)
    if not values:
        return
    table = AnalyticsRollup.__table__  # type: ignore[attr-defined]
    insert = dialect_insert(session, table)
    await session.execute(
        insert.on_conflict_do_update(
            index_elements=["period_kind", "period_start", "metric", "group_id", "channel"],
            set_={"value": table.c.value + insert.excluded.value},
        ),
        [
            {"period_kind": k, "period_start": p, "metric": m, "group_id": g, "channel": c, "value": v}
            for (k, p, m, g, c), v in values
        ],
    )


@dataclass
class Run:
    rt: Runtime
    until: datetime
    groups: dict[str, uuid.UUID]  # code -> id
    default_group: uuid.UUID | None

    def group_named(self, code: str | None) -> uuid.UUID:
        """The group a registration attempt named: the default for none, NO_GROUP for one that does not exist."""
        if code is None:
            return self.default_group or NO_GROUP
        return self.groups.get(code, NO_GROUP)


async def chunked(session: AsyncSession, make: Callable[[list[Any]], Any], keys: Sequence[Any]) -> list[Any]:
    rows: list[Any] = []
    for offset in range(0, len(keys), CHUNK):
        rows.extend((await session.execute(make(list(keys[offset : offset + CHUNK])))).all())
    return rows
