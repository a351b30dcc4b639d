"""Abuse blocking: backoff, lockout and its release, per account and per client address."""

import uuid
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient

from app.runtime import Runtime
from models.base import utcnow
from tests.accounts.queries import LOGIN, REQUEST_RESET, RESET
from tests.security.helpers import wait_out_backoff, wait_out_lockout
from tests.support import Api, Caller, Mailbox, link_token, login

EVENTS = "{ me { securityEvents(first: 50) { edges { node { type outcome reason } } } } }"


async def attempt(api: Api, email: str, password: str) -> str | None:
    result = await api.ok(LOGIN, {"input": {"email": email, "password": password}})
    errors = result["login"]["userErrors"]
    return errors[0]["code"] if errors else None


async def test_backoff_then_lockout_then_release(api: Api, rt: Runtime, customer: Caller, mailbox: Mailbox) -> None:
    email = customer.customer.email
    free, lock_after = rt.settings.sign_in_free_attempts, rt.settings.sign_in_lock_after
    codes = [await attempt(api, email, "wrong password!!") for _ in range(free)]
    assert codes == ["INVALID_CREDENTIALS"] * free
    # Now each attempt must wait longer than the one before; an early one is refused without being checked.
    assert await attempt(api, email, customer.password) == "THROTTLED"
    for _ in range(free, lock_after):
        await wait_out_backoff(rt, seconds=600)
        assert await attempt(api, email, "wrong password!!") == "INVALID_CREDENTIALS"
    # The attempt that reached the limit locked the account: even the right password waits it out.
    await wait_out_backoff(rt, seconds=600)
    result = await api.ok(LOGIN, {"input": {"email": email, "password": customer.password}})
    [error] = result["login"]["userErrors"]
    assert error["code"] == "THROTTLED"
    assert error["message"].startswith("Too many attempts. Try again in ")
    notice = await mailbox.wait_for(email, "Sign-in to your account is paused")
    assert "15 minutes" in notice.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    await wait_out_lockout(rt)
    token = await login(api, email, customer.password)
    events = [e["node"] for e in (await api.ok(EVENTS, token=token))["me"]["securityEvents"]["edges"]]
    kinds = [(e["type"], e["outcome"], e["reason"]) for e in events]
    assert kinds[0] == ("SIGN_IN", "SUCCESS", None)
    assert ("ACCOUNT_LOCKED", "SUCCESS", None) in kinds
    assert ("SIGN_IN", "BLOCKED", "THROTTLED") in kinds
    assert kinds.count(("SIGN_IN", "FAILURE", "WRONG_PASSWORD")) == lock_after
    # A successful sign-in starts the count again.
    assert await attempt(api, email, "wrong password!!") == "INVALID_CREDENTIALS"


async def test_unknown_accounts_are_throttled_the_same_way(api: Api, rt: Runtime, mailbox: Mailbox) -> None:
    free = rt.settings.sign_in_free_attempts
    codes = [await attempt(api, "ghost@example.com", "wrong password!!") for _ in range(free + 1)]
    assert codes == ["INVALID_CREDENTIALS"] * free + ["THROTTLED"]
    assert mailbox.to("ghost@example.com") == []


