"""Requesting returns: the window, quantity rules, excluded products, the preview and the automated rules."""

import asyncio
from typing import Any

import pytest

from app.runtime import Runtime
from app.services.service_accounts import create_service_account
from tests.returns.helpers import (
    APPROVE,
    MY_RETURNS,
    ORDER_NODE,
    REJECT,
    STAFF_RETURNS,
    act,
    calculate,
    codes,
    delivered_order,
    request,
    request_input,
    requested,
)
from tests.support import Api, Caller, Mailbox, storefront_links, text_body

UPSERT_PRODUCTS = """mutation($i: UpsertProductsInput!) { upsertProducts(input: $i) {
  products { sku returnable } userErrors { code } } }"""
REASONS = "{ returnReasons { code label deductionsApply } }"


async def test_reasons_are_listed_for_anyone(api: Api) -> None:
    reasons = (await api.ok(REASONS))["returnReasons"]
    by_code = {reason["code"]: reason for reason in reasons}
    assert {"DAMAGED", "DEFECTIVE", "WRONG_ITEM", "SIZE_OR_FIT", "NO_LONGER_NEEDED", "OTHER"} <= set(by_code)
    assert by_code["NO_LONGER_NEEDED"]["deductionsApply"] is True
    assert by_code["DAMAGED"]["deductionsApply"] is False
    assert all(reason["label"] for reason in reasons)


async def test_preview_prices_a_partial_return_with_the_discount_share(api: Api, rt: Runtime, customer: Caller) -> None:
    order = await delivered_order(api, rt, customer)
    preview = await calculate(api, customer, request_input(order, 1, 1))
    assert preview["userErrors"] == []
    calc = preview["calculation"]
    # Mugs: 2 x 14.50 + 5.51 tax = 34.51, less 1.58 of the 3.00 discount = 32.93 (the largest line takes
    # the rounding cent): one of two is 16.46, the other 16.47.
    # T-shirt: 29.00 + 2.03 = 31.03, less 1.42 of the discount = 29.61.
    assert [line["amount"]["amount"] for line in calc["lines"]] == ["16.46", "29.61"]
    assert [line["taxAmount"]["amount"] for line in calc["lines"]] == ["2.75", "2.03"]
    assert [line["returnableQuantity"] for line in calc["lines"]] == [2, 1]
    assert calc["subtotal"]["amount"] == "46.07"
    assert calc["taxTotal"]["amount"] == "4.78"
    assert calc["restockingFee"]["amount"] == calc["shippingDeduction"]["amount"] == "0.00"
    assert calc["refundTotal"] == {"amount": "46.07", "currencyCode": "EUR"}
    # Paid outside this server: a refund can only go to store credit, and the preview says so.
    assert calc["refundDestination"] == "STORE_CREDIT"
    # Nothing was stored.
    assert (await api.ok(MY_RETURNS, token=customer.token))["me"]["returns"]["edges"] == []


async def test_deductions_apply_to_the_customers_own_reasons_only(
    api: Api, rt: Runtime, customer: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rt.settings, "return_restocking_fee_bp", 1000)
    monkeypatch.setattr(rt.settings, "return_shipping_fee", 495)
    order = await delivered_order(api, rt, customer)
    mind = (await calculate(api, customer, request_input(order, 1, 1, reason="NO_LONGER_NEEDED")))["calculation"]
    assert mind["subtotal"]["amount"] == "46.07"
    assert mind["restockingFee"]["amount"] == "4.61"  # 10 % of 46.07, rounded half up
    assert mind["shippingDeduction"]["amount"] == "4.95"
    assert mind["refundTotal"]["amount"] == "36.51"
    # Mixed reasons: deductions come out of the own-reason line only, never out of the defective one.
    monkeypatch.setattr(rt.settings, "return_shipping_fee", 5000)
    mixed = {
        **request_input(order, 1),
        "lines": [
            {"orderLineId": order["lines"][0]["id"], "quantity": 1, "reason": "NO_LONGER_NEEDED"},
            {"orderLineId": order["lines"][1]["id"], "quantity": 1, "reason": "DEFECTIVE"},
        ],
    }
    both = (await calculate(api, customer, mixed))["calculation"]
    assert both["restockingFee"]["amount"] == "1.65"  # 10 % of the mug's 16.46
    assert both["shippingDeduction"]["amount"] == "14.81"  # capped: what is left of the mug's value
    assert both["refundTotal"]["amount"] == "29.61"  # the defective T-shirt, in full
    monkeypatch.setattr(rt.settings, "return_shipping_fee", 495)
    faulty = (await calculate(api, customer, request_input(order, 1, 1, reason="DEFECTIVE")))["calculation"]
    assert faulty["restockingFee"]["amount"] == faulty["shippingDeduction"]["amount"] == "0.00"
    assert faulty["refundTotal"]["amount"] == "46.07"
    exchange = (await calculate(api, customer, request_input(order, 1, reason="SIZE_OR_FIT", resolution="EXCHANGE")))[
        "calculation"
    ]
    assert exchange["refundDestination"] == "NONE"
    assert exchange["refundTotal"]["amount"] == "0.00"


