"""Payment, store-credit and credit-limit events through the public API: card payments refused, taken and refunded
on cancellation; store credit spent and short; a balance paid on account; offers; the gateway's webhooks settling a
debit later, failing one, and reporting a refund made in its dashboard. No card number or gateway token anywhere."""

import uuid
from typing import Any

from httpx import AsyncClient

from app.runtime import Runtime
from models.customer import Customer
from tests.integration.events_support import Events, covers, money, no_secrets, of, one, types
from tests.offers.helpers import ACCEPT_OFFER, PAY_OFFER, new_offer
from tests.orders.helpers import UPDATE_STATUS, order_input, order_key, push
from tests.payments.helpers import pay_order
from tests.payments.test_payments import card
from tests.payments.test_store_credit import ADJUST, DECIDE, REQUEST_LIMIT
from tests.payments.test_webhooks import _body, _charge_id, _send
from tests.support import Api, Caller

PAY_BALANCE = """mutation($i: PayAccountBalanceInput!) { payAccountBalance(input: $i) {
  payment { id status receiptNumber } userErrors { code } } }"""
SECRETS = ("tok_", "sbx_pm_", "4242424242424242", "password")


async def arranged(rt: Runtime, caller: Caller) -> None:
    async with rt.db.unit_of_work() as session:
        row = await session.get(Customer, caller.customer.id)
        assert row is not None
        row.external_reference = "CRM-7"


async def new_order(api: Api, rt: Runtime, caller: Caller) -> tuple[str, str]:
    """An unpaid order of 67.44 EUR for the caller, and the order system's key."""
    key = await order_key(rt, f"orders {uuid.uuid4().hex[:6]}")
    payload = await push(api, key, order_input(uuid.uuid4().hex[:8], caller.customer.email))
    assert payload["userErrors"] == [], payload
    return payload["order"]["id"], key


def codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]


@covers("payment.failed", "payment.succeeded", "payment.refunded", "invoice.paid", "order.status_changed")
async def test_card_payments_refused_taken_and_refunded(api: Api, rt: Runtime, customer: Caller) -> None:
    await arranged(rt, customer)
    order_id, key = await new_order(api, rt, customer)
    declined_card, good_card = await card(api, customer, "tok_declined"), await card(api, customer)
    events = Events(rt)
    await events.skip()

    refused = await pay_order(api, customer.token, order_id, "pay-events-1", paymentMethodId=declined_card)
    assert codes(refused) == ["PAYMENT_DECLINED"]
    failed = await events.new()
    assert types(failed) == ["payment.failed"]
    data = failed[0]["data"]
    assert (data["status"], data["failureCode"], data["source"], data["last4"], data["receiptNumber"]) == (
        "DECLINED",
        "card_declined",
        "CARD",
        "0002",
        None,
    )
    assert (data["orderId"], data["purpose"], data["customerExternalReference"]) == (order_id, "INVOICE", "CRM-7")

    paid = await pay_order(api, customer.token, order_id, "pay-events-2", paymentMethodId=good_card)
    assert paid["userErrors"] == []
    taken = await events.new()
    assert types(taken) == ["payment.succeeded", "invoice.paid", "order.status_changed"]
    succeeded = one(taken, "payment.succeeded")
    assert (succeeded["paymentId"], succeeded["receiptNumber"], succeeded["amount"]) == (
        paid["payment"]["id"],
        paid["payment"]["receiptNumber"],
        money(6744),
    )
    assert (succeeded["method"], succeeded["methodKind"], succeeded["brand"], succeeded["last4"]) == (
        "Visa •••• 4242",
        "CARD",
        "VISA",
        "4242",
    )
    assert succeeded["invoiceNumber"] == paid["invoice"]["number"]
    assert one(taken, "order.status_changed")["reason"] == "PAID_ONLINE"
    again = await pay_order(api, customer.token, order_id, "pay-events-2", paymentMethodId=good_card)
    assert again["replayed"] is True
    assert await events.new() == []

    moved = await api.ok(UPDATE_STATUS, {"i": {"orderId": order_id, "status": "CANCELLED"}}, token=key)
    assert moved["updateOrderStatus"]["userErrors"] == []
    cancelled = await events.new()
    assert types(cancelled)[-1] == "payment.refunded"  # once the gateway refunded it, after the cancellation
    refund = one(cancelled, "payment.refunded")
    assert (refund["status"], refund["paymentId"], refund["refund"]["amount"], refund["refund"]["reason"]) == (
        "REFUNDED",
        paid["payment"]["id"],
        money(6744),
        "ORDER_CANCELLED",
    )
    no_secrets(await events.all(), *SECRETS)


