"""Fixtures: a migrated database per test (SQLite, or PostgreSQL with TEST_DATABASE_URL), the app under
its lifespan, an httpx client, a real SMTP server, and one signed-in caller of each kind."""

import asyncio
import collections
import concurrent.futures
import os
import shutil
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr
from sqlalchemy.engine import make_url
from starlette.applications import Starlette

from app.config import Settings, generate_encryption_key
from app.db import create_engine
from app.migrate import upgrade
from app.runtime import Runtime
from models.customer import Role
from tests.support import Api, Caller, Mailbox, make_caller, start_smtp_server, unrouted_links

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "").strip()
REQUIRE_REDIS = os.environ.get("REQUIRE_REDIS") == "1"
SESSION_TAG = uuid.uuid4().hex[:8]


def pytest_configure(config: pytest.Config) -> None:
    if REQUIRE_POSTGRES and not TEST_DATABASE_URL:
        raise pytest.UsageError("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
    if REQUIRE_REDIS and not TEST_REDIS_URL:
        raise pytest.UsageError("REQUIRE_REDIS=1 but TEST_REDIS_URL is not set")


def pytest_report_header(config: pytest.Config) -> list[str]:
    from tests.portal.browser import browser_status

    return [
        f"database: {'PostgreSQL ' + make_url(TEST_DATABASE_URL).render_as_string(hide_password=True) if TEST_DATABASE_URL else 'SQLite'}",
        browser_status(),
    ]


def _raw_server_error(response: httpx.Response) -> str | None:
    if response.status_code < 500:
        return None
    if "json" not in response.headers.get("content-type", "") or "x-request-id" not in response.headers:
        return f"{response.request.method} {response.request.url} -> {response.status_code} {response.headers}"
    return None


@pytest.fixture(autouse=True)
def no_raw_server_errors(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fails any test that received a 5xx that is not a JSON error with a request id, from any httpx client
    (the ASGI transport, a real socket, Starlette's TestClient)."""
    raw: list[str] = []
    async_send, sync_send = httpx.AsyncClient.send, httpx.Client.send

    async def checked_async_send(self: httpx.AsyncClient, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        response = await async_send(self, request, **kwargs)
        if (found := _raw_server_error(response)) is not None:
            raw.append(found)
        return response

    def checked_sync_send(self: httpx.Client, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        response = sync_send(self, request, **kwargs)
        if (found := _raw_server_error(response)) is not None:
            raw.append(found)
        return response

    monkeypatch.setattr(httpx.AsyncClient, "send", checked_async_send)
    monkeypatch.setattr(httpx.Client, "send", checked_sync_send)
    yield
    assert not raw, f"raw server errors: {raw}"


class PostgresDatabases:
    """A migrated template database, cloned for each test (CREATE DATABASE … TEMPLATE is cheap)."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.template = f"ca_tpl_{SESSION_TAG}"
        self.counter = 0

    async def _admin(self) -> asyncpg.Connection:
        return await asyncpg.connect(
            host=self.url.host,
            port=self.url.port or 5432,
            user=self.url.username,
            password=self.url.password,
            database=self.url.database or "postgres",
        )

    def url_for(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    async def create_template(self) -> None:
        conn = await self._admin()
        try:
            await conn.execute(f'CREATE DATABASE "{self.template}"')
        finally:
            await conn.close()
        engine = create_engine(self.url_for(self.template))
        await upgrade(engine)
        await engine.dispose()

    async def clone(self) -> str:
        self.counter += 1
        name = f"ca_t_{SESSION_TAG}_{self.counter}"
        conn = await self._admin()
        try:
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        finally:
            await conn.close()
        return name

    async def drop(self, name: str) -> None:
        conn = await self._admin()
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


class DatabasesAhead:
    """Clones made before the tests ask for them and dropped after, on a thread of their own: creating and
    dropping a database takes about half a second on PostgreSQL, which would otherwise be spent in every
    test's setup and teardown (most of the PostgreSQL run's time)."""

    AHEAD = 2

    def __init__(self, databases: PostgresDatabases) -> None:
        self.databases = databases
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="test-databases", daemon=True)
        self._thread.start()
        self._ready: collections.deque[concurrent.futures.Future[str]] = collections.deque()
        self._dropping: list[concurrent.futures.Future[None]] = []
        self._fill()

    def _fill(self) -> None:
        while len(self._ready) < self.AHEAD:
            self._ready.append(asyncio.run_coroutine_threadsafe(self.databases.clone(), self._loop))

    async def take(self) -> str:
        name = await asyncio.wrap_future(self._ready.popleft())
        self._fill()
        return name

    def give_back(self, name: str) -> None:
        self._dropping.append(asyncio.run_coroutine_threadsafe(self.databases.drop(name), self._loop))

    def close(self) -> None:
        for future in self._ready:
            self.give_back(future.result())
        self._ready.clear()
        for dropping in self._dropping:
            dropping.result()
        asyncio.run_coroutine_threadsafe(self.databases.drop(self.databases.template), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()


@pytest.fixture(scope="session")
async def template_database(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Any]:
    if TEST_DATABASE_URL:
        databases = PostgresDatabases(TEST_DATABASE_URL)
        await databases.create_template()
        ahead = DatabasesAhead(databases)
        yield ahead
        ahead.close()
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await upgrade(engine)
    await engine.dispose()
    yield path


@pytest.fixture
async def database_url(template_database: Any, tmp_path: Path) -> AsyncIterator[str]:
    if isinstance(template_database, DatabasesAhead):
        name = await template_database.take()
        yield template_database.databases.url_for(name)
        template_database.give_back(name)
        return
    path = tmp_path / "test.db"
    shutil.copy(template_database, path)
    yield f"sqlite+aiosqlite:///{path}"


@pytest.fixture(scope="session")
def smtp_mailbox() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    controller = start_smtp_server(mailbox)
    yield mailbox, controller.port
    controller.stop()


@pytest.fixture
def mailbox(smtp_mailbox: tuple[Mailbox, int]) -> Iterator[Mailbox]:
    box = smtp_mailbox[0]
    box.clear()
    yield box
    # Every link a test's mail carried lands on a route of the storefront contract (app/links.py).
    with box.lock:
        sent = list(box.messages)
    assert not unrouted_links(sent), unrouted_links(sent)


@pytest.fixture
def settings(database_url: str, tmp_path: Path, smtp_mailbox: tuple[Mailbox, int]) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path / "var",
        database_url=database_url,
        secret_key=SecretStr("test-secret-key-" + "x" * 40),
        encryption_keys=SecretStr(generate_encryption_key("t1")),
        mail_backend="smtp",
        smtp_url=SecretStr(f"smtp://127.0.0.1:{smtp_mailbox[1]}"),
        sms_backend="file",
        storefront_url="https://shop.test",
        # Values production insists on (app_factory(environment="production") starts with them).
        public_url="http://accounts.shop.test",
        mail_from="Test Shop <no-reply@shop.test>",
        seller_name="Test Shop GmbH",
        seller_address="Teststrasse 1|10115 Berlin|Germany",
        seller_tax_id="DE123456789",
        argon2_time_cost=1,
        argon2_memory_kib=64,
        argon2_parallelism=1,
        resend_cooldown_seconds=0,
        outbox_poll_seconds=0.2,
        # Tests run the reconciler themselves: a background round would add statements to counted requests.
        reconcile_payments_seconds=0,
        retry_return_refunds_seconds=0,
        log_format="json",
    )


@pytest.fixture
def sms_dir(settings: Settings) -> Path:
    return settings.data_dir / "sms"


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    from app.main import create_app

    application = create_app(settings)
    async with LifespanManager(application):
        yield application


@pytest.fixture
def rt(app: Starlette) -> Runtime:
    runtime: Runtime = app.state.app_state.rt
    return runtime


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as http:
        yield http


@pytest.fixture
def api(client: AsyncClient) -> Api:
    return Api(client)


@pytest.fixture
async def customer(api: Api, rt: Runtime) -> Caller:
    return await make_caller(api, rt, first_name="Casey")


@pytest.fixture
async def other_customer(api: Api, rt: Runtime) -> Caller:
    return await make_caller(api, rt, first_name="Olive")


@pytest.fixture
async def staff(api: Api, rt: Runtime) -> Caller:
    return await make_caller(api, rt, roles=(Role.SUPPORT,), first_name="Sam")


@pytest.fixture
async def admin(api: Api, rt: Runtime) -> Caller:
    return await make_caller(api, rt, roles=(Role.ADMIN,), first_name="Ada")


@pytest.fixture
def redis_url() -> str:
    """A real Redis for the tests that need one (TEST_REDIS_URL); skipped without it unless REQUIRE_REDIS=1."""
    if not TEST_REDIS_URL:
        pytest.skip("set TEST_REDIS_URL to run the Redis tests")
    return TEST_REDIS_URL


@pytest.fixture
async def setup_rt(settings: Settings) -> AsyncIterator[Runtime]:
    """A runtime for arranging data beside a live server: it runs no outbox dispatcher, so only the
    server publishes events (the portal's tests have their own, on the portal's settings)."""
    runtime = Runtime.create(settings.with_secrets())
    yield runtime
    await runtime.close()


@pytest.fixture
async def app_factory(settings: Settings) -> AsyncIterator[Any]:
    """Start extra app instances with changed settings (same database): `api = await app_factory(x=1)`."""
    from contextlib import AsyncExitStack

    from app.main import create_app

    async with AsyncExitStack() as stack:

        async def start(**changes: Any) -> tuple[Starlette, Api]:
            application = create_app(settings.model_copy(update=changes))
            await stack.enter_async_context(LifespanManager(application))
            http = await stack.enter_async_context(
                AsyncClient(transport=ASGITransport(app=application), base_url="http://testserver")
            )
            return application, Api(http)

        yield start
