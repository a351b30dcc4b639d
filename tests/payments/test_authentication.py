"""Payments that wait: 3-D Secure (REQUIRES_ACTION until the customer authenticates, then confirmPayment)
and SEPA direct debits (PROCESSING until the bank answers), against the sandbox gateway."""

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from httpx import AsyncClient
from sqlalchemy import update
from sqlmodel import col

from app.payments.sandbox import SandboxGateway
from app.runtime import Runtime
from app.services import payments
from models.order import Order
from models.payment import Invoice, Payment, PaymentStatus
from schema.types.base import decode_global_id
from tests.payments.helpers import ERRORS, PAYMENT_FIELDS, codes, pay_order, save_card
from tests.payments.test_payments import card, order_state, unpaid_order
from tests.support import Api, Caller

RETURN_URL = "https://shop.test/account/orders/back?step=3"
PAY_WITH_ACTION = f"""mutation($i: PayOrderInput!) {{ payOrder(input: $i) {{ {PAYMENT_FIELDS}
  nextAction {{ clientSecret redirectUrl }} {ERRORS} }} }}"""
CONFIRM = f"""mutation($i: ConfirmPaymentInput!) {{ confirmPayment(input: $i) {{ {PAYMENT_FIELDS}
  nextAction {{ clientSecret redirectUrl }} {ERRORS} }} }}"""
OPTIONS = "query($c: String!, $k: String) { paymentOptions(currencyCode: $c, countryCode: $k) { gateway publishableKey methodKinds } }"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(rt: Runtime) -> Clock:
    """The sandbox on a clock the test moves: debits process for a minute."""
    moved = Clock()
    rt.gateway = SandboxGateway(production=False, clock=moved, processing_seconds=60)
    return moved


async def _pay(api: Api, caller: Caller, order_id: str, key: str, method: str, **extra: Any) -> dict[str, Any]:
    variables = {"i": {"orderId": order_id, "idempotencyKey": key, "paymentMethodId": method, **extra}}
    payload: dict[str, Any] = (await api.ok(PAY_WITH_ACTION, variables, token=caller.token))["payOrder"]
    return payload


async def _confirm(api: Api, caller: Caller, payment_id: str) -> dict[str, Any]:
    payload: dict[str, Any] = (await api.ok(CONFIRM, {"i": {"paymentId": payment_id}}, token=caller.token))[
        "confirmPayment"
    ]
    return payload


