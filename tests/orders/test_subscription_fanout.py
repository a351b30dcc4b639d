"""One event to many subscribers: database work per event does not grow with the subscribers, each still
gets what their own session and roles allow, and a change to a session reaches the remembered answer at
once (sign-out, revocation, password change, suspension, lost role, deletion), in this process and in
another one."""

import asyncio
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import AsyncExitStack, contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.engine import make_url

from app.config import Settings
from app.runtime import Runtime
from app.security.tokens import new_session_token, sha256_hex
from bench.pgcount import CountingProxy
from models.auth import AuthSession
from models.base import utcnow
from models.customer import Role
from tests.conftest import TEST_DATABASE_URL
from tests.live import GraphQLSocket, LiveServer, graphql_socket, live_server
from tests.orders.helpers import order_input, order_key, push
from tests.orders.test_subscriptions import error_codes, event, http_api, outbox_drained, set_status, signed_in
from tests.support import Api, global_id, login, make_customer

# `returns` resolves through the caller's loaders: shared answers make it one read per event, not one each.
WATCH = """subscription { orderStatusChanged {
  previousStatus status changedAt order { id number status timeline { status } returns { number } } } }"""
PASSWORD = "a perfectly fine passphrase"


async def open_session(rt: Runtime, customer_id: uuid.UUID) -> str:
    """A signed-in session without the sign-in (fifty sign-ins from one address would be throttled)."""
    token, now = new_session_token(), utcnow()
    async with rt.db.unit_of_work() as session:
        session.add(
            AuthSession(
                customer_id=customer_id,
                token_hash=sha256_hex(token),
                created_at=now,
                last_seen_at=now,
                expires_at=now + timedelta(hours=1),
                verified_at=now,
            )
        )
    return token


class RoundTrips:
    """What the server sends its database: wire round trips on PostgreSQL (through a counting proxy),
    statements executed on SQLite (no network, so the driver's calls are the round trips)."""

    def __init__(self, proxy: CountingProxy | None) -> None:
        self.proxy = proxy
        self.statements = 0

    def attach(self, server: LiveServer) -> None:
        if self.proxy is None:

            def count(*_: Any) -> None:
                self.statements += 1

            sqlalchemy_event.listen(server.rt.db.engine.sync_engine, "before_cursor_execute", count)

    def reset(self) -> None:
        self.statements = 0
        if self.proxy is not None:
            self.proxy.counts.reset()

    def total(self) -> int:
        if self.proxy is not None:
            return int(self.proxy.counts.snapshot().round_trips)
        return self.statements


@pytest.fixture
def round_trips(database_url: str) -> Iterator[RoundTrips]:
    if not TEST_DATABASE_URL:
        yield RoundTrips(None)
        return
    url = make_url(database_url)
    proxy = CountingProxy(url.host or "127.0.0.1", url.port or 5432)
    # On a loop of its own: starting the live server blocks the test's loop until it answers.
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="pgcount", daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(proxy.start(), loop).result(timeout=10)
    yield RoundTrips(proxy)
    asyncio.run_coroutine_threadsafe(proxy.close(), loop).result(timeout=10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)


def server_settings(settings: Settings, counter: RoundTrips) -> Settings:
    # No outbox polling rounds during a measurement: the dispatcher runs when a commit wakes it.
    changes: dict[str, Any] = {"outbox_poll_seconds": 600}
    if counter.proxy is not None:
        proxied = make_url(settings.effective_database_url).set(host="127.0.0.1", port=counter.proxy.port)
        changes["database_url"] = proxied.render_as_string(hide_password=False)
    return settings.model_copy(update=changes)


async def everyone_receives(sockets: list[GraphQLSocket], status: str) -> None:
    received = await asyncio.gather(*(socket.receive() for socket in sockets))
    assert {event(message)["status"] for message in received} == {status}


