"""payOrder / payInvoice by card: charged once per idempotency key, declines explained, every attempt kept."""

import asyncio
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from app.runtime import Runtime
from models.payment import Payment
from tests.orders.helpers import UPDATE_STATUS, order_input, order_key, push
from tests.payments.gateways import BOTH_GATEWAYS, TestCards
from tests.payments.helpers import ORDER_PAYMENTS, PAY_INVOICE, PAY_ORDER, codes, pay_order, save_card
from tests.support import Api, Caller


async def unpaid_order(api: Api, rt: Runtime, email: str, name: str | None = None) -> dict[str, Any]:
    key = await order_key(rt, f"order system {uuid.uuid4().hex[:8]}")
    order: dict[str, Any] = (await push(api, key, order_input(name or uuid.uuid4().hex[:8], email)))["order"]
    return order


def minor_units(amount: str) -> int:
    """A two-decimal amount as the API shows it ("65.54") in minor units."""
    return int(Decimal(amount) * 100)


async def card(api: Api, caller: Caller, gateway_token: str = "tok_visa") -> str:
    saved = await save_card(api, caller.token, gateway_token)
    assert saved["userErrors"] == [], saved
    method_id: str = saved["paymentMethod"]["id"]
    return method_id


async def order_state(api: Api, caller: Caller, order_id: str) -> dict[str, Any]:
    node: dict[str, Any] = (await api.ok(ORDER_PAYMENTS, {"id": order_id}, token=caller.token))["node"]
    return node


@BOTH_GATEWAYS
async def test_paying_an_order_by_card_marks_invoice_and_order_paid(
    api: Api, rt: Runtime, customer: Caller, test_cards: TestCards
) -> None:
    order = await unpaid_order(api, rt, customer.customer.email)
    before = await order_state(api, customer, order["id"])
    assert (before["status"], before["invoice"]["status"]) == ("PENDING_PAYMENT", "OPEN")
    assert before["invoice"]["amountDue"]["amount"] == order["total"]["amount"]

    method = await card(api, customer, test_cards["tok_visa"])
    paid = await pay_order(api, customer.token, order["id"], "order-1-first", paymentMethodId=method)
    assert paid["userErrors"] == []
    assert paid["replayed"] is False
    payment = paid["payment"]
    assert (payment["status"], payment["source"], payment["method"]) == ("SUCCEEDED", "CARD", "Visa •••• 4242")
    assert payment["amount"] == {"amount": order["total"]["amount"], "currencyCode": "EUR"}
    assert payment["receiptNumber"] == f"PAY-{paid['invoice']['number']}-1"  # never "R…", which returns use
    assert payment["receiptUrl"].startswith("http://")
    assert (paid["invoice"]["status"], paid["invoice"]["amountDue"]["amount"]) == ("PAID", "0.00")

    after = await order_state(api, customer, order["id"])
    assert after["status"] == "PAID"
    assert [p["status"] for p in after["payments"]] == ["SUCCEEDED"]
    assert test_cards.charged(rt) == minor_units(order["total"]["amount"])


@BOTH_GATEWAYS
async def test_the_same_key_never_charges_twice(api: Api, rt: Runtime, customer: Caller, test_cards: TestCards) -> None:
    order = await unpaid_order(api, rt, customer.customer.email)
    method = await card(api, customer, test_cards["tok_visa"])
    first = await pay_order(api, customer.token, order["id"], "same-key-123", paymentMethodId=method)
    again = await pay_order(api, customer.token, order["id"], "same-key-123", paymentMethodId=method)
    assert again["userErrors"] == []
    assert again["replayed"] is True
    assert again["payment"]["id"] == first["payment"]["id"]
    # The same key for a different request is refused, not silently answered with the old result.
    other = await pay_order(api, customer.token, order["id"], "same-key-123", useStoreCredit=True)
    assert codes(other) == ["IDEMPOTENCY_KEY_REUSED"]
    # A new key for a paid invoice: nothing to pay.
    fresh = await pay_order(api, customer.token, order["id"], "another-key-123", paymentMethodId=method)
    assert codes(fresh) == ["ALREADY_PAID"]
    async with rt.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Payment)) == 1
    assert test_cards.charged(rt) == minor_units(order["total"]["amount"])


