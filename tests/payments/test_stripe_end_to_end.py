"""PAYMENT_GATEWAY=stripe end to end: through GraphQL and POST /webhooks/payments, against the local
stand-in of Stripe's API (tests/payments/stripe_standin.py), doing what Stripe.js, the customer's bank and
Stripe's webhooks would do in between."""

import time
from typing import Any

import httpx
import pytest
from httpx import AsyncClient, Response
from sqlalchemy import func, select

from app.config import Settings
from app.runtime import Runtime
from app.services import payments
from models.payment import GatewayEventRecord
from tests.orders.helpers import UPDATE_STATUS, order_input, order_key, push
from tests.payments.helpers import ADD_METHOD, ERRORS, MY_METHODS, codes, pay_order
from tests.payments.stripe_standin import StripeStandin
from tests.payments.test_authentication import CONFIRM, OPTIONS, PAY_WITH_ACTION, RETURN_URL
from tests.payments.test_payments import minor_units, order_state, unpaid_order
from tests.payments.test_reconciliation import make_stale
from tests.support import Api, Caller

BEGIN_SETUP = f"""mutation($i: BeginPaymentMethodSetupInput) {{ beginPaymentMethodSetup(input: $i) {{
  setup {{ setupId clientSecret }} {ERRORS} }} }}"""
DISPUTES = """query($id: ID!) { node(id: $id) { ... on Order { payments { status
  gatewayRefunded { amount } disputes { amount { amount currencyCode } reason status } } } } }"""
CURRENCIES = "EUR,JPY,KWD"


@pytest.fixture
def gateway_name() -> str:
    return "stripe"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"payment_currencies": CURRENCIES})


# ---- what a storefront, Stripe.js, the bank and Stripe's webhooks do ----------------------------------


async def save_method(
    api: Api, caller: Caller, standin: StripeStandin, payment_method: str, kind: str = "CARD"
) -> dict[str, Any]:
    """beginPaymentMethodSetup, Stripe.js confirming the SetupIntent with the card (or IBAN), then
    addPaymentMethod with the SetupIntent's id."""
    begun = (await api.ok(BEGIN_SETUP, {"i": {"kinds": [kind]}}, token=caller.token))["beginPaymentMethodSetup"]
    assert begun["userErrors"] == [], begun
    setup = begun["setup"]
    assert setup["setupId"].startswith("seti_")
    assert setup["clientSecret"].startswith(setup["setupId"] + "_secret_")
    standin.confirm_setup(setup["setupId"], payment_method)  # Stripe.js, with the customer's card or IBAN
    added = (await api.ok(ADD_METHOD, {"i": {"gatewayToken": setup["setupId"]}}, token=caller.token))[
        "addPaymentMethod"
    ]
    assert added["userErrors"] == [], added
    method: dict[str, Any] = added["paymentMethod"]
    return method


async def pay(api: Api, caller: Caller, order_id: str, key: str, method_id: str, **extra: Any) -> dict[str, Any]:
    variables = {"i": {"orderId": order_id, "idempotencyKey": key, "paymentMethodId": method_id, **extra}}
    payload: dict[str, Any] = (await api.ok(PAY_WITH_ACTION, variables, token=caller.token))["payOrder"]
    return payload


async def confirm(api: Api, caller: Caller, payment_id: str) -> dict[str, Any]:
    payload: dict[str, Any] = (await api.ok(CONFIRM, {"i": {"paymentId": payment_id}}, token=caller.token))[
        "confirmPayment"
    ]
    return payload


async def deliver(client: AsyncClient, standin: StripeStandin, event: dict[str, Any], **signing: Any) -> Response:
    """Stripe posting a webhook, signed with the endpoint's secret (or as `signing` says)."""
    body, header = standin.signed(event, **signing)
    return await client.post("/webhooks/payments", content=body, headers={"Stripe-Signature": header})


def last_event(standin: StripeStandin, event_type: str, object_id: str) -> dict[str, Any]:
    found = [e for e in standin.events_of(event_type) if e["data"]["object"]["id"] == object_id]
    assert found, (event_type, object_id, [e["type"] for e in standin.events])
    return found[-1]