@covers("credit_limit.decided", "store_credit.moved", "payment.succeeded", "payment.failed")
async def test_store_credit_limits_and_a_balance_paid_on_account(
    api: Api, rt: Runtime, customer: Caller, admin: Caller
) -> None:
    await arranged(rt, customer)
    first, _ = await new_order(api, rt, customer)
    second, _ = await new_order(api, rt, customer)
    good_card = await card(api, customer)
    events = Events(rt)
    await events.skip()

    async def ask() -> str:
        variables = {"i": {"amount": "100", "reason": "monthly orders"}}
        payload = (await api.ok(REQUEST_LIMIT, variables, token=customer.token))["requestCreditLimit"]
        assert payload["userErrors"] == []
        return str(payload["request"]["id"])

    async def decide(request_id: str, approve: bool, **extra: Any) -> dict[str, Any]:
        variables = {"i": {"requestId": request_id, "approve": approve, **extra}}
        payload: dict[str, Any] = (await api.ok(DECIDE, variables, token=admin.token))["decideCreditLimitRequest"]
        return payload

    refused_request = await ask()
    assert (await decide(refused_request, False, reason="too soon"))["userErrors"] == []
    granted_request = await ask()
    assert (await decide(granted_request, True, amount="80", reason="start smaller"))["userErrors"] == []
    assert codes(await decide(granted_request, False, reason="no")) == ["ALREADY_DECIDED"]
    decisions = of(await events.new(), "credit_limit.decided")
    assert [(d["requestId"], d["decision"], d["grantedLimit"], d["reason"]) for d in decisions] == [
        (refused_request, "REFUSED", None, "too soon"),
        (granted_request, "GRANTED", money(8000), "start smaller"),
    ]
    assert decisions[1]["requestedLimit"] == money(10000)

    variables = {"i": {"customerId": customer.gid, "amount": "10", "note": "Goodwill"}}
    assert (await api.ok(ADJUST, variables, token=admin.token))["adjustStoreCredit"]["userErrors"] == []
    adjusted = one(await events.new(), "store_credit.moved")
    assert (adjusted["reason"], adjusted["amount"], adjusted["balanceAfter"], adjusted["creditLimit"]) == (
        "ADJUSTMENT",
        money(1000),
        money(1000),
        money(8000),
    )
    assert (adjusted["note"], adjusted["customerExternalReference"]) == ("Goodwill", "CRM-7")

    on_account = await pay_order(api, customer.token, first, "pay-credit-1", useStoreCredit=True)
    assert on_account["userErrors"] == []
    spent = await events.new()
    assert types(spent) == ["store_credit.moved", "payment.succeeded", "invoice.paid", "order.status_changed"]
    ledger = one(spent, "store_credit.moved")
    assert (ledger["reason"], ledger["amount"], ledger["balanceAfter"]) == ("PAYMENT", money(-6744), money(-5744))
    assert ledger["reference"] == f"invoice {on_account['invoice']['number']}"
    paid = one(spent, "payment.succeeded")
    assert (paid["source"], paid["method"], paid["methodKind"], paid["last4"]) == (
        "STORE_CREDIT",
        "Store credit",
        None,
        None,
    )
    assert one(spent, "order.status_changed")["reason"] == "PAID_WITH_STORE_CREDIT"

    short = await pay_order(api, customer.token, second, "pay-credit-2", useStoreCredit=True)
    assert codes(short) == ["INSUFFICIENT_CREDIT"]
    assert [(e["type"], e["data"]["failureCode"]) for e in await events.new()] == [
        ("payment.failed", "INSUFFICIENT_CREDIT")  # and no ledger entry
    ]

    variables = {
        "i": {"currencyCode": "EUR", "amount": "20.00", "paymentMethodId": good_card, "idempotencyKey": "balance-1"}
    }
    balance = (await api.ok(PAY_BALANCE, variables, token=customer.token))["payAccountBalance"]
    assert balance["userErrors"] == []
    received = await events.new()
    assert types(received) == ["payment.succeeded", "store_credit.moved"]
    payment = one(received, "payment.succeeded")
    assert (payment["purpose"], payment["orderId"], payment["invoiceId"], payment["amount"]) == (
        "ACCOUNT_BALANCE",
        None,
        None,
        money(2000),
    )
    entry = one(received, "store_credit.moved")
    assert (entry["reason"], entry["amount"], entry["balanceAfter"], entry["reference"]) == (
        "PAYMENT_RECEIVED",
        money(2000),
        money(-3744),
        balance["payment"]["receiptNumber"],
    )