@BOTH_GATEWAYS
async def test_a_decline_carries_the_gateways_reason_and_is_recorded(
    api: Api, rt: Runtime, customer: Caller, test_cards: TestCards
) -> None:
    order = await unpaid_order(api, rt, customer.customer.email)
    declined_card = await card(api, customer, test_cards["tok_insufficient_funds"])
    refused = await pay_order(api, customer.token, order["id"], "decline-key-1", paymentMethodId=declined_card)
    assert codes(refused) == ["PAYMENT_DECLINED"]
    assert "insufficient" in refused["userErrors"][0]["message"].lower()
    # The same key gives the same answer without asking the gateway again.
    assert codes(await pay_order(api, customer.token, order["id"], "decline-key-1", paymentMethodId=declined_card)) == [
        "PAYMENT_DECLINED"
    ]
    other_card = await card(api, customer, test_cards["tok_declined"])
    assert codes(await pay_order(api, customer.token, order["id"], "decline-key-2", paymentMethodId=other_card)) == [
        "PAYMENT_DECLINED"
    ]
    visa = await card(api, customer, test_cards["tok_visa"])
    good = await pay_order(api, customer.token, order["id"], "decline-key-3", paymentMethodId=visa)
    assert good["payment"]["status"] == "SUCCEEDED"

    state = await order_state(api, customer, order["id"])
    assert [(p["status"], p["failureCode"]) for p in state["payments"]] == [
        ("DECLINED", test_cards.decline_code("tok_insufficient_funds")),
        ("DECLINED", test_cards.decline_code("tok_declined")),
        ("SUCCEEDED", None),
    ]
    assert test_cards.charged(rt) == minor_units(order["total"]["amount"])


@BOTH_GATEWAYS
async def test_a_lost_gateway_answer_is_retried_with_the_same_key(
    api: Api, rt: Runtime, customer: Caller, test_cards: TestCards
) -> None:
    order = await unpaid_order(api, rt, customer.customer.email)
    flaky = await card(api, customer, test_cards["tok_network_flaky"])
    lost = await pay_order(api, customer.token, order["id"], "flaky-key-1", paymentMethodId=flaky)
    assert codes(lost) == ["GATEWAY_UNAVAILABLE"]
    assert (await order_state(api, customer, order["id"]))["payments"][0]["status"] == "FAILED"
    # Another key cannot start a second charge while the first one's outcome is unknown.
    visa = await card(api, customer, test_cards["tok_visa"])
    other = await pay_order(api, customer.token, order["id"], "flaky-key-2", paymentMethodId=visa)
    assert codes(other) == ["PAYMENT_UNCONFIRMED"]
    assert "flaky-key-1" in other["userErrors"][0]["message"]
    retried = await pay_order(api, customer.token, order["id"], "flaky-key-1", paymentMethodId=flaky)
    assert retried["userErrors"] == []
    assert retried["payment"]["status"] == "SUCCEEDED"
    state = await order_state(api, customer, order["id"])
    assert [p["status"] for p in state["payments"]] == ["SUCCEEDED"]  # one attempt, charged once
    assert test_cards.charged(rt) == minor_units(order["total"]["amount"])
    down = await unpaid_order(api, rt, customer.customer.email)
    broken = await card(api, customer, test_cards["tok_network_error"])
    assert codes(await pay_order(api, customer.token, down["id"], "down-key-1", paymentMethodId=broken)) == [
        "GATEWAY_UNAVAILABLE"
    ]
    assert test_cards.charged(rt) == minor_units(order["total"]["amount"])  # the unreachable one took nothing