async def test_partial_returns_add_up_and_over_return_is_refused(api: Api, rt: Runtime, customer: Caller) -> None:
    order = await delivered_order(api, rt, customer)
    first = await requested(api, customer, request_input(order, 1))
    assert first["number"].startswith("R-")
    assert first["status"] == "APPROVED"
    assert first["lines"][0]["amount"]["amount"] == "16.46"
    # The second mug on a second return: the two halves add up to the line's whole value.
    second = await requested(api, customer, request_input(order, 1))
    assert second["lines"][0]["amount"]["amount"] == "16.47"
    over = await request(api, customer, request_input(order, 1))
    assert codes(over) == ["QUANTITY_EXCEEDED"]
    assert over["userErrors"][0]["field"] == ["input", "lines", "0", "quantity"]
    assert "Only 0" in over["userErrors"][0]["message"]
    too_many = await request(api, customer, request_input(order, 0, 2))
    assert codes(too_many) == ["QUANTITY_EXCEEDED"]
    node = (await api.ok(ORDER_NODE, {"id": order["id"]}, token=customer.token))["node"]
    assert [r["number"] for r in node["returns"]] == [first["number"], second["number"]]


async def test_a_rejected_return_frees_its_quantity(
    api: Api, rt: Runtime, customer: Caller, staff: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rt.settings, "return_auto_approve_limit", 0)
    order = await delivered_order(api, rt, customer)
    first = await requested(api, customer, request_input(order, 2))
    assert first["status"] == "REQUESTED"
    assert codes(await request(api, customer, request_input(order, 1))) == ["QUANTITY_EXCEEDED"]
    rejected = await act(api, staff.token, REJECT, returnId=first["id"], reason="Used goods")
    assert rejected["return"]["status"] == "REJECTED"
    again = await requested(api, customer, request_input(order, 2))
    assert again["lines"][0]["quantity"] == 2


async def test_two_requests_racing_for_the_last_unit(api: Api, rt: Runtime, customer: Caller) -> None:
    order = await delivered_order(api, rt, customer)
    results = await asyncio.gather(*(request(api, customer, request_input(order, 0, 1)) for _ in range(4)))
    outcomes = sorted("ok" if not r["userErrors"] else codes(r)[0] for r in results)
    assert outcomes == ["QUANTITY_EXCEEDED"] * 3 + ["ok"]


