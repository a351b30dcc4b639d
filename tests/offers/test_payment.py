"""Paying an accepted offer: payOffer pays its order exactly like payOrder, and the offer is PAID however the
order gets paid (payOffer, payOrder or payInvoice; card or store credit)."""

import uuid
from typing import Any

from app.runtime import Runtime
from tests.offers.helpers import accept, codes, new_offer, offer_node, pay_offer
from tests.payments.gateways import BOTH_GATEWAYS, TestCards
from tests.payments.helpers import PAY_INVOICE, pay_order, save_card
from tests.support import Api, Caller, Mailbox

SUPPORT = "support@example.com"
ADJUST = """mutation($i: AdjustStoreCreditInput!) { adjustStoreCredit(input: $i) { userErrors { code } } }"""


async def accepted_offer(api: Api, staff: Caller, customer: Caller) -> dict[str, Any]:
    offer = await new_offer(api, staff, customer)
    payload = await accept(api, customer, offer["id"])
    assert payload["userErrors"] == [], payload
    accepted: dict[str, Any] = payload["offer"]
    return accepted


async def card(api: Api, caller: Caller, gateway_token: str = "tok_visa") -> str:
    saved = await save_card(api, caller.token, gateway_token)
    assert saved["userErrors"] == [], saved
    method_id: str = saved["paymentMethod"]["id"]
    return method_id


@BOTH_GATEWAYS
async def test_paying_an_offer_by_card_pays_its_order_once_per_key(
    api: Api, rt: Runtime, staff: Caller, customer: Caller, mailbox: Mailbox, test_cards: TestCards
) -> None:
    offer = await accepted_offer(api, staff, customer)
    method = await card(api, customer, test_cards["tok_visa"])
    paid = await pay_offer(api, customer, offer["id"], "offer-card-key-1", paymentMethodId=method)
    assert paid["userErrors"] == []
    assert paid["replayed"] is False
    payment = paid["payment"]
    assert (payment["status"], payment["source"], payment["method"]) == ("SUCCEEDED", "CARD", "Visa •••• 4242")
    assert payment["amount"] == {"amount": "65.54", "currencyCode": "EUR"}
    assert (paid["invoice"]["status"], paid["invoice"]["amountDue"]["amount"]) == ("PAID", "0.00")
    assert paid["offer"]["state"] == "PAID"
    assert paid["offer"]["paidAt"]
    assert paid["offer"]["order"] == {"id": offer["order"]["id"], "status": "PAID"}

    again = await pay_offer(api, customer, offer["id"], "offer-card-key-1", paymentMethodId=method)
    assert again["userErrors"] == []
    assert again["replayed"] is True
    assert again["payment"]["id"] == payment["id"]
    # The same key for another way of paying is refused, and a new key finds nothing due.
    assert codes(await pay_offer(api, customer, offer["id"], "offer-card-key-1", useStoreCredit=True)) == [
        "IDEMPOTENCY_KEY_REUSED"
    ]
    assert codes(await pay_offer(api, customer, offer["id"], "offer-card-key-2", paymentMethodId=method)) == [
        "ALREADY_PAID"
    ]
    node = await offer_node(api, customer, offer["id"])
    assert node is not None
    assert node["order"]["invoice"]["status"] == "PAID"
    timeline = [entry["status"] for entry in node["order"]["timeline"]]
    assert timeline == ["PENDING_PAYMENT", "PAID"]
    assert test_cards.charged(rt) == 6554  # once
    await mailbox.wait_for(customer.customer.email, f"Offer {offer['number']} is paid")
    await mailbox.wait_for(SUPPORT, f"Offer {offer['number']} was paid")


@BOTH_GATEWAYS
async def test_a_declined_card_leaves_the_offer_accepted(
    api: Api, rt: Runtime, staff: Caller, customer: Caller, test_cards: TestCards
) -> None:
    offer = await accepted_offer(api, staff, customer)
    declined_card = await card(api, customer, test_cards["tok_declined"])
    declined = await pay_offer(api, customer, offer["id"], "offer-declined-1", paymentMethodId=declined_card)
    assert codes(declined) == ["PAYMENT_DECLINED"]
    assert declined["offer"]["state"] == "ACCEPTED"
    # The same key again: the same decline, from the attempt's record.
    again = await pay_offer(api, customer, offer["id"], "offer-declined-1", paymentMethodId=declined_card)
    assert (codes(again), again["offer"]["state"]) == (["PAYMENT_DECLINED"], "ACCEPTED")
    # A lost answer: unconfirmed until retried under its key, then paid once.
    flaky = await card(api, customer, test_cards["tok_network_flaky"])
    lost = await pay_offer(api, customer, offer["id"], "offer-flaky-1", paymentMethodId=flaky)
    assert (codes(lost), lost["offer"]["state"]) == (["GATEWAY_UNAVAILABLE"], "ACCEPTED")
    retried = await pay_offer(api, customer, offer["id"], "offer-flaky-1", paymentMethodId=flaky)
    assert (retried["userErrors"], retried["offer"]["state"]) == ([], "PAID")
    assert test_cards.charged(rt) == 6554
    assert codes(await pay_offer(api, customer, offer["id"], "x")) == ["INVALID"]  # payOrder's own key rule
    assert codes(await pay_offer(api, customer, offer["id"], "offer-none-1")) == ["REQUIRED"]