async def test_one_event_costs_the_same_round_trips_for_one_subscriber_and_for_fifty(
    settings: Settings, setup_rt: Runtime, round_trips: RoundTrips
) -> None:
    with live_server(server_settings(settings, round_trips)) as server:
        round_trips.attach(server)
        api = await http_api(server)
        # Staff from three accounts with the same role: one audience, one answer to share.
        staff = [await make_customer(setup_rt, roles=(Role.SUPPORT,)) for _ in range(3)]
        tokens = [await open_session(setup_rt, staff[n % 3].id) for n in range(50)]
        key = await order_key(setup_rt)
        owner = await make_customer(setup_rt)
        # Every event is the same change (paid) of an order like the others, so each costs the same.
        orders = iter([(await push(api, key, order_input(f"fan-{n}", owner.email)))["order"] for n in range(6)])
        await outbox_drained(setup_rt)

        costs: dict[tuple[int, bool], int] = {}
        async with AsyncExitStack() as stack:
            sockets: list[GraphQLSocket] = []
            for count in (1, 50):
                while len(sockets) < count:
                    socket = await stack.enter_async_context(graphql_socket(server, tokens[len(sockets)]))
                    await socket.subscribe(WATCH)
                    sockets.append(socket)
                await server.wait_for_subscriber("orders", count)
                # A first event warms every connection (and its remembered session) up.
                await set_status(api, key, next(orders)["id"], "PAID")
                await everyone_receives(sockets, "PAID")
                await outbox_drained(setup_rt)
                await asyncio.sleep(0.3)  # the dispatcher's round after the publish has ended

                for remembered in (True, False):
                    if not remembered:  # as after a broker reconnect: every session is looked up again
                        server.rt.session_cache.clear()
                    round_trips.reset()
                    await set_status(api, key, next(orders)["id"], "PAID")
                    await everyone_receives(sockets, "PAID")
                    await outbox_drained(setup_rt)
                    await asyncio.sleep(0.3)
                    costs[count, remembered] = round_trips.total()
        await api.client.aclose()
    assert costs[1, True] > 0, costs
    assert costs[1, True] == costs[50, True], costs
    # Forgotten sessions are looked up together: one statement more, for one subscriber or fifty.
    assert costs[1, False] == costs[50, False] > costs[1, True], costs


@contextmanager
def two_servers(settings: Settings) -> Iterator[tuple[LiveServer, LiveServer]]:
    with live_server(settings) as one, live_server(settings) as other:
        yield one, other


async def _revoke_by_logout(api: Api, token: str, **_: Any) -> None:
    await api.ok("mutation { logout { userErrors { code } } }", token=token)


async def _revoke_from_another_session(api: Api, token: str, customer_email: str, **_: Any) -> None:
    other = await login(api, customer_email, PASSWORD)
    sessions = await api.ok("{ sessions { id current } }", token=other)
    target = next(row["id"] for row in sessions["sessions"] if not row["current"])
    payload = await api.ok(
        "mutation($i: RevokeSessionInput!) { revokeSession(input: $i) { userErrors { code } } }",
        {"i": {"sessionId": target}},
        token=other,
    )
    assert payload["revokeSession"]["userErrors"] == [], payload


async def _password_changed_in_another_session(api: Api, token: str, customer_email: str, **_: Any) -> None:
    other = await login(api, customer_email, PASSWORD)
    payload = await api.ok(
        "mutation($i: ChangePasswordInput!) { changePassword(input: $i) { userErrors { code } } }",
        {"i": {"currentPassword": PASSWORD, "newPassword": "another perfectly fine passphrase"}},
        token=other,
    )
    assert payload["changePassword"]["userErrors"] == [], payload


async def _by_an_administrator(mutation: str, api: Api, customer_id: uuid.UUID, admin_token: str) -> None:
    name = mutation[0].upper() + mutation[1:]
    payload = await api.ok(
        f"mutation($i: {name}Input!) {{ {mutation}(input: $i) {{ userErrors {{ code }} }} }}",
        {"i": {"customerId": global_id("Customer", customer_id), "reason": "chargebacks"}},
        token=admin_token,
    )
    assert payload[mutation]["userErrors"] == [], payload


async def _suspended(api: Api, token: str, customer_id: uuid.UUID, admin_token: str, **_: Any) -> None:
    await _by_an_administrator("suspendCustomer", api, customer_id, admin_token)


async def _deleted(api: Api, token: str, customer_id: uuid.UUID, admin_token: str, **_: Any) -> None:
    await _by_an_administrator("deleteCustomer", api, customer_id, admin_token)


REVOCATIONS: dict[str, Callable[..., Any]] = {
    "sign-out": _revoke_by_logout,
    "revoked from another session": _revoke_from_another_session,
    "password changed in another session": _password_changed_in_another_session,
    "suspended by an administrator": _suspended,
    "deleted by an administrator": _deleted,
}