def only_intent(standin: StripeStandin) -> dict[str, Any]:
    assert len(standin.payment_intents) == 1, list(standin.payment_intents)
    return next(iter(standin.payment_intents.values()))


def intent_creations(standin: StripeStandin) -> int:
    return sum(1 for r in standin.requests if (r.method, r.path) == ("POST", "/v1/payment_intents"))


# ---- saving and paying --------------------------------------------------------------------------------


async def test_a_card_saved_through_a_setup_intent_pays_an_order(
    api: Api, rt: Runtime, customer: Caller, stripe_standin: StripeStandin
) -> None:
    options = (await api.ok(OPTIONS, {"c": "EUR"}, token=customer.token))["paymentOptions"]
    assert (options["gateway"], options["publishableKey"]) == ("stripe", stripe_standin.publishable_key)
    # A SetupIntent nobody confirmed saves nothing.
    begun = (await api.ok(BEGIN_SETUP, token=customer.token))["beginPaymentMethodSetup"]["setup"]
    unconfirmed = await api.ok(ADD_METHOD, {"i": {"gatewayToken": begun["setupId"]}}, token=customer.token)
    assert codes(unconfirmed["addPaymentMethod"]) == ["INVALID_TOKEN"]

    method = await save_method(api, customer, stripe_standin, "pm_card_visa")
    assert (method["brand"], method["last4"], method["expMonth"], method["expYear"]) == ("VISA", "4242", 12, 2034)
    [stripe_customer] = stripe_standin.customers.values()
    assert stripe_customer["metadata"] == {"customer_id": str(customer.customer.id)}
    saved_pm = stripe_standin.setup_intents[begun["setupId"]]  # the first, unconfirmed one
    assert saved_pm["status"] == "requires_payment_method"

    order = await unpaid_order(api, rt, customer.customer.email)
    paid = await pay(api, customer, order["id"], "e2e-key-0001", method["id"])
    assert paid["userErrors"] == []
    assert (paid["payment"]["status"], paid["payment"]["method"], paid["nextAction"]) == (
        "SUCCEEDED",
        "Visa •••• 4242",
        None,
    )
    assert (await order_state(api, customer, order["id"]))["status"] == "PAID"
    intent = only_intent(stripe_standin)
    assert (intent["status"], intent["amount"], intent["currency"]) == (
        "succeeded",
        minor_units(order["total"]["amount"]),
        "eur",
    )
    assert intent["customer"] == stripe_customer["id"]
    [creation] = [r for r in stripe_standin.requests if (r.method, r.path) == ("POST", "/v1/payment_intents")]
    assert creation.idempotency_key is not None
    assert creation.idempotency_key.startswith("payment-")
    # The same key again: the recorded payment, without asking Stripe again.
    replay = await pay(api, customer, order["id"], "e2e-key-0001", method["id"])
    assert (replay["replayed"], replay["payment"]["id"]) == (True, paid["payment"]["id"])
    assert intent_creations(stripe_standin) == 1


# ---- 3-D Secure ---------------------------------------------------------------------------------------


