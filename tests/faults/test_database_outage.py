"""The database goes away and comes back (a TCP proxy cut and restored): every answer meanwhile is a clean,
retryable SERVICE_UNAVAILABLE with Retry-After and the request id, /readyz tells the truth, writes are not
repeated behind the client's back, and the app heals without a restart."""

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import AbstractAsyncContextManager, AsyncExitStack, contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from httpx import AsyncClient
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlmodel import col

from app.config import Settings
from app.db import Database, create_engine, is_outage
from app.main import create_app
from app.outages import ServiceUnavailableError
from app.runtime import Runtime
from app.startup import StartupError
from models.customer import ActivationMode, CustomerGroup
from tests.accounts.queries import LOGIN, ME, REGISTER
from tests.faults.conftest import Started
from tests.faults.proxy import TcpProxy
from tests.support import Api, lifespan, login, make_caller, make_customer

HELP = "{ helpArticles(first: 5) { edges { node { slug } } } }"


async def post(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    request_id: str,
    token: str | None = None,
) -> httpx.Response:
    headers = {"x-request-id": request_id}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)


def assert_unavailable(response: httpx.Response, request_id: str, *, status: int) -> dict[str, Any]:
    """A retryable JSON error: SERVICE_UNAVAILABLE with retryAfter, the request id, and Retry-After."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["x-request-id"] == request_id
    retry_after = int(response.headers["retry-after"])
    assert retry_after > 0
    body = response.json()
    [error] = body["errors"]
    assert error["extensions"] == {"code": "SERVICE_UNAVAILABLE", "retryAfter": retry_after, "requestId": request_id}
    assert "Try again" in error["message"]
    for leak in ("asyncpg", "Traceback", "127.0.0.1", "Connect call failed", "postgres"):
        assert leak not in response.text
    return dict(body)


async def pooled_backends(db: Database, count: int) -> set[int]:
    """Opens `count` connections at once and hands them back to the pool: the server processes behind them."""
    pids: set[int] = set()
    async with AsyncExitStack() as held:
        for _ in range(count):
            session = await held.enter_async_context(db.read())
            pids.add(await session.scalar(text("SELECT pg_backend_pid()")))
    return pids


async def settled(db: Database, quiet_seconds: float = 0.2) -> None:
    """Waits until no connection has been checked out of the pool for `quiet_seconds`: the background work a
    commit woke (the webhook dispatcher reads after each one) is done, and cannot be the first to meet a dead
    connection after the test ends them."""
    loop = asyncio.get_running_loop()
    deadline, quiet_since = loop.time() + 10, loop.time()
    while loop.time() - quiet_since < quiet_seconds:
        if db.engine.pool.checkedout():  # type: ignore[attr-defined]
            quiet_since = loop.time()
        assert loop.time() < deadline, "the pool never settled"
        await asyncio.sleep(0.01)


async def end_every_connection(database_url: str) -> set[int]:
    """Ends every server process connected to this test's database, as a restart of PostgreSQL would (or an
    idle-session timeout), waits until they are gone, and returns their process ids."""
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    admin = await asyncpg.connect(dsn)
    try:
        # With a timeout it waits for each to exit (false for one that had exited by itself meanwhile).
        ended = await admin.fetch(
            "SELECT pid, pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await admin.close()
    assert ended
    return {row["pid"] for row in ended}


@contextmanager
def statements_sent(engine: AsyncEngine, containing: str) -> Iterator[list[str]]:
    """The statements containing `containing` that went out (or were about to) while the block ran."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if containing in statement:
            sent.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_a_database_outage_answers_retryable_errors_and_heals_without_a_restart(
    start_app: Callable[..., AbstractAsyncContextManager[Started]], proxied_database_url: str, db_proxy: TcpProxy
) -> None:
    async with start_app(database_url=proxied_database_url) as (_, api, rt):
        caller = await make_caller(api, rt)
        assert (await api.client.get("/readyz")).json() == {"status": "ready", "database": "ok"}

        await db_proxy.cut()
        # The bearer token is checked before any operation runs: a 503 in GraphQL's error format.
        for query in (ME, HELP, "{ __typename }", "mutation { logout { userErrors { code } } }"):
            request_id = f"outage-{uuid.uuid4().hex[:8]}"
            response = await post(api.client, query, request_id=request_id, token=caller.token)
            assert_unavailable(response, request_id, status=503)
        # Anonymous operations fail inside the resolver: the field's error says the same.
        response = await post(api.client, HELP, request_id="anon-read")
        body = assert_unavailable(response, "anon-read", status=200)
        assert body["data"] is None or body["data"].get("helpArticles") is None
        response = await post(
            api.client,
            LOGIN,
            {"input": {"email": caller.customer.email, "password": caller.password}},
            request_id="anon-login",
        )
        assert_unavailable(response, "anon-login", status=200)
        # Nothing needs the database here: it still answers.
        assert (await post(api.client, "{ __typename }", request_id="no-db")).json() == {
            "data": {"__typename": "Query"}
        }
        ready = await api.client.get("/readyz")
        assert (ready.status_code, ready.json()) == (503, {"status": "unavailable", "database": "unreachable"})
        assert (await api.client.get("/healthz")).status_code == 200

        await db_proxy.restore()
        # Every pooled connection died with the cut: the next requests get fresh ones, no error on the way.
        assert (await api.client.get("/readyz")).json() == {"status": "ready", "database": "ok"}
        assert (await api.ok(ME, token=caller.token))["me"]["email"] == caller.customer.email
        assert (await api.ok(HELP))["helpArticles"] is not None


