"""A separate worker (OUTBOX_IN_PROCESS=false) delivers mail and events at once, although it polls only
every minute: a commit wakes it (PostgreSQL NOTIFY, or Redis)."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest

from app.config import Settings
from app.outbox import enqueue_event
from app.runtime import Runtime
from app.worker import Worker
from tests.accounts.queries import REQUEST_RESET
from tests.conftest import TEST_DATABASE_URL
from tests.faults.conftest import Started
from tests.faults.proxy import TcpProxy
from tests.support import Mailbox, make_customer

WAIT = 10.0  # the test's patience: far below the 60 s poll, so only a wake-up can deliver in time


@pytest.fixture(params=["postgresql-notify", "redis"])
def wake_changes(request: pytest.FixtureRequest) -> dict[str, Any]:
    changes: dict[str, Any] = {"outbox_in_process": False, "outbox_poll_seconds": 60.0}
    if request.param == "redis":
        changes |= {"redis_url": request.getfixturevalue("redis_url")}
        changes |= {"redis_prefix": request.getfixturevalue("redis_prefix")}
    elif not TEST_DATABASE_URL:
        pytest.skip("SQLite without Redis has no wake-up: the worker polls")
    return changes


@pytest.fixture
async def worker(settings: Settings, wake_changes: dict[str, Any]) -> AsyncIterator[Worker]:
    """The worker's loop as `customer-accounts worker` runs it in another process: its own runtime and pool."""
    rt = Runtime.create(settings.model_copy(update=wake_changes), worker=True)
    running = Worker(rt)
    stop = asyncio.Event()
    task = asyncio.create_task(running.run(stop))
    try:
        yield running
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=WAIT)
        await rt.close()


async def test_a_separate_worker_is_woken_at_once_by_a_commit(
    start_app: Callable[..., AbstractAsyncContextManager[Started]],
    wake_changes: dict[str, Any],
    worker: Worker,
    mailbox: Mailbox,
) -> None:
    async with start_app(**wake_changes) as (_, api, rt):
        assert worker.wakeups is not None
        await asyncio.wait_for(worker.wakeups.ready.wait(), timeout=WAIT)
        customer = await make_customer(rt)
        await api.ok(REQUEST_RESET, {"input": {"email": customer.email}})
        await mailbox.wait_for(customer.email, "Reset your password", timeout=WAIT)

        # An event committed by the server reaches its subscribers (through the worker when Redis is there).
        async with rt.broker.subscribe("wake-test") as events:
            async with rt.db.unit_of_work() as session:
                enqueue_event(session, rt.keyring, "test.event", ["wake-test"], {"n": 1})
            assert (await asyncio.wait_for(events.get(), timeout=WAIT)).message == {"n": 1}

        # Again, now that the worker has gone back to sleep after its rounds.
        other = await make_customer(rt)
        await api.ok(REQUEST_RESET, {"input": {"email": other.email}})
        await mailbox.wait_for(other.email, "Reset your password", timeout=WAIT)


async def _until(condition: Callable[[], bool]) -> None:
    for _ in range(int(WAIT / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached in time")


@pytest.mark.usefixtures("postgres_only")
async def test_the_worker_listens_again_after_a_database_outage(
    settings: Settings,
    start_app: Callable[..., AbstractAsyncContextManager[Started]],
    proxied_database_url: str,
    db_proxy: TcpProxy,
    mailbox: Mailbox,
) -> None:
    changes: dict[str, Any] = {"outbox_in_process": False, "outbox_poll_seconds": 60.0}
    rt = Runtime.create(settings.model_copy(update={**changes, "database_url": proxied_database_url}), worker=True)
    worker = Worker(rt)
    assert worker.wakeups is not None
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    try:
        async with start_app(**changes) as (_, api, server):
            await asyncio.wait_for(worker.wakeups.ready.wait(), timeout=WAIT)
            await db_proxy.cut()
            await _until(lambda: not worker.wakeups.ready.is_set())  # type: ignore[union-attr]
            await db_proxy.restore()
            await asyncio.wait_for(worker.wakeups.ready.wait(), timeout=WAIT)
            customer = await make_customer(server)
            await api.ok(REQUEST_RESET, {"input": {"email": customer.email}})
            await mailbox.wait_for(customer.email, "Reset your password", timeout=WAIT)
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=WAIT)
        await rt.close()
