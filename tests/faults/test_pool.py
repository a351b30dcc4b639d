"""An exhausted connection pool is a clean, retryable error, not a hang and not a 500."""

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack

import pytest
from sqlalchemy import text

from app.config import Settings
from app.db import engine_options
from tests.accounts.queries import ME
from tests.faults.conftest import Started
from tests.faults.test_database_outage import HELP, assert_unavailable, post
from tests.support import make_caller


def test_default_pools_of_three_servers_and_two_workers_fit_postgresql_default_limit(settings: Settings) -> None:
    postgres = settings.model_copy(update={"database_url": "postgresql+asyncpg://u@db/app"})
    server, worker = engine_options(postgres), engine_options(postgres, worker=True)
    per_server = server["pool_size"] + server["max_overflow"]
    per_worker = worker["pool_size"] + worker["max_overflow"]
    # Each process may also hold one LISTEN connection for outbox wake-ups (outside its pool).
    assert 3 * (per_server + 1) + 2 * (per_worker + 1) < 100
    assert server["pool_timeout"] <= 10  # a saturated pool answers within seconds


@pytest.mark.usefixtures("postgres_only")
async def test_an_exhausted_pool_answers_retryable_errors_and_recovers(
    start_app: Callable[..., AbstractAsyncContextManager[Started]],
) -> None:
    tiny = {"database_pool_size": 1, "database_max_overflow": 1, "database_pool_timeout_seconds": 1.0}
    async with start_app(**tiny, outbox_poll_seconds=60) as (_, api, rt):
        caller = await make_caller(api, rt)
        async with AsyncExitStack() as held:
            for _ in range(2):  # whoever holds the pool's every connection (long requests, say)
                session = await held.enter_async_context(rt.db.read())
                await session.execute(text("SELECT 1"))
            signed_in = [post(api.client, ME, request_id=f"busy-{i}", token=caller.token) for i in range(4)]
            anonymous = [post(api.client, HELP, request_id=f"anon-{i}") for i in range(3)]
            responses = await asyncio.gather(*signed_in, *anonymous, api.client.get("/readyz"))
            for i, response in enumerate(responses[:4]):
                assert_unavailable(response, f"busy-{i}", status=503)
            for i, response in enumerate(responses[4:7]):
                assert_unavailable(response, f"anon-{i}", status=200)
            ready = responses[7]
            assert (ready.status_code, ready.json()) == (503, {"status": "unavailable", "database": "busy"})
        # Connections handed back: everyone is served again.
        results = await asyncio.gather(*(api.ok(ME, token=caller.token) for _ in range(4)), api.ok(HELP))
        assert all(result for result in results)
        assert (await api.client.get("/readyz")).status_code == 200
