"""orderStatusChanged over a real WebSocket: owners and staff only, revocation at once, across processes by Redis."""

import asyncio
import time
import uuid
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlmodel import col
from websockets.asyncio.client import connect

from app.config import Settings
from app.runtime import Runtime
from models.customer import Role
from models.outbox import OutboxChannel, OutboxMessage, OutboxStatus
from tests.live import PROTOCOL, GraphQLSocket, LiveServer, graphql_socket, live_server
from tests.orders.helpers import UPDATE_STATUS, order_input, order_key, push
from tests.support import Api, login, make_customer

WATCH = """subscription($id: ID) { orderStatusChanged(orderId: $id) {
  previousStatus status note changedAt order { id number status timeline { status } } } }"""
PASSWORD = "a perfectly fine passphrase"


async def http_api(server: LiveServer) -> Api:
    return Api(httpx.AsyncClient(base_url=server.http_url, timeout=10))


async def signed_in(api: Api, rt: Runtime, *roles: Role) -> tuple[uuid.UUID, str, str]:
    row = await make_customer(rt, roles=roles or (Role.CUSTOMER,))
    return row.id, row.email, await login(api, row.email, PASSWORD)


async def set_status(api: Api, key: str, order_id: str, status: str) -> None:
    payload = (await api.ok(UPDATE_STATUS, {"i": {"orderId": order_id, "status": status}}, token=key))[
        "updateOrderStatus"
    ]
    assert payload["userErrors"] == [], payload


async def outbox_drained(rt: Runtime, timeout: float = 10.0) -> None:
    """Wait until earlier events (an order's placement) are published, so they don't reach a new subscriber."""
    deadline = time.monotonic() + timeout
    while True:
        async with rt.db.read() as session:
            pending = await session.scalar(
                select(func.count()).where(col(OutboxMessage.status) == OutboxStatus.PENDING)
            )
        if not pending:
            return
        assert time.monotonic() < deadline, "the outbox did not drain"
        await asyncio.sleep(0.05)


async def error_codes(socket: GraphQLSocket) -> list[str]:
    """The codes of an operation that failed: an `error` message, or a `next` with errors then `complete`."""
    message = await socket.receive()
    if message["type"] == "error":
        return [error["extensions"]["code"] for error in message["payload"]]
    assert message["type"] == "next", message
    assert message["payload"]["data"] is None, message
    assert (await socket.receive())["type"] == "complete"
    return [error["extensions"]["code"] for error in message["payload"]["errors"]]


def event(message: dict[str, Any]) -> dict[str, Any]:
    assert message["type"] == "next", message
    assert "errors" not in message["payload"], message
    data: dict[str, Any] = message["payload"]["data"]["orderStatusChanged"]
    return data


async def test_owner_and_staff_receive_a_status_change_and_nobody_else(settings: Settings, setup_rt: Runtime) -> None:
    with live_server(settings) as server:
        api = await http_api(server)
        owner_id, owner_email, owner_token = await signed_in(api, setup_rt)
        other_id, other_email, other_token = await signed_in(api, setup_rt)
        _, _, staff_token = await signed_in(api, setup_rt, Role.SUPPORT)
        key = await order_key(setup_rt)
        order = (await push(api, key, order_input("sub-1", owner_email)))["order"]
        other_order = (await push(api, key, order_input("sub-2", other_email)))["order"]
        await outbox_drained(setup_rt)

        async with (
            graphql_socket(server, owner_token) as owner,
            graphql_socket(server, other_token) as other,
            graphql_socket(server, staff_token) as staff,
        ):
            await owner.subscribe(WATCH, {"id": order["id"]})
            await other.subscribe(WATCH, {})
            await staff.subscribe(WATCH, {})
            await server.wait_for_subscriber(f"order:{_node_id(order['id'])}")
            await server.wait_for_subscriber(f"customer-orders:{other_id}")
            await server.wait_for_subscriber("orders")

            await set_status(api, key, order["id"], "PAID")

            seen = event(await owner.receive())
            assert (seen["previousStatus"], seen["status"]) == ("PENDING_PAYMENT", "PAID")
            assert seen["order"]["number"] == "#sub-1"
            assert seen["order"]["status"] == "PAID"
            assert [step["status"] for step in seen["order"]["timeline"]] == ["PENDING_PAYMENT", "PAID"]
            assert event(await staff.receive())["order"]["id"] == order["id"]

            # The other customer hears nothing of it; their own order's change comes through.
            assert await other.nothing_within(0.5)
            await set_status(api, key, other_order["id"], "CANCELLED")
            assert event(await other.receive())["order"]["id"] == other_order["id"]
            assert event(await staff.receive())["order"]["id"] == other_order["id"]
            assert await owner.nothing_within(0.3)
        await api.client.aclose()
    assert owner_id != other_id


def _node_id(gid: str) -> str:
    from strawberry import relay

    return relay.GlobalID.from_id(gid).node_id


