"""Support-ticket events through the public API: opened, answered by staff (the first answer marked, the
customer's own messages not sent), closed; a refused reply records nothing."""

import uuid

from app.runtime import Runtime
from tests.integration.events_support import Events, covers, of, one, types
from tests.orders.helpers import order_input, order_key, push
from tests.support import Api, Caller
from tests.tickets.helpers import CLOSE, REPLY, call, codes, open_ticket


@covers("ticket.opened", "ticket.answered", "ticket.closed")
async def test_a_ticket_opened_answered_and_closed(api: Api, rt: Runtime, customer: Caller, staff: Caller) -> None:
    pushed = await push(api, await order_key(rt), order_input(uuid.uuid4().hex[:8], customer.customer.email))
    order = pushed["order"]
    events = Events(rt)
    await events.skip()

    ticket = await open_ticket(api, customer.token, subject="Parcel arrived damaged", orderId=order["id"])
    opened = one(await events.new(), "ticket.opened")
    assert (opened["ticketId"], opened["ticketNumber"], opened["customerId"]) == (
        ticket["id"],
        ticket["number"],
        customer.gid,
    )
    assert (opened["subject"], opened["category"], opened["state"], opened["orderNumber"]) == (
        "Parcel arrived damaged",
        "ORDER",
        "OPEN",
        order["number"],
    )
    assert "It has been a week." not in str(opened)  # messages are not sent

    for body in ("Sorry! A new one is on its way.", "Tracking: 00340434161094042557"):
        answered = await call(api, REPLY, staff.token, ticketId=ticket["id"], body=body)
        assert answered["userErrors"] == []
    assert (await call(api, REPLY, customer.token, ticketId=ticket["id"], body="Thanks!"))["userErrors"] == []
    answers = await events.new()
    assert types(answers) == ["ticket.answered", "ticket.answered"]  # the customer's reply is no answer
    assert [a["firstResponse"] for a in of(answers, "ticket.answered")] == [True, False]
    assert answers[0]["data"]["state"] == "PENDING_CUSTOMER"

    assert (await call(api, CLOSE, customer.token, ticketId=ticket["id"]))["userErrors"] == []
    closed = one(await events.new(), "ticket.closed")
    assert (closed["state"], closed["closedBy"]) == ("CLOSED", "CUSTOMER")
    late = await call(api, REPLY, staff.token, ticketId=ticket["id"], body="One more thing")
    assert codes(late) == ["TICKET_CLOSED"]
    assert await events.new() == []