async def _answer(client: AsyncClient, redirect_url: str, decision: str, return_url: str = RETURN_URL) -> int:
    """What the customer does on the sandbox bank's page."""
    path = urlsplit(redirect_url).path
    page = await client.get(redirect_url)
    assert page.status_code == 200
    assert "Complete authentication" in page.text
    answered = await client.post(
        path,
        content=f"decision={decision}&return_url={return_url}",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    return answered.status_code


async def test_a_payment_that_needs_3ds_completes_when_the_customer_returns(
    api: Api, client: AsyncClient, rt: Runtime, customer: Caller
) -> None:
    order = await unpaid_order(api, rt, customer.customer.email)
    method = await card(api, customer, "tok_visa_3ds")
    started = await _pay(api, customer, order["id"], "sca-key-0001", method, returnUrl=RETURN_URL)
    assert started["userErrors"] == []
    assert started["payment"]["status"] == "REQUIRES_ACTION"
    assert started["payment"]["receiptUrl"] is None
    action = started["nextAction"]
    assert action["clientSecret"]
    assert "/sandbox/authenticate/" in action["redirectUrl"]
    assert (await order_state(api, customer, order["id"]))["status"] == "PENDING_PAYMENT"

    waiting = await _confirm(api, customer, started["payment"]["id"])  # back too early: still waiting
    assert waiting["payment"]["status"] == "REQUIRES_ACTION"
    assert waiting["nextAction"]["redirectUrl"] == action["redirectUrl"]

    answered = await client.post(
        urlsplit(action["redirectUrl"]).path,
        content=f"decision=complete&return_url={RETURN_URL}",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert answered.status_code == 303
    assert answered.headers["location"] == RETURN_URL + "&redirect_status=done"

    done = await _confirm(api, customer, started["payment"]["id"])
    assert done["userErrors"] == []
    assert (done["payment"]["status"], done["invoice"]["status"], done["nextAction"]) == ("SUCCEEDED", "PAID", None)
    assert done["payment"]["receiptNumber"]
    assert (await order_state(api, customer, order["id"]))["status"] == "PAID"
    replay = await _pay(api, customer, order["id"], "sca-key-0001", method, returnUrl=RETURN_URL)
    assert (replay["replayed"], replay["payment"]["status"]) == (True, "SUCCEEDED")
    assert (await _confirm(api, customer, started["payment"]["id"]))["payment"]["status"] == "SUCCEEDED"


async def test_a_failed_authentication_declines_and_the_invoice_stays_payable(
    api: Api, client: AsyncClient, rt: Runtime, customer: Caller
) -> None:
    order = await unpaid_order(api, rt, customer.customer.email)
    started = await _pay(api, customer, order["id"], "sca-key-0002", await card(api, customer, "tok_visa_3ds"))
    assert await _answer(client, started["nextAction"]["redirectUrl"], "fail") == 303
    declined = await _confirm(api, customer, started["payment"]["id"])
    assert codes(declined) == ["PAYMENT_DECLINED"]
    again = await pay_order(api, customer.token, order["id"], "sca-key-0003", paymentMethodId=await card(api, customer))
    assert again["payment"]["status"] == "SUCCEEDED"
    statuses = [p["status"] for p in (await order_state(api, customer, order["id"]))["payments"]]
    assert statuses == ["DECLINED", "SUCCEEDED"]


async def test_a_new_attempt_cancels_one_never_authenticated(
    api: Api, client: AsyncClient, rt: Runtime, customer: Caller
) -> None:
    order = await unpaid_order(api, rt, customer.customer.email)
    started = await _pay(api, customer, order["id"], "sca-key-0004", await card(api, customer, "tok_visa_3ds"))
    instead = await pay_order(
        api, customer.token, order["id"], "sca-key-0005", paymentMethodId=await card(api, customer)
    )
    assert instead["payment"]["status"] == "SUCCEEDED"
    payments_now = (await order_state(api, customer, order["id"]))["payments"]
    assert [(p["status"], p["failureCode"]) for p in payments_now] == [
        ("DECLINED", "authentication_abandoned"),
        ("SUCCEEDED", None),
    ]
    page = await client.get(started["nextAction"]["redirectUrl"])  # the old one can never be authenticated now
    assert page.status_code == 404


async def test_an_attempt_authenticated_meanwhile_is_kept_and_the_new_one_refused(
    api: Api, client: AsyncClient, rt: Runtime, customer: Caller
) -> None:
    order = await unpaid_order(api, rt, customer.customer.email)
    started = await _pay(api, customer, order["id"], "sca-key-0006", await card(api, customer, "tok_visa_3ds"))
    assert await _answer(client, started["nextAction"]["redirectUrl"], "complete") == 303
    second = await pay_order(
        api, customer.token, order["id"], "sca-key-0007", paymentMethodId=await card(api, customer)
    )
    assert codes(second) == ["ALREADY_PAID"]
    payments_now = (await order_state(api, customer, order["id"]))["payments"]
    assert [p["status"] for p in payments_now] == ["SUCCEEDED"]  # one charge, nothing recorded for the refused one


@pytest.mark.parametrize(
    "return_url",
    [
        "https://evil.example/steal",
        "javascript:alert(1)",
        "//evil.example/x",
        "https://shop.test.evil.example/x",
        "https://shop.test@evil.example/x",
        "https://shop.test/" + "a" * 2100,
        "https://shop.test/x\r\nSet-Cookie: a=b",
        "ftp://shop.test/x",
    ],
)
async def test_a_return_url_must_lead_back_to_the_shop(
    api: Api, rt: Runtime, customer: Caller, return_url: str
) -> None:
    order = await unpaid_order(api, rt, customer.customer.email)
    refused = await _pay(api, customer, order["id"], "sca-key-0008", await card(api, customer), returnUrl=return_url)
    assert codes(refused) == ["INVALID"]
    assert refused["userErrors"][0]["field"][-1] == "returnUrl"
    assert (await order_state(api, customer, order["id"]))["payments"] == []


async def test_the_authentication_page_never_redirects_off_the_shop(
    api: Api, client: AsyncClient, rt: Runtime, customer: Caller
) -> None:
    order = await unpaid_order(api, rt, customer.customer.email)
    started = await _pay(api, customer, order["id"], "sca-key-0009", await card(api, customer, "tok_visa_3ds"))
    redirect = started["nextAction"]["redirectUrl"]
    assert await _answer(client, redirect, "complete", return_url="https://evil.example/") == 200
    assert (await client.get(urlsplit(redirect).path + "x")).status_code == 404
    bad = await client.post(
        urlsplit(redirect).path, content="decision=maybe", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert bad.status_code in (400, 404)


async def test_nobody_confirms_another_customers_payment(
    api: Api, rt: Runtime, customer: Caller, other_customer: Caller
) -> None:
    order = await unpaid_order(api, rt, customer.customer.email)
    started = await _pay(api, customer, order["id"], "sca-key-0010", await card(api, customer, "tok_visa_3ds"))
    assert codes(await _confirm(api, other_customer, started["payment"]["id"])) == ["NOT_FOUND"]
    order_id = order["id"]
    assert codes(await _confirm(api, customer, order_id)) == ["NOT_FOUND"]  # an id of another type
    anonymous = await api(CONFIRM, {"i": {"paymentId": started["payment"]["id"]}})
    assert anonymous.error_codes == ["UNAUTHENTICATED"]


async def test_a_sepa_debit_processes_then_settles(api: Api, rt: Runtime, customer: Caller, clock: Clock) -> None:
    order = await unpaid_order(api, rt, customer.customer.email)
    method = await card(api, customer, "tok_sepa_debit")
    started = await _pay(api, customer, order["id"], "sepa-key-0001", method)
    assert (started["payment"]["status"], started["payment"]["method"]) == ("PROCESSING", "SEPA Direct Debit •••• 3000")
    assert started["invoice"]["status"] == "OPEN"
    other = await pay_order(
        api, customer.token, order["id"], "sepa-key-0002", paymentMethodId=await card(api, customer)
    )
    assert codes(other) == ["PAYMENT_IN_PROGRESS"]
    assert (await _confirm(api, customer, started["payment"]["id"]))["payment"]["status"] == "PROCESSING"
    clock.now += timedelta(seconds=61)
    settled = await _confirm(api, customer, started["payment"]["id"])
    assert (settled["payment"]["status"], settled["invoice"]["status"]) == ("SUCCEEDED", "PAID")


async def test_the_reconciler_settles_debits_and_cancels_forgotten_authentications(
    api: Api, rt: Runtime, customer: Caller, clock: Clock
) -> None:
    bounced = await unpaid_order(api, rt, customer.customer.email)
    waiting = await unpaid_order(api, rt, customer.customer.email)
    debit = await _pay(api, customer, bounced["id"], "sepa-key-0003", await card(api, customer, "tok_sepa_debit_fails"))
    sca = await _pay(api, customer, waiting["id"], "sca-key-0011", await card(api, customer, "tok_visa_3ds"))
    assert await payments.reconcile(rt) == 0  # nothing due yet
    clock.now += timedelta(seconds=61)
    past = datetime.now(UTC) - timedelta(minutes=1)
    async with rt.db.unit_of_work() as session:
        await session.execute(update(Payment).values(next_check_at=past))
        await session.execute(
            update(Payment)
            .where(col(Payment.status) == PaymentStatus.REQUIRES_ACTION)
            .values(created_at=datetime.now(UTC) - payments.ACTION_EXPIRY - timedelta(minutes=1))
        )
    assert await payments.reconcile(rt) == 2
    after_debit = (await order_state(api, customer, bounced["id"]))["payments"]
    after_sca = (await order_state(api, customer, waiting["id"]))["payments"]
    assert [(p["status"], p["failureCode"]) for p in after_debit] == [("DECLINED", "debit_not_authorized")]
    assert [(p["status"], p["failureCode"]) for p in after_sca] == [("DECLINED", "authentication_abandoned")]
    assert debit["payment"]["status"] == "PROCESSING"
    assert sca["payment"]["status"] == "REQUIRES_ACTION"
    assert await payments.reconcile(rt) == 0  # decided: never asked again


async def test_sepa_is_offered_for_euros_in_the_sepa_zone_only(api: Api, rt: Runtime, customer: Caller) -> None:
    async def kinds(currency: str, country: str | None) -> list[str]:
        found = await api.ok(OPTIONS, {"c": currency, "k": country}, token=customer.token)
        result: list[str] = found["paymentOptions"]["methodKinds"]
        return result

    assert await kinds("EUR", "DE") == ["CARD", "SEPA_DEBIT"]
    assert await kinds("eur", "at") == ["CARD", "SEPA_DEBIT"]
    assert await kinds("USD", "DE") == ["CARD"]
    assert await kinds("EUR", "US") == ["CARD"]
    assert await kinds("EUR", None) == ["CARD"]
    found = await api.ok(OPTIONS, {"c": "EUR", "k": "DE"}, token=customer.token)
    assert found["paymentOptions"]["gateway"] == "sandbox"
    assert found["paymentOptions"]["publishableKey"] is None
    for bad in ("EURO", "", "XXX", "€"):
        assert (await api(OPTIONS, {"c": bad}, token=customer.token)).error_codes == ["BAD_USER_INPUT"]
    assert (await api(OPTIONS, {"c": "EUR"})).error_codes == ["UNAUTHENTICATED"]


async def test_sepa_cannot_pay_other_currencies_or_be_saved_outside_the_zone(
    api: Api, rt: Runtime, customer: Caller
) -> None:
    outside = await save_card(api, customer.token, "tok_sepa_debit", billingAddress=_address("US"))
    assert codes(outside) == ["METHOD_NOT_AVAILABLE"]
    method = await card(api, customer, "tok_sepa_debit")
    order = await unpaid_order(api, rt, customer.customer.email)
    order_uuid = decode_global_id(order["id"], "Order")
    async with rt.db.unit_of_work() as session:  # an order in US dollars
        await session.execute(update(Order).where(Order.id == order_uuid).values(currency="USD"))  # type: ignore[arg-type]
        await session.execute(update(Invoice).where(Invoice.order_id == order_uuid).values(currency="USD"))  # type: ignore[arg-type]
    refused = await _pay(api, customer, order["id"], "sepa-key-0004", method)
    assert codes(refused) == ["CURRENCY_NOT_SUPPORTED"]
    assert (await order_state(api, customer, order["id"]))["payments"] == []


def _address(country: str) -> dict[str, str]:
    return {"firstName": "Casey", "line1": "1 Main St", "city": "Town", "postalCode": "12345", "countryCode": country}
