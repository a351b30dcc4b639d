"""Wake the outbox dispatchers of other processes the moment a change with messages commits.

With OUTBOX_IN_PROCESS=false a separate `customer-accounts worker` delivers mail (and, with Redis, events);
polling alone would hold each message for up to OUTBOX_POLL_SECONDS. Instead:
- PostgreSQL: the committing transaction carries a NOTIFY (app/db.py); each listener LISTENs on a
  connection of its own, outside the pool.
- another database with REDIS_URL: the committing process publishes on a Redis channel after the commit.
- SQLite without Redis: polling only (one host; keep OUTBOX_POLL_SECONDS short).
Polling stays the fallback: a wake-up lost in an outage costs one poll at most, and a listener that
(re)connects wakes its dispatcher once to catch up on what committed meanwhile.
"""

import asyncio
import contextlib
import logging
from typing import Any, Protocol

from sqlalchemy.pool import NullPool

from app.config import Settings
from app.db import OUTBOX_CHANNEL, Database, create_engine
from app.events import RedisBroker
from app.outages import describe, reported_by_caller

logger = logging.getLogger(__name__)

WAKE_TOPIC = "outbox"
PING_EVERY_SECONDS = 10.0
MAX_RECONNECT_DELAY = 5.0


class WakeListener(Protocol):
    ready: asyncio.Event  # set while listening: a commit from now on wakes the dispatcher

    async def run(self, wake: asyncio.Event, stop: asyncio.Event) -> None: ...


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def _first_of(
    stop: asyncio.Event, other: "asyncio.Event | asyncio.Task[Any]", within: float | None = None
) -> None:
    """Wait until `stop` or `other` (an event, or a task) is done, or `within` seconds pass."""
    stopping = asyncio.create_task(stop.wait())
    waiting = other if isinstance(other, asyncio.Task) else asyncio.create_task(other.wait())
    try:
        await asyncio.wait([stopping, waiting], timeout=within, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        if waiting is not other:
            waiting.cancel()


class PostgresWakeListener:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.ready = asyncio.Event()
        self._lost = False

    async def run(self, wake: asyncio.Event, stop: asyncio.Event) -> None:
        engine = create_engine(
            self._settings.effective_database_url,
            poolclass=NullPool,
            connect_timeout=self._settings.database_connect_timeout_seconds,
        )
        delay = 0.2
        try:
            while not stop.is_set():
                try:
                    with reported_by_caller():  # this loop says it once below, not the engine's outage log too
                        await self._listen(engine, wake, stop)
                except Exception as error:
                    if not self._lost:
                        self._lost = True
                        reason = getattr(error, "reason", None) or describe(error)
                        logger.warning("outbox wake-ups lost the database (%s); polling until it answers", reason)
                    delay = 0.2 if self.ready.is_set() else min(delay * 2, MAX_RECONNECT_DELAY)
                    self.ready.clear()
                    await _sleep_unless(stop, delay)
        finally:
            await engine.dispose()

    async def _listen(self, engine: Any, wake: asyncio.Event, stop: asyncio.Event) -> None:
        async with engine.connect() as connection:
            try:
                raw = await connection.get_raw_connection()
                driver = raw.driver_connection  # the asyncpg connection
                closed = asyncio.Event()
                driver.add_termination_listener(lambda _connection: closed.set())
                await driver.add_listener(OUTBOX_CHANNEL, lambda *_args: wake.set())
                self.ready.set()
                wake.set()  # whatever committed while nobody listened
                if self._lost:
                    self._lost = False
                    logger.info("outbox wake-ups: listening for commits again")
                while not stop.is_set():
                    await _first_of(stop, closed, within=PING_EVERY_SECONDS)
                    if closed.is_set():
                        raise ConnectionError("the LISTEN connection closed")
                    if not stop.is_set():  # a half-open connection says nothing: ask it something
                        await asyncio.wait_for(driver.fetchval("SELECT 1"), timeout=PING_EVERY_SECONDS)
            finally:
                # Never hand a LISTENing connection back: close it.
                with contextlib.suppress(Exception):
                    await connection.invalidate()


class RedisWakeListener:
    """Listens on the wake-up channel through a RedisBroker of its own, which rides out Redis outages."""

    def __init__(self, redis: Any, prefix: str) -> None:
        self._broker = RedisBroker(redis, f"{prefix}outbox-wake")
        self.ready = asyncio.Event()

    async def run(self, wake: asyncio.Event, stop: asyncio.Event) -> None:
        def subscribed() -> None:
            self.ready.set()
            wake.set()  # whatever committed while nobody listened

        self._broker.on_subscribed = subscribed
        async with self._broker.subscribe(WAKE_TOPIC) as queue:
            await self._broker.start(wait_seconds=0)
            try:
                while not stop.is_set():
                    got = asyncio.create_task(queue.get())
                    await _first_of(stop, got)
                    if got.done():
                        wake.set()
                    got.cancel()
            finally:
                self.ready.clear()
                await self._broker.close()


class RedisWakePublisher:
    """Called after a commit that added outbox messages: tells the listeners, without making the caller wait."""

    def __init__(self, redis: Any, prefix: str) -> None:
        self._broker = RedisBroker(redis, f"{prefix}outbox-wake")
        self._sending: set[asyncio.Task[None]] = set()

    def __call__(self) -> None:
        task = asyncio.get_running_loop().create_task(self._send())
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send(self) -> None:
        try:
            await self._broker.publish([WAKE_TOPIC], {})
        except Exception as error:  # the listener's next poll delivers the message all the same
            logger.debug("outbox wake-up not sent: %s", type(error).__name__)


def announce_commits(db: Database, redis: Any, prefix: str) -> None:
    """Commits of this process that add outbox messages wake the dispatchers of other processes."""
    if db.is_postgresql:
        db.notify_other_processes = True
    elif redis is not None:
        db.on_outbox_commit.append(RedisWakePublisher(redis, prefix))


def wake_listener(settings: Settings, db: Database, redis: Any) -> WakeListener | None:
    """What wakes this process's dispatcher when another process commits messages; None: polling only."""
    if db.is_postgresql:
        return PostgresWakeListener(settings)
    if redis is not None:
        return RedisWakeListener(redis, settings.redis_prefix)
    return None
