"""Card payments racing each other and the order system, on the sandbox and on the Stripe adapter (against
the stand-in): whatever interleaving happens, the gateway keeps exactly what the invoices say was paid."""

import asyncio

from app.runtime import Runtime
from tests.orders.helpers import UPDATE_STATUS, order_key
from tests.payments.gateways import BOTH_GATEWAYS, TestCards
from tests.payments.helpers import PAY_ORDER
from tests.payments.test_payments import card, minor_units, order_state, unpaid_order
from tests.support import Api, Caller

pytestmark = BOTH_GATEWAYS


async def test_paying_by_card_while_the_order_is_cancelled_never_keeps_the_money(
    api: Api, rt: Runtime, customer: Caller, test_cards: TestCards
) -> None:
    key = await order_key(rt, "racing system")
    method = await card(api, customer, test_cards["tok_visa"])
    paid_back = 0
    for round_ in range(3):
        order = await unpaid_order(api, rt, customer.customer.email)
        variables = {"i": {"orderId": order["id"], "idempotencyKey": f"card-race-{round_}", "paymentMethodId": method}}
        paid, cancelled = await asyncio.gather(
            api(PAY_ORDER, variables, token=customer.token),
            api(UPDATE_STATUS, {"i": {"orderId": order["id"], "status": "CANCELLED"}}, token=key),
        )
        assert paid.errors is None, paid.errors
        assert cancelled.errors is None, cancelled.errors
        state = await order_state(api, customer, order["id"])
        assert state["status"] == "CANCELLED"
        statuses = [p["status"] for p in state["payments"]]
        # Refused (cancelled first, or declined as not payable) or charged and given back: never kept.
        assert statuses in ([], ["DECLINED"], ["REFUNDED"]), state
        if statuses == ["REFUNDED"]:
            paid_back += minor_units(order["total"]["amount"])
    assert test_cards.refunded(rt) == test_cards.charged(rt) == paid_back


async def test_the_same_key_sent_at_once_charges_once(
    api: Api, rt: Runtime, customer: Caller, test_cards: TestCards
) -> None:
    order = await unpaid_order(api, rt, customer.customer.email)
    method = await card(api, customer, test_cards["tok_visa"])
    variables = {"i": {"orderId": order["id"], "idempotencyKey": "at-once-key-1", "paymentMethodId": method}}
    answers = await asyncio.gather(*(api(PAY_ORDER, variables, token=customer.token) for _ in range(4)))
    payloads = [answer.data["payOrder"] for answer in answers]
    for payload in payloads:  # paid, the same payment replayed, or told it is under way
        assert payload["userErrors"] == [] or [e["code"] for e in payload["userErrors"]] == ["PAYMENT_IN_PROGRESS"]
    assert len({p["payment"]["id"] for p in payloads if p["payment"] and not p["userErrors"]}) == 1
    state = await order_state(api, customer, order["id"])
    assert (state["status"], [p["status"] for p in state["payments"]]) == ("PAID", ["SUCCEEDED"])
    assert test_cards.charged(rt) == minor_units(order["total"]["amount"])


async def test_two_keys_at_once_pay_the_invoice_once(
    api: Api, rt: Runtime, customer: Caller, test_cards: TestCards
) -> None:
    order = await unpaid_order(api, rt, customer.customer.email)
    visa = await card(api, customer, test_cards["tok_visa"])
    mastercard = await card(api, customer, test_cards["tok_mastercard"])
    answers = await asyncio.gather(
        *(
            api(
                PAY_ORDER,
                {"i": {"orderId": order["id"], "idempotencyKey": f"two-keys-{n}", "paymentMethodId": method}},
                token=customer.token,
            )
            for n, method in enumerate((visa, mastercard, visa))
        )
    )
    assert all(answer.errors is None for answer in answers), [a.errors for a in answers]
    state = await order_state(api, customer, order["id"])
    assert state["status"] == "PAID"
    kept = [p for p in state["payments"] if p["status"] == "SUCCEEDED"]
    assert len(kept) == 1, state
    # Any second charge the gateway made was given back at once.
    total = minor_units(order["total"]["amount"])
    assert test_cards.charged(rt) - test_cards.refunded(rt) == total