async def test_a_3ds_card_waits_for_the_customer_then_confirm_payment_settles_it(
    api: Api, rt: Runtime, customer: Caller, stripe_standin: StripeStandin
) -> None:
    method = await save_method(api, customer, stripe_standin, "pm_card_authenticationRequired")
    order = await unpaid_order(api, rt, customer.customer.email)
    started = await pay(api, customer, order["id"], "e2e-3ds-0001", method["id"], returnUrl=RETURN_URL)
    assert started["userErrors"] == []
    assert started["payment"]["status"] == "REQUIRES_ACTION"
    intent = only_intent(stripe_standin)
    action = started["nextAction"]
    assert action["clientSecret"] == intent["client_secret"]
    assert action["redirectUrl"] == f"{stripe_standin.base_url}/_standin/3ds/{intent['id']}"
    assert (await order_state(api, customer, order["id"]))["status"] == "PENDING_PAYMENT"
    early = await confirm(api, customer, started["payment"]["id"])
    assert (early["payment"]["status"], early["nextAction"]["clientSecret"]) == (
        "REQUIRES_ACTION",
        intent["client_secret"],
    )

    back = stripe_standin.authenticate(intent["id"])  # the customer passes the challenge
    assert back.status_code == 302
    assert back.headers["location"].startswith(RETURN_URL + "&payment_intent=")
    done = await confirm(api, customer, started["payment"]["id"])
    assert done["userErrors"] == []
    assert (done["payment"]["status"], done["invoice"]["status"], done["nextAction"]) == ("SUCCEEDED", "PAID", None)
    assert (await order_state(api, customer, order["id"]))["status"] == "PAID"
    # Stripe's own webhook about it arrives afterwards: acknowledged, nothing changes.
    answer = await deliver(
        api.client, stripe_standin, last_event(stripe_standin, "payment_intent.succeeded", intent["id"])
    )
    assert answer.json() == {"received": True, "duplicate": False}
    assert [p["status"] for p in (await order_state(api, customer, order["id"]))["payments"]] == ["SUCCEEDED"]
    assert intent_creations(stripe_standin) == 1


async def test_a_3ds_payment_without_a_return_url_has_no_redirect(
    api: Api, rt: Runtime, customer: Caller, stripe_standin: StripeStandin
) -> None:
    method = await save_method(api, customer, stripe_standin, "pm_card_authenticationRequired")
    order = await unpaid_order(api, rt, customer.customer.email)
    started = await pay(api, customer, order["id"], "e2e-3ds-0002", method["id"])
    assert started["payment"]["status"] == "REQUIRES_ACTION"
    assert started["nextAction"] == {"clientSecret": only_intent(stripe_standin)["client_secret"], "redirectUrl": None}


async def test_a_refused_authentication_declines_and_the_invoice_stays_payable(
    api: Api, rt: Runtime, customer: Caller, stripe_standin: StripeStandin
) -> None:
    method = await save_method(api, customer, stripe_standin, "pm_card_authenticationRequired")
    order = await unpaid_order(api, rt, customer.customer.email)
    started = await pay(api, customer, order["id"], "e2e-3ds-0003", method["id"], returnUrl=RETURN_URL)
    assert stripe_standin.authenticate(only_intent(stripe_standin)["id"], succeed=False).status_code == 302
    declined = await confirm(api, customer, started["payment"]["id"])
    assert codes(declined) == ["PAYMENT_DECLINED"]
    state = await order_state(api, customer, order["id"])
    assert (state["status"], state["invoice"]["status"]) == ("PENDING_PAYMENT", "OPEN")
    assert [(p["status"], p["failureCode"]) for p in state["payments"]] == [
        ("DECLINED", "payment_intent_authentication_failure")
    ]
    visa = await save_method(api, customer, stripe_standin, "pm_card_visa")
    assert (await pay(api, customer, order["id"], "e2e-3ds-0004", visa["id"]))["payment"]["status"] == "SUCCEEDED"


async def test_a_new_attempt_cancels_the_payment_intent_awaiting_authentication(
    api: Api, rt: Runtime, customer: Caller, stripe_standin: StripeStandin
) -> None:
    three_ds = await save_method(api, customer, stripe_standin, "pm_card_authenticationRequired")
    visa = await save_method(api, customer, stripe_standin, "pm_card_visa")
    order = await unpaid_order(api, rt, customer.customer.email)
    await pay(api, customer, order["id"], "e2e-3ds-0005", three_ds["id"], returnUrl=RETURN_URL)
    [waiting] = stripe_standin.payment_intents
    instead = await pay(api, customer, order["id"], "e2e-3ds-0006", visa["id"])
    assert instead["payment"]["status"] == "SUCCEEDED"
    assert stripe_standin.payment_intents[waiting]["status"] == "canceled"  # it can never be completed now
    assert stripe_standin.authenticate(waiting).status_code == 400
    statuses = [(p["status"], p["failureCode"]) for p in (await order_state(api, customer, order["id"]))["payments"]]
    assert statuses == [("DECLINED", "authentication_abandoned"), ("SUCCEEDED", None)]


