"""Async engine, session factories and units of work.

GraphQL resolves sibling fields concurrently, so nothing shares one AsyncSession: each mutation opens a
unit of work that commits on exit, and each loader batch reads through its own short session.

A database that cannot be reached (connection refused or reset, a server shutting down, an exhausted
pool) raises `ServiceUnavailableError`, which the API answers as a retryable error. Pooled connections
are pinged before use, so the first request after the database returns gets a fresh connection; a
statement that fails mid-way is never sent again by us.
"""

import sqlite3
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.util import await_

from app.config import Settings
from app.outages import BUSY_RETRY_AFTER, describe, unavailable

SQLITE_WRITE_OPTION = "customer_accounts_write"
# Set in session.info by whoever adds outbox rows; after commit the dispatcher is woken at once.
OUTBOX_WAKE_KEY = "outbox_wake"
# Set in session.info by a unit of work that ends sessions or changes what they may see (the accounts).
SESSIONS_CHANGED_KEY = "sessions_changed"
# PostgreSQL channel a separate worker LISTENs on; NOTIFY goes out with the commit that added messages.
OUTBOX_CHANNEL = "customer_accounts_outbox"

# SQLSTATEs that mean "the server is not there for us right now": connection exceptions (class 08),
# too many connections, and a server shutting down, crashed or starting up.
_UNAVAILABLE_SQLSTATES = ("08", "53300", "57P01", "57P02", "57P03")


def mark_sessions_changed(session: AsyncSession, customer_id: uuid.UUID) -> None:
    """This unit of work ends the account's sessions or changes their roles or status: once it commits,
    every process forgets what it remembered of them (app/security/session_cache.py)."""
    session.info.setdefault(SESSIONS_CHANGED_KEY, set()).add(customer_id)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(database_url: str, *, connect_timeout: float | None = None, **kwargs: Any) -> AsyncEngine:
    if is_sqlite(database_url):
        url = make_url(database_url)
        if url.database and url.database != ":memory:":
            from pathlib import Path

            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(database_url, connect_args={"timeout": 30}, **kwargs)
        _configure_sqlite(engine)
    else:
        connect_args = {"timeout": connect_timeout} if connect_timeout else {}
        engine = create_async_engine(database_url, connect_args=connect_args, **kwargs)
        if engine.dialect.driver == "asyncpg":
            _ping_on_checkout(engine)
    _report_outages(engine)
    return engine


def _ping_on_checkout(engine: AsyncEngine) -> None:
    """The pool's pre-ping in one round trip. SQLAlchemy's own wraps the ping in BEGIN and ROLLBACK (for
    PgBouncer's transaction mode, where a ping outside a transaction may reach another server connection:
    harmless, it only says the pooler answers): three round trips per checkout instead of one. A ping that
    fails raises DisconnectionError, on which the pool drops the connection and checks out a fresh one."""

    @event.listens_for(engine.sync_engine, "checkout")
    def _ping(_dbapi_connection: Any, _record: Any, proxy: Any) -> None:
        try:
            await_(proxy.driver_connection.fetchrow(";"))
        except Exception as error:
            raise exc.DisconnectionError(describe(error)) from error


def engine_options(settings: Settings, *, worker: bool = False) -> dict[str, Any]:
    if is_sqlite(settings.effective_database_url):
        return {}
    return {
        "pool_size": settings.worker_database_pool_size if worker else settings.database_pool_size,
        "max_overflow": settings.worker_database_max_overflow if worker else settings.database_max_overflow,
        "pool_timeout": settings.database_pool_timeout_seconds,
        "connect_timeout": settings.database_connect_timeout_seconds,
    }


def _sqlstate(error: BaseException | None) -> str:
    while error is not None:
        state = getattr(error, "sqlstate", None)
        if isinstance(state, str):
            return state
        error = error.__cause__ or getattr(error, "orig", None)
    return ""


