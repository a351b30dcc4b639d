"""The staff analytics' rollups, computed incrementally from the events the app records (README, "Analytics").

Why a worker job and not the event's own transaction: the events come from a dozen services (sign-in, 2FA,
registration, orders pushed by integrations, tickets, payments, the help centre) that other work changes
all the time, and counting in each of their transactions would put an upsert of one shared counter row
(today, SIGN_INS, the customer's group) into every sign-in: on PostgreSQL every concurrent sign-in of a group
would queue on that row's lock. Counted afterwards, a request does no analytics work at all beyond the two
raw events nothing else records (analytics_events), and the job aggregates a batch of events into one upsert
per counter. The cost is freshness: figures trail the events by `ANALYTICS_SETTLE_SECONDS` plus the job's
interval (`ANALYTICS_ROLLUP_SECONDS`), a minute or two by default.

How a run counts each event exactly once, with any number of workers running it at once:

- Each source (a table of events) has a watermark row, `analytics_watermark.processed_until`: every event of
  the source with `created_at` up to it is counted. A run takes the row's lock (`SELECT … FOR UPDATE` on
  PostgreSQL; on SQLite every write transaction is `BEGIN IMMEDIATE`, one at a time), reads the next slice of
  events (`processed_until < created_at <= end`), adds them to the counters and moves the watermark to `end`
  in the same transaction. A second worker waits for the lock, then sees the moved watermark: nothing is
  counted twice, and a run that fails counts nothing.
- A slice ends at the latest `now - ANALYTICS_SETTLE_SECONDS`: an event is counted only when every
  transaction that could still commit an older `created_at` is long over (the timestamps are taken when the
  row is built, moments before its commit).
- Sources that read what another source learnt go no further than that source's watermark: orders need the
  customers' first self-service change (from the security log), the security log needs the registration
  attempts; help events are settled (followed by a ticket or not) only once their ticket window has passed.

Counters (`analytics_rollup`) are kept per DAY, ISO WEEK (from Monday) and MONTH, in UTC. Counts that add up
are added to all three at once. Distinct counts (accounts active in a period, customers who bought or bought
again) are not sums of days: a marker row per (scope, period, customer) is inserted with ON CONFLICT DO
NOTHING, and the counter grows only for the markers that were new (RETURNING says which). Markers of active
accounts are dropped once their period lies wholly behind the watermark (no event can reach it any more).
Figures are read from the counters only (app.services.analytics), never from the events.
"""

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.runtime import Runtime
from app.services import analytics_sources as sources
from app.services.analytics_counters import PERIOD_KINDS, Changes, Run, apply_changes, day_of, period_start
from app.services.analytics_events import dialect_insert
from models.analytics import AnalyticsDistinct, AnalyticsWatermark, HelpEvent, RegistrationAttempt
from models.base import utcnow
from models.customer import CustomerGroup
from models.order import Order
from models.payment import Payment
from models.security import SecurityEvent
from models.support import SupportTicket

TICK = timedelta(microseconds=1)
# Slices grow or shrink between these to hold about TARGET_EVENTS events each (one transaction per slice).
MIN_SLICE = timedelta(minutes=1)
MAX_SLICE = timedelta(days=1)
TARGET_EVENTS = 20_000


@dataclass(frozen=True)
class Source:
    name: str
    # Events of this source: (created_at) bounds of a slice -> how many were counted.
    process: Callable[[AsyncSession, Run, datetime, datetime, Changes], Awaitable[int]]
    # The time column the watermark follows, and an optional filter: to skip empty stretches fast.
    time_column: Any
    where: Callable[[], Iterable[Any]] = lambda: ()
    after: tuple[str, ...] = ()
    # How long after `until` an event is counted (help events: once their ticket window is over).
    delay: Callable[[Runtime], timedelta] = lambda rt: timedelta(0)
    # Work at the start of each run, under the source's lock (payments waiting for an outcome).
    before: Callable[[AsyncSession, Run, Changes], Awaitable[int]] | None = None


async def _lock_watermark(session: AsyncSession, source: str) -> datetime | None:
    """The source's watermark, locked until the transaction ends (created on first use)."""
    statement = select(col(AnalyticsWatermark.processed_until)).where(col(AnalyticsWatermark.source) == source)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        statement = statement.with_for_update()
    found = (await session.execute(statement)).first()
    if found is None:
        await session.execute(
            dialect_insert(session, AnalyticsWatermark)
            .values(source=source, processed_until=None, updated_at=utcnow())
            .on_conflict_do_nothing()
        )
        found = (await session.execute(statement)).first()
        assert found is not None
    mark: datetime | None = found[0]
    return mark


async def _watermark(session: AsyncSession, source: str) -> datetime | None:
    statement = select(col(AnalyticsWatermark.processed_until)).where(col(AnalyticsWatermark.source) == source)
    return (await session.execute(statement)).scalar()


async def _save_watermark(session: AsyncSession, source: str, until: datetime) -> None:
    row = await session.get(AnalyticsWatermark, source)
    assert row is not None
    row.processed_until, row.updated_at = until, utcnow()
    session.add(row)


