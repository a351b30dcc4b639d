"""Junk in every string field of the ticket operations gets typed answers, never a server error."""

import pytest

from tests.support import Api, Caller
from tests.test_hostile_input import JUNK
from tests.tickets.helpers import open_ticket

MUTATIONS = [
    ("openTicket", "OpenTicketInput", ["subject", "body", "orderId", "returnId"], {"category": "OTHER"}, "customer"),
    ("replyToTicket", "ReplyToTicketInput", ["ticketId", "body"], {}, "customer"),
    ("replyToTicket", "ReplyToTicketInput", ["body"], {"ticketId": None}, "staff"),
    ("closeTicket", "CloseTicketInput", ["ticketId"], {}, "customer"),
    ("rateTicket", "RateTicketInput", ["ticketId", "comment"], {"rating": 5}, "customer"),
    ("rateTicket", "RateTicketInput", ["comment"], {"rating": 5, "ticketId": None}, "customer"),
    ("assignTicket", "AssignTicketInput", ["ticketId", "staffId"], {}, "staff"),
    ("assignTicket", "AssignTicketInput", ["staffId"], {"ticketId": None}, "staff"),
    ("setTicketState", "SetTicketStateInput", ["ticketId"], {"state": "RESOLVED"}, "staff"),
]


@pytest.mark.parametrize(
    ("name", "input_type", "fields", "extras", "caller"), MUTATIONS, ids=[f"{m[0]}-{m[4]}" for m in MUTATIONS]
)
async def test_junk_in_every_ticket_field_gets_typed_answers(
    api: Api,
    customer: Caller,
    staff: Caller,
    name: str,
    input_type: str,
    fields: list[str],
    extras: dict[str, object],
    caller: str,
) -> None:
    token = {"customer": customer.token, "staff": staff.token}[caller]
    ticket = await open_ticket(api, customer.token)
    query = f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ userErrors {{ field message code }} }} }}"
    for junk in JUNK:
        data = dict.fromkeys(fields, junk) | {key: value or ticket["id"] for key, value in extras.items()}
        result = await api(query, {"input": data}, token=token)
        assert "INTERNAL_SERVER_ERROR" not in result.error_codes, (name, junk[:20], result.errors)
        if result.errors is None:
            for error in result.data[name]["userErrors"]:
                assert error["code"]
                assert error["message"]


async def test_junk_in_the_staff_filters_gets_typed_answers(api: Api, staff: Caller) -> None:
    query = "query($f: TicketFilter) { tickets(filter: $f) { edges { node { number } } } }"
    for junk in JUNK:
        for key in ("query", "assigneeId", "customerId"):
            result = await api(query, {"f": {key: junk}}, token=staff.token)
            assert "INTERNAL_SERVER_ERROR" not in result.error_codes, (key, junk[:20], result.errors)
