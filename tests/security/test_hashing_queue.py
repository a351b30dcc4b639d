"""A burst of sign-ins beyond what password hashing can queue is answered "busy, retry" at once: a
retryable SERVICE_UNAVAILABLE with Retry-After, before the attempt is counted, never the lockout's
THROTTLED and never a request left waiting for seconds."""

import threading
from collections.abc import Callable
from typing import Any

import anyio
import pytest

from app.outages import ServiceUnavailableError
from app.runtime import Runtime
from app.security.passwords import PasswordHasher
from models.security import SecurityEvent
from tests.support import make_customer

LOGIN = """mutation($input: LoginInput!) { login(input: $input) { token userErrors { code } } }"""


class _Gate:
    """Wraps argon2: every hash and verification waits until the test opens the gate, then runs for real."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.open = threading.Event()

    def verify(self, password_hash: str, password: str) -> bool:
        self.open.wait(10)
        return bool(self.real.verify(password_hash, password))

    def hash(self, password: str) -> str:
        self.open.wait(10)
        return str(self.real.hash(password))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


async def _until(condition: Callable[[], bool]) -> None:
    for _ in range(1000):
        if condition():
            return
        await anyio.sleep(0.01)
    raise AssertionError("the hashing queue never reached the state the test waits for")


def _gated(hasher: PasswordHasher) -> _Gate:
    gate = _Gate(hasher._hasher)
    hasher._hasher = gate  # type: ignore[assignment]
    return gate


def _statistics(hasher: PasswordHasher) -> Any:
    return hasher._limiter.statistics()


async def test_past_the_queue_limit_a_hash_is_refused_at_once_and_the_queue_still_drains() -> None:
    hasher = PasswordHasher(time_cost=1, memory_kib=8, parallelism=1, concurrency=1, queue_limit=1)
    gate = _gated(hasher)
    password_hash = PasswordHasher(time_cost=1, memory_kib=8, parallelism=1, concurrency=1)
    results: list[bool] = []

    async def verify() -> None:
        results.append(await hasher.verify(await password_hash.hash("right"), "right"))

    async with anyio.create_task_group() as group:
        group.start_soon(verify)  # hashing
        await _until(lambda: _statistics(hasher).borrowed_tokens == 1)
        group.start_soon(verify)  # queued
        await _until(lambda: _statistics(hasher).tasks_waiting == 1)
        with pytest.raises(ServiceUnavailableError) as refused:
            await hasher.hash("a third password")
        assert refused.value.service == "password hashing"
        assert refused.value.retry_after == 2
        gate.open.set()
    assert results == [True, True]
    # With the queue drained, hashing is accepted again.
    assert (await hasher.hash("a fourth password")).startswith("$argon2id$")


async def test_a_burst_of_sign_ins_is_answered_busy_before_it_counts_as_an_attempt(app_factory: Any) -> None:
    # One attempt is all an account gets here: had the busy answer counted, the next sign-in would wait.
    application, api = await app_factory(sign_in_free_attempts=1, sign_in_lock_after=1)
    rt: Runtime = application.state.app_state.rt
    customer = await make_customer(rt, password="a perfectly fine passphrase")
    hasher = rt.hasher
    hasher._queue_limit = 0
    gate = _gated(hasher)
    slots = _statistics(hasher).total_tokens

    async def occupy() -> None:
        await hasher.verify("h", "p")

    async with anyio.create_task_group() as group:
        for _ in range(slots):
            group.start_soon(occupy)
        await _until(lambda: _statistics(hasher).borrowed_tokens == slots)
        busy = await api(LOGIN, {"input": {"email": customer.email, "password": "a perfectly fine passphrase"}})
        gate.open.set()
    assert busy.errors is not None
    assert [error["extensions"]["code"] for error in busy.errors] == ["SERVICE_UNAVAILABLE"]
    assert busy.errors[0]["extensions"]["retryAfter"] == 2
    assert busy.response.headers["retry-after"] == "2"
    # Refused before it was an attempt: nothing recorded against the account, and the next try goes through.
    async with rt.db.read() as session:
        recorded = (await session.execute(SecurityEvent.__table__.select())).all()  # type: ignore[attr-defined]
    assert [row for row in recorded if row.customer_id == customer.id] == []
    again = await api.ok(LOGIN, {"input": {"email": customer.email, "password": "a perfectly fine passphrase"}})
    assert again["login"]["userErrors"] == []
    assert again["login"]["token"]