async def _next_time(session: AsyncSession, source: Source, after: datetime | None) -> datetime | None:
    statement = select(func.min(source.time_column)).where(*source.where())
    if after is not None:
        statement = statement.where(source.time_column > after)
    found: datetime | None = (await session.execute(statement)).scalar()
    if found is not None and found.tzinfo is None:  # min() over SQLite's text comes back naive
        found = found.replace(tzinfo=UTC)
    return found


async def _run_source(run: Run, source: Source) -> int:
    """Count the source's events up to the run's end, one slice per transaction; how many were counted."""
    counted = 0
    slice_length = MAX_SLICE
    first = True
    while True:
        async with run.rt.db.unit_of_work() as session:
            mark = await _lock_watermark(session, source.name)
            limit = run.until - source.delay(run.rt)
            for dependency in source.after:
                needed = await _watermark(session, dependency)
                if needed is None:
                    return counted
                limit = min(limit, needed - source.delay(run.rt))
            if first and source.before is not None:
                changes = Changes()
                counted += await source.before(session, run, changes)
                await apply_changes(session, changes)
            first = False
            if mark is None:
                earliest = await _next_time(session, source, None)
                mark = limit if earliest is None else min(limit, earliest - TICK)
                await _save_watermark(session, source.name, mark)
            if mark >= limit:
                return counted
            end = min(limit, mark + slice_length)
            changes = Changes()
            found = await source.process(session, run, mark, end, changes)
            if found:
                await apply_changes(session, changes)
                if found > TARGET_EVENTS:
                    slice_length = max(MIN_SLICE, slice_length / 2)
                elif found < TARGET_EVENTS // 4:
                    slice_length = min(MAX_SLICE, slice_length * 2)
            else:  # skip an empty stretch in one step
                following = await _next_time(session, source, end)
                end = limit if following is None or following > limit else max(end, following - TICK)
            await _save_watermark(session, source.name, end)
            if source.name == SECURITY:
                await _forget_closed_periods(session, end)
        counted += found
        if end >= limit:
            return counted


async def _forget_closed_periods(session: AsyncSession, until: datetime) -> None:
    """Markers of active accounts for periods wholly before `until`: no sign-in counted later can be in them."""
    for kind in PERIOD_KINDS:
        await session.execute(
            delete(AnalyticsDistinct).where(
                col(AnalyticsDistinct.scope) == sources.ACTIVE,
                col(AnalyticsDistinct.period_kind) == kind,
                col(AnalyticsDistinct.period_start) < period_start(kind, day_of(until)),
            )
        )


ATTEMPTS = "registration_attempts"
SECURITY = "security_events"

SOURCES: tuple[Source, ...] = (
    Source(ATTEMPTS, sources.attempts, col(RegistrationAttempt.created_at)),
    Source(
        SECURITY,
        sources.security,
        col(SecurityEvent.created_at),
        where=lambda: (col(SecurityEvent.type).in_(sources.SECURITY_TYPES),),
        after=(ATTEMPTS,),
    ),
    Source("orders", sources.orders, col(Order.created_at), after=(SECURITY,)),
    Source("tickets", sources.tickets, col(SupportTicket.created_at)),
    Source("help_events", sources.help_events, col(HelpEvent.created_at)),
    Source(
        "help_followed",
        sources.help_followed,
        col(HelpEvent.created_at),
        where=lambda: (col(HelpEvent.customer_id).is_not(None),),
        delay=sources.ticket_window,
    ),
    Source("payments", sources.payments, col(Payment.created_at), before=sources.payments_decided_since),
)
SOURCE_NAMES = tuple(source.name for source in SOURCES)


async def run(rt: Runtime, *, until: datetime | None = None) -> int:
    """Count every event recorded up to `until` (default: now less ANALYTICS_SETTLE_SECONDS) that is not
    counted yet; returns how many were. Safe to run from any number of workers at once."""
    until = until or utcnow() - timedelta(seconds=rt.settings.analytics_settle_seconds)
    async with rt.db.read() as session:
        groups = {
            code: group_id
            for group_id, code in (await session.execute(select(col(CustomerGroup.id), col(CustomerGroup.code)))).all()
        }
    context = Run(rt, until, groups, groups.get(rt.settings.default_customer_group))
    counted = 0
    for source in SOURCES:
        counted += await _run_source(context, source)
    return counted


async def counted_until(rt: Runtime) -> datetime | None:
    """The moment up to which every figure but the help centre's ticket follow-up counts events (None: never
    rolled up)."""
    async with rt.db.read() as session:
        rows = (
            await session.execute(select(col(AnalyticsWatermark.source), col(AnalyticsWatermark.processed_until)))
        ).all()
    marks: dict[str, datetime | None] = {row[0]: row[1] for row in rows}
    needed = [marks.get(name) for name in SOURCE_NAMES if name != "help_followed"]
    if any(mark is None for mark in needed):
        return None
    return min(mark for mark in needed if mark is not None)