@covers("payment.succeeded", "payment.failed", "payment.refunded", "order.placed", "invoice.issued")
async def test_offers_and_the_gateways_webhooks(
    api: Api, client: AsyncClient, rt: Runtime, customer: Caller, staff: Caller
) -> None:
    offer = await new_offer(api, staff, customer)
    events = Events(rt)
    await events.skip()
    accepted = (await api.ok(ACCEPT_OFFER, {"i": {"offerId": offer["id"]}}, token=customer.token))["acceptOffer"]
    assert accepted["userErrors"] == []
    placed = await events.new()
    assert types(placed)[:1] + types(placed)[-1:] == ["order.placed", "invoice.issued"]
    order = one(placed, "order.placed")
    assert (order["source"], order["orderNumber"], order["total"]) == ("offer", f"#{offer['number']}", money(6554))

    debit = await card(api, customer, "tok_sepa_debit")
    variables = {"i": {"offerId": offer["id"], "paymentMethodId": debit, "idempotencyKey": "offer-debit-1"}}
    started = (await api.ok(PAY_OFFER, variables, token=customer.token))["payOffer"]
    assert started["payment"]["status"] == "PROCESSING"
    assert await events.new() == []  # nothing is paid until the bank settles it
    charge_id = await _charge_id(rt, started["payment"]["id"])
    assert (await _send(client, rt, _body("payment_succeeded", charge_id=charge_id))).status_code == 200
    settled = await events.new()
    assert types(settled) == ["payment.succeeded", "invoice.paid", "order.status_changed"]
    assert (settled[0]["data"]["methodKind"], settled[0]["data"]["last4"]) == ("SEPA_DEBIT", "3000")

    refunded = _body("payment_refunded", charge_id=charge_id, refund_id="re_dash_1", amount=500, currency="EUR")
    assert (await _send(client, rt, refunded)).status_code == 200
    total = _body("payment_refunded", charge_id=charge_id, amount=500, currency="EUR")  # the same refund, as a total
    assert (await _send(client, rt, total)).status_code == 200
    outside = await events.new()
    assert types(outside) == ["payment.refunded"]
    assert outside[0]["data"]["refund"]["amount"] == money(500)
    assert outside[0]["data"]["refund"]["reason"] == "GATEWAY"

    order_id, _ = await new_order(api, rt, customer)
    await events.skip()
    bounced = await pay_order(api, customer.token, order_id, "pay-debit-2", paymentMethodId=debit)
    assert bounced["payment"]["status"] == "PROCESSING"
    charge_id = await _charge_id(rt, bounced["payment"]["id"])
    failure = _body("payment_failed", charge_id=charge_id, reason_code="insufficient_funds", message="No money.")
    assert (await _send(client, rt, failure)).status_code == 200
    failed = await events.new()
    assert [(e["type"], e["data"]["failureCode"]) for e in failed] == [("payment.failed", "insufficient_funds")]
    no_secrets(await events.all(), *SECRETS)
