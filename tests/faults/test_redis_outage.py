"""Redis goes away and comes back (a TCP proxy cut and restored): throttled operations fail closed with a
retryable SERVICE_UNAVAILABLE, /readyz says so, and sign-ins, the event broker and /readyz heal by
themselves, also when Redis was already down at start-up."""

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import pytest
from redis.exceptions import RedisError

from app.config import Settings
from app.events import Broker
from app.runtime import Runtime
from tests.accounts.queries import LOGIN, ME, REQUEST_RESET
from tests.faults.conftest import Started
from tests.faults.proxy import TcpProxy
from tests.faults.test_database_outage import assert_unavailable, post
from tests.support import Api, Caller, lifespan, make_caller, make_customer

pytestmark = pytest.mark.usefixtures("redis_url")


def login_variables(caller: Caller, password: str | None = None) -> dict[str, Any]:
    return {"input": {"email": caller.customer.email, "password": password or caller.password}}


async def sign_in(api: Api, caller: Caller, password: str | None = None, request_id: str = "r") -> httpx.Response:
    return await post(api.client, LOGIN, login_variables(caller, password), request_id=request_id)


async def assert_heals(api: Api, caller: Caller) -> None:
    """The first sign-in after Redis returns works: no dead pooled connection is handed out."""
    response = await sign_in(api, caller)
    payload = response.json()["data"]["login"]
    assert payload["userErrors"] == [], response.text
    assert (await api.ok(ME, token=payload["token"]))["me"]["email"] == caller.customer.email
    ready = await api.client.get("/readyz")
    assert (ready.status_code, ready.json()) == (200, {"status": "ready", "database": "ok", "redis": "ok"})


async def assert_fails_closed(api: Api, caller: Caller) -> None:
    # Right and wrong passwords get the same answer: no guess is checked while it cannot be counted.
    for password in (caller.password, "a wrong guess at the password"):
        request_id = f"redis-{uuid.uuid4().hex[:8]}"
        response = await sign_in(api, caller, password, request_id)
        body = assert_unavailable(response, request_id, status=200)
        assert body["data"] is None or body["data"]["login"] is None
    response = await post(
        api.client, REQUEST_RESET, {"input": {"email": caller.customer.email}}, request_id="reset-while-down"
    )
    assert_unavailable(response, "reset-while-down", status=200)
    ready = await api.client.get("/readyz")
    assert (ready.status_code, ready.json()) == (
        503,
        {"status": "unavailable", "database": "ok", "redis": "unreachable"},
    )


async def assert_events_flow(rt: Runtime, topic: str) -> None:
    """Publish until the listener (re)subscribed and the event comes back through Redis."""
    broker: Broker = rt.broker
    assert broker.reaches_other_processes
    async with broker.subscribe(topic) as queue:
        for attempt in range(100):
            with contextlib.suppress(RedisError):  # Redis not answering yet
                await broker.publish([topic], {"n": attempt})
            try:
                message = (await asyncio.wait_for(queue.get(), timeout=0.2)).message
            except TimeoutError:
                continue
            assert message["n"] <= attempt
            return
    raise AssertionError(f"no event on {topic} through Redis")


async def test_a_redis_outage_fails_sign_ins_closed_and_heals(
    start_app: Callable[..., AbstractAsyncContextManager[Started]],
    proxied_redis_url: str,
    redis_proxy: TcpProxy,
    redis_prefix: str,
) -> None:
    async with start_app(redis_url=proxied_redis_url, redis_prefix=redis_prefix) as (_, api, rt):
        caller = await make_caller(api, rt)
        await assert_events_flow(rt, "before")
        await redis_proxy.cut()
        await assert_fails_closed(api, caller)
        # A customer already signed in keeps working: reading needs no throttle.
        assert (await api.ok(ME, token=caller.token))["me"]["id"]
        await redis_proxy.restore()
        await assert_heals(api, caller)
        await assert_events_flow(rt, "after")


async def test_the_server_starts_degraded_when_redis_is_down_and_heals_when_it_returns(
    settings: Settings,
    proxied_redis_url: str,
    redis_proxy: TcpProxy,
    redis_prefix: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from httpx import ASGITransport, AsyncClient

    from app.main import create_app

    await redis_proxy.cut()
    application = create_app(settings.model_copy(update={"redis_url": proxied_redis_url, "redis_prefix": redis_prefix}))
    logging.getLogger().addHandler(caplog.handler)  # create_app configured logging afresh
    with caplog.at_level(logging.INFO):
        async with (
            lifespan(application),
            AsyncClient(transport=ASGITransport(app=application), base_url="http://testserver") as http,
        ):
            startup = [r for r in caplog.records if r.name == "app.startup"]
            api, rt = Api(http), application.state.app_state.rt
            # Made in the database directly: signing in needs Redis.
            caller = Caller(customer=await make_customer(rt), password="a perfectly fine passphrase", token="")
            await assert_fails_closed(api, caller)
            await redis_proxy.restore()
            await assert_heals(api, caller)
            await assert_events_flow(rt, "late")
    [line] = startup
    assert line.levelno == logging.WARNING
    assert line.exc_info is None
    assert f"Redis unreachable at redis://127.0.0.1:{redis_proxy.port}/" in line.getMessage()
    assert "starting degraded" in line.getMessage()


async def test_redis_connections_that_died_while_idle_are_replaced_on_first_use(
    start_app: Callable[..., AbstractAsyncContextManager[Started]],
    proxied_redis_url: str,
    redis_proxy: TcpProxy,
    redis_prefix: str,
) -> None:
    async with start_app(redis_url=proxied_redis_url, redis_prefix=redis_prefix) as (_, api, rt):
        caller = await make_caller(api, rt)  # signing in left connections in the client's pool
        before = redis_proxy.accepted
        await redis_proxy.cut()
        await redis_proxy.restore()  # nobody noticed: the pool still holds the dead connections
        await assert_heals(api, caller)
        assert redis_proxy.accepted > before