async def test_pooled_connections_that_died_while_idle_are_replaced_without_an_error(
    start_app: Callable[..., AbstractAsyncContextManager[Started]], proxied_database_url: str, db_proxy: TcpProxy
) -> None:
    async with start_app(database_url=proxied_database_url) as (_, api, rt):
        caller = await make_caller(api, rt)
        before = db_proxy.accepted
        await db_proxy.cut()
        await db_proxy.restore()  # no request saw the outage: the pool still holds the dead connections
        for _ in range(3):
            assert (await api.ok(ME, token=caller.token))["me"]["id"]
        assert db_proxy.accepted > before  # they were replaced


async def test_a_request_after_the_database_ended_every_pooled_connection_is_served(
    start_app: Callable[..., AbstractAsyncContextManager[Started]], database_url: str, postgres_only: None
) -> None:
    async with start_app(outbox_poll_seconds=60) as (_, api, rt):  # no background read comes first
        caller = await make_caller(api, rt)
        await settled(rt.db)
        await pooled_backends(rt.db, 3)
        killed = await end_every_connection(database_url)  # what a restart of PostgreSQL leaves in the pool
        with statements_sent(rt.db.engine, "FROM auth_session") as sent:
            assert (await api.ok(ME, token=caller.token))["me"]["email"] == caller.customer.email
        # The token's check met a dead connection and was sent once more, on a fresh one.
        assert len(sent) == 2
        assert not await pooled_backends(rt.db, 3) & killed


READS: dict[str, Callable[[AsyncSession, uuid.UUID], Awaitable[Any]]] = {
    "statement": lambda session, _id: session.scalar(text("SELECT code FROM customer_group WHERE code = 'shop'")),
    "query": lambda session, _id: session.scalar(select(col(CustomerGroup.code)).where(col(CustomerGroup.id) == _id)),
    "get": lambda session, _id: session.get(CustomerGroup, _id),
}


@pytest.mark.parametrize("read", list(READS))
async def test_a_read_whose_pooled_connection_died_while_idle_is_sent_once_more_on_a_fresh_one(
    database_url: str, postgres_only: None, caplog: pytest.LogCaptureFixture, read: str
) -> None:
    db = Database(create_engine(database_url))
    try:
        async with db.read() as session:
            shop = await session.scalar(select(col(CustomerGroup.id)).where(col(CustomerGroup.code) == "shop"))
        assert shop is not None
        await pooled_backends(db, 3)
        killed = await end_every_connection(database_url)

        with caplog.at_level(logging.WARNING), statements_sent(db.engine, "customer_group") as sent:
            async with db.read() as session:
                found = await READS[read](session, shop)
        assert found is not None
        assert len(sent) == 2  # on the dead connection, then once on a fresh one
        assert not [r for r in caplog.records if r.name == "app.outages"]  # served: nothing to report
        # SQLAlchemy dropped every connection pooled before the dead one: none of them is used again.
        assert not await pooled_backends(db, 3) & killed
    finally:
        await db.dispose()