async def test_bad_input_is_refused_with_codes(api: Api, rt: Runtime, customer: Caller) -> None:
    order = await delivered_order(api, rt, customer)
    line = order["lines"][0]["id"]
    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({**request_input(order, 1), "lines": []}, ["REQUIRED"]),
        ({**request_input(order, 1), "orderId": "not-an-id"}, ["ORDER_NOT_FOUND"]),
        ({**request_input(order, 1), "note": "x" * 1001}, ["TOO_LONG"]),
        (
            {**request_input(order, 1), "lines": [{"orderLineId": line, "quantity": 0, "reason": "OTHER"}]},
            ["INVALID_QUANTITY"],
        ),
        (
            {
                **request_input(order, 1),
                "lines": [{"orderLineId": line, "quantity": 1, "reason": "OTHER"}] * 2,
            },
            ["DUPLICATE_LINE"],
        ),
        (
            {
                **request_input(order, 1),
                "lines": [{"orderLineId": "T3JkZXJMaW5lOng=", "quantity": 1, "reason": "OTHER"}],
            },
            ["ORDER_LINE_NOT_FOUND"],
        ),
    ]
    for value, expected in cases:
        assert codes(await request(api, customer, value)) == expected, value
        assert codes(await calculate(api, customer, value)) == expected, value
    # A line of another order of the same customer is not a line of this one.
    other = await delivered_order(api, rt, customer)
    mixed = {
        **request_input(order, 1),
        "lines": [{"orderLineId": other["lines"][0]["id"], "quantity": 1, "reason": "OTHER"}],
    }
    assert codes(await request(api, customer, mixed)) == ["ORDER_LINE_NOT_FOUND"]
    # An unknown reason or resolution is a GraphQL validation error, not a 500.
    result = await api(
        "mutation($i: RequestReturnInput!) { requestReturn(input: $i) { userErrors { code } } }",
        {"i": {**request_input(order, 1), "resolution": "CASH"}},
        token=customer.token,
    )
    assert result.errors
    assert result.data is None


async def test_only_delivered_orders_within_the_window(api: Api, rt: Runtime, customer: Caller) -> None:
    inside = await delivered_order(api, rt, customer, days_ago=30 - 1 / 1440)  # a minute before the window closes
    assert (await request(api, customer, request_input(inside, 1)))["userErrors"] == []
    outside = await delivered_order(api, rt, customer, days_ago=30 + 1 / 1440)  # a minute after
    closed = await request(api, customer, request_input(outside, 1))
    assert codes(closed) == ["RETURN_WINDOW_CLOSED"]
    assert codes(await calculate(api, customer, request_input(outside, 1))) == ["RETURN_WINDOW_CLOSED"]
    paid = await delivered_order(api, rt, customer, status="PAID")
    assert codes(await request(api, customer, request_input(paid, 1))) == ["ORDER_NOT_DELIVERED"]


async def test_excluded_products_cannot_be_returned(api: Api, rt: Runtime, customer: Caller) -> None:
    key = (await create_service_account(rt, "catalogue", ["products:write"])).api_key
    products = [
        {"sku": "TEE-1", "name": "T-shirt", "price": {"amount": "29.00", "currencyCode": "EUR"}, "returnable": False}
    ]
    saved = (await api.ok(UPSERT_PRODUCTS, {"i": {"products": products}}, token=key))["upsertProducts"]
    assert saved == {"products": [{"sku": "TEE-1", "returnable": False}], "userErrors": []}
    order = await delivered_order(api, rt, customer)
    refused = await request(api, customer, request_input(order, 1, 1))
    assert codes(refused) == ["NOT_RETURNABLE"]
    assert refused["userErrors"][0]["field"] == ["input", "lines", "1", "orderLineId"]
    assert (await request(api, customer, request_input(order, 1)))["userErrors"] == []