def is_outage(error: BaseException) -> bool:
    """Whether a failure to connect, or of a statement, means the database is not reachable right now."""
    if isinstance(error, OSError):  # refused, reset, unreachable, timed out, name not resolved
        return True
    if isinstance(error, sqlite3.OperationalError | exc.OperationalError) and "unable to open" in str(error):
        return True
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    return _sqlstate(error).startswith(_UNAVAILABLE_SQLSTATES)


def _report_outages(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "do_connect")
    def _connect(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        try:
            return dialect.connect(*cargs, **cparams)
        except Exception as error:
            if is_outage(error):
                raise unavailable("database", error) from error
            raise

    @event.listens_for(engine.sync_engine, "handle_error")
    def _statement_failed(context: Any) -> None:
        # A failed pre-ping is how the pool finds a dead connection and replaces it: leave that alone.
        if context.is_pre_ping:
            return
        if context.is_disconnect or is_outage(context.original_exception):
            raise unavailable("database", context.original_exception) from context.original_exception


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so BEGIN is ours (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A deferred transaction that later writes can fail at once with SQLITE_BUSY instead of waiting;
        # units of work that will write take the write lock up front.
        if connection.get_execution_options().get(SQLITE_WRITE_OPTION):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


class Database:
    """The engine plus factories for read sessions and write units of work."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # Reads on PostgreSQL run without BEGIN/ROLLBACK around them (two round trips saved per read session):
        # under READ COMMITTED every statement sees what was committed before it started, in a transaction or
        # not, so a read session loses nothing by it. Writes go through unit_of_work, never here. On SQLite
        # BEGIN is an in-process call, not a round trip, and our begin listener keeps its locking rules.
        read_engine = engine.execution_options(isolation_level="AUTOCOMMIT") if self.is_postgresql else engine
        self._read = async_sessionmaker(read_engine, class_=AsyncSession, expire_on_commit=False, autoflush=False)
        write_engine = engine.execution_options(**{SQLITE_WRITE_OPTION: True})
        self._write = async_sessionmaker(write_engine, class_=AsyncSession, expire_on_commit=False)
        # Called after a commit that added outbox messages: wakes this process's dispatcher at once.
        self.on_outbox_commit: list[Callable[[], None]] = []
        # Set when another process (`customer-accounts worker`) delivers the outbox: on PostgreSQL the
        # commit then carries a NOTIFY that wakes it (and any other listener) at once.
        self.notify_other_processes = False
        # Awaited after a commit that marked accounts with mark_sessions_changed, before the caller goes on.
        self.on_sessions_changed: list[Callable[[frozenset[uuid.UUID]], Awaitable[None]]] = []

    @classmethod
    def from_settings(cls, settings: Settings, *, worker: bool = False) -> "Database":
        return cls(create_engine(settings.effective_database_url, **engine_options(settings, worker=worker)))

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        try:
            async with self._read() as session:
                yield session
        except exc.TimeoutError as error:  # no pooled connection freed up within the pool timeout
            raise unavailable("database", error, BUSY_RETRY_AFTER) from error

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """One transaction: commits when the block ends normally, rolls back when it raises.

        When it raises `ServiceUnavailableError` during or after the commit, whether the change was
        applied is unknown; it is not attempted again here.
        """
        try:
            async with self._write() as session:
                async with session.begin():
                    yield session
                    if session.info.get(OUTBOX_WAKE_KEY) and self.notify_other_processes and self.is_postgresql:
                        await session.execute(text(f"NOTIFY {OUTBOX_CHANNEL}"))
                if session.info.pop(OUTBOX_WAKE_KEY, False):
                    for wake in self.on_outbox_commit:
                        wake()
                changed = session.info.pop(SESSIONS_CHANGED_KEY, None)
                if changed:
                    for announce in self.on_sessions_changed:
                        await announce(frozenset(changed))
        except exc.TimeoutError as error:
            raise unavailable("database", error, BUSY_RETRY_AFTER) from error

    async def ping(self) -> None:
        """Raises `ServiceUnavailableError` when the database cannot answer now (down, or no connection free)."""
        async with self.read() as session:
            await session.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