async def test_another_customers_order_cannot_be_watched(settings: Settings, setup_rt: Runtime) -> None:
    with live_server(settings) as server:
        api = await http_api(server)
        _, owner_email, _ = await signed_in(api, setup_rt)
        _, _, other_token = await signed_in(api, setup_rt)
        order = (await push(api, await order_key(setup_rt), order_input("sub-3", owner_email)))["order"]
        async with graphql_socket(server, other_token) as other:
            await other.subscribe(WATCH, {"id": order["id"]})
            assert await error_codes(other) == ["NOT_FOUND"]
            await other.subscribe(WATCH, {"id": "not-an-id"}, op_id="2")
            assert await error_codes(other) == ["NOT_FOUND"]
        async with graphql_socket(server, None) as anonymous:
            await anonymous.subscribe(WATCH, {})
            assert await error_codes(anonymous) == ["UNAUTHENTICATED"]
        await api.client.aclose()


async def test_a_signed_out_session_stops_receiving(settings: Settings, setup_rt: Runtime) -> None:
    with live_server(settings) as server:
        api = await http_api(server)
        owner_id, owner_email, owner_token = await signed_in(api, setup_rt)
        key = await order_key(setup_rt)
        order = (await push(api, key, order_input("sub-4", owner_email)))["order"]
        await outbox_drained(setup_rt)
        async with graphql_socket(server, owner_token) as owner:
            await owner.subscribe(WATCH, {})
            await server.wait_for_subscriber(f"customer-orders:{owner_id}")
            await api.ok("mutation { logout { userErrors { code } } }", token=owner_token)
            await set_status(api, key, order["id"], "PAID")
            assert await error_codes(owner) == ["UNAUTHENTICATED"]
        await api.client.aclose()


async def test_a_change_made_through_one_process_reaches_a_subscriber_of_another(
    settings: Settings, setup_rt: Runtime, redis_url: str
) -> None:
    shared = settings.model_copy(update={"redis_url": redis_url, "redis_prefix": f"test-{uuid.uuid4().hex[:8]}:"})
    with live_server(shared) as first, live_server(shared) as second:
        api_first, api_second = await http_api(first), await http_api(second)
        owner_id, owner_email, owner_token = await signed_in(api_first, setup_rt)
        key = await order_key(setup_rt)
        order = (await push(api_second, key, order_input("sub-5", owner_email)))["order"]
        await outbox_drained(setup_rt)
        async with graphql_socket(first, owner_token) as owner:
            await owner.subscribe(WATCH, {})
            await first.wait_for_subscriber(f"customer-orders:{owner_id}")
            await set_status(api_second, key, order["id"], "PAID")
            seen = event(await owner.receive())
            assert (seen["status"], seen["order"]["id"]) == ("PAID", order["id"])
            assert await owner.nothing_within(0.3)  # delivered once, whichever process published it
        await api_first.client.aclose()
        await api_second.client.aclose()


async def test_with_a_separate_mail_worker_the_server_still_publishes_its_events(
    settings: Settings, setup_rt: Runtime
) -> None:
    with live_server(settings.model_copy(update={"outbox_in_process": False})) as server:
        api = await http_api(server)
        owner_id, owner_email, owner_token = await signed_in(api, setup_rt)
        key = await order_key(setup_rt)
        order = (await push(api, key, order_input("sub-6", owner_email)))["order"]
        await outbox_drained_of_events(setup_rt)
        async with graphql_socket(server, owner_token) as owner:
            await owner.subscribe(WATCH, {})
            await server.wait_for_subscriber(f"customer-orders:{owner_id}")
            await set_status(api, key, order["id"], "PAID")
            assert event(await owner.receive())["status"] == "PAID"
        await api.client.aclose()


async def outbox_drained_of_events(rt: Runtime, timeout: float = 10.0) -> None:
    """Like outbox_drained, for a server that leaves mail to a worker nobody runs here."""
    deadline = time.monotonic() + timeout
    while True:
        async with rt.db.read() as session:
            pending = await session.scalar(
                select(func.count()).where(
                    col(OutboxMessage.status) == OutboxStatus.PENDING, col(OutboxMessage.channel) == OutboxChannel.EVENT
                )
            )
        if not pending:
            return
        assert time.monotonic() < deadline, "the events were not published"
        await asyncio.sleep(0.05)


async def test_an_idle_subscriber_holds_no_compression_state(settings: Settings, rt: Runtime) -> None:
    # A client offering permessage-deflate (browsers and the websockets library do by default) is answered
    # without it: its per-connection compression state would outweigh everything else an idle
    # subscriber holds, and our messages are small.
    with live_server(settings) as server:
        async with connect(server.ws_url, subprotocols=[PROTOCOL], compression="deflate") as connection:  # type: ignore[list-item]
            offered = connection.request.headers.get("Sec-WebSocket-Extensions") if connection.request else None
            assert offered is not None
            assert "permessage-deflate" in offered
            assert connection.response is not None
            assert connection.response.headers.get("Sec-WebSocket-Extensions") is None
            socket = GraphQLSocket(connection)
            await socket.send({"type": "connection_init", "payload": {}})
            assert (await socket.receive())["type"] == "connection_ack"
