"""ticketUpdated without a ticket id, over a real WebSocket against a real server: staff hear every ticket
(newly opened ones too), a customer only their own, and an internal note never reaches a customer."""

import httpx
from strawberry import relay

from app.config import Settings
from app.runtime import Runtime
from models.customer import Role
from tests.live import graphql_socket, live_server
from tests.orders.test_subscriptions import error_codes, outbox_drained
from tests.support import Api
from tests.tickets.helpers import ASSIGN, REPLY, SET_STATE, call, open_ticket
from tests.tickets.test_internal_notes import NOTE, SECRET
from tests.tickets.test_subscriptions import signed_in, update

WATCH_ALL = """subscription { ticketUpdated {
  change state message { authorKind body internal }
  ticket { number state assignee { id } messages { body internal } } } }"""


async def test_staff_hear_every_ticket_a_customer_only_their_own_and_never_a_note(
    settings: Settings, setup_rt: Runtime
) -> None:
    with live_server(settings) as server:
        async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
            api = Api(http)
            owner_id, owner_token = await signed_in(api, setup_rt)
            other_id, other_token = await signed_in(api, setup_rt)
            staff_id, staff_token = await signed_in(api, setup_rt, Role.SUPPORT, first_name="Sam")
            _, admin_token = await signed_in(api, setup_rt, Role.ADMIN)
            ticket = await open_ticket(api, owner_token, subject="Before anyone listened")
            await outbox_drained(setup_rt)

            async with (
                graphql_socket(server, owner_token) as owner,
                graphql_socket(server, other_token) as other,
                graphql_socket(server, staff_token) as staff,
                graphql_socket(server, admin_token) as admin,
                graphql_socket(server, None) as anonymous,
            ):
                await anonymous.subscribe(WATCH_ALL)
                assert await error_codes(anonymous) == ["UNAUTHENTICATED"]

                for socket in (owner, other, staff, admin):
                    await socket.subscribe(WATCH_ALL)
                await server.wait_for_subscriber("tickets", count=2)
                await server.wait_for_subscriber(f"customer-tickets:{relay.GlobalID.from_id(owner_id).node_id}")
                await server.wait_for_subscriber(f"customer-tickets:{relay.GlobalID.from_id(other_id).node_id}")

                # A newly opened ticket reaches every staff member and its owner, nobody else.
                fresh = await open_ticket(api, owner_token, subject="Opened while the queue watched")
                for socket in (owner, staff, admin):
                    seen = update(await socket.receive())
                    assert (seen["change"], seen["ticket"]["number"]) == ("OPENED", fresh["number"])
                assert await other.nothing_within(0.3)

                # An internal note reaches staff only; the owner does not learn one was written.
                await call(api, NOTE, staff_token, ticketId=ticket["id"], body=SECRET)
                for socket in (staff, admin):
                    seen = update(await socket.receive())
                    assert (seen["change"], seen["message"]["body"], seen["message"]["internal"]) == (
                        "NOTE",
                        SECRET,
                        True,
                    )
                assert await owner.nothing_within(0.3)

                # Replies, assignments and states of any ticket reach staff; the owner's thread has no note in it.
                await call(api, REPLY, staff_token, ticketId=ticket["id"], body="On it.")
                for socket, thread in (
                    (staff, ["It has been a week.", SECRET, "On it."]),
                    (admin, ["It has been a week.", SECRET, "On it."]),
                    (owner, ["It has been a week.", "On it."]),
                ):
                    seen = update(await socket.receive())
                    assert (seen["change"], seen["ticket"]["number"]) == ("MESSAGE", ticket["number"])
                    assert [m["body"] for m in seen["ticket"]["messages"]] == thread
                await call(api, ASSIGN, staff_token, ticketId=ticket["id"], staffId=staff_id)
                for socket, assignee in ((staff, {"id": staff_id}), (admin, {"id": staff_id}), (owner, None)):
                    seen = update(await socket.receive())
                    assert (seen["change"], seen["ticket"]["assignee"]) == ("ASSIGNMENT", assignee)
                await call(api, SET_STATE, staff_token, ticketId=ticket["id"], state="RESOLVED")
                for socket in (staff, admin, owner):
                    seen = update(await socket.receive())
                    assert (seen["change"], seen["state"]) == ("STATE", "RESOLVED")

                # The other customer heard none of it; their own ticket is theirs alone (and staff's).
                assert await other.nothing_within(0.3)
                theirs = await open_ticket(api, other_token, subject="Someone else's")
                for socket in (other, staff, admin):
                    seen = update(await socket.receive())
                    assert (seen["change"], seen["ticket"]["number"]) == ("OPENED", theirs["number"])
                assert await owner.nothing_within(0.5)
