"""Support-ticket operations as a storefront and the support tool send them."""

from typing import Any

from tests.support import Api

ERRORS = "userErrors { field message code }"
TICKET_FIELDS = """id number subject category state createdAt updatedAt lastMessageAt resolvedAt closedAt
  rating { rating comment ratedAt }
  messages { id authorKind authorName body createdAt }
  order { id number }
  assignee { id email }"""
OPEN = f"""mutation($i: OpenTicketInput!) {{ openTicket(input: $i) {{ ticket {{ {TICKET_FIELDS} }} {ERRORS} }} }}"""
REPLY = (
    f"""mutation($i: ReplyToTicketInput!) {{ replyToTicket(input: $i) {{ ticket {{ {TICKET_FIELDS} }} {ERRORS} }} }}"""
)
CLOSE = f"""mutation($i: CloseTicketInput!) {{ closeTicket(input: $i) {{ ticket {{ {TICKET_FIELDS} }} {ERRORS} }} }}"""
RATE = f"""mutation($i: RateTicketInput!) {{ rateTicket(input: $i) {{ ticket {{ {TICKET_FIELDS} }} {ERRORS} }} }}"""
ASSIGN = (
    f"""mutation($i: AssignTicketInput!) {{ assignTicket(input: $i) {{ ticket {{ {TICKET_FIELDS} }} {ERRORS} }} }}"""
)
SET_STATE = f"""mutation($i: SetTicketStateInput!) {{ setTicketState(input: $i) {{
  ticket {{ {TICKET_FIELDS} }} {ERRORS} }} }}"""
MY_TICKETS = """query($first: Int, $after: String, $filter: CustomerTicketFilter) {
  me { tickets(first: $first, after: $after, filter: $filter) {
    edges { node { number state subject messages { body } } } pageInfo { hasNextPage endCursor } } } }"""
STAFF_TICKETS = """query($filter: TicketFilter, $first: Int) { tickets(filter: $filter, first: $first) {
  edges { node { number subject state category customer { email } assignee { email } } } } }"""


async def call(api: Api, mutation: str, token: str, **values: Any) -> dict[str, Any]:
    """The payload of a ticket mutation (the first field of the answer)."""
    data = await api.ok(mutation, {"i": values}, token=token)
    payload: dict[str, Any] = next(iter(data.values()))
    return payload


async def open_ticket(api: Api, token: str, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"subject": "Where is my parcel?", "body": "It has been a week.", "category": "ORDER"}
    values.update(changes)
    payload = await call(api, OPEN, token, **values)
    assert payload["userErrors"] == [], payload
    ticket: dict[str, Any] = payload["ticket"]
    return ticket


def codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]