# ---- SEPA Direct Debit and webhooks -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("iban", "event_type", "outcome"),
    [
        ("DE89370400440532013000", "payment_intent.succeeded", ("PAID", "SUCCEEDED", None)),
        (
            "AT861904300235473202",
            "payment_intent.payment_failed",
            ("PENDING_PAYMENT", "DECLINED", "insufficient_funds"),
        ),
    ],
)
async def test_a_sepa_debit_processes_until_the_signed_webhook_settles_it(
    api: Api,
    rt: Runtime,
    customer: Caller,
    stripe_standin: StripeStandin,
    iban: str,
    event_type: str,
    outcome: tuple[str, str, str | None],
) -> None:
    method = await save_method(api, customer, stripe_standin, iban, kind="SEPA_DEBIT")
    assert (method["brand"], method["last4"]) == ("SEPA_DEBIT", iban[-4:])
    order = await unpaid_order(api, rt, customer.customer.email)
    started = await pay(api, customer, order["id"], "e2e-sepa-0001", method["id"])
    assert (started["payment"]["status"], started["nextAction"]) == ("PROCESSING", None)
    intent = only_intent(stripe_standin)
    assert intent["status"] == "processing"
    assert (await order_state(api, customer, order["id"]))["status"] == "PENDING_PAYMENT"

    stripe_standin.settle(intent["id"])  # the bank answers, days later; Stripe sends the webhook
    event = last_event(stripe_standin, event_type, intent["id"])
    first = await deliver(api.client, stripe_standin, event)
    assert (first.status_code, first.json()) == (200, {"received": True, "duplicate": False})
    state = await order_state(api, customer, order["id"])
    [payment] = state["payments"]
    assert (state["status"], payment["status"], payment["failureCode"]) == outcome
    # Stripe delivers it again (a retry, or a replay): acknowledged, not processed twice.
    again = await deliver(api.client, stripe_standin, event)
    assert (again.status_code, again.json()) == (200, {"received": True, "duplicate": True})
    later = await order_state(api, customer, order["id"])
    assert (later["status"], later["payments"]) == (state["status"], state["payments"])


async def test_bad_signatures_old_timestamps_and_replays_are_refused(
    api: Api, rt: Runtime, customer: Caller, stripe_standin: StripeStandin
) -> None:
    method = await save_method(api, customer, stripe_standin, "DE89370400440532013000", kind="SEPA_DEBIT")
    order = await unpaid_order(api, rt, customer.customer.email)
    await pay(api, customer, order["id"], "e2e-hook-0001", method["id"])
    intent = only_intent(stripe_standin)
    stripe_standin.settle(intent["id"])
    event = last_event(stripe_standin, "payment_intent.succeeded", intent["id"])
    tolerance = rt.settings.stripe_webhook_tolerance_seconds
    for signing in (
        {"secret": "whsec_not_the_endpoints_" + "0" * 16},
        {"timestamp": int(time.time()) - tolerance - 60},
    ):
        refused = await deliver(api.client, stripe_standin, event, **signing)
        assert refused.status_code == 400
        assert refused.json()["errors"][0]["extensions"]["code"] == "INVALID_SIGNATURE"
    body, header = stripe_standin.signed(event)
    tampered = await api.client.post(
        "/webhooks/payments", content=body.replace(b'"succeeded"', b'"canceled"'), headers={"Stripe-Signature": header}
    )
    assert tampered.status_code == 400
    unsigned = await api.client.post("/webhooks/payments", content=body)
    assert unsigned.status_code == 400
    async with rt.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(GatewayEventRecord)) == 0
    assert (await order_state(api, customer, order["id"]))["status"] == "PENDING_PAYMENT"

    assert (await deliver(api.client, stripe_standin, event)).json() == {"received": True, "duplicate": False}
    replayed = await deliver(api.client, stripe_standin, event)  # freshly signed, the same event id
    assert (replayed.status_code, replayed.json()) == (200, {"received": True, "duplicate": True})
    assert (await order_state(api, customer, order["id"]))["status"] == "PAID"
    async with rt.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(GatewayEventRecord)) == 1


