"""ticketUpdated over a real WebSocket against a real server: the owner and staff hear each change, nobody else."""

import uuid
from typing import Any

import httpx
from strawberry import relay

from app.config import Settings
from app.runtime import Runtime
from models.customer import Role
from tests.live import graphql_socket, live_server
from tests.orders.test_subscriptions import error_codes, outbox_drained
from tests.support import Api, global_id, login, make_customer
from tests.tickets.helpers import ASSIGN, REPLY, SET_STATE, call, open_ticket

WATCH = """subscription($id: ID!) { ticketUpdated(ticketId: $id) {
  change previousState state changedAt message { authorKind authorName body }
  ticket { number state messages { body } } } }"""
PASSWORD = "a perfectly fine passphrase"


async def signed_in(api: Api, rt: Runtime, *roles: Role, first_name: str = "Test") -> tuple[str, str]:
    row = await make_customer(rt, roles=roles or (Role.CUSTOMER,), first_name=first_name)
    return global_id("Customer", row.id), await login(api, row.email, PASSWORD)


def update(message: dict[str, Any]) -> dict[str, Any]:
    assert message["type"] == "next", message
    assert "errors" not in message["payload"], message
    data: dict[str, Any] = message["payload"]["data"]["ticketUpdated"]
    return data


def topic(ticket_id: str) -> str:
    return f"ticket:{relay.GlobalID.from_id(ticket_id).node_id}"


async def test_owner_and_staff_hear_every_change_and_others_are_refused(settings: Settings, setup_rt: Runtime) -> None:
    with live_server(settings) as server:
        async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
            api = Api(http)
            _, owner_token = await signed_in(api, setup_rt)
            _, other_token = await signed_in(api, setup_rt)
            staff_id, staff_token = await signed_in(api, setup_rt, Role.SUPPORT, first_name="Sam")
            ticket = await open_ticket(api, owner_token, subject="Live chat")
            await outbox_drained(setup_rt)

            async with (
                graphql_socket(server, owner_token) as owner,
                graphql_socket(server, staff_token) as staff,
                graphql_socket(server, other_token) as other,
                graphql_socket(server, None) as anonymous,
            ):
                # Another customer's ticket is refused like one that does not exist, at subscribe time.
                await other.subscribe(WATCH, {"id": ticket["id"]})
                assert await error_codes(other) == ["NOT_FOUND"]
                await other.subscribe(WATCH, {"id": global_id("SupportTicket", uuid.uuid4())}, op_id="2")
                assert await error_codes(other) == ["NOT_FOUND"]
                await other.subscribe(WATCH, {"id": "junk"}, op_id="3")
                assert await error_codes(other) == ["NOT_FOUND"]
                await anonymous.subscribe(WATCH, {"id": ticket["id"]})
                assert await error_codes(anonymous) == ["UNAUTHENTICATED"]

                await owner.subscribe(WATCH, {"id": ticket["id"]})
                await staff.subscribe(WATCH, {"id": ticket["id"]})
                await server.wait_for_subscriber(topic(ticket["id"]), count=2)

                await call(api, REPLY, staff_token, ticketId=ticket["id"], body="Hello, how can I help?")
                for socket in (owner, staff):
                    seen = update(await socket.receive())
                    assert (seen["change"], seen["previousState"], seen["state"]) == (
                        "MESSAGE",
                        "OPEN",
                        "PENDING_CUSTOMER",
                    )
                    assert seen["message"] == {
                        "authorKind": "STAFF",
                        "authorName": "Sam",
                        "body": "Hello, how can I help?",
                    }
                    assert seen["ticket"]["number"] == ticket["number"]
                    assert [m["body"] for m in seen["ticket"]["messages"]] == [
                        "It has been a week.",
                        "Hello, how can I help?",
                    ]

                await call(api, REPLY, owner_token, ticketId=ticket["id"], body="My parcel is lost.")
                for socket in (owner, staff):
                    seen = update(await socket.receive())
                    assert (seen["change"], seen["state"]) == ("MESSAGE", "OPEN")
                    assert seen["message"]["authorKind"] == "CUSTOMER"

                await call(api, ASSIGN, staff_token, ticketId=ticket["id"], staffId=staff_id)
                for socket in (owner, staff):
                    seen = update(await socket.receive())
                    assert (seen["change"], seen["previousState"], seen["message"]) == ("ASSIGNMENT", None, None)

                await call(api, SET_STATE, staff_token, ticketId=ticket["id"], state="RESOLVED")
                for socket in (owner, staff):
                    seen = update(await socket.receive())
                    assert (seen["change"], seen["previousState"], seen["state"]) == ("STATE", "OPEN", "RESOLVED")
                    assert seen["ticket"]["state"] == "RESOLVED"

                # The other customer's connection heard nothing of it; their own ticket's changes are not the owner's.
                assert await other.nothing_within(0.3)
                theirs = await open_ticket(api, other_token)
                await call(api, REPLY, staff_token, ticketId=theirs["id"], body="For the other customer")
                assert await owner.nothing_within(0.5)


async def test_a_revoked_session_stops_receiving(settings: Settings, setup_rt: Runtime) -> None:
    with live_server(settings) as server:
        async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
            api = Api(http)
            _, owner_token = await signed_in(api, setup_rt)
            _, staff_token = await signed_in(api, setup_rt, Role.SUPPORT)
            ticket = await open_ticket(api, owner_token)
            await outbox_drained(setup_rt)
            async with graphql_socket(server, owner_token) as owner:
                await owner.subscribe(WATCH, {"id": ticket["id"]})
                await server.wait_for_subscriber(topic(ticket["id"]))
                await api.ok("mutation { logout { userErrors { code } } }", token=owner_token)
                await call(api, REPLY, staff_token, ticketId=ticket["id"], body="Are you still there?")
                assert await error_codes(owner) == ["UNAUTHENTICATED"]
