"""Async engine, session factories and units of work.

GraphQL resolves sibling fields concurrently, so nothing shares one AsyncSession: each mutation opens a
unit of work that commits on exit, and each loader batch reads through its own short session.

A database that cannot be reached (connection refused or reset, a server shutting down, an exhausted
pool) raises `ServiceUnavailableError`, which the API answers as a retryable error.

Pooled connections are not pinged before use (on PostgreSQL that is a round trip per checkout, about half
of a read-only request's). A connection that died while it sat idle (the server restarted, or ended the
session) is found by the first statement sent on it: SQLAlchemy then drops it and every connection pooled
before it, and a read session sends that first statement again, once, on a fresh connection (see
`_resend_on_a_fresh_connection`), so the first request after the database returns is served. A write is
never sent again by us, nor is any statement that fails after its session's first: those raise
`ServiceUnavailableError`. Connections are replaced after `DATABASE_POOL_RECYCLE_SECONDS`, before anything
in between drops them silently.
"""

import asyncio
import sqlite3
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Result, event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import ORMExecuteState, Session

from app import metrics
from app.config import Settings
from app.outages import BUSY_RETRY_AFTER, ServiceUnavailableError, describe, unavailable

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
# Of those, the ones a statement gets when the server has ended its connection (and may be back already).
_CONNECTION_GONE_SQLSTATES = ("08", "57P01", "57P02")
# Execution option of a read session's first statement on a connection: its disconnect is not reported,
# it is sent again (see _resend_on_a_fresh_connection).
_RESENDABLE = "customer_accounts_resendable"


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
    _report_outages(engine)
    return engine


def engine_options(settings: Settings, *, worker: bool = False) -> dict[str, Any]:
    if is_sqlite(settings.effective_database_url):
        return {}
    return {
        "pool_size": settings.worker_database_pool_size if worker else settings.database_pool_size,
        "max_overflow": settings.worker_database_max_overflow if worker else settings.database_max_overflow,
        "pool_timeout": settings.database_pool_timeout_seconds,
        "connect_timeout": settings.database_connect_timeout_seconds,
        "pool_recycle": settings.database_pool_recycle_seconds,
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
        error = context.original_exception
        if isinstance(error, ServiceUnavailableError):  # from _connect, reported there
            return
        if isinstance(error, asyncio.CancelledError):
            # Our caller went away (a subscriber, a disconnected client): it stays cancelled, and the
            # connection, in an unknown state, is dropped by the pool. Not an outage.
            return
        if _connection_is_gone(error):
            # asyncpg may raise the server's goodbye before it sees the socket close: never pool it again.
            context.is_disconnect = True
        if context.is_disconnect and _resendable(context):
            raise _IdleConnectionLost(describe(error)) from error
        if context.is_disconnect or is_outage(error):
            raise unavailable("database", error) from error


def _connection_is_gone(error: BaseException) -> bool:
    return isinstance(error, ConnectionError) or _sqlstate(error).startswith(_CONNECTION_GONE_SQLSTATES)


def _resendable(context: Any) -> bool:
    execution = context.execution_context
    return execution is not None and bool(execution.execution_options.get(_RESENDABLE))


class _IdleConnectionLost(ServiceUnavailableError):
    """A read session's first statement found its pooled connection dead: sent again, not reported."""

    def __init__(self, reason: str) -> None:
        super().__init__("database", reason)


class _ReadSession(Session):
    """The session behind `Database.read()`."""


@event.listens_for(_ReadSession, "do_orm_execute")
def _resend_on_a_fresh_connection(state: ORMExecuteState) -> Result[Any] | None:
    """A pooled connection may have died while it sat idle; its first statement is where that shows. When the
    session holds no connection and no objects yet, nothing it has seen is lost by starting over: the
    statement is sent once more, on a fresh connection (SQLAlchemy has dropped the dead one and every
    connection pooled before it). A second failure is reported like any other."""
    session = state.session
    if session.in_transaction() or len(session.identity_map):
        return None
    try:
        return state.invoke_statement(execution_options={_RESENDABLE: True})
    except _IdleConnectionLost:
        session.rollback()  # lets go of the dead connection
        return state.invoke_statement()


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
        metrics.watch_pool(engine)  # connections in use and the pool's capacity, for /metrics
        # Reads on PostgreSQL run without BEGIN/ROLLBACK around them (two round trips saved per read session):
        # under READ COMMITTED every statement sees what was committed before it started, in a transaction or
        # not, so a read session loses nothing by it. Writes go through unit_of_work, never here. On SQLite
        # BEGIN is an in-process call, not a round trip, and our begin listener keeps its locking rules.
        read_engine = engine.execution_options(isolation_level="AUTOCOMMIT") if self.is_postgresql else engine
        self._read = async_sessionmaker(
            read_engine, sync_session_class=_ReadSession, expire_on_commit=False, autoflush=False
        )
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
        metrics.unwatch_pool(self.engine)
        await self.engine.dispose()