async def test_a_dispute_shows_on_the_payment_for_staff(
    api: Api, rt: Runtime, customer: Caller, staff: Caller, stripe_standin: StripeStandin
) -> None:
    method = await save_method(api, customer, stripe_standin, "pm_card_visa")
    order = await unpaid_order(api, rt, customer.customer.email)
    await pay(api, customer, order["id"], "e2e-dispute-1", method["id"])
    intent = only_intent(stripe_standin)
    dispute = stripe_standin.open_dispute(intent["id"])
    assert (
        await deliver(api.client, stripe_standin, last_event(stripe_standin, "charge.dispute.created", dispute["id"]))
    ).status_code == 200
    amount = {"amount": order["total"]["amount"], "currencyCode": "EUR"}
    seen = (await api.ok(DISPUTES, {"id": order["id"]}, token=staff.token))["node"]["payments"][0]
    assert seen["disputes"] == [{"amount": amount, "reason": "fraudulent", "status": "needs_response"}]
    own = (await api.ok(DISPUTES, {"id": order["id"]}, token=customer.token))["node"]["payments"][0]
    assert own["disputes"] == []
    stripe_standin.update_dispute(dispute["id"], "won")
    closed = last_event(stripe_standin, "charge.dispute.closed", dispute["id"])
    assert (await deliver(api.client, stripe_standin, closed)).status_code == 200
    seen = (await api.ok(DISPUTES, {"id": order["id"]}, token=staff.token))["node"]["payments"][0]
    assert seen["disputes"] == [{"amount": amount, "reason": "fraudulent", "status": "won"}]


async def test_card_updater_and_detachment_events_reach_the_saved_methods(
    api: Api, rt: Runtime, customer: Caller, stripe_standin: StripeStandin
) -> None:
    visa = await save_method(api, customer, stripe_standin, "pm_card_visa")
    await save_method(api, customer, stripe_standin, "pm_card_mastercard")
    visa_pm, mastercard_pm = list(stripe_standin.payment_methods)
    stripe_standin.update_card(visa_pm, exp_month=3, exp_year=2037)
    updated = last_event(stripe_standin, "payment_method.automatically_updated", visa_pm)
    assert (await deliver(api.client, stripe_standin, updated)).status_code == 200
    methods = (await api.ok(MY_METHODS, token=customer.token))["me"]["paymentMethods"]
    assert {(m["brand"], m["expMonth"], m["expYear"]) for m in methods} == {("VISA", 3, 2037), ("MASTERCARD", 12, 2034)}

    # Detached at Stripe (in its dashboard, say): the saved card goes here too.
    async with httpx.AsyncClient(base_url=stripe_standin.base_url) as stripe_api:
        detached = await stripe_api.post(
            f"/v1/payment_methods/{visa_pm}/detach", headers={"Authorization": f"Bearer {stripe_standin.secret_key}"}
        )
    assert detached.status_code == 200
    event = last_event(stripe_standin, "payment_method.detached", visa_pm)
    assert (await deliver(api.client, stripe_standin, event)).status_code == 200
    methods = (await api.ok(MY_METHODS, token=customer.token))["me"]["paymentMethods"]
    assert [(m["brand"], m["isDefault"]) for m in methods] == [("MASTERCARD", True)]
    assert visa["id"] not in [m["id"] for m in methods]
    assert stripe_standin.payment_methods[mastercard_pm]["customer"] is not None


# ---- refunds ------------------------------------------------------------------------------------------


