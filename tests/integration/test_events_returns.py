"""Return events through the public API: requested (and approved by the rules, or by staff), rejected, received
with or without restocking (stock per SKU line back), refunded to the card or as store credit; refused moves record
nothing."""

from typing import Any

from app.runtime import Runtime
from tests.integration.events_support import Events, covers, money, of, one, types
from tests.returns.helpers import (
    APPROVE,
    RECEIVE,
    REJECT,
    act,
    card_paid_order,
    codes,
    delivered_order,
    request_input,
    requested,
    warehouse_key,
)
from tests.support import Api, Caller


def lines(data: dict[str, Any]) -> list[tuple[str, int, str]]:
    return [(line["sku"], line["quantity"], line["reason"]) for line in data["lines"]]


@covers(
    "return.requested",
    "return.approved",
    "return.received",
    "return.refunded",
    "inventory.moved",
    "payment.refunded",
)
async def test_a_return_approved_by_the_rules_restocked_and_refunded_to_the_card(
    api: Api, rt: Runtime, customer: Caller
) -> None:
    order = await card_paid_order(api, rt, customer)
    warehouse = await warehouse_key(rt)
    events = Events(rt)
    await events.skip()

    found = await requested(api, customer, request_input(order, 1))
    asked = await events.new()
    assert types(asked) == ["return.requested", "return.approved"]
    data = one(asked, "return.requested")
    assert (data["returnId"], data["returnNumber"], data["orderId"], data["orderNumber"]) == (
        found["id"],
        found["number"],
        order["id"],
        order["number"],
    )
    assert (data["customerId"], data["decisionReason"], lines(data)) == (
        customer.gid,
        "AUTO_APPROVED",
        [("MUG-001", 1, "DAMAGED")],
    )
    refund_total = round(float(found["refundTotal"]["amount"]) * 100)
    assert data["refundTotal"] == money(refund_total)

    received = await act(api, warehouse, RECEIVE, returnId=found["id"], note="as described")
    assert received["userErrors"] == []
    done = await events.new()
    assert types(done) == ["return.received", "inventory.moved", "payment.refunded", "return.refunded"]
    assert one(done, "return.received")["restocked"] is True
    stock = one(done, "inventory.moved")
    assert (stock["sku"], stock["quantityChange"], stock["reason"], stock["returnNumber"], stock["orderLineId"]) == (
        "MUG-001",
        1,
        "RETURNED",
        found["number"],
        order["lines"][0]["id"],
    )
    refund = one(done, "payment.refunded")
    assert (refund["refund"]["reason"], refund["refund"]["returnNumber"], refund["refund"]["amount"]) == (
        "RETURN",
        found["number"],
        money(refund_total),
    )
    assert refund["status"] == "SUCCEEDED"  # part of it given back; the payment stands
    refunded = one(done, "return.refunded")
    assert (refunded["status"], refunded["refundedAmount"]) == ("REFUNDED", money(refund_total))
    assert [(r["destination"], r["amount"], r["paymentId"]) for r in refunded["refunds"]] == [
        ("ORIGINAL_PAYMENT", money(refund_total), refund["paymentId"])
    ]

    again = await act(api, warehouse, RECEIVE, returnId=found["id"])
    assert codes(again) == ["INVALID_TRANSITION"]
    assert await events.new() == []


@covers("return.requested", "return.rejected", "return.approved", "return.received", "return.refunded")
async def test_staff_reject_and_approve_and_damaged_goods_stay_out_of_stock(
    api: Api, rt: Runtime, customer: Caller, staff: Caller
) -> None:
    mugs = {"sku": "MUG-001", "name": "Mug", "quantity": 2, "unitPrice": "60.00", "taxRate": "19", "taxAmount": "22.80"}
    tee = {"sku": "TEE-1", "name": "T-shirt", "quantity": 1, "unitPrice": "29.00", "taxRate": "7", "taxAmount": "2.03"}
    order = await delivered_order(api, rt, customer, lines=[mugs, tee])  # paid elsewhere: refunds go to store credit
    events = Events(rt)
    await events.skip()

    big = await requested(api, customer, request_input(order, 2, resolution="STORE_CREDIT"))
    waiting = one(await events.new(), "return.requested")
    assert (waiting["status"], waiting["decisionReason"]) == ("REQUESTED", "ABOVE_AUTO_APPROVE_LIMIT")
    rejected = await act(api, staff.token, REJECT, returnId=big["id"], reason="Used, not damaged.")
    assert rejected["userErrors"] == []
    no = one(await events.new(), "return.rejected")
    assert (no["status"], no["decisionReason"], no["rejectionReason"]) == (
        "REJECTED",
        "STAFF_REJECTED",
        "Used, not damaged.",
    )
    assert codes(await act(api, staff.token, APPROVE, returnId=big["id"])) == ["INVALID_TRANSITION"]
    assert await events.new() == []

    small = await requested(api, customer, request_input(order, 0, 1, resolution="STORE_CREDIT", reason="SIZE_OR_FIT"))
    assert one(await events.new(), "return.requested")["decisionReason"] == "NOT_IN_GOOD_STANDING"
    assert (await act(api, staff.token, APPROVE, returnId=small["id"]))["userErrors"] == []
    assert one(await events.new(), "return.approved")["decisionReason"] == "STAFF_APPROVED"

    received = await act(api, staff.token, RECEIVE, returnId=small["id"], restock=False)
    assert received["userErrors"] == []
    done = await events.new()
    assert types(done) == ["store_credit.moved", "return.received", "return.refunded"]  # nothing back to stock
    assert one(done, "return.received")["restocked"] is False
    credit = one(done, "store_credit.moved")
    assert (credit["reason"], credit["reference"]) == ("REFUND", f"return {small['number']}")
    refunded = one(done, "return.refunded")
    assert [r["destination"] for r in refunded["refunds"]] == ["STORE_CREDIT"]
    assert credit["amount"] == refunded["refundedAmount"]
    assert of(done, "inventory.moved") == []
