"""Card attempts nobody came back for are settled by the reconciler; nothing stays charged by mistake."""

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import update

from app.runtime import Runtime
from app.services import payments
from models.base import utcnow
from models.payment import Payment
from tests.orders.helpers import UPDATE_STATUS, order_input, order_key, push
from tests.payments.gateways import BOTH_GATEWAYS, TestCards
from tests.payments.helpers import ORDER_PAYMENTS, REMOVE_METHOD, codes, pay_order, save_card
from tests.payments.test_payments import minor_units
from tests.support import Api, Caller


async def make_stale(rt: Runtime) -> None:
    """As if the attempts were made long ago and the reconciler's turn has come."""
    async with rt.db.unit_of_work() as session:
        await session.execute(update(Payment).values(created_at=utcnow() - timedelta(minutes=10)))


async def state(api: Api, caller: Caller, order_id: str) -> dict[str, Any]:
    node: dict[str, Any] = (await api.ok(ORDER_PAYMENTS, {"id": order_id}, token=caller.token))["node"]
    return node


@BOTH_GATEWAYS
async def test_a_lost_charge_on_a_cancelled_order_is_found_and_refunded(
    api: Api, rt: Runtime, customer: Caller, test_cards: TestCards
) -> None:
    key = await order_key(rt)
    order = (await push(api, key, order_input("lost-1", customer.customer.email)))["order"]
    flaky = (await save_card(api, customer.token, test_cards["tok_network_flaky"]))["paymentMethod"]["id"]
    assert codes(await pay_order(api, customer.token, order["id"], "lost-key-1", paymentMethodId=flaky)) == [
        "GATEWAY_UNAVAILABLE"
    ]  # the gateway charged, but the answer was lost
    charged = minor_units(order["total"]["amount"])
    assert (test_cards.charged(rt), test_cards.refunded(rt)) == (charged, 0)
    removal = await api.ok(REMOVE_METHOD, {"i": {"paymentMethodId": flaky}}, token=customer.token)
    assert codes(removal["removePaymentMethod"]) == ["PAYMENT_UNCONFIRMED"]
    await api.ok(UPDATE_STATUS, {"i": {"orderId": order["id"], "status": "CANCELLED"}}, token=key)
    assert (await state(api, customer, order["id"]))["invoice"]["status"] == "VOID"
    # The customer is pointed at the key to retry, not told the invoice is void.
    other = await pay_order(api, customer.token, order["id"], "lost-key-2", useStoreCredit=True)
    assert codes(other) == ["PAYMENT_UNCONFIRMED"]

    await make_stale(rt)
    assert await payments.reconcile(rt) >= 1
    after = await state(api, customer, order["id"])
    assert [(p["status"], p["failureCode"]) for p in after["payments"]] == [("REFUNDED", "not_payable")]
    assert await payments.reconcile(rt) == 0  # nothing left to do
    assert (test_cards.charged(rt), test_cards.refunded(rt)) == (charged, charged)


@BOTH_GATEWAYS
async def test_the_reconciler_settles_a_lost_charge_on_an_open_invoice(
    api: Api, rt: Runtime, customer: Caller, test_cards: TestCards
) -> None:
    key = await order_key(rt)
    order = (await push(api, key, order_input("lost-2", customer.customer.email)))["order"]
    flaky = (await save_card(api, customer.token, test_cards["tok_network_flaky"]))["paymentMethod"]["id"]
    await pay_order(api, customer.token, order["id"], "lost-key-3", paymentMethodId=flaky)
    await make_stale(rt)
    await payments.reconcile(rt)
    after = await state(api, customer, order["id"])
    assert (after["status"], after["invoice"]["status"]) == ("PAID", "PAID")
    assert [p["status"] for p in after["payments"]] == ["SUCCEEDED"]
    assert test_cards.charged(rt) == minor_units(order["total"]["amount"])


@BOTH_GATEWAYS
async def test_a_gateway_that_never_answers_stops_blocking_the_invoice(
    api: Api, rt: Runtime, customer: Caller, test_cards: TestCards
) -> None:
    key = await order_key(rt)
    order = (await push(api, key, order_input("silent", customer.customer.email)))["order"]
    silent = (await save_card(api, customer.token, test_cards["tok_network_error"]))["paymentMethod"]["id"]
    await pay_order(api, customer.token, order["id"], "silent-key-1", paymentMethodId=silent)
    async with rt.db.unit_of_work() as session:
        await session.execute(update(Payment).values(gateway_attempts=payments.MAX_GATEWAY_ATTEMPTS))
    await make_stale(rt)
    await payments.reconcile(rt)
    after = await state(api, customer, order["id"])
    assert [(p["status"], p["failureCode"]) for p in after["payments"]] == [("DECLINED", "gateway_unreachable")]
    visa = (await save_card(api, customer.token, test_cards["tok_visa"]))["paymentMethod"]["id"]
    paid = await pay_order(api, customer.token, order["id"], "silent-key-2", paymentMethodId=visa)
    assert paid["payment"]["status"] == "SUCCEEDED"
    assert test_cards.charged(rt) == minor_units(order["total"]["amount"])


@BOTH_GATEWAYS
async def test_an_order_changed_during_a_payment_leaves_the_difference_due(
    api: Api, rt: Runtime, customer: Caller, test_cards: TestCards
) -> None:
    key = await order_key(rt)
    value = order_input(f"grow-{uuid.uuid4().hex[:6]}", customer.customer.email)
    order = (await push(api, key, value))["order"]
    flaky = (await save_card(api, customer.token, test_cards["tok_network_flaky"]))["paymentMethod"]["id"]
    await pay_order(api, customer.token, order["id"], "grow-key-1", paymentMethodId=flaky)  # under way
    bigger = {
        **value,
        "lines": [*value["lines"], {"sku": "LAMP", "name": "Lamp", "quantity": 1, "unitPrice": "100.00"}],
    }
    grown = (await push(api, key, bigger))["order"]
    assert float(grown["total"]["amount"]) == float(order["total"]["amount"]) + 100
    retried = await pay_order(api, customer.token, order["id"], "grow-key-1", paymentMethodId=flaky)
    assert retried["payment"]["amount"]["amount"] == order["total"]["amount"]  # what was charged
    invoice = retried["invoice"]
    assert (invoice["status"], invoice["amountDue"]["amount"]) == ("OPEN", "100.00")
    rest = await pay_order(api, customer.token, order["id"], "grow-key-2", paymentMethodId=flaky)
    assert rest["userErrors"] == [] or codes(rest) == ["GATEWAY_UNAVAILABLE"]
    if rest["userErrors"]:
        rest = await pay_order(api, customer.token, order["id"], "grow-key-2", paymentMethodId=flaky)
    assert (rest["payment"]["amount"]["amount"], rest["invoice"]["status"]) == ("100.00", "PAID")
    assert test_cards.charged(rt) == minor_units(grown["total"]["amount"])