async def test_paying_an_offer_on_store_credit(api: Api, staff: Caller, admin: Caller, customer: Caller) -> None:
    offer = await accepted_offer(api, staff, customer)
    assert codes(await pay_offer(api, customer, offer["id"], "offer-credit-0", useStoreCredit=True)) == [
        "INSUFFICIENT_CREDIT"
    ]
    credited = await api.ok(
        ADJUST, {"i": {"customerId": customer.gid, "amount": "100", "note": "Goodwill"}}, token=admin.token
    )
    assert credited["adjustStoreCredit"]["userErrors"] == []
    paid = await pay_offer(api, customer, offer["id"], "offer-credit-1", useStoreCredit=True)
    assert paid["userErrors"] == []
    assert (paid["payment"]["source"], paid["offer"]["state"]) == ("STORE_CREDIT", "PAID")
    balance = await api.ok("{ me { storeCredit { balance { amount } } } }", token=customer.token)
    assert balance["me"]["storeCredit"]["balance"]["amount"] == "34.46"


async def test_paying_the_order_by_pay_order_or_pay_invoice_marks_the_offer_paid(
    api: Api, staff: Caller, customer: Caller
) -> None:
    by_order = await accepted_offer(api, staff, customer)
    method = await card(api, customer)
    paid = await pay_order(api, customer.token, by_order["order"]["id"], "order-of-offer-1", paymentMethodId=method)
    assert paid["userErrors"] == []
    node = await offer_node(api, customer, by_order["id"])
    assert node is not None
    assert node["state"] == "PAID"
    assert node["paidAt"]

    by_invoice = await accepted_offer(api, staff, customer)
    variables = {"i": {"invoiceId": by_invoice["order"]["invoice"]["id"], "idempotencyKey": f"inv-{uuid.uuid4()}"}}
    variables["i"]["paymentMethodId"] = method
    result = (await api.ok(PAY_INVOICE, variables, token=customer.token))["payInvoice"]
    assert result["userErrors"] == []
    node = await offer_node(api, customer, by_invoice["id"])
    assert node is not None
    assert node["state"] == "PAID"


async def test_another_customers_offer_cannot_be_seen_or_changed(
    api: Api, rt: Runtime, staff: Caller, customer: Caller, other_customer: Caller
) -> None:
    theirs = await new_offer(api, staff, other_customer)
    accepted = await accepted_offer(api, staff, other_customer)
    assert await offer_node(api, customer, theirs["id"]) is None
    assert await offer_node(api, customer, accepted["id"]) is None
    for offer_id in (theirs["id"], accepted["id"], "not-an-id", theirs["order"] or accepted["order"]["id"]):
        assert (await accept(api, customer, offer_id))["userErrors"] == [
            {"field": ["input", "offerId"], "message": "No such offer.", "code": "NOT_FOUND"}
        ]
        assert codes(await _reject(api, customer, offer_id)) == ["NOT_FOUND"]
        assert codes(await pay_offer(api, customer, offer_id, "pay-theirs-1", useStoreCredit=True)) == ["NOT_FOUND"]
    # Staff see it; the owner's offers are untouched.
    assert await offer_node(api, staff, theirs["id"]) is not None
    mine = await api.ok("{ me { offers { edges { node { id } } } } }", token=customer.token)
    assert mine["me"]["offers"]["edges"] == []
    untouched = await offer_node(api, other_customer, theirs["id"])
    assert untouched is not None
    assert untouched["state"] == "NEW"
    paid_theirs = await offer_node(api, other_customer, accepted["id"])
    assert paid_theirs is not None
    assert paid_theirs["state"] == "ACCEPTED"


async def _reject(api: Api, caller: Caller, offer_id: str) -> dict[str, Any]:
    from tests.offers.helpers import reject

    return await reject(api, caller, offer_id)