async def test_a_write_whose_pooled_connection_died_while_idle_fails_retryably_and_is_not_sent_again(
    database_url: str, postgres_only: None
) -> None:
    db = Database(create_engine(database_url))
    codes = ("idle-1", "idle-2")
    try:
        await pooled_backends(db, 3)
        await end_every_connection(database_url)

        with (
            statements_sent(db.engine, "INSERT INTO customer_group") as sent,
            pytest.raises(ServiceUnavailableError) as raised,
        ):
            await add_groups(db, codes)
        assert (raised.value.service, raised.value.retry_after) == ("database", 5)
        assert len(sent) == 1
        async with db.read() as session:
            stored = select(func.count()).select_from(CustomerGroup).where(col(CustomerGroup.code).in_(codes))
            assert await session.scalar(stored) == 0
        await add_groups(db, codes)  # the caller's own retry goes through
    finally:
        await db.dispose()


async def add_groups(db: Database, codes: Iterable[str]) -> None:
    """One unit of work that sends one INSERT per group."""
    async with db.unit_of_work() as session:
        for code in codes:
            session.add(CustomerGroup(code=code, name=code, activation_mode=ActivationMode.NONE))
            await session.flush()


async def test_a_read_that_fails_again_on_its_fresh_connection_reports_the_outage(
    proxied_database_url: str, db_proxy: TcpProxy
) -> None:
    db = Database(create_engine(proxied_database_url))
    try:
        async with db.read() as session:
            await session.execute(text("SELECT 1"))
        sent: list[str] = []

        def drop_on_send(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if "pg_backend_pid" in statement:
                sent.append(statement)
                db_proxy.drop_now()  # every connection dies as the statement goes out, fresh ones too

        before = db_proxy.accepted
        event.listen(db.engine.sync_engine, "before_cursor_execute", drop_on_send)
        try:
            with pytest.raises(ServiceUnavailableError) as raised:
                async with db.read() as session:
                    await session.scalar(text("SELECT pg_backend_pid()"))
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", drop_on_send)
        assert raised.value.service == "database"
        assert len(sent) == 2  # sent again once, not until it works
        assert db_proxy.accepted == before + 1
        async with db.read() as session:
            assert await session.scalar(text("SELECT 2")) == 2
    finally:
        await db.dispose()


async def test_a_write_cut_off_mid_way_is_answered_as_retryable_and_never_repeated(
    start_app: Callable[..., AbstractAsyncContextManager[Started]], proxied_database_url: str, db_proxy: TcpProxy
) -> None:
    email = f"cut-{uuid.uuid4().hex[:8]}@example.com"
    variables = {"input": {"email": email, "password": "a perfectly fine passphrase"}}
    async with start_app(database_url=proxied_database_url) as (_, api, rt):
        inserts: list[str] = []

        def cut_on_insert(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if statement.lstrip().upper().startswith("INSERT INTO CUSTOMER "):
                inserts.append(statement)
                db_proxy.cut_now()  # the line dies as the statement goes out

        event.listen(rt.db.engine.sync_engine, "before_cursor_execute", cut_on_insert)
        try:
            response = await post(api.client, REGISTER, variables, request_id="cut-write")
        finally:
            event.remove(rt.db.engine.sync_engine, "before_cursor_execute", cut_on_insert)
        assert_unavailable(response, "cut-write", status=200)
        assert len(inserts) == 1  # tried once, not again behind the client's back

        await db_proxy.restore()
        async with rt.db.read() as session:
            count = await session.scalar(text("SELECT count(*) FROM customer WHERE email = :e"), {"e": email})
        assert count == 0
        # The client's own retry goes through.
        result = await api.ok(REGISTER, variables)
        assert result["register"]["userErrors"] == []


async def test_a_pool_outage_mid_query_is_retryable(proxied_database_url: str, db_proxy: TcpProxy) -> None:
    db = Database(create_engine(proxied_database_url))
    try:
        async with db.read() as session:
            await session.execute(text("SELECT 1"))

        async def cut_mid_way() -> None:
            async with db.read() as session:
                await session.execute(text("SELECT 1"))
                db_proxy.cut_now()
                await session.execute(text("SELECT pg_sleep(0.5)"))

        with pytest.raises(ServiceUnavailableError) as raised:
            await cut_mid_way()
        assert raised.value.service == "database"
        await db_proxy.restore()
        async with db.read() as session:
            assert await session.scalar(text("SELECT 2")) == 2
    finally:
        await db.dispose()


async def test_the_server_refuses_to_start_without_its_database_in_one_line(
    settings: Any, proxied_database_url: str, db_proxy: TcpProxy, caplog: pytest.LogCaptureFixture
) -> None:

    await db_proxy.cut()
    application = create_app(settings.model_copy(update={"database_url": proxied_database_url}))
    logging.getLogger().addHandler(caplog.handler)  # create_app configured logging afresh
    with caplog.at_level(logging.INFO), pytest.raises(StartupError, match="database unreachable"):
        async with lifespan(application):
            pass
    lines = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.name for r in lines] == ["app.main"]
    assert "database unreachable at postgresql+asyncpg://" in lines[0].getMessage()
    assert lines[0].exc_info is None


async def test_sqlite_that_cannot_be_opened_is_an_outage(tmp_path: Path) -> None:
    # A directory where the database file should be: SQLite answers "unable to open database file".
    db = Database(create_engine(f"sqlite+aiosqlite:///{tmp_path}"))
    try:
        with pytest.raises(ServiceUnavailableError):
            async with db.read() as session:
                await session.execute(text("SELECT 1"))
    finally:
        await db.dispose()


@pytest.mark.parametrize(
    ("error", "outage"),
    [
        (asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"), True),
        (asyncpg.exceptions.CannotConnectNowError("the database system is starting up"), True),
        (asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"), True),
        (asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation"), True),
        (ConnectionResetError(104, "Connection reset by peer"), True),
        (TimeoutError(), True),
        (asyncpg.exceptions.InvalidPasswordError("password authentication failed"), False),
        (asyncpg.exceptions.UniqueViolationError("duplicate key"), False),
        (asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"), False),
        (ValueError("not a database failure"), False),
    ],
)
def test_which_failures_count_as_an_outage(error: BaseException, outage: bool) -> None:
    assert is_outage(error) is outage


async def test_a_websocket_signing_in_during_an_outage_is_told_to_try_again_not_that_its_token_is_bad(
    settings: Settings, proxied_database_url: str, db_proxy: TcpProxy
) -> None:
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    from tests.live import PROTOCOL, live_server

    # Started from a thread: this loop must keep running the proxy while the server starts through it.
    running = live_server(settings.model_copy(update={"database_url": proxied_database_url}))
    server = await asyncio.to_thread(running.__enter__)
    try:
        helper = Runtime.create(settings)  # the server's runtime lives in the server's loop
        try:
            customer = await make_customer(helper)
        finally:
            await helper.close()
        async with AsyncClient(base_url=server.http_url) as http:
            token = await login(Api(http), customer.email, "a perfectly fine passphrase")
        await db_proxy.cut()
        async with connect(server.ws_url, subprotocols=[PROTOCOL]) as connection:  # type: ignore[list-item]
            init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
            await connection.send(json.dumps(init))
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(connection.recv(), timeout=10)
    finally:
        await asyncio.to_thread(running.__exit__, None, None, None)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1013  # try again later; 4403 would sign the client out


@pytest.mark.parametrize("change", ["no such database", "no such user"])
async def test_a_database_that_refuses_us_stops_start_up_in_one_line(
    settings: Any, database_url: str, postgres_only: None, caplog: pytest.LogCaptureFixture, change: str
) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    url = url.set(database="ca_missing_db") if change == "no such database" else url.set(username="ca_nobody")
    application = create_app(settings.model_copy(update={"database_url": url.render_as_string(hide_password=False)}))
    logging.getLogger().addHandler(caplog.handler)  # create_app configured logging afresh
    with caplog.at_level(logging.INFO), pytest.raises(StartupError, match="refused us"):
        async with lifespan(application):
            pass
    lines = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.name for r in lines] == ["app.main"]
    assert lines[0].exc_info is None
    assert "\n" not in lines[0].getMessage()


@pytest.mark.parametrize("work", ["read", "write"])
async def test_a_query_cancelled_by_its_caller_stays_cancelled_and_is_not_an_outage(
    database_url: str, postgres_only: None, caplog: pytest.LogCaptureFixture, work: str
) -> None:
    """A subscriber that goes away, or a client that disconnects, cancels the query it was waiting for:
    that is neither a database outage to log nor an error to turn the cancellation into."""
    db = Database(create_engine(database_url))

    async def slow() -> None:
        opened = db.read() if work == "read" else db.unit_of_work()
        async with opened as session:
            await session.execute(text("SELECT pg_sleep(5)"))

    try:
        with caplog.at_level(logging.WARNING):
            task = asyncio.create_task(slow())
            await asyncio.sleep(0.3)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        assert not [r for r in caplog.records if r.name == "app.outages"]
        async with db.read() as session:  # and the pool goes on serving
            assert await session.scalar(text("SELECT 1")) == 1
    finally:
        await db.dispose()
