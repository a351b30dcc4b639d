"""Fixtures: a migrated database per test (SQLite, or PostgreSQL with TEST_DATABASE_URL), the app under
its lifespan, an httpx client, a real SMTP server, and one signed-in caller of each kind."""

import asyncio
import io
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr
from sqlalchemy.engine import make_url
from starlette.applications import Starlette

from app.config import Settings, generate_encryption_key
from app.db import create_engine
from app.migrate import upgrade
from app.runtime import Runtime
from models.customer import Role
from tests.payments.gateways import TestCards
from tests.payments.stripe_standin import StripeStandin, running_standin
from tests.support import Api, Caller, Mailbox, lifespan, make_caller, start_smtp_server, unrouted_links

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


# CI's second pass (PostgreSQL) sets this: the tests that never reach a database (parsers, the gateways against
# their stand-ins, the portal's sources) answered on the first pass already, and would answer the same again.
ONLY_DATABASE_TESTS = os.environ.get("ONLY_DATABASE_TESTS") == "1"


def _reaches_database(item: pytest.Item) -> bool:
    if item.get_closest_marker("database_independent") is not None:
        return False  # it uses a database, but what it checks does not depend on which
    if "database_url" in getattr(item, "fixturenames", ()):
        return True
    module = getattr(item, "module", None)
    return module is not None and hasattr(module, "TEST_DATABASE_URL")  # builds its own database


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not (ONLY_DATABASE_TESTS and TEST_DATABASE_URL):
        return
    dropped = [item for item in items if not _reaches_database(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if _reaches_database(item)]


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
    """A migrated template database, and per test process a few databases cloned from it once and emptied
    after each test (instead of a clone per test): creating a database and dropping it, which forces a
    checkpoint of the whole server, cost the PostgreSQL pass about a second of server time per test."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.template = f"ca_tpl_{SESSION_TAG}"
        self.counter = 0
        self.free: list[str] = []
        self.made: list[str] = []
        self.tables: list[str] = []
        self.seeded: dict[str, bytes] = {}  # what the migrations put in (the default customer group)

    async def _connect(self, database: str | None = None) -> asyncpg.Connection:
        return await asyncpg.connect(
            host=self.url.host,
            port=self.url.port or 5432,
            user=self.url.username,
            password=self.url.password,
            database=database or self.url.database or "postgres",
        )

    def url_for(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    async def create_template(self) -> None:
        conn = await self._connect()
        try:
            await conn.execute(f'CREATE DATABASE "{self.template}"')
        finally:
            await conn.close()
        engine = create_engine(self.url_for(self.template))
        await upgrade(engine)
        await engine.dispose()
        conn = await self._connect(self.template)
        try:
            rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            self.tables = sorted(row["tablename"] for row in rows if row["tablename"] != "alembic_version")
            for table in self.tables:
                # Table names from our own migrated template's catalogue, not input.
                if await conn.fetchval(f'SELECT count(*) FROM "{table}"'):  # noqa: S608
                    copied = io.BytesIO()
                    await conn.copy_from_table(table, output=copied, format="binary")
                    self.seeded[table] = copied.getvalue()
        finally:
            await conn.close()

    async def take(self) -> str:
        if self.free:
            return self.free.pop()
        self.counter += 1
        name = f"ca_t_{SESSION_TAG}_{self.counter}"
        conn = await self._connect()
        try:
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
            # Tests need no durability: a commit does not wait for the log to reach the disk.
            await conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        finally:
            await conn.close()
        self.made.append(name)
        return name

    async def give_back(self, name: str) -> None:
        """Empties the database as the template left it, for the next test of this process, under a new name:
        whatever the test left behind (a server thread still closing, a listener reconnecting) is disconnected
        and cannot find it again, as it could not when each test's database was dropped."""
        self.counter += 1
        fresh = f"ca_t_{SESSION_TAG}_{self.counter}"
        admin = await self._connect()
        try:
            for attempt in range(50):
                await admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = $1 AND pid <> pg_backend_pid()",
                    name,
                )
                try:
                    await admin.execute(f'ALTER DATABASE "{name}" RENAME TO "{fresh}"')
                    break
                except asyncpg.ObjectInUseError:  # a terminated backend still leaving, or one reconnecting
                    if attempt == 49:
                        raise
                    await asyncio.sleep(0.02)
        finally:
            await admin.close()
        self.made[self.made.index(name)] = fresh
        conn = await self._connect(fresh)
        try:
            async with conn.transaction():
                await conn.execute("SET LOCAL session_replication_role = replica")  # no foreign-key order needed
                await conn.execute("".join(f'DELETE FROM "{table}";' for table in self.tables))  # noqa: S608
                for table, content in self.seeded.items():
                    await conn.copy_to_table(table, source=io.BytesIO(content), format="binary")
        finally:
            await conn.close()
        self.free.append(fresh)

    async def close(self) -> None:
        conn = await self._connect()
        try:
            for name in [*self.made, self.template]:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


@pytest.fixture(scope="session")
async def template_database(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Any]:
    if TEST_DATABASE_URL:
        databases = PostgresDatabases(TEST_DATABASE_URL)
        await databases.create_template()
        yield databases
        await databases.close()
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await upgrade(engine)
    await engine.dispose()
    yield path


@pytest.fixture
async def database_url(template_database: Any, tmp_path: Path) -> AsyncIterator[str]:
    if isinstance(template_database, PostgresDatabases):
        name = await template_database.take()
        yield template_database.url_for(name)
        await template_database.give_back(name)
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


@pytest.fixture(scope="session")
def _stripe_standin_server() -> Iterator[StripeStandin]:
    with running_standin() as standin:
        yield standin


@pytest.fixture
def stripe_standin(_stripe_standin_server: StripeStandin) -> Iterator[StripeStandin]:
    """The local stand-in of Stripe's API (tests/payments/stripe_standin.py), emptied for this test (one
    server per test process). Settings for the app against it: `stripe_standin.settings_overrides()`."""
    _stripe_standin_server.reset()
    yield _stripe_standin_server
    _stripe_standin_server.reset()


@pytest.fixture
def gateway_name() -> str:
    """The payment gateway the app fixtures run with. A test marked `tests.payments.gateways.BOTH_GATEWAYS`
    runs twice: on the sandbox, and on the Stripe adapter against the stand-in ("stripe")."""
    return "sandbox"


@pytest.fixture
def test_cards(gateway_name: str, request: pytest.FixtureRequest) -> TestCards:
    """The sandbox's test client tokens as the running gateway's (`test_cards["tok_visa"]`)."""
    standin = request.getfixturevalue("stripe_standin") if gateway_name == "stripe" else None
    return TestCards(gateway_name, standin)


@pytest.fixture
def settings(
    database_url: str,
    tmp_path: Path,
    smtp_mailbox: tuple[Mailbox, int],
    gateway_name: str,
    request: pytest.FixtureRequest,
) -> Settings:
    gateway: dict[str, Any] = {}
    if gateway_name == "stripe":
        gateway = request.getfixturevalue("stripe_standin").settings_overrides()
    elif gateway_name != "sandbox":
        raise ValueError(gateway_name)
    return Settings(
        **gateway,
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
    async with lifespan(application):
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
            await stack.enter_async_context(lifespan(application))
            http = await stack.enter_async_context(
                AsyncClient(transport=ASGITransport(app=application), base_url="http://testserver")
            )
            return application, Api(http)

        yield start
