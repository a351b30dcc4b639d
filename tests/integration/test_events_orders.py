"""Order, invoice and inventory events through the integration API: placed with lines and totals, stock per SKU
line (sold, changed, back on cancellation), invoices with their tax breakdown per rate, status changes; refused
pushes and transitions record nothing."""

import uuid
from typing import Any

from app.runtime import Runtime
from models.customer import Customer
from tests.integration.events_support import Events, covers, money, of, one, types
from tests.orders.helpers import UPDATE_STATUS, UPSERT_ORDER, order_input, order_key
from tests.support import Api, Caller

ORDER = """query($id: ID!) { node(id: $id) { ... on Order { id number lines { id sku } invoice { id number } } } }"""


async def set_reference(rt: Runtime, caller: Caller, reference: str) -> None:
    """The customer's id in the shop's CRM, as upsertCustomer would have set it (arranged directly)."""
    async with rt.db.unit_of_work() as session:
        row = await session.get(Customer, caller.customer.id)
        assert row is not None
        row.external_reference = reference


async def push(api: Api, key: str, value: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = (await api.ok(UPSERT_ORDER, {"i": value}, token=key))["upsertOrder"]
    return payload


async def move(api: Api, key: str, order_id: str, status: str) -> list[str]:
    payload = await api.ok(UPDATE_STATUS, {"i": {"orderId": order_id, "status": status}}, token=key)
    return [error["code"] for error in payload["updateOrderStatus"]["userErrors"]]


def stock(events: list[dict[str, Any]]) -> list[tuple[str, int, str]]:
    return [(e["sku"], e["quantityChange"], e["reason"]) for e in of(events, "inventory.moved")]


def check_breakdown(invoice: dict[str, Any], mug: tuple[int, int]) -> None:
    """One row per rate, lowest first, adding up to the invoice's totals as an accounting system books them.
    `mug`: the 19 % row's net and tax (the mugs' line)."""
    rows = invoice["taxBreakdown"]
    assert [(row["rate"], row["rateBasisPoints"]) for row in rows] == [("7", 700), ("19", 1900)]
    assert [(row["net"]["amount"], row["tax"]["amount"], row["gross"]["amount"]) for row in rows] == [
        (2900, 203, 3103),
        (mug[0], mug[1], mug[0] + mug[1]),
    ]
    assert sum(row["tax"]["amount"] for row in rows) == invoice["taxTotal"]["amount"]
    assert sum(row["net"]["amount"] for row in rows) == invoice["subtotal"]["amount"]
    gross = sum(row["gross"]["amount"] for row in rows)
    assert gross - invoice["discountTotal"]["amount"] + invoice["shippingTotal"]["amount"] == invoice["total"]["amount"]


@covers(
    "order.placed",
    "order.status_changed",
    "order.cancelled",
    "inventory.moved",
    "invoice.issued",
    "invoice.paid",
    "invoice.voided",
)
async def test_an_order_from_placement_to_cancellation(api: Api, rt: Runtime, customer: Caller) -> None:
    await set_reference(rt, customer, "CRM-42")
    key = await order_key(rt)
    events = Events(rt)
    await events.skip()
    external = uuid.uuid4().hex[:8]
    value = order_input(external, customerId=customer.gid)

    wrong = {**value, "lines": [{**value["lines"][0], "taxAmount": "9.99"}, value["lines"][1]]}
    assert [e["code"] for e in (await push(api, key, wrong))["userErrors"]] == ["TAX_MISMATCH"]
    assert await events.new() == []

    placed = await push(api, key, value)
    assert placed["userErrors"] == []
    order = (await api.ok(ORDER, {"id": placed["order"]["id"]}, token=customer.token))["node"]
    recorded = await events.new()
    assert types(recorded) == ["order.placed", "inventory.moved", "inventory.moved", "invoice.issued"]
    data = one(recorded, "order.placed")
    assert {k: data[k] for k in ("orderId", "orderNumber", "customerId", "customerExternalReference", "email")} == {
        "orderId": order["id"],
        "orderNumber": f"#{external}",
        "customerId": customer.gid,
        "customerExternalReference": "CRM-42",
        "email": customer.customer.email,
    }
    assert (data["status"], data["channel"], data["guestOrder"], data["billingCountryCode"]) == (
        "PENDING_PAYMENT",
        "ONLINE",
        False,
        "DE",
    )
    assert [(line["lineId"], line["sku"], line["quantity"], line["taxRate"]) for line in data["lines"]] == [
        (order["lines"][0]["id"], "MUG-001", 2, "19"),
        (order["lines"][1]["id"], "TEE-1", 1, "7"),
    ]
    assert data["lines"][0]["gross"] == money(2900 + 551)
    assert (data["subtotal"], data["taxTotal"], data["total"]) == (money(5800), money(754), money(6744))
    assert stock(recorded) == [("MUG-001", -2, "SOLD"), ("TEE-1", -1, "SOLD")]
    assert [e["orderLineId"] for e in of(recorded, "inventory.moved")] == [line["id"] for line in order["lines"]]
    issued = one(recorded, "invoice.issued")
    assert (issued["invoiceId"], issued["invoiceNumber"]) == (order["invoice"]["id"], order["invoice"]["number"])
    assert (issued["status"], issued["amountDue"], issued["customerExternalReference"]) == (
        "OPEN",
        money(6744),
        "CRM-42",
    )
    check_breakdown(issued, (2900, 551))

    assert (await push(api, key, value))["userErrors"] == []  # the same push again changes nothing
    assert await events.new() == []
    more = {**value, "lines": [{**value["lines"][0], "quantity": 3, "taxAmount": "8.27"}, value["lines"][1]]}
    assert (await push(api, key, more))["userErrors"] == []
    changed = await events.new()
    assert types(changed) == ["inventory.moved"]
    assert stock(changed) == [("MUG-001", -1, "ORDER_CHANGED")]
    assert changed[0]["data"]["orderLineId"] is None

    assert await move(api, key, order["id"], "SHIPPED") == ["ILLEGAL_TRANSITION"]
    assert await events.new() == []
    assert await move(api, key, order["id"], "PAID") == []  # paid elsewhere, as the order system reports
    paid = await events.new()
    assert types(paid) == ["order.status_changed", "invoice.paid"]
    status = one(paid, "order.status_changed")
    assert (status["previousStatus"], status["status"], status["reason"]) == ("PENDING_PAYMENT", "PAID", None)
    invoice = one(paid, "invoice.paid")
    assert (invoice["status"], invoice["amountPaid"], invoice["amountDue"]) == ("PAID", money(8470), money(0))
    check_breakdown(invoice, (4350, 827))

    assert await move(api, key, order["id"], "CANCELLED") == []
    cancelled = await events.new()
    assert types(cancelled)[:2] == ["order.status_changed", "order.cancelled"]
    assert one(cancelled, "order.cancelled")["lines"] == [
        {"sku": "MUG-001", "quantity": 3},
        {"sku": "TEE-1", "quantity": 1},
    ]
    assert stock(cancelled) == [("MUG-001", 3, "ORDER_CANCELLED"), ("TEE-1", 1, "ORDER_CANCELLED")]
    voided = one(cancelled, "invoice.voided")
    assert (voided["status"], voided["voidReason"], voided["amountDue"]) == ("VOID", "ORDER_CANCELLED", money(0))
    check_breakdown(voided, (4350, 827))


@covers("order.placed", "invoice.issued", "invoice.paid", "inventory.moved")
async def test_a_guest_order_placed_paid_at_the_till(api: Api, rt: Runtime) -> None:
    key = await order_key(rt)
    events = Events(rt)
    value = order_input(uuid.uuid4().hex[:8], "walk.in@example.com", status="PAID", channel="POS")
    assert (await push(api, key, value))["userErrors"] == []
    recorded = await events.new()
    assert types(recorded) == ["order.placed", "inventory.moved", "inventory.moved", "invoice.issued", "invoice.paid"]
    data = one(recorded, "order.placed")
    assert (data["guestOrder"], data["customerId"], data["customerExternalReference"], data["email"]) == (
        True,
        None,
        None,
        "walk.in@example.com",
    )
    assert {e["channel"] for e in of(recorded, "inventory.moved")} == {"POS"}
    assert one(recorded, "invoice.paid")["amountDue"] == money(0)