async def test_a_cancelled_order_is_refunded_at_stripe_once_even_when_the_answer_is_lost(
    api: Api, rt: Runtime, customer: Caller, staff: Caller, stripe_standin: StripeStandin
) -> None:
    method = await save_method(api, customer, stripe_standin, "pm_card_visa")
    order = await unpaid_order(api, rt, customer.customer.email)
    await pay(api, customer, order["id"], "e2e-refund-1", method["id"])
    intent = only_intent(stripe_standin)
    stripe_standin.fail_next("lost", path="/v1/refunds", method="POST")  # made at Stripe, the answer lost
    key = await order_key(rt, "cancelling system")
    moved = await api.ok(UPDATE_STATUS, {"i": {"orderId": order["id"], "status": "CANCELLED"}}, token=key)
    assert moved["updateOrderStatus"]["userErrors"] == []
    assert len(stripe_standin.refunds) == 1
    assert [p["status"] for p in (await order_state(api, customer, order["id"]))["payments"]] != ["REFUNDED"]

    await make_stale(rt)
    await payments.reconcile(rt)  # retried under the same key: Stripe answers with the refund it made
    await payments.reconcile(rt)
    assert [p["status"] for p in (await order_state(api, customer, order["id"]))["payments"]] == ["REFUNDED"]
    [refund] = stripe_standin.refunds.values()
    assert (refund["amount"], refund["payment_intent"]) == (minor_units(order["total"]["amount"]), intent["id"])
    posts = [r for r in stripe_standin.requests if (r.method, r.path) == ("POST", "/v1/refunds")]
    assert len(posts) >= 2
    assert len({r.idempotency_key for r in posts}) == 1
    # Stripe's refund webhooks, also delivered: the refund is counted once.
    for event_type in ("refund.created", "charge.refunded"):
        for event in stripe_standin.events_of(event_type):
            assert (await deliver(api.client, stripe_standin, event)).status_code == 200
    seen = (await api.ok(DISPUTES, {"id": order["id"]}, token=staff.token))["node"]["payments"][0]
    assert seen["status"] == "REFUNDED"
    assert seen["gatewayRefunded"] == {"amount": order["total"]["amount"]}  # not twice the amount
    assert len(stripe_standin.refunds) == 1


# ---- currencies ---------------------------------------------------------------------------------------


def _order_in(currency: str, unit_price: str, name: str, email: str) -> dict[str, Any]:
    line = {"sku": "CUP-1", "name": "Cup", "quantity": 1, "unitPrice": unit_price, "taxRate": "0", "taxAmount": "0"}
    return order_input(name, email, currencyCode=currency, lines=[line], shippingTotal="0", discountTotal="0")


async def test_currencies_stripe_or_the_shop_cannot_take_are_refused_before_stripe_is_asked(
    api: Api, rt: Runtime, customer: Caller, stripe_standin: StripeStandin
) -> None:
    method = await save_method(api, customer, stripe_standin, "pm_card_visa")
    key = await order_key(rt, "currency system")
    email = customer.customer.email
    dollars = (await push(api, key, _order_in("USD", "12.00", "usd-1", email)))["order"]
    refused = await pay_order(api, customer.token, dollars["id"], "e2e-usd-0001", paymentMethodId=method["id"])
    assert codes(refused) == ["CURRENCY_NOT_SUPPORTED"]
    odd_dinars = (await push(api, key, _order_in("KWD", "12.345", "kwd-1", email)))["order"]
    refused = await pay_order(api, customer.token, odd_dinars["id"], "e2e-kwd-0001", paymentMethodId=method["id"])
    assert codes(refused) == ["CURRENCY_NOT_SUPPORTED"]
    assert intent_creations(stripe_standin) == 0
    assert (await order_state(api, customer, odd_dinars["id"]))["invoice"]["status"] == "OPEN"

    dinars = (await push(api, key, _order_in("KWD", "12.340", "kwd-2", email)))["order"]
    paid = await pay_order(api, customer.token, dinars["id"], "e2e-kwd-0002", paymentMethodId=method["id"])
    assert paid["payment"]["status"] == "SUCCEEDED"
    yen = (await push(api, key, _order_in("JPY", "1000", "jpy-1", email)))["order"]
    paid = await pay_order(api, customer.token, yen["id"], "e2e-jpy-0001", paymentMethodId=method["id"])
    assert paid["payment"]["status"] == "SUCCEEDED"
    assert paid["payment"]["amount"] == {"amount": "1000", "currencyCode": "JPY"}
    charged = sorted((i["currency"], i["amount"]) for i in stripe_standin.payment_intents.values())
    assert charged == [("jpy", 1000), ("kwd", 12340)]