async def test_pay_invoice_and_what_cannot_be_paid(api: Api, rt: Runtime, customer: Caller) -> None:
    order = await unpaid_order(api, rt, customer.customer.email)
    invoice_id = (await order_state(api, customer, order["id"]))["invoice"]["id"]
    method = await card(api, customer)
    paid = await api.ok(
        PAY_INVOICE,
        {"i": {"invoiceId": invoice_id, "paymentMethodId": method, "idempotencyKey": "invoice-key-1"}},
        token=customer.token,
    )
    assert paid["payInvoice"]["invoice"]["status"] == "PAID"

    cancelled = await unpaid_order(api, rt, customer.customer.email)
    key = await order_key(rt, "cancelling system")
    await api.ok(UPDATE_STATUS, {"i": {"orderId": cancelled["id"], "status": "CANCELLED"}}, token=key)
    state = await order_state(api, customer, cancelled["id"])
    assert state["invoice"]["status"] == "VOID"
    assert codes(await pay_order(api, customer.token, cancelled["id"], "void-key-1", paymentMethodId=method)) == [
        "NOT_PAYABLE"
    ]


async def test_bad_payment_input_is_a_typed_error(
    api: Api, rt: Runtime, customer: Caller, other_customer: Caller
) -> None:
    order = await unpaid_order(api, rt, customer.customer.email)
    method = await card(api, customer)
    assert codes(await pay_order(api, customer.token, order["id"], "short", paymentMethodId=method)) == ["INVALID"]
    assert codes(await pay_order(api, customer.token, order["id"], "bad key with spaces", paymentMethodId=method)) == [
        "INVALID"
    ]
    assert codes(await pay_order(api, customer.token, order["id"], "neither-key-1")) == ["REQUIRED"]
    both = await pay_order(
        api, customer.token, order["id"], "both-key-123", paymentMethodId=method, useStoreCredit=True
    )
    assert codes(both) == ["REQUIRED"]
    assert codes(await pay_order(api, customer.token, "garbage", "garbage-key-1", paymentMethodId=method)) == [
        "NOT_FOUND"
    ]
    # Somebody else's order, or somebody else's card, reads as not found.
    assert codes(await pay_order(api, other_customer.token, order["id"], "other-key-123", useStoreCredit=True)) == [
        "NOT_FOUND"
    ]
    theirs = await unpaid_order(api, rt, other_customer.customer.email)
    assert codes(await pay_order(api, other_customer.token, theirs["id"], "other-key-456", paymentMethodId=method)) == [
        "NOT_FOUND"
    ]
    assert (await order_state(api, other_customer, order["id"])) is None


@BOTH_GATEWAYS
async def test_cancelling_a_paid_order_gives_the_money_back(
    api: Api, rt: Runtime, customer: Caller, admin: Caller, test_cards: TestCards
) -> None:
    key = await order_key(rt, "refunding system")
    on_credit = await unpaid_order(api, rt, customer.customer.email)
    credit = await api.ok(
        "mutation($i: AdjustStoreCreditInput!) { adjustStoreCredit(input: $i) { userErrors { code } } }",
        {"i": {"customerId": customer.gid, "amount": "100.00", "note": "welcome credit"}},
        token=admin.token,
    )
    assert credit["adjustStoreCredit"]["userErrors"] == []
    paid = await pay_order(api, customer.token, on_credit["id"], "credit-key-1", useStoreCredit=True)
    assert paid["payment"]["status"] == "SUCCEEDED"
    by_card = await unpaid_order(api, rt, customer.customer.email)
    visa = await card(api, customer, test_cards["tok_visa"])
    assert (await pay_order(api, customer.token, by_card["id"], "card-key-12", paymentMethodId=visa))["payment"][
        "status"
    ] == "SUCCEEDED"

    await api.ok(UPDATE_STATUS, {"i": {"orderId": on_credit["id"], "status": "CANCELLED"}}, token=key)
    await api.ok(UPDATE_STATUS, {"i": {"orderId": by_card["id"], "status": "REFUNDED"}}, token=key)

    assert [p["status"] for p in (await order_state(api, customer, on_credit["id"]))["payments"]] == ["REFUNDED"]
    assert [p["status"] for p in (await order_state(api, customer, by_card["id"]))["payments"]] == ["REFUNDED"]
    ledger = await api.ok(
        "{ me { storeCredit { balance { amount } } creditTransactions { edges { node { reason amount { amount } } } } } }",
        token=customer.token,
    )
    assert ledger["me"]["storeCredit"]["balance"]["amount"] == "100.00"
    assert [edge["node"]["reason"] for edge in ledger["me"]["creditTransactions"]["edges"]] == [
        "REFUND",
        "PAYMENT",
        "ADJUSTMENT",
    ]  # the card's REFUNDED above is only written once the gateway has refunded it
    assert test_cards.refunded(rt) == test_cards.charged(rt) == minor_units(by_card["total"]["amount"])
    # The order system sends the status again: nothing is refunded twice.
    await api.ok(UPDATE_STATUS, {"i": {"orderId": by_card["id"], "status": "REFUNDED"}}, token=key)
    assert test_cards.refunded(rt) == minor_units(by_card["total"]["amount"])


