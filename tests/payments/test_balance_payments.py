"""payAccountBalance: paying what a purchase on account left owing, by card or bank account, exactly once
(the same idempotency, race and lost-answer rules as payOrder), against the sandbox gateway."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select, update
from sqlmodel import col

from app.payments.sandbox import SandboxGateway
from app.runtime import Runtime
from app.services import payments, store_credit
from models.credit import CreditTransactionReason
from models.customer import Customer
from models.payment import Payment, PaymentMethod, PaymentStatus
from schema.types.base import decode_global_id
from tests.payments.helpers import ERRORS, codes, pay_order
from tests.payments.test_invoices import path_of, pdf_text
from tests.payments.test_payments import card
from tests.payments.test_store_credit import assert_consistent, credit_pay, grant, ledger, me, unpaid_order
from tests.payments.test_webhooks import _body as _event
from tests.payments.test_webhooks import _send
from tests.support import Api, Caller

RETURN_URL = "https://shop.test/account/store-credit?authenticated=1"
BALANCE_PAYMENT = """replayed payment { id status source method amount { amount currencyCode } receiptNumber receiptUrl
  failureCode } invoice { id } nextAction { clientSecret redirectUrl }"""
PAY_BALANCE = (
    f"mutation($i: PayAccountBalanceInput!) {{ payAccountBalance(input: $i) {{ {BALANCE_PAYMENT} {ERRORS} }} }}"
)
CONFIRM = f"mutation($i: ConfirmPaymentInput!) {{ confirmPayment(input: $i) {{ {BALANCE_PAYMENT} {ERRORS} }} }}"


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


async def owing(api: Api, rt: Runtime, customer: Caller, admin: Caller) -> Decimal:
    """The customer bought one order on account (limit 100.00): what the account owes now, in EUR."""
    await grant(api, customer, admin, "100.00")
    order = await unpaid_order(api, rt, customer)
    bought = await credit_pay(api, customer, order["id"])
    assert bought["userErrors"] == [], bought
    return Decimal(order["total"]["amount"])


def balance_input(method: str, amount: str, key: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "currencyCode": "EUR",
        "amount": amount,
        "paymentMethodId": method,
        "idempotencyKey": key or f"balance-{uuid.uuid4().hex}",
        **extra,
    }


async def pay_balance(api: Api, caller: Caller, method: str, amount: str, key: str | None = None, **extra: Any) -> Any:
    variables = {"i": balance_input(method, amount, key, **extra)}
    return (await api.ok(PAY_BALANCE, variables, token=caller.token))["payAccountBalance"]


async def confirm(api: Api, caller: Caller, payment_id: str) -> Any:
    return (await api.ok(CONFIRM, {"i": {"paymentId": payment_id}}, token=caller.token))["confirmPayment"]


def received(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry for entry in ledger(data) if entry["reason"] == "PAYMENT_RECEIVED"]


async def balance_payments(rt: Runtime, caller: Caller) -> list[Payment]:
    async with rt.db.read() as session:
        rows = await session.execute(
            select(Payment)
            .where(col(Payment.customer_id) == caller.customer.id, col(Payment.invoice_id).is_(None))
            .order_by(col(Payment.created_at))
        )
        return list(rows.scalars())


def gateway_charges(rt: Runtime) -> int:
    """How many distinct charges the sandbox made (one per gateway idempotency key)."""
    assert isinstance(rt.gateway, SandboxGateway)
    return len(rt.gateway._charges)


async def test_paying_part_then_the_rest_settles_the_account(
    api: Api, client: AsyncClient, rt: Runtime, customer: Caller, admin: Caller
) -> None:
    owed = await owing(api, rt, customer, admin)
    before = await me(api, customer)
    method = await card(api, customer)

    part = await pay_balance(api, customer, method, "20.00")
    assert part["userErrors"] == []
    payment = part["payment"]
    assert (payment["status"], payment["source"], payment["method"]) == ("SUCCEEDED", "CARD", "Visa •••• 4242")
    assert payment["amount"] == {"amount": "20.00", "currencyCode": "EUR"}
    assert (part["invoice"], part["replayed"], part["nextAction"]) == (None, False, None)
    assert payment["receiptNumber"].startswith("PAY-")

    after = await me(api, customer)
    assert after["storeCredit"]["balance"]["amount"] == str(-owed + Decimal("20.00"))
    assert Decimal(after["storeCredit"]["available"]["amount"]) == Decimal(
        before["storeCredit"]["available"]["amount"]
    ) + Decimal("20.00")
    [entry] = received(after)
    assert (entry["amount"]["amount"], entry["reference"]) == ("20.00", payment["receiptNumber"])
    assert entry["note"] == "Paid online: Visa •••• 4242"
    assert assert_consistent(after) == -owed + Decimal("20.00")

    receipt = await client.get(path_of(payment["receiptUrl"]))
    assert (receipt.status_code, receipt.headers["content-type"]) == (200, "application/pdf")
    text = pdf_text(receipt.content)
    assert payment["receiptNumber"] in text
    assert "Account balance in EUR" in text
    assert "20.00" in text
    assert customer.customer.email in text

    rest = str(owed - Decimal("20.00"))
    settled = await pay_balance(api, customer, method, rest)
    assert (settled["userErrors"], settled["payment"]["status"]) == ([], "SUCCEEDED")
    done = await me(api, customer)
    assert done["storeCredit"]["balance"]["amount"] == "0.00"
    assert done["storeCredit"]["available"]["amount"] == "100.00"
    assert [e["amount"]["amount"] for e in received(done)] == [rest, "20.00"]
    assert assert_consistent(done) == 0

    nothing = await pay_balance(api, customer, method, "1.00")
    assert codes(nothing) == ["NOTHING_OWED"]
    assert nothing["payment"] is None
    assert len(await balance_payments(rt, customer)) == 2
    assert gateway_charges(rt) == 2


async def test_the_same_key_replays_and_another_input_under_it_is_refused(
    api: Api, rt: Runtime, customer: Caller, admin: Caller
) -> None:
    owed = await owing(api, rt, customer, admin)
    method = await card(api, customer)
    first = await pay_balance(api, customer, method, "10.00", "balance-key-0001")
    assert first["userErrors"] == []
    again = await pay_balance(api, customer, method, "10.00", "balance-key-0001")
    assert (again["replayed"], again["payment"]["id"], again["payment"]["status"]) == (
        True,
        first["payment"]["id"],
        "SUCCEEDED",
    )
    for changed in (
        balance_input(method, "11.00", "balance-key-0001"),
        balance_input(await card(api, customer, "tok_mastercard"), "10.00", "balance-key-0001"),
    ):
        refused = (await api.ok(PAY_BALANCE, {"i": changed}, token=customer.token))["payAccountBalance"]
        assert codes(refused) == ["IDEMPOTENCY_KEY_REUSED"]
    # A key used for an order's payment is not a balance payment's either.
    order = await unpaid_order(api, rt, customer)
    assert (await pay_order(api, customer.token, order["id"], "order-key-0001", paymentMethodId=method))[
        "userErrors"
    ] == []
    assert codes(await pay_balance(api, customer, method, "10.00", "order-key-0001")) == ["IDEMPOTENCY_KEY_REUSED"]

    data = await me(api, customer)
    assert [e["amount"]["amount"] for e in received(data)] == ["10.00"]
    assert assert_consistent(data) == -owed + Decimal("10.00")
    assert len(await balance_payments(rt, customer)) == 1


async def test_two_payments_at_once_never_pay_more_than_is_owed(
    api: Api, rt: Runtime, customer: Caller, admin: Caller
) -> None:
    owed = await owing(api, rt, customer, admin)
    method = await card(api, customer)
    most = str((owed * Decimal("0.75")).quantize(Decimal("0.01")))
    results = await asyncio.gather(*(pay_balance(api, customer, method, most) for _ in range(3)))
    succeeded = [r for r in results if not r["userErrors"]]
    assert len(succeeded) == 1, results
    for refused in (r for r in results if r["userErrors"]):
        assert codes(refused)[0] in ("PAYMENT_IN_PROGRESS", "AMOUNT_EXCEEDS_BALANCE"), refused
        assert refused["payment"] is None
    data = await me(api, customer)
    assert assert_consistent(data) == -owed + Decimal(most)
    assert len(received(data)) == 1
    assert gateway_charges(rt) == 1

    # The same key twice at once: one attempt, charged once.
    left = str(owed - Decimal(most))
    same = await asyncio.gather(*(pay_balance(api, customer, method, left, "balance-race-0001") for _ in range(2)))
    assert all(codes(r) in ([], ["PAYMENT_IN_PROGRESS"]) for r in same), same
    assert len({r["payment"]["id"] for r in same if r["payment"]}) == 1
    data = await me(api, customer)
    assert assert_consistent(data) == 0
    assert len(received(data)) == 2
    assert gateway_charges(rt) == 2


async def test_a_lost_answer_is_retried_under_the_same_key_and_charged_once(
    api: Api, rt: Runtime, customer: Caller, admin: Caller
) -> None:
    owed = await owing(api, rt, customer, admin)
    flaky = await card(api, customer, "tok_network_flaky")
    lost = await pay_balance(api, customer, flaky, "30.00", "balance-flaky-01")
    assert codes(lost) == ["GATEWAY_UNAVAILABLE"]
    assert (await me(api, customer))["storeCredit"]["balance"]["amount"] == str(-owed)
    [attempt] = await balance_payments(rt, customer)
    assert attempt.status is PaymentStatus.FAILED

    # Another payment cannot start while this one's outcome is unknown: it names the key to retry.
    other = await pay_balance(api, customer, await card(api, customer), "5.00")
    assert codes(other) == ["PAYMENT_UNCONFIRMED"]
    assert "balance-flaky-01" in other["userErrors"][0]["message"]

    retried = await pay_balance(api, customer, flaky, "30.00", "balance-flaky-01")
    assert (retried["userErrors"], retried["payment"]["status"]) == ([], "SUCCEEDED")
    data = await me(api, customer)
    assert [e["amount"]["amount"] for e in received(data)] == ["30.00"]
    assert assert_consistent(data) == -owed + Decimal("30.00")
    assert gateway_charges(rt) == 1
    assert [p.status for p in await balance_payments(rt, customer)] == [PaymentStatus.SUCCEEDED]


async def test_the_reconciler_settles_a_lost_answer_nobody_retried(
    api: Api, rt: Runtime, customer: Caller, admin: Caller
) -> None:
    owed = await owing(api, rt, customer, admin)
    flaky = await card(api, customer, "tok_network_flaky")
    assert codes(await pay_balance(api, customer, flaky, "25.00", "balance-flaky-02")) == ["GATEWAY_UNAVAILABLE"]
    async with rt.db.unit_of_work() as session:  # the customer went away two minutes ago
        await session.execute(
            update(Payment)
            .where(col(Payment.idempotency_key) == "balance-flaky-02")
            .values(created_at=datetime.now(UTC) - payments.STALE_PENDING - timedelta(seconds=5))
        )
    assert await payments.reconcile(rt) == 1
    assert await payments.reconcile(rt) == 0
    data = await me(api, customer)
    assert [e["amount"]["amount"] for e in received(data)] == ["25.00"]
    assert assert_consistent(data) == -owed + Decimal("25.00")
    assert gateway_charges(rt) == 1
    replay = await pay_balance(api, customer, flaky, "25.00", "balance-flaky-02")
    assert (replay["replayed"], replay["payment"]["status"]) == (True, "SUCCEEDED")


async def test_a_decline_leaves_the_balance(api: Api, rt: Runtime, customer: Caller, admin: Caller) -> None:
    owed = await owing(api, rt, customer, admin)
    declined_card = await card(api, customer, "tok_declined")
    declined = await pay_balance(api, customer, declined_card, "10.00", "balance-decline-1")
    assert codes(declined) == ["PAYMENT_DECLINED"]
    assert declined["userErrors"][0]["field"] == ["input", "paymentMethodId"]
    again = await pay_balance(api, customer, declined_card, "10.00", "balance-decline-1")
    assert codes(again) == ["PAYMENT_DECLINED"]
    data = await me(api, customer)
    assert (received(data), assert_consistent(data)) == ([], -owed)
    [attempt] = await balance_payments(rt, customer)
    assert (attempt.status, attempt.failure_code) == (PaymentStatus.DECLINED, "card_declined")
    # Another card pays it.
    assert (await pay_balance(api, customer, await card(api, customer), "10.00"))["userErrors"] == []


async def test_3ds_waits_for_the_customer_and_is_credited_once(
    api: Api, client: AsyncClient, rt: Runtime, customer: Caller, admin: Caller
) -> None:
    owed = await owing(api, rt, customer, admin)
    method = await card(api, customer, "tok_visa_3ds")
    started = await pay_balance(api, customer, method, str(owed), "balance-sca-0001", returnUrl=RETURN_URL)
    assert started["userErrors"] == []
    assert (started["payment"]["status"], started["payment"]["receiptUrl"]) == ("REQUIRES_ACTION", None)
    redirect = started["nextAction"]["redirectUrl"]
    assert "/sandbox/authenticate/" in redirect
    assert (await me(api, customer))["storeCredit"]["balance"]["amount"] == str(-owed)
    assert (await confirm(api, customer, started["payment"]["id"]))["payment"]["status"] == "REQUIRES_ACTION"

    # The customer authenticates on the bank's page, which sends them back to the return address.
    path = urlsplit(redirect).path
    assert (await client.get(redirect)).status_code == 200
    answered = await client.post(
        path,
        content=f"decision=complete&return_url={RETURN_URL}",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert answered.status_code == 303
    assert answered.headers["location"].startswith(RETURN_URL)

    both = await asyncio.gather(*(confirm(api, customer, started["payment"]["id"]) for _ in range(2)))
    for done in both:
        assert done["userErrors"] == []
        assert (done["payment"]["status"], done["invoice"], done["nextAction"]) == ("SUCCEEDED", None, None)
    assert both[0]["payment"]["receiptNumber"] == both[1]["payment"]["receiptNumber"]
    data = await me(api, customer)
    assert [e["amount"]["amount"] for e in received(data)] == [str(owed)]
    assert assert_consistent(data) == 0
    replay = await pay_balance(api, customer, method, str(owed), "balance-sca-0001", returnUrl=RETURN_URL)
    assert (replay["replayed"], replay["payment"]["status"]) == (True, "SUCCEEDED")
    assert len(received(await me(api, customer))) == 1


async def test_a_new_payment_cancels_one_never_authenticated(
    api: Api, client: AsyncClient, rt: Runtime, customer: Caller, admin: Caller
) -> None:
    owed = await owing(api, rt, customer, admin)
    waiting = await pay_balance(api, customer, await card(api, customer, "tok_visa_3ds"), str(owed))
    assert waiting["payment"]["status"] == "REQUIRES_ACTION"
    instead = await pay_balance(api, customer, await card(api, customer), str(owed))
    assert (instead["userErrors"], instead["payment"]["status"]) == ([], "SUCCEEDED")
    statuses = [(p.status, p.failure_code) for p in await balance_payments(rt, customer)]
    assert statuses == [(PaymentStatus.DECLINED, "authentication_abandoned"), (PaymentStatus.SUCCEEDED, None)]
    assert (await client.get(waiting["nextAction"]["redirectUrl"])).status_code == 404
    assert assert_consistent(await me(api, customer)) == 0


async def test_a_sepa_debit_processes_then_settles(
    api: Api, rt: Runtime, customer: Caller, admin: Caller, clock: Clock
) -> None:
    owed = await owing(api, rt, customer, admin)
    debit = await card(api, customer, "tok_sepa_debit")
    started = await pay_balance(api, customer, debit, "40.00")
    assert (started["payment"]["status"], started["payment"]["method"]) == ("PROCESSING", "SEPA Direct Debit •••• 3000")
    assert received(await me(api, customer)) == []
    visa = await card(api, customer)
    # The debit on its way counts as paid: the rest may be paid, more than the rest may not.
    too_much = await pay_balance(api, customer, visa, str(owed - Decimal("39.99")))
    assert codes(too_much) == ["PAYMENT_IN_PROGRESS"]
    assert (await confirm(api, customer, started["payment"]["id"]))["payment"]["status"] == "PROCESSING"
    clock.now += timedelta(seconds=61)
    settled = await confirm(api, customer, started["payment"]["id"])
    assert (settled["payment"]["status"], settled["invoice"]) == ("SUCCEEDED", None)
    data = await me(api, customer)
    assert [e["amount"]["amount"] for e in received(data)] == ["40.00"]
    assert assert_consistent(data) == -owed + Decimal("40.00")
    assert (await pay_balance(api, customer, visa, str(owed - Decimal("40.00"))))["userErrors"] == []
    assert assert_consistent(await me(api, customer)) == 0


async def test_the_reconciler_settles_a_debit_nobody_asked_about(
    api: Api, rt: Runtime, customer: Caller, admin: Caller, clock: Clock
) -> None:
    owed = await owing(api, rt, customer, admin)
    started = await pay_balance(api, customer, await card(api, customer, "tok_sepa_debit"), "15.00")
    assert started["payment"]["status"] == "PROCESSING"
    clock.now += timedelta(seconds=61)
    async with rt.db.unit_of_work() as session:
        await session.execute(update(Payment).values(next_check_at=datetime.now(UTC) - timedelta(minutes=1)))
    assert await payments.reconcile(rt) == 1
    data = await me(api, customer)
    assert [e["amount"]["amount"] for e in received(data)] == ["15.00"]
    assert assert_consistent(data) == -owed + Decimal("15.00")


async def test_bad_input_is_refused_with_its_code_and_changes_nothing(
    api: Api, rt: Runtime, customer: Caller, other_customer: Caller, admin: Caller
) -> None:
    owed = await owing(api, rt, customer, admin)
    method = await card(api, customer)
    expired = await card(api, customer, "tok_mastercard")
    async with rt.db.unit_of_work() as session:  # a card that expired since it was saved
        await session.execute(
            update(PaymentMethod)
            .where(col(PaymentMethod.id) == decode_global_id(expired, "PaymentMethod"))
            .values(exp_year=2020)
        )
    theirs = await card(api, other_customer)
    cases: list[tuple[dict[str, Any], str, list[str]]] = [
        (balance_input(method, "0"), "INVALID_AMOUNT", ["input", "amount"]),
        (balance_input(method, "0.00"), "INVALID_AMOUNT", ["input", "amount"]),
        (balance_input(method, "-5.00"), "INVALID_AMOUNT", ["input", "amount"]),
        (balance_input(method, "1.234"), "INVALID_AMOUNT", ["input", "amount"]),
        (balance_input(method, "1e30"), "INVALID_AMOUNT", ["input", "amount"]),
        (balance_input(method, str(owed + Decimal("0.01"))), "AMOUNT_EXCEEDS_BALANCE", ["input", "amount"]),
        ({**balance_input(method, "1.00"), "currencyCode": "USD"}, "NOTHING_OWED", ["input", "currencyCode"]),
        (balance_input(theirs, "1.00"), "NOT_FOUND", ["input", "paymentMethodId"]),
        (balance_input("not-an-id", "1.00"), "NOT_FOUND", ["input", "paymentMethodId"]),
        (balance_input(expired, "1.00"), "CARD_EXPIRED", ["input", "paymentMethodId"]),
        (balance_input(method, "1.00", "short"), "INVALID", ["input", "idempotencyKey"]),
        (balance_input(method, "1.00", returnUrl="https://evil.example/"), "INVALID", ["input", "returnUrl"]),
    ]
    for variables, code, field in cases:
        refused = (await api.ok(PAY_BALANCE, {"i": variables}, token=customer.token))["payAccountBalance"]
        assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [(code, field)], (variables, refused)
        assert refused["payment"] is None
    for currency in ("XYZ", "eur", ""):
        result = await api(
            PAY_BALANCE, {"i": {**balance_input(method, "1.00"), "currencyCode": currency}}, token=customer.token
        )
        assert result.error_codes == ["BAD_USER_INPUT"], currency
    data = await me(api, customer)
    assert (received(data), assert_consistent(data)) == ([], -owed)
    assert await balance_payments(rt, customer) == []
    assert gateway_charges(rt) == 0


async def test_a_currency_the_gateway_does_not_take_this_way_is_refused(
    api: Api, rt: Runtime, customer: Caller, admin: Caller
) -> None:
    await grant(api, customer, admin, "100.00")
    async with rt.db.unit_of_work() as session:  # bought on account in US dollars too
        account = await store_credit.locked_account(session, customer.customer.id, "USD")
        account.credit_limit = 10000
        await store_credit.post(session, account, -5000, CreditTransactionReason.PAYMENT, reference="test")
    refused = await pay_balance(api, customer, await card(api, customer, "tok_sepa_debit"), "10.00", currencyCode="USD")
    assert codes(refused) == ["CURRENCY_NOT_SUPPORTED"]
    paid = await pay_balance(api, customer, await card(api, customer), "10.00", currencyCode="USD")
    assert (paid["userErrors"], paid["payment"]["amount"]) == ([], {"amount": "10.00", "currencyCode": "USD"})


async def test_anonymous_callers_cannot_pay_a_balance(api: Api) -> None:
    result = await api(PAY_BALANCE, {"i": balance_input(str(uuid.uuid4()), "1.00")})
    assert result.error_codes == ["UNAUTHENTICATED"]


async def test_nobody_confirms_another_customers_balance_payment(
    api: Api, rt: Runtime, customer: Caller, other_customer: Caller, admin: Caller
) -> None:
    owed = await owing(api, rt, customer, admin)
    started = await pay_balance(api, customer, await card(api, customer, "tok_visa_3ds"), str(owed))
    assert codes(await confirm(api, other_customer, started["payment"]["id"])) == ["NOT_FOUND"]
    async with rt.db.read() as session:
        count = await session.scalar(select(func.count()).select_from(Payment))
    assert count == 2  # the purchase on account and this attempt


async def test_gateway_events_settle_or_decline_a_balance_debit_once(
    api: Api, client: AsyncClient, rt: Runtime, customer: Caller, admin: Caller
) -> None:
    owed = await owing(api, rt, customer, admin)
    debit = await card(api, customer, "tok_sepa_debit")
    settling = await pay_balance(api, customer, debit, "12.00")
    failing = await pay_balance(api, customer, debit, "8.00")
    assert [settling["payment"]["status"], failing["payment"]["status"]] == ["PROCESSING", "PROCESSING"]
    [first, second] = await balance_payments(rt, customer)
    assert first.gateway_charge_id is not None
    assert second.gateway_charge_id is not None
    succeeded = _event("payment_succeeded", "evt_balance_1", charge_id=first.gateway_charge_id)
    answers = await asyncio.gather(*(_send(client, rt, succeeded) for _ in range(3)))  # delivered three times at once
    assert sorted(answer.json()["duplicate"] for answer in answers) == [False, True, True]
    failed = _event("payment_failed", "evt_balance_2", charge_id=second.gateway_charge_id)
    assert (await _send(client, rt, failed)).status_code == 200
    data = await me(api, customer)
    assert [e["amount"]["amount"] for e in received(data)] == ["12.00"]
    assert assert_consistent(data) == -owed + Decimal("12.00")
    assert [p.status for p in await balance_payments(rt, customer)] == [PaymentStatus.SUCCEEDED, PaymentStatus.DECLINED]


async def test_a_balance_receipt_names_a_customer_without_an_address_by_their_full_name(
    api: Api, client: AsyncClient, rt: Runtime, customer: Caller, admin: Caller
) -> None:
    """Without a saved address the documents drawn for the customer (balance receipts, offers, statements) name
    them by their full name, as an invoice does, not by the first name a greeting uses."""
    async with rt.db.unit_of_work() as session:
        await session.execute(update(Customer).where(col(Customer.id) == customer.customer.id).values(last_name="Lee"))
    await owing(api, rt, customer, admin)
    paid = await pay_balance(api, customer, await card(api, customer), "10.00")
    assert paid["userErrors"] == [], paid

    receipt = await client.get(path_of(paid["payment"]["receiptUrl"]))
    assert receipt.status_code == 200
    assert "Casey Lee" in pdf_text(receipt.content)