async def test_automated_rules(
    api: Api, rt: Runtime, customer: Caller, other_customer: Caller, staff: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Under the limit, in good standing, few returns: approved at once.
    order = await delivered_order(api, rt, customer)
    auto = await requested(api, customer, request_input(order, 1))
    assert auto["status"] == "APPROVED"
    assert auto["approvedAt"] is not None
    # The customer does not see which rule decided; staff do.
    assert auto["decisionReason"] is None
    listed = (await api.ok(STAFF_RETURNS, {"filter": {"orderId": order["id"]}}, token=staff.token))["returns"]
    assert listed["edges"][0]["node"]["decisionReason"] == "AUTO_APPROVED"

    # Above the limit: to staff.
    monkeypatch.setattr(rt.settings, "return_auto_approve_limit", 1000)
    big = await requested(api, customer, request_input(order, 0, 1))
    assert big["status"] == "REQUESTED"
    monkeypatch.setattr(rt.settings, "return_auto_approve_limit", 10_000)

    # Too many returns lately (two requested already, the limit is 2).
    monkeypatch.setattr(rt.settings, "return_recent_limit", 2)
    third = await requested(api, customer, request_input(await delivered_order(api, rt, customer), 1))
    assert third["status"] == "REQUESTED"
    monkeypatch.setattr(rt.settings, "return_recent_limit", 10)

    # Not in good standing: a return was refused lately.
    first = await requested(api, other_customer, request_input(await delivered_order(api, rt, other_customer), 1))
    assert first["status"] == "APPROVED"
    monkeypatch.setattr(rt.settings, "return_auto_approve_limit", 0)
    routed = await requested(api, other_customer, request_input(await delivered_order(api, rt, other_customer), 1))
    await act(api, staff.token, REJECT, returnId=routed["id"], reason="Worn")
    monkeypatch.setattr(rt.settings, "return_auto_approve_limit", 10_000)
    after = await requested(api, other_customer, request_input(await delivered_order(api, rt, other_customer), 1))
    assert after["status"] == "REQUESTED"
    reasons = {
        edge["node"]["number"]: edge["node"]["decisionReason"]
        for edge in (await api.ok(STAFF_RETURNS, token=staff.token))["returns"]["edges"]
    }
    assert reasons[big["number"]] == "ABOVE_AUTO_APPROVE_LIMIT"
    assert reasons[third["number"]] == "TOO_MANY_RECENT_RETURNS"
    assert reasons[routed["number"]] == "STAFF_REJECTED"
    assert reasons[after["number"]] == "NOT_IN_GOOD_STANDING"


async def test_staff_decide_and_the_customer_is_mailed(
    api: Api, rt: Runtime, customer: Caller, staff: Caller, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rt.settings, "return_auto_approve_limit", 0)
    order = await delivered_order(api, rt, customer)
    waiting = await requested(api, customer, request_input(order, 1, note="The handle broke off"))
    assert waiting["status"] == "REQUESTED"
    assert waiting["slipUrl"] is None  # nothing to send back yet
    mail = await mailbox.wait_for(customer.customer.email, f"Return {waiting['number']} received for review")
    assert "1 x Mug" in text_body(mail)
    assert set(storefront_links(mail)) == {f"https://shop.test/returns/{waiting['number']}"}
    staff_mail = await mailbox.wait_for(rt.settings.support_email, f"Return {waiting['number']} needs a decision")
    assert "ABOVE_AUTO_APPROVE_LIMIT" in text_body(staff_mail)

    empty = await act(api, staff.token, REJECT, returnId=waiting["id"], reason="  ")
    assert codes(empty) == ["REQUIRED"]
    approved = await act(api, staff.token, APPROVE, returnId=waiting["id"], note="Photo checked")
    assert approved["return"]["status"] == "APPROVED"
    assert approved["return"]["staffNote"] == "Photo checked"
    assert approved["return"]["slipUrl"]
    await mailbox.wait_for(customer.customer.email, f"Return {waiting['number']} approved")
    # Approved is approved: it cannot be approved again nor rejected now.
    assert codes(await act(api, staff.token, APPROVE, returnId=waiting["id"])) == ["INVALID_TRANSITION"]
    assert codes(await act(api, staff.token, REJECT, returnId=waiting["id"], reason="late")) == ["INVALID_TRANSITION"]
    # The customer sees no staff note.
    mine = (await api.ok(MY_RETURNS, {"filter": {"status": "APPROVED"}}, token=customer.token))["me"]["returns"]
    assert [edge["node"]["number"] for edge in mine["edges"]] == [waiting["number"]]

    other = await requested(api, customer, request_input(order, 1))
    rejected = await act(api, staff.token, REJECT, returnId=other["id"], reason="Outside our policy")
    assert rejected["return"]["status"] == "REJECTED"
    assert rejected["return"]["rejectionReason"] == "Outside our policy"
    mail = await mailbox.wait_for(customer.customer.email, f"Return {other['number']} declined")
    assert "Outside our policy" in text_body(mail)
    assert codes(await act(api, staff.token, APPROVE, returnId=other["id"])) == ["INVALID_TRANSITION"]