async def test_paying_while_the_order_is_cancelled_neither_deadlocks_nor_loses_money(
    api: Api, rt: Runtime, customer: Caller, admin: Caller
) -> None:
    key = await order_key(rt, "racing system")
    await api.ok(
        "mutation($i: AdjustStoreCreditInput!) { adjustStoreCredit(input: $i) { userErrors { code } } }",
        {"i": {"customerId": customer.gid, "amount": "1000.00", "note": "for the race"}},
        token=admin.token,
    )
    for round_ in range(4):
        order = await unpaid_order(api, rt, customer.customer.email)
        paid, cancelled = await asyncio.gather(
            api(
                PAY_ORDER,
                {"i": {"orderId": order["id"], "idempotencyKey": f"race-key-{round_}", "useStoreCredit": True}},
                token=customer.token,
            ),
            api(UPDATE_STATUS, {"i": {"orderId": order["id"], "status": "CANCELLED"}}, token=key),
        )
        assert paid.errors is None, paid.errors
        assert cancelled.errors is None, cancelled.errors
        assert cancelled.data["updateOrderStatus"]["userErrors"] == []
        state = await order_state(api, customer, order["id"])
        assert state["status"] == "CANCELLED"
        # Paid first (then given back) or refused because the order was cancelled first: never kept.
        assert [p["status"] for p in state["payments"]] in ([], ["REFUNDED"]), state
    balance = await api.ok("{ me { storeCredit { balance { amount } } } }", token=customer.token)
    assert balance["me"]["storeCredit"]["balance"]["amount"] == "1000.00"


async def test_administrators_see_the_payment_success_rate(
    api: Api, rt: Runtime, customer: Caller, admin: Caller
) -> None:
    stats = "query($s: PaymentSource) { paymentStatistics(paidWith: $s) { attempts succeeded declined unconfirmed refunded successRate } }"
    empty = await api.ok(stats, token=admin.token)
    assert empty["paymentStatistics"] == {
        "attempts": 0,
        "succeeded": 0,
        "declined": 0,
        "unconfirmed": 0,
        "refunded": 0,
        "successRate": None,
    }
    order = await unpaid_order(api, rt, customer.customer.email)
    await pay_order(
        api, customer.token, order["id"], "stats-key-1", paymentMethodId=await card(api, customer, "tok_declined")
    )
    await pay_order(
        api, customer.token, order["id"], "stats-key-2", paymentMethodId=await card(api, customer, "tok_do_not_honor")
    )
    await pay_order(api, customer.token, order["id"], "stats-key-3", paymentMethodId=await card(api, customer))
    other = await unpaid_order(api, rt, customer.customer.email)
    await pay_order(api, customer.token, other["id"], "stats-key-4", useStoreCredit=True)  # no credit: declined
    cards = (await api.ok(stats, {"s": "CARD"}, token=admin.token))["paymentStatistics"]
    assert cards == {
        "attempts": 3,
        "succeeded": 1,
        "declined": 2,
        "unconfirmed": 0,
        "refunded": 0,
        "successRate": 1 / 3,
    }
    every = (await api.ok(stats, token=admin.token))["paymentStatistics"]
    assert (every["attempts"], every["successRate"]) == (4, 0.25)
    backwards = await api(
        '{ paymentStatistics(since: "2026-12-02T00:00:00+00:00", until: "2026-12-01T00:00:00+00:00") { attempts } }',
        token=admin.token,
    )
    assert backwards.error_codes == ["BAD_USER_INPUT"]
