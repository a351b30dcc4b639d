"""Internal notes (addTicketNote): staff read them in the thread; the customer never does, by any path."""

import json
from typing import Any

import httpx
from sqlalchemy import select
from sqlmodel import col

from app.config import Settings
from app.runtime import Runtime
from models.customer import Role
from models.integration_event import IntegrationEvent
from tests.live import graphql_socket, live_server
from tests.orders.test_subscriptions import outbox_drained
from tests.support import Api, Caller, Mailbox, text_body
from tests.tickets.helpers import ERRORS, REPLY, TICKET_FIELDS, call, codes, open_ticket
from tests.tickets.test_subscriptions import WATCH, signed_in, topic, update

NOTE = f"""mutation($i: AddTicketNoteInput!) {{ addTicketNote(input: $i) {{ ticket {{ {TICKET_FIELDS}
  messages {{ internal }} }} {ERRORS} }} }}"""
THREAD = "query($n: String!) { ticket(number: $n) { state lastMessageAt messages { id body internal } } }"
MESSAGE_NODE = "query($id: ID!) { node(id: $id) { id } }"
EXPORT = "mutation { exportMyData { dataExport { downloadUrl } userErrors { code } } }"
SECRET = "Customer seems to be a reseller; check with finance"


async def answered_events(rt: Runtime) -> list[dict[str, Any]]:
    async with rt.db.read() as session:
        rows = (
            await session.execute(select(IntegrationEvent).where(col(IntegrationEvent.type) == "ticket.answered"))
        ).scalars()
        return [json.loads(row.data) for row in rows]


async def test_staff_read_notes_and_the_customer_never_does(
    api: Api, rt: Runtime, customer: Caller, staff: Caller, mailbox: Mailbox
) -> None:
    ticket = await open_ticket(api, customer.token)
    before = (await api.ok(THREAD, {"n": ticket["number"]}, token=customer.token))["ticket"]

    # Customers may not write notes; bad input gets typed errors.
    refused = await api(NOTE, {"i": {"ticketId": ticket["id"], "body": SECRET}}, token=customer.token)
    assert refused.error_codes == ["FORBIDDEN"]
    assert codes(await call(api, NOTE, staff.token, ticketId=ticket["id"], body="  ")) == ["REQUIRED"]
    assert codes(await call(api, NOTE, staff.token, ticketId="junk", body="x")) == ["NOT_FOUND"]
    assert codes(await call(api, NOTE, staff.token, ticketId=ticket["id"], body="x" * 5001)) == ["TOO_LONG"]

    payload = await call(api, NOTE, staff.token, ticketId=ticket["id"], body=SECRET)
    assert payload["userErrors"] == []
    thread = payload["ticket"]["messages"]
    assert [(m["body"], m["internal"], m["authorKind"]) for m in thread] == [
        ("It has been a week.", False, "CUSTOMER"),
        (SECRET, True, "STAFF"),
    ]
    assert payload["ticket"]["state"] == "OPEN"  # a note does not move the ticket or touch its times
    assert payload["ticket"]["lastMessageAt"] == before["lastMessageAt"]
    note_id = thread[1]["id"]

    # Staff see it in the queue's thread; the customer sees neither it nor its id through node().
    staff_view = (await api.ok(THREAD, {"n": ticket["number"]}, token=staff.token))["ticket"]
    assert [m["internal"] for m in staff_view["messages"]] == [False, True]
    mine = (await api.ok(THREAD, {"n": ticket["number"]}, token=customer.token))["ticket"]
    assert [m["body"] for m in mine["messages"]] == ["It has been a week."]
    node = await api(MESSAGE_NODE, {"id": note_id}, token=customer.token)
    assert SECRET not in node.response.text
    assert not (node.data or {}).get("node")

    # The first real answer is the first response (business event), mailed to the customer without the note.
    await call(api, REPLY, staff.token, ticketId=ticket["id"], body="We are looking into it.")
    mail = await mailbox.wait_for(customer.customer.email, ticket["number"])
    assert "We are looking into it." in text_body(mail)
    assert all(SECRET not in message.as_string() for message in mailbox.messages)
    events = await answered_events(rt)
    assert len(events) == 1
    assert events[0]["firstResponse"] is True
    assert SECRET not in json.dumps(events)
    replied = (await api.ok(THREAD, {"n": ticket["number"]}, token=customer.token))["ticket"]
    assert [m["body"] for m in replied["messages"]] == ["It has been a week.", "We are looking into it."]

    # A staff member's own ticket takes no notes (they write to it as the customer).
    own = await open_ticket(api, staff.token)
    assert codes(await call(api, NOTE, staff.token, ticketId=own["id"], body="note to self")) == ["OWN_TICKET"]

    # The customer's data export holds the thread without the note.
    url = (await api.ok(EXPORT, token=customer.token))["exportMyData"]["dataExport"]["downloadUrl"]
    document = (await api.client.get(url)).json()
    bodies = [row["body"] for row in document["tables"]["ticket_message"]]
    assert sorted(bodies) == ["It has been a week.", "We are looking into it."]
    assert SECRET not in json.dumps(document)


async def test_live_updates_carry_notes_to_staff_only(settings: Settings, setup_rt: Runtime) -> None:
    with live_server(settings) as server:
        async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
            api = Api(http)
            _, owner_token = await signed_in(api, setup_rt)
            _, staff_token = await signed_in(api, setup_rt, Role.SUPPORT, first_name="Sam")
            ticket = await open_ticket(api, owner_token, subject="Live notes")
            await outbox_drained(setup_rt)
            async with graphql_socket(server, owner_token) as owner, graphql_socket(server, staff_token) as staff:
                await owner.subscribe(WATCH, {"id": ticket["id"]})
                await staff.subscribe(WATCH, {"id": ticket["id"]})
                await server.wait_for_subscriber(topic(ticket["id"]), count=2)

                await call(api, NOTE, staff_token, ticketId=ticket["id"], body=SECRET)
                seen = update(await staff.receive())
                assert (seen["change"], seen["message"]["body"]) == ("NOTE", SECRET)
                assert [m["body"] for m in seen["ticket"]["messages"]] == ["It has been a week.", SECRET]
                assert await owner.nothing_within(0.3)

                # The next change reaches both; the customer's copy of the thread has no note in it.
                await call(api, REPLY, staff_token, ticketId=ticket["id"], body="On it.")
                for socket, thread in (
                    (staff, ["It has been a week.", SECRET, "On it."]),
                    (owner, ["It has been a week.", "On it."]),
                ):
                    seen = update(await socket.receive())
                    assert seen["change"] == "MESSAGE"
                    assert [m["body"] for m in seen["ticket"]["messages"]] == thread
