"""The support queue's order: tickets with the latest message first (LAST_ACTIVITY), paged by its own cursors;
an internal note is no activity the order follows (it does not touch what the customer sees either)."""

from typing import Any

from tests.support import Api, Caller
from tests.tickets.helpers import REPLY, call, open_ticket
from tests.tickets.test_internal_notes import NOTE

QUEUE = """query($first: Int, $after: String, $order: TicketOrder!) { tickets(first: $first, after: $after, order: $order) {
  edges { node { number } } pageInfo { hasNextPage endCursor } } }"""


async def test_the_queue_lists_the_latest_activity_first(
    api: Api, customer: Caller, other_customer: Caller, staff: Caller
) -> None:
    oldest = await open_ticket(api, customer.token, subject="Oldest")
    middle = await open_ticket(api, other_customer.token, subject="Middle")
    newest = await open_ticket(api, customer.token, subject="Newest")

    async def numbers(order: str, first: int = 50, after: str | None = None) -> tuple[list[str], dict[str, Any]]:
        data = await api.ok(QUEUE, {"order": order, "first": first, "after": after}, token=staff.token)
        return [edge["node"]["number"] for edge in data["tickets"]["edges"]], data["tickets"]["pageInfo"]

    assert (await numbers("CREATED"))[0] == [newest["number"], middle["number"], oldest["number"]]
    assert (await numbers("LAST_ACTIVITY"))[0] == [newest["number"], middle["number"], oldest["number"]]

    await call(api, REPLY, customer.token, ticketId=oldest["id"], body="Any news?")
    await call(api, REPLY, staff.token, ticketId=middle["id"], body="On it.")
    await call(api, NOTE, staff.token, ticketId=newest["id"], body="Only a note: no activity")
    assert (await numbers("CREATED"))[0] == [newest["number"], middle["number"], oldest["number"]]
    assert (await numbers("LAST_ACTIVITY"))[0] == [middle["number"], oldest["number"], newest["number"]]

    page, info = await numbers("LAST_ACTIVITY", first=2)
    assert (page, info["hasNextPage"]) == ([middle["number"], oldest["number"]], True)
    page_cursor = info["endCursor"]
    rest, info = await numbers("LAST_ACTIVITY", first=2, after=info["endCursor"])
    assert (rest, info["hasNextPage"]) == ([newest["number"]], False)

    # A cursor names a position in its own order: one of the other order is refused, not misread.
    _, created_info = await numbers("CREATED", first=1)
    for order, cursor in (("LAST_ACTIVITY", created_info["endCursor"]), ("CREATED", page_cursor)):
        refused = await api(QUEUE, {"order": order, "first": 2, "after": cursor}, token=staff.token)
        assert refused.error_codes == ["BAD_USER_INPUT"], order
