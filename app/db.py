"""Async engine, session factories and units of work.

GraphQL resolves sibling fields concurrently, so nothing shares one AsyncSession: each mutation opens a
unit of work that commits on exit, and each loader batch reads through its own short session.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from app.config import Settings

SQLITE_WRITE_OPTION = "customer_accounts_write"
# Set in session.info by whoever adds outbox rows; after commit the dispatcher is woken at once.
OUTBOX_WAKE_KEY = "outbox_wake"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(database_url: str, **kwargs: Any) -> AsyncEngine:
    if is_sqlite(database_url):
        url = make_url(database_url)
        if url.database and url.database != ":memory:":
            from pathlib import Path

            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(database_url, connect_args={"timeout": 30}, **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_async_engine(database_url, pool_pre_ping=True, **kwargs)


def engine_options(settings: Settings) -> dict[str, Any]:
    if is_sqlite(settings.effective_database_url):
        return {}
    return {"pool_size": settings.database_pool_size, "max_overflow": settings.database_max_overflow}


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
        self._read = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False, autoflush=False)
        write_engine = engine.execution_options(**{SQLITE_WRITE_OPTION: True})
        self._write = async_sessionmaker(write_engine, class_=AsyncSession, expire_on_commit=False)
        self.on_outbox_commit: Callable[[], None] | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> "Database":
        return cls(create_engine(settings.effective_database_url, **engine_options(settings)))

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._read() as session:
            yield session

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """One transaction: commits when the block ends normally, rolls back when it raises."""
        async with self._write() as session:
            async with session.begin():
                yield session
            if session.info.pop(OUTBOX_WAKE_KEY, False) and self.on_outbox_commit is not None:
                self.on_outbox_commit()

    async def dispose(self) -> None:
        await self.engine.dispose()
