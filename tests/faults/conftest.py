"""Fixtures for outage tests: TCP proxies in front of PostgreSQL and Redis, and apps that talk through them."""

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy.engine import make_url
from starlette.applications import Starlette

from app.config import Settings
from app.main import create_app
from app.runtime import Runtime
from tests.conftest import TEST_DATABASE_URL
from tests.faults.proxy import TcpProxy, tcp_proxy
from tests.support import Api, lifespan

Started = tuple[Starlette, Api, Runtime]


@pytest.fixture
def postgres_only() -> None:
    if not TEST_DATABASE_URL:
        pytest.skip("database outages are tested on PostgreSQL (set TEST_DATABASE_URL)")


@pytest.fixture
async def db_proxy(postgres_only: None, database_url: str) -> AsyncIterator[TcpProxy]:
    url = make_url(database_url)
    async with tcp_proxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        yield proxy


@pytest.fixture
def proxied_database_url(database_url: str, db_proxy: TcpProxy) -> str:
    return make_url(database_url).set(host="127.0.0.1", port=db_proxy.port).render_as_string(hide_password=False)


@pytest.fixture
async def redis_proxy(redis_url: str) -> AsyncIterator[TcpProxy]:
    url = make_url(redis_url)
    async with tcp_proxy(url.host or "127.0.0.1", url.port or 6379) as proxy:
        yield proxy


@pytest.fixture
async def redis_prefix(redis_url: str) -> AsyncIterator[str]:
    from redis.asyncio import Redis

    prefix = f"test-faults-{uuid.uuid4().hex[:8]}:"
    yield prefix
    client = Redis.from_url(redis_url)
    keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.fixture
def proxied_redis_url(redis_url: str, redis_proxy: TcpProxy) -> str:
    return make_url(redis_url).set(host="127.0.0.1", port=redis_proxy.port).render_as_string(hide_password=False)


@pytest.fixture
def start_app(settings: Settings) -> Callable[..., AbstractAsyncContextManager[Started]]:
    """`async with start_app(database_url=…) as (app, api, rt)`: the app with changed settings, under its lifespan."""

    @asynccontextmanager
    async def start(**changes: Any) -> AsyncIterator[Started]:
        application = create_app(settings.model_copy(update=changes))
        async with (
            lifespan(application),
            AsyncClient(transport=ASGITransport(app=application), base_url="http://testserver") as http,
        ):
            yield application, Api(http), application.state.app_state.rt

    return start
