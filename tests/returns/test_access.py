"""Who may see and do what with returns; the return slip behind its signed link; dataloaders under load."""

import io
from urllib.parse import parse_qs, urlsplit

import pytest
from pypdf import PdfReader
from strawberry import relay

from app.runtime import Runtime
from app.services import invoices, returns
from app.services.service_accounts import create_service_account
from tests.offers.helpers import accept, new_offer
from tests.returns.helpers import (
    APPROVE,
    CLOSE,
    MY_RETURNS,
    ORDER_NODE,
    RECEIVE,
    REJECT,
    RETRY,
    RETURN_NODE,
    STAFF_RETURNS,
    calculate,
    codes,
    delivered_order,
    request,
    request_input,
    requested,
)
from tests.support import Api, Caller, count_statements

OPEN_TICKET = """mutation($i: OpenTicketInput!) { openTicket(input: $i) { ticket { id } userErrors { code } } }"""


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def test_another_customers_returns_and_orders_are_refused_everywhere(
    api: Api, rt: Runtime, customer: Caller, other_customer: Caller
) -> None:
    order = await delivered_order(api, rt, customer)
    mine = await requested(api, customer, request_input(order, 1))
    assert (await api.ok(RETURN_NODE, {"id": mine["id"]}, token=other_customer.token))["node"] is None
    assert (await api.ok(ORDER_NODE, {"id": order["id"]}, token=other_customer.token))["node"] is None
    assert codes(await request(api, other_customer, request_input(order, 1))) == ["ORDER_NOT_FOUND"]
    assert codes(await calculate(api, other_customer, request_input(order, 1))) == ["ORDER_NOT_FOUND"]
    theirs = (await api.ok(MY_RETURNS, token=other_customer.token))["me"]["returns"]["edges"]
    assert theirs == []
    # A line of my order inside their own order's request is no line of theirs.
    their_order = await delivered_order(api, rt, other_customer)
    borrowed = {**request_input(their_order, 1), "lines": request_input(order, 1)["lines"]}
    assert codes(await request(api, other_customer, borrowed)) == ["ORDER_LINE_NOT_FOUND"]
    # Nothing of theirs changed what I may still return.
    assert (await calculate(api, customer, request_input(order, 1)))["userErrors"] == []


@pytest.mark.parametrize(
    ("mutation", "extra"),
    [(APPROVE, {}), (REJECT, {"reason": "no"}), (RECEIVE, {}), (CLOSE, {}), (RETRY, {})],
)
async def test_staff_mutations_are_refused_to_customers_and_anonymous(
    api: Api, rt: Runtime, customer: Caller, mutation: str, extra: dict[str, str]
) -> None:
    order = await delivered_order(api, rt, customer)
    mine = await requested(api, customer, request_input(order, 1))
    variables = {"i": {"returnId": mine["id"], **extra}}
    assert (await api(mutation, variables, token=customer.token)).error_codes == ["FORBIDDEN"]
    assert (await api(mutation, variables)).error_codes == ["UNAUTHENTICATED"]
    node = (await api.ok(RETURN_NODE, {"id": mine["id"]}, token=customer.token))["node"]
    assert node["status"] == "APPROVED"


async def test_lists_and_integrations_need_the_right_grants(api: Api, rt: Runtime, customer: Caller) -> None:
    assert (await api(STAFF_RETURNS, token=customer.token)).error_codes == ["FORBIDDEN"]
    assert (await api(STAFF_RETURNS)).error_codes == ["UNAUTHENTICATED"]
    assert (await api.ok(MY_RETURNS))["me"] is None
    order = await delivered_order(api, rt, customer)
    mine = await requested(api, customer, request_input(order, 1))
    wrong_scope = (await create_service_account(rt, "orders only", ["orders:write"])).api_key
    result = await api(RECEIVE, {"i": {"returnId": mine["id"]}}, token=wrong_scope)
    assert result.error_codes == ["FORBIDDEN"]
    # An integration cannot request returns on a customer's behalf, nor approve them.
    assert (await api(APPROVE, {"i": {"returnId": mine["id"]}}, token=wrong_scope)).error_codes == ["UNAUTHENTICATED"]


async def test_the_return_slip_downloads_by_signed_link(
    api: Api, rt: Runtime, customer: Caller, other_customer: Caller, staff: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = await delivered_order(api, rt, customer)
    mine = await requested(api, customer, request_input(order, 2, 1, reason="DEFECTIVE"))
    response = await api.client.get(path_of(mine["slipUrl"]))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert f'filename="return-{mine["number"]}.pdf"' in response.headers["content-disposition"]
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for expected in (mine["number"], order["number"], "MUG-001", "TEE-1", "Defective", "62.54 EUR", "Casey"):
        assert expected in text, expected
    url = path_of(mine["slipUrl"])
    signature = parse_qs(urlsplit(url).query)["signature"][0]
    assert (await api.client.get(url.replace(signature, signature[:-2] + "AA"))).status_code == 403
    # A request still waiting for staff has no slip.
    monkeypatch.setattr(rt.settings, "return_auto_approve_limit", 0)
    theirs = await requested(api, other_customer, request_input(await delivered_order(api, rt, other_customer), 1))
    assert theirs["slipUrl"] is None
    signed = invoices.links(rt)
    forged = signed.url(returns.SLIP_LINK, relay.GlobalID.from_id(theirs["id"]).node_id, signed.expiry(5))
    assert (await api.client.get(path_of(forged))).status_code == 404


async def test_me_with_offers_returns_and_tickets_takes_the_same_statements_for_1_or_5(
    api: Api, rt: Runtime, customer: Caller, staff: Caller
) -> None:
    query = """{ me {
      offers { edges { node { number lines { sku } } } }
      returns { edges { node { number lines { sku quantity } refunds { status } order { number } } } }
      tickets { edges { node { number messages { body } } } } } }"""

    async def one_of_each() -> None:
        offer = await new_offer(api, staff, customer)
        assert (await accept(api, customer, offer["id"]))["userErrors"] == []
        order = await delivered_order(api, rt, customer)
        await requested(api, customer, request_input(order, 1, 1))
        opened = await api.ok(
            OPEN_TICKET,
            {"i": {"subject": "Where is it?", "body": "My parcel is late.", "category": "ORDER"}},
            token=customer.token,
        )
        assert opened["openTicket"]["userErrors"] == []

    await one_of_each()
    with count_statements(rt) as one:
        data = await api.ok(query, token=customer.token)
    assert [len(data["me"][name]["edges"]) for name in ("offers", "returns", "tickets")] == [1, 1, 1]
    for _ in range(4):
        await one_of_each()
    with count_statements(rt) as five:
        data = await api.ok(query, token=customer.token)
    assert [len(data["me"][name]["edges"]) for name in ("offers", "returns", "tickets")] == [5, 5, 5]
    rows = [edge["node"] for edge in data["me"]["returns"]["edges"]]
    assert all([line["sku"] for line in node["lines"]] == ["MUG-001", "TEE-1"] for node in rows)
    assert all(node["order"]["number"] for node in rows)
    assert all(edge["node"]["messages"] for edge in data["me"]["tickets"]["edges"])
    assert len(one) == len(five), five