@pytest.mark.parametrize("how", sorted(REVOCATIONS))
async def test_a_remembered_session_that_is_revoked_stops_receiving_at_once(
    settings: Settings, setup_rt: Runtime, how: str
) -> None:
    with live_server(settings) as server:
        api = await http_api(server)
        owner_id, owner_email, owner_token = await signed_in(api, setup_rt)
        _, _, admin_token = await signed_in(api, setup_rt, Role.ADMIN)
        key = await order_key(setup_rt)
        order = (await push(api, key, order_input(f"fan-{how[:4]}", owner_email)))["order"]
        await outbox_drained(setup_rt)
        async with graphql_socket(server, owner_token) as owner:
            await owner.subscribe(WATCH)
            await server.wait_for_subscriber(f"customer-orders:{owner_id}")
            await set_status(api, key, order["id"], "PAID")
            assert event(await owner.receive())["status"] == "PAID"  # the session is remembered now
            assert len(server.rt.session_cache) >= 1

            await REVOCATIONS[how](
                api, owner_token, customer_id=owner_id, customer_email=owner_email, admin_token=admin_token
            )
            await set_status(api, key, order["id"], "PROCESSING")
            assert await error_codes(owner) == ["UNAUTHENTICATED"]
        await api.client.aclose()


async def test_staff_who_lose_their_role_stop_receiving_other_customers_orders(
    settings: Settings, setup_rt: Runtime
) -> None:
    with live_server(settings) as server:
        api = await http_api(server)
        staff_id, _, staff_token = await signed_in(api, setup_rt, Role.SUPPORT)
        _, _, admin_token = await signed_in(api, setup_rt, Role.ADMIN)
        customer = await make_customer(setup_rt)
        key = await order_key(setup_rt)
        order = (await push(api, key, order_input("fan-role", customer.email)))["order"]
        await outbox_drained(setup_rt)
        async with graphql_socket(server, staff_token) as staff:
            await staff.subscribe(WATCH)
            await server.wait_for_subscriber("orders")
            await set_status(api, key, order["id"], "PAID")
            assert event(await staff.receive())["status"] == "PAID"

            payload = await api.ok(
                "mutation($i: RevokeRoleInput!) { revokeRole(input: $i) { userErrors { code } } }",
                {"i": {"customerId": global_id("Customer", staff_id), "role": "SUPPORT", "reason": "left"}},
                token=admin_token,
            )
            assert payload["revokeRole"]["userErrors"] == [], payload
            await set_status(api, key, order["id"], "PROCESSING")
            # Still signed in, no longer staff: someone else's order is not theirs to see.
            assert await staff.nothing_within(0.5)
        await api.client.aclose()


async def test_a_session_revoked_through_one_process_stops_a_subscriber_of_another_at_once(
    settings: Settings, setup_rt: Runtime, redis_url: str
) -> None:
    shared = settings.model_copy(update={"redis_url": redis_url, "redis_prefix": f"t{uuid.uuid4().hex[:8]}:"})
    with two_servers(shared) as (one, other):
        api_one, api_other = await http_api(one), await http_api(other)
        owner_id, owner_email, owner_token = await signed_in(api_one, setup_rt)
        key = await order_key(setup_rt)
        order = (await push(api_one, key, order_input("fan-redis", owner_email)))["order"]
        await outbox_drained(setup_rt)
        async with graphql_socket(other, owner_token) as owner:
            await owner.subscribe(WATCH)
            await other.wait_for_subscriber(f"customer-orders:{owner_id}")
            await set_status(api_one, key, order["id"], "PAID")
            assert event(await owner.receive())["status"] == "PAID"
            assert len(other.rt.session_cache) >= 1

            await _revoke_by_logout(api_one, owner_token)  # through the first process
            await set_status(api_one, key, order["id"], "PROCESSING")
            assert await error_codes(owner) == ["UNAUTHENTICATED"]
        await api_one.client.aclose()
        await api_other.client.aclose()


async def test_a_session_is_remembered_while_a_connection_of_it_is_open_and_no_longer(
    settings: Settings, setup_rt: Runtime
) -> None:
    with live_server(settings) as server:
        owner = await make_customer(setup_rt)
        token = await open_session(setup_rt, owner.id)
        async with graphql_socket(server, token) as first:
            await first.subscribe(WATCH)
            async with graphql_socket(server, token) as second:
                await second.subscribe(WATCH)
                await server.wait_for_subscriber(f"customer-orders:{owner.id}", 2)
                assert len(server.rt.session_cache) == 1
            await server.wait_for_subscriber(f"customer-orders:{owner.id}", 1)
            assert len(server.rt.session_cache) == 1  # the first connection still needs it
        for _ in range(100):  # the server notices the close a moment after the client
            if len(server.rt.session_cache) == 0:
                break
            await asyncio.sleep(0.05)
        assert len(server.rt.session_cache) == 0