async def test_aliased_brute_force_counts_every_alias(
    api: Api, rt: Runtime, customer: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The throttle's clock stands still, as if the aliases ran in an instant: on a loaded machine a second
    # between two aliases would let the first backoff expire and an attempt through, as the rules say it may.
    frozen = utcnow()
    monkeypatch.setattr("app.throttle.utcnow", lambda: frozen)
    aliases = " ".join(
        f'a{i}: login(input: {{email: "{customer.customer.email}", password: "guess number {i:02d}"}}) '
        "{ token userErrors { code } }"
        for i in range(19)
    )
    last = f'hit: login(input: {{email: "{customer.customer.email}", password: "{customer.password}"}}) {{ token userErrors {{ code }} }}'
    result = await api.ok(f"mutation {{ {aliases} {last} }}")
    codes = [result[f"a{i}"]["userErrors"][0]["code"] for i in range(19)]
    free = rt.settings.sign_in_free_attempts
    assert codes[:free] == ["INVALID_CREDENTIALS"] * free
    assert set(codes[free:]) == {"THROTTLED"}
    # The right password at the end of the document does not get through either.
    assert result["hit"]["token"] is None
    assert result["hit"]["userErrors"] == [{"code": "THROTTLED"}]


async def test_many_accounts_from_one_address_lock_the_address(app_factory: Any, rt: Runtime) -> None:
    start = app_factory
    _, api = await start(address_lock_after=5)
    codes = [await attempt(api, f"victim-{i}@example.com", "Password123!") for i in range(7)]
    assert codes[:5] == ["INVALID_CREDENTIALS"] * 5
    assert codes[5:] == ["THROTTLED", "THROTTLED"]


async def test_batched_operation_arrays_are_refused(client: AsyncClient) -> None:
    body = [{"query": "{ me { id } }"}, {"query": "{ me { id } }"}]
    response = await client.post("/graphql", json=body)
    assert response.status_code == 400


async def test_reset_requests_are_limited_per_account(api: Api, rt: Runtime, customer: Caller) -> None:
    answers = []
    for _ in range(rt.settings.messages_per_hour + 1):
        result = await api.ok(REQUEST_RESET, {"input": {"email": customer.customer.email}})
        answers.append([e["code"] for e in result["requestPasswordReset"]["userErrors"]])
    assert answers[-1] == ["THROTTLED"]
    assert all(a == [] for a in answers[:-1])
    # An unknown address is limited after the same number: the answer tells nothing about the account.
    unknown = []
    for _ in range(rt.settings.messages_per_hour + 1):
        result = await api.ok(REQUEST_RESET, {"input": {"email": "ghost@example.com"}})
        unknown.append([e["code"] for e in result["requestPasswordReset"]["userErrors"]])
    assert unknown == answers


@pytest.mark.usefixtures("customer")
async def test_redis_counters_are_shared_by_two_app_instances(
    app_factory: Any, redis_url: str, customer: Caller
) -> None:
    start = app_factory
    prefix = f"test-{uuid.uuid4().hex}:"
    first_app, first = await start(redis_url=redis_url, redis_prefix=prefix)
    _, second = await start(redis_url=redis_url, redis_prefix=prefix)
    free = first_app.state.app_state.rt.settings.sign_in_free_attempts
    email = customer.customer.email
    for i in range(free):
        api = first if i % 2 == 0 else second
        assert await attempt(api, email, "wrong password!!") == "INVALID_CREDENTIALS"
    # Both instances see the same count: the next try is refused on either.
    assert await attempt(second, email, customer.password) == "THROTTLED"
    assert await attempt(first, email, customer.password) == "THROTTLED"
    redis = first_app.state.app_state.rt.redis
    keys = [key async for key in redis.scan_iter(match=f"{prefix}*")]
    assert keys, "the counters live in Redis"
    await redis.delete(*keys)


async def test_the_address_used_is_the_real_client_behind_trusted_proxies(app_factory: Any) -> None:
    start = app_factory
    application, _ = await start(trusted_proxies="127.0.0.0/8", address_lock_after=3)
    transport = ASGITransport(app=application, client=("127.0.0.1", 5000))
    async with AsyncClient(transport=transport, base_url="http://t") as http:
        api = Api(http)

        async def from_address(ip: str, i: int) -> str | None:
            result = await api(
                LOGIN, {"input": {"email": f"x{i}@example.com", "password": "Password123!"}}, x_forwarded_for=ip
            )
            errors = result.data["login"]["userErrors"]
            return errors[0]["code"] if errors else None

        assert [await from_address("203.0.113.1", i) for i in range(4)][-1] == "THROTTLED"
        # Another client behind the same proxy is not affected.
        assert await from_address("203.0.113.2", 9) == "INVALID_CREDENTIALS"


async def test_a_password_reset_ends_the_sign_in_lock(
    api: Api, rt: Runtime, customer: Caller, mailbox: Mailbox
) -> None:
    """The lock's mail offers a reset as the way back in: after it, the new password signs in at once."""
    email = customer.customer.email
    for _ in range(rt.settings.sign_in_lock_after):
        await wait_out_backoff(rt, seconds=600)
        assert await attempt(api, email, "wrong password!!") == "INVALID_CREDENTIALS"
    await wait_out_backoff(rt, seconds=600)
    assert await attempt(api, email, customer.password) == "THROTTLED"
    await mailbox.wait_for(email, "Sign-in to your account is paused")

    assert (await api.ok(REQUEST_RESET, {"input": {"email": email}}))["requestPasswordReset"]["userErrors"] == []
    token = link_token(await mailbox.wait_for(email, "Reset your password"), "/reset-password")
    reset = await api.ok(RESET, {"input": {"token": token, "newPassword": "a brand new passphrase"}})
    assert reset["resetPassword"]["userErrors"] == []
    assert await attempt(api, email, "a brand new passphrase") is None
