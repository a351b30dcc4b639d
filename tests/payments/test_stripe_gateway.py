"""The Stripe gateway end to end against the local stand-in of Stripe's API (tests/payments/stripe_standin.py):
saving methods, charges and their declines, 3-D Secure, SEPA, cancelling, refunds, removal, currencies,
and what a lost answer or a network error does."""

import httpx
import pytest

from app.payments.gateway import (
    CardBrand,
    ChargeNotFoundError,
    ChargeStatus,
    DeclineCode,
    GatewayConfigurationError,
    GatewayUnavailableError,
    IdempotencyConflictError,
    InvalidTokenError,
    MethodKind,
    PaymentDeclinedError,
    PaymentGateway,
    SavedCard,
    UnsupportedCurrencyError,
)
from app.payments.stripe_gateway import StripeGateway
from tests.payments.stripe_standin import StripeApiError, StripeStandin
from tests.support import free_port


async def customer(gateway: StripeGateway, our_id: str = "c-1") -> str:
    return await gateway.create_customer(our_id, f"{our_id}@example.com")


async def saved(
    gateway: StripeGateway, standin: StripeStandin, method: str = "pm_card_visa", customer_ref: str | None = None
) -> SavedCard:
    """Save a method the way a storefront does: a SetupIntent confirmed by Stripe.js, then tokenize."""
    customer_ref = customer_ref or await customer(gateway)
    kinds = [MethodKind.SEPA_DEBIT] if method[:2].isalpha() and method[2:4].isdigit() else [MethodKind.CARD]
    setup = await gateway.begin_setup(customer_ref, kinds)
    standin.confirm_setup(setup.setup_id, method)
    return await gateway.tokenize(setup.setup_id, customer_ref=customer_ref)


def pi_creations(standin: StripeStandin) -> int:
    return sum(1 for r in standin.requests if (r.method, r.path) == ("POST", "/v1/payment_intents"))


def test_the_adapter_is_a_payment_gateway(stripe_gateway: StripeGateway) -> None:
    gateway: PaymentGateway = stripe_gateway
    assert gateway.name == "stripe"


# ---- customers and saved methods --------------------------------------------------------------------


async def test_a_customer_is_created_once_per_our_id(
    stripe_gateway: StripeGateway, stripe_standin: StripeStandin
) -> None:
    first = await stripe_gateway.create_customer("c-42", "ann@example.com")
    again = await stripe_gateway.create_customer("c-42", "ann@example.com")
    assert first == again
    assert first.startswith("cus_")
    assert list(stripe_standin.customers) == [first]
    stored = stripe_standin.customers[first]
    assert stored["metadata"] == {"customer_id": "c-42"}
    assert stored["email"] == "ann@example.com"
    creation = next(r for r in stripe_standin.requests if r.path == "/v1/customers")
    assert creation.idempotency_key == "customer-c-42"


async def test_a_card_is_saved_through_a_setup_intent(
    stripe_gateway: StripeGateway, stripe_standin: StripeStandin
) -> None:
    customer_ref = await customer(stripe_gateway)
    setup = await stripe_gateway.begin_setup(customer_ref, [MethodKind.CARD])
    assert setup.setup_id.startswith("seti_")
    assert setup.client_secret.startswith(f"{setup.setup_id}_secret_")
    assert stripe_standin.setup_intents[setup.setup_id]["allowed_payment_method_types"] == ["card"]
    assert stripe_standin.setup_intents[setup.setup_id]["usage"] == "off_session"
    assert setup.client_secret not in repr(setup)

    with pytest.raises(InvalidTokenError):  # not confirmed by the customer yet
        await stripe_gateway.tokenize(setup.setup_id, customer_ref=customer_ref)
    stripe_standin.confirm_setup(setup.setup_id, "pm_card_mastercard")
    card = await stripe_gateway.tokenize(setup.setup_id, customer_ref=customer_ref)

    assert card.gateway_token.startswith("pm_")
    assert stripe_standin.payment_methods[card.gateway_token]["customer"] == customer_ref
    assert (card.brand, card.last4, card.exp_month, card.exp_year) == (CardBrand.MASTERCARD, "4444", 12, 2034)
    assert card.kind is MethodKind.CARD
    assert card.country == "US"
    assert card.fingerprint == stripe_standin.payment_methods[card.gateway_token]["card"]["fingerprint"]
    assert card.gateway_token not in repr(card)


async def test_the_same_card_saved_twice_has_one_fingerprint(
    stripe_gateway: StripeGateway, stripe_standin: StripeStandin
) -> None:
    customer_ref = await customer(stripe_gateway)
    first = await saved(stripe_gateway, stripe_standin, "pm_card_visa", customer_ref)
    second = await saved(stripe_gateway, stripe_standin, "pm_card_visa", customer_ref)
    other = await saved(stripe_gateway, stripe_standin, "pm_card_amex", customer_ref)
    assert first.gateway_token != second.gateway_token
    assert first.fingerprint == second.fingerprint != other.fingerprint
    assert other.brand is CardBrand.AMEX


async def test_a_payment_method_id_is_attached_to_the_customer(
    stripe_gateway: StripeGateway, stripe_standin: StripeStandin
) -> None:
    customer_ref = await customer(stripe_gateway)
    card = await stripe_gateway.tokenize("pm_card_discover", customer_ref=customer_ref)
    assert card.brand is CardBrand.DISCOVER
    assert card.last4 == "1117"
    assert stripe_standin.payment_methods[card.gateway_token]["customer"] == customer_ref
    assert stripe_standin.events_of("payment_method.attached")


async def test_another_customers_setup_intent_is_refused(
    stripe_gateway: StripeGateway, stripe_standin: StripeStandin
) -> None:
    owner = await customer(stripe_gateway, "c-owner")
    intruder = await customer(stripe_gateway, "c-intruder")
    setup = await stripe_gateway.begin_setup(owner, [MethodKind.CARD])
    stripe_standin.confirm_setup(setup.setup_id, "pm_card_visa")
    with pytest.raises(InvalidTokenError) as refused:
        await stripe_gateway.tokenize(setup.setup_id, customer_ref=intruder)
    assert setup.setup_id not in str(refused.value)
    with pytest.raises(InvalidTokenError):
        await stripe_gateway.tokenize(setup.setup_id)  # no customer: nobody to check it against
    # and another customer's saved method cannot be attached to the intruder either
    owners_card = await stripe_gateway.tokenize(setup.setup_id, customer_ref=owner)
    with pytest.raises(InvalidTokenError):
        await stripe_gateway.tokenize(owners_card.gateway_token, customer_ref=intruder)
    assert stripe_standin.payment_methods[owners_card.gateway_token]["customer"] == owner


@pytest.mark.parametrize("client_token", ["seti_unknown", "pm_unknown", "tok_visa", "", "cus_123"])
async def test_unknown_client_tokens_are_invalid(stripe_gateway: StripeGateway, client_token: str) -> None:
    customer_ref = await customer(stripe_gateway)
    with pytest.raises(InvalidTokenError) as refused:
        await stripe_gateway.tokenize(client_token, customer_ref=customer_ref)
    if client_token:
        assert client_token not in str(refused.value)


async def test_a_card_declined_while_saving_is_declined(
    stripe_gateway: StripeGateway, stripe_standin: StripeStandin
) -> None:
    customer_ref = await customer(stripe_gateway)
    setup = await stripe_gateway.begin_setup(customer_ref, [MethodKind.CARD])
    with pytest.raises(StripeApiError) as declined:  # Stripe.js shows this to the customer
        stripe_standin.confirm_setup(setup.setup_id, "pm_card_chargeDeclined")
    assert declined.value.status == 402
    with pytest.raises(InvalidTokenError):
        await stripe_gateway.tokenize(setup.setup_id, customer_ref=customer_ref)


# ---- charges ----------------------------------------------------------------------------------------


async def test_a_charge_succeeds(stripe_gateway: StripeGateway, stripe_standin: StripeStandin) -> None:
    card = await saved(stripe_gateway, stripe_standin)
    charge = await stripe_gateway.charge(
        card.gateway_token, 1999, "EUR", idempotency_key="attempt-1", description="Order #10042"
    )
    assert charge.charge_id.startswith("pi_")
    assert (charge.amount, charge.currency, charge.status, charge.action) == (1999, "EUR", ChargeStatus.SUCCEEDED, None)
    intent = stripe_standin.payment_intents[charge.charge_id]
    assert (intent["amount"], intent["currency"], intent["status"]) == (1999, "eur", "succeeded")
    assert intent["description"] == "Order #10042"
    assert intent["customer"] == stripe_standin.payment_methods[card.gateway_token]["customer"]
    assert intent["allowed_payment_method_types"] == ["card"]
    creation = next(r for r in stripe_standin.requests if r.path == "/v1/payment_intents")
    assert creation.idempotency_key == "attempt-1"
    assert creation.params["confirm"] == "true"
    assert "off_session" not in creation.params  # the customer is present: 3-D Secure can be asked for
    assert await stripe_gateway.retrieve_charge(charge.charge_id) == charge


@pytest.mark.parametrize(
    ("method", "code", "message"),
    [
        ("pm_card_chargeDeclined", "generic_decline", "Your card was declined."),
        (
            "pm_card_visa_chargeDeclinedInsufficientFunds",
            DeclineCode.INSUFFICIENT_FUNDS,
            "Your card has insufficient funds.",
        ),
        ("pm_card_chargeDeclinedLostCard", "lost_card", "Your card was declined."),
        # no decline_code from Stripe: the error's code
        ("pm_card_chargeDeclinedExpiredCard", DeclineCode.EXPIRED_CARD, "Your card has expired."),
        ("pm_card_chargeDeclinedProcessingError", "processing_error", "An error occurred while processing your card."),
    ],
)
async def test_declines_carry_stripes_code_and_message(
    stripe_gateway: StripeGateway, stripe_standin: StripeStandin, method: str, code: str, message: str
) -> None:
    card = await stripe_gateway.tokenize(method, customer_ref=await customer(stripe_gateway))
    with pytest.raises(PaymentDeclinedError) as declined:
        await stripe_gateway.charge(card.gateway_token, 500, "USD", idempotency_key="a-1", description="x")
    assert (declined.value.reason_code, declined.value.message) == (code, message)
    # the same attempt again is the same answer (Stripe stored it under the key), not a second try
    with pytest.raises(PaymentDeclinedError):
        await stripe_gateway.charge(card.gateway_token, 500, "USD", idempotency_key="a-1", description="x")
    assert len(stripe_standin.payment_intents) == 1
    (intent,) = stripe_standin.payment_intents.values()
    with pytest.raises(PaymentDeclinedError) as again:
        await stripe_gateway.retrieve_charge(intent["id"])
    assert again.value.reason_code == code


async def test_three_d_secure_then_completed(stripe_gateway: StripeGateway, stripe_standin: StripeStandin) -> None:
    card = await saved(stripe_gateway, stripe_standin, "pm_card_authenticationRequired")
    charge = await stripe_gateway.charge(
        card.gateway_token,
        4200,
        "EUR",
        idempotency_key="a-3ds",
        description="x",
        return_url="https://shop.example.com/pay/return",
    )
    assert charge.status is ChargeStatus.REQUIRES_ACTION
    assert charge.action is not None
    intent = stripe_standin.payment_intents[charge.charge_id]
    assert charge.action.client_secret == intent["client_secret"]
    assert charge.action.redirect_url == intent["next_action"]["redirect_to_url"]["url"]
    assert charge.action.client_secret not in repr(charge)
    assert intent["next_action"]["redirect_to_url"]["return_url"] == "https://shop.example.com/pay/return"
    assert (await stripe_gateway.retrieve_charge(charge.charge_id)).status is ChargeStatus.REQUIRES_ACTION

    # the customer follows the redirect and passes the challenge; they come back to the return URL
    assert charge.action.redirect_url is not None
    async with httpx.AsyncClient() as browser:
        page = await browser.get(charge.action.redirect_url, params={"result": "succeed"})
    assert page.status_code == 302
    assert page.headers["location"] == f"https://shop.example.com/pay/return?payment_intent={charge.charge_id}"

    done = await stripe_gateway.retrieve_charge(charge.charge_id)
    assert (done.status, done.amount, done.currency, done.action) == (ChargeStatus.SUCCEEDED, 4200, "EUR", None)


async def test_three_d_secure_without_a_return_url_has_no_redirect(
    stripe_gateway: StripeGateway, stripe_standin: StripeStandin
) -> None:
    card = await saved(stripe_gateway, stripe_standin, "pm_card_authenticationRequired")
    charge = await stripe_gateway.charge(card.gateway_token, 4200, "EUR", idempotency_key="a", description="x")
    assert charge.status is ChargeStatus.REQUIRES_ACTION
    assert charge.action is not None
    assert charge.action.redirect_url is None
    assert charge.action.client_secret.startswith(f"{charge.charge_id}_secret_")


async def test_three_d_secure_failed_is_a_decline(stripe_gateway: StripeGateway, stripe_standin: StripeStandin) -> None:
    card = await saved(stripe_gateway, stripe_standin, "pm_card_authenticationRequired")
    charge = await stripe_gateway.charge(card.gateway_token, 4200, "EUR", idempotency_key="a", description="x")
    assert stripe_standin.authenticate(charge.charge_id, succeed=False).status_code == 200
    with pytest.raises(PaymentDeclinedError) as declined:
        await stripe_gateway.retrieve_charge(charge.charge_id)
    assert declined.value.reason_code == "payment_intent_authentication_failure"
    assert "failed authentication" in declined.value.message


async def test_cancel_a_charge_awaiting_authentication(
    stripe_gateway: StripeGateway, stripe_standin: StripeStandin
) -> None:
    card = await saved(stripe_gateway, stripe_standin, "pm_card_authenticationRequired")
    charge = await stripe_gateway.charge(card.gateway_token, 4200, "EUR", idempotency_key="a", description="x")
    cancelled = await stripe_gateway.cancel_charge(charge.charge_id)
    assert cancelled.status is not ChargeStatus.SUCCEEDED
    assert (cancelled.charge_id, cancelled.amount, cancelled.action) == (charge.charge_id, 4200, None)
    assert stripe_standin.payment_intents[charge.charge_id]["status"] == "canceled"
    # it can never succeed now: the customer's late authentication is refused, the charge reads as failed
    assert stripe_standin.authenticate(charge.charge_id).status_code == 400
    with pytest.raises(PaymentDeclinedError) as declined:
        await stripe_gateway.retrieve_charge(charge.charge_id)
    assert declined.value.reason_code == "canceled"
    # cancelling twice (a retry after a lost answer) is the same answer
    assert (await stripe_gateway.cancel_charge(charge.charge_id)).status is not ChargeStatus.SUCCEEDED


async def test_cancel_after_the_customer_authenticated_returns_the_succeeded_charge(
    stripe_gateway: StripeGateway, stripe_standin: StripeStandin
) -> None:
    card = await saved(stripe_gateway, stripe_standin, "pm_card_authenticationRequired")
    charge = await stripe_gateway.charge(card.gateway_token, 4200, "EUR", idempotency_key="a", description="x")
    stripe_standin.authenticate(charge.charge_id)
    kept = await stripe_gateway.cancel_charge(charge.charge_id)
    assert kept.status is ChargeStatus.SUCCEEDED
    assert stripe_standin.payment_intents[charge.charge_id]["status"] == "succeeded"
    assert not stripe_standin.events_of("payment_intent.canceled")


async def test_cancel_racing_the_customer_returns_the_succeeded_charge(
    stripe_gateway: StripeGateway, stripe_standin: StripeStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The customer authenticates between our read and the cancel: Stripe refuses the cancel."""
    card = await saved(stripe_gateway, stripe_standin, "pm_card_authenticationRequired")
    charge = await stripe_gateway.charge(card.gateway_token, 4200, "EUR", idempotency_key="a", description="x")
    real_intent = stripe_gateway._intent
    reads = 0

    async def read_then_authenticate(charge_id: str) -> dict[str, object]:
        nonlocal reads
        reads += 1
        intent = await real_intent(charge_id)
        if reads == 1:
            stripe_standin.authenticate(charge_id)
        return intent

    monkeypatch.setattr(stripe_gateway, "_intent", read_then_authenticate)
    kept = await stripe_gateway.cancel_charge(charge.charge_id)
    assert kept.status is ChargeStatus.SUCCEEDED
    cancel = [r for r in stripe_standin.requests if r.path.endswith("/cancel")]
    assert [r.status for r in cancel] == [400]


@pytest.mark.parametrize("charge_id", ["pi_unknown", "ch_123", "", "sbx_ch_1"])
async def test_unknown_charges_are_not_found(stripe_gateway: StripeGateway, charge_id: str) -> None:
    with pytest.raises(ChargeNotFoundError):
        await stripe_gateway.retrieve_charge(charge_id)
    with pytest.raises(ChargeNotFoundError):
        await stripe_gateway.cancel_charge(charge_id)
    with pytest.raises(ChargeNotFoundError):
        await stripe_gateway.refund(charge_id, 100, idempotency_key="r")


# ---- lost answers, network errors, idempotency ------------------------------------------------------


async def test_a_lost_answer_then_a_retry_charges_once(
    stripe_gateway: StripeGateway, stripe_standin: StripeStandin
) -> None:
    card = await saved(stripe_gateway, stripe_standin)
    stripe_standin.fail_next("lost", path="/v1/payment_intents", method="POST")
    with pytest.raises(GatewayUnavailableError):
        await stripe_gateway.charge(card.gateway_token, 1999, "EUR", idempotency_key="attempt-7", description="x")
    assert len(stripe_standin.payment_intents) == 1  # Stripe charged; we did not hear it

    charge = await stripe_gateway.charge(card.gateway_token, 1999, "EUR", idempotency_key="attempt-7", description="x")
    assert charge.status is ChargeStatus.SUCCEEDED
    assert list(stripe_standin.payment_intents) == [charge.charge_id]
    assert len(stripe_standin.events_of("payment_intent.succeeded")) == 1
    assert pi_creations(stripe_standin) == 2  # two requests, one charge


async def test_a_dropped_connection_is_unavailable_and_nothing_is_charged(
    stripe_gateway: StripeGateway, stripe_standin: StripeStandin
) -> None:
    card = await saved(stripe_gateway, stripe_standin)
    stripe_standin.fail_next("reset", path="/v1/payment_intents")
    with pytest.raises(GatewayUnavailableError):
        await stripe_gateway.charge(card.gateway_token, 1999, "EUR", idempotency_key="a", description="x")
    assert not stripe_standin.payment_intents
    charge = await stripe_gateway.charge(card.gateway_token, 1999, "EUR", idempotency_key="a", description="x")
    assert charge.status is ChargeStatus.SUCCEEDED


async def test_the_stand_ins_network_cards_lose_the_first_answer_or_every_request(
    stripe_gateway: StripeGateway, stripe_standin: StripeStandin
) -> None:
    """The cards the payment tests map the sandbox's tok_network_flaky and tok_network_error to."""
    flaky = await saved(stripe_gateway, stripe_standin, "pm_card_standin_answerLost")
    for key in ("lost-1", "lost-2"):  # the first answer per key is lost, the charge made
        with pytest.raises(GatewayUnavailableError):
            await stripe_gateway.charge(flaky.gateway_token, 500, "EUR", idempotency_key=key, description="x")
        again = await stripe_gateway.charge(flaky.gateway_token, 500, "EUR", idempotency_key=key, description="x")
        assert again.status is ChargeStatus.SUCCEEDED
    assert len(stripe_standin.payment_intents) == 2
    down = await saved(
        stripe_gateway, stripe_standin, "pm_card_standin_unreachable", await customer(stripe_gateway, "c-2")
    )
    for _ in range(2):
        with pytest.raises(GatewayUnavailableError):
            await stripe_gateway.charge(down.gateway_token, 500, "EUR", idempotency_key="down-1", description="x")
    assert len(stripe_standin.payment_intents) == 2  # nothing made
    assert (down.last4, flaky.last4) == ("0119", "3220")


async def test_a_server_error_is_unavailable(stripe_gateway: StripeGateway, stripe_standin: StripeStandin) -> None:
    card = await saved(stripe_gateway, stripe_standin)
    stripe_standin.fail_next("500", path="/v1/payment_intents")
    with pytest.raises(GatewayUnavailableError):
        await stripe_gateway.charge(card.gateway_token, 1999, "EUR", idempotency_key="a", description="x")
    stripe_standin.fail_next("500", path="/v1/payment_methods")
    with pytest.raises(GatewayUnavailableError):
        await stripe_gateway.charge(card.gateway_token, 1999, "EUR", idempotency_key="a", description="x")
    assert not stripe_standin.payment_intents


async def test_a_slow_answer_times_out_as_unavailable(stripe_standin: StripeStandin) -> None:
    gateway = StripeGateway(secret_key=stripe_standin.secret_key, api_base=stripe_standin.base_url, timeout_seconds=0.3)
    stripe_standin.fail_next("slow", path="/v1/customers", seconds=1.5)
    with pytest.raises(GatewayUnavailableError):
        await gateway.create_customer("c-slow", None)
    await gateway.aclose()


async def test_connection_refused_is_unavailable() -> None:
    gateway = StripeGateway(secret_key="sk_test_x", api_base=f"http://127.0.0.1:{free_port()}", timeout_seconds=2)
    with pytest.raises(GatewayUnavailableError):
        await gateway.create_customer("c-1", None)
    with pytest.raises(GatewayUnavailableError):
        await gateway.retrieve_charge("pi_123")
    await gateway.aclose()


async def test_the_same_key_for_another_amount_is_a_conflict(
    stripe_gateway: StripeGateway, stripe_standin: StripeStandin
) -> None:
    card = await saved(stripe_gateway, stripe_standin)
    await stripe_gateway.charge(card.gateway_token, 1999, "EUR", idempotency_key="attempt-9", description="x")
    with pytest.raises(IdempotencyConflictError):
        await stripe_gateway.charge(card.gateway_token, 2999, "EUR", idempotency_key="attempt-9", description="x")
    assert len(stripe_standin.payment_intents) == 1


async def test_a_wrong_api_key_is_a_configuration_error(stripe_standin: StripeStandin) -> None:
    gateway = StripeGateway(secret_key="sk_test_wrong", api_base=stripe_standin.base_url, timeout_seconds=2)
    with pytest.raises(GatewayConfigurationError) as refused:
        await gateway.create_customer("c-1", None)
    assert "sk_test_wrong" not in str(refused.value)
    await gateway.aclose()


# ---- SEPA Direct Debit ------------------------------------------------------------------------------


async def test_sepa_debit_is_saved_and_charged_processing_then_succeeds(
    stripe_gateway: StripeGateway, stripe_standin: StripeStandin
) -> None:
    customer_ref = await customer(stripe_gateway)
    setup = await stripe_gateway.begin_setup(customer_ref, [MethodKind.SEPA_DEBIT])
    assert stripe_standin.setup_intents[setup.setup_id]["allowed_payment_method_types"] == ["sepa_debit"]
    stripe_standin.confirm_setup(setup.setup_id, "DE89370400440532013000")
    account = await stripe_gateway.tokenize(setup.setup_id, customer_ref=customer_ref)
    assert (account.kind, account.brand, account.last4) == (MethodKind.SEPA_DEBIT, CardBrand.OTHER, "3000")
    assert (account.exp_month, account.exp_year, account.country) == (0, 0, "DE")
    assert account.fingerprint == stripe_standin.payment_methods[account.gateway_token]["sepa_debit"]["fingerprint"]

    charge = await stripe_gateway.charge(account.gateway_token, 2500, "EUR", idempotency_key="a", description="x")
    assert charge.status is ChargeStatus.PROCESSING
    intent = stripe_standin.payment_intents[charge.charge_id]
    assert intent["allowed_payment_method_types"] == ["sepa_debit"]
    creation = next(r for r in stripe_standin.requests if r.path == "/v1/payment_intents")
    assert creation.params["off_session"] == "true"  # under the mandate the SetupIntent collected
    assert (await stripe_gateway.retrieve_charge(charge.charge_id)).status is ChargeStatus.PROCESSING

    stripe_standin.settle()
    assert (await stripe_gateway.retrieve_charge(charge.charge_id)).status is ChargeStatus.SUCCEEDED


async def test_a_failing_sepa_debit_fails_later(stripe_gateway: StripeGateway, stripe_standin: StripeStandin) -> None:
    account = await saved(stripe_gateway, stripe_standin, "AT861904300235473202")
    assert (account.last4, account.country) == ("3202", "AT")
    charge = await stripe_gateway.charge(account.gateway_token, 2500, "EUR", idempotency_key="a", description="x")
    assert charge.status is ChargeStatus.PROCESSING
    stripe_standin.settle(charge.charge_id)
    with pytest.raises(PaymentDeclinedError) as declined:
        await stripe_gateway.retrieve_charge(charge.charge_id)
    assert declined.value.reason_code == "insufficient_funds"
    # a debit the bank is processing cannot be called back: cancel reports it as it is
    other = await stripe_gateway.charge(account.gateway_token, 100, "EUR", idempotency_key="b", description="x")
    assert (await stripe_gateway.cancel_charge(other.charge_id)).status is ChargeStatus.PROCESSING


async def test_sepa_debit_takes_euros_only(stripe_gateway: StripeGateway, stripe_standin: StripeStandin) -> None:
    assert stripe_gateway.supports(MethodKind.SEPA_DEBIT, "EUR")
    assert stripe_gateway.supports(MethodKind.SEPA_DEBIT, "eur")
    assert not stripe_gateway.supports(MethodKind.SEPA_DEBIT, "USD")
    assert not stripe_gateway.supports(MethodKind.SEPA_DEBIT, "CHF")
    account = await saved(stripe_gateway, stripe_standin, "DE89370400440532013000")
    with pytest.raises(UnsupportedCurrencyError) as refused:
        await stripe_gateway.charge(account.gateway_token, 2500, "USD", idempotency_key="a", description="x")
    assert refused.value.currency == "USD"
    assert not stripe_standin.payment_intents


# ---- currencies -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "sent"),
    [
        (500, "JPY", 500),
        (5, "ISK", 500),
        (1000, "UGX", 100_000),
        (1050, "HUF", 1050),
        (5120, "KWD", 5120),
        (1999, "EUR", 1999),
    ],
)
async def test_amounts_reach_stripe_in_its_units_and_come_back_in_ours(
    stripe_gateway: StripeGateway, stripe_standin: StripeStandin, amount: int, currency: str, sent: int
) -> None:
    card = await saved(stripe_gateway, stripe_standin)
    charge = await stripe_gateway.charge(card.gateway_token, amount, currency, idempotency_key="a", description="x")
    intent = stripe_standin.payment_intents[charge.charge_id]
    assert (intent["amount"], intent["currency"]) == (sent, currency.lower())
    assert (charge.amount, charge.currency) == (amount, currency)
    assert await stripe_gateway.retrieve_charge(charge.charge_id) == charge
    refund = await stripe_gateway.refund(charge.charge_id, amount, idempotency_key="r")
    assert (refund.amount, refund.currency) == (amount, currency)
    assert stripe_standin.refunds[refund.refund_id]["amount"] == sent


async def test_amounts_and_currencies_stripe_cannot_take_are_refused_before_calling_it(
    stripe_gateway: StripeGateway, stripe_standin: StripeStandin
) -> None:
    card = await saved(stripe_gateway, stripe_standin)
    before = len(stripe_standin.requests)
    with pytest.raises(UnsupportedCurrencyError) as refused:
        await stripe_gateway.charge(card.gateway_token, 5124, "KWD", idempotency_key="a", description="x")
    assert refused.value.currency == "KWD"
    for currency in ("IQD", "XAU", "LYD"):
        with pytest.raises(UnsupportedCurrencyError):
            await stripe_gateway.charge(card.gateway_token, 1000, currency, idempotency_key="a", description="x")
    assert len(stripe_standin.requests) == before


async def test_payment_currencies_limit_what_is_supported_and_charged(stripe_standin: StripeStandin) -> None:
    gateway = StripeGateway(
        secret_key=stripe_standin.secret_key,
        api_base=stripe_standin.base_url,
        currencies=["EUR", "chf"],
        timeout_seconds=5,
    )
    assert gateway.supports(MethodKind.CARD, "EUR")
    assert gateway.supports(MethodKind.CARD, "CHF")
    assert not gateway.supports(MethodKind.CARD, "USD")
    assert gateway.supports(MethodKind.SEPA_DEBIT, "EUR")
    card = await gateway.tokenize("pm_card_visa", customer_ref=await gateway.create_customer("c-1", None))
    before = len(stripe_standin.requests)
    with pytest.raises(UnsupportedCurrencyError):
        await gateway.charge(card.gateway_token, 1000, "USD", idempotency_key="a", description="x")
    assert len(stripe_standin.requests) == before
    await gateway.aclose()


def test_every_stripe_currency_is_supported_by_default(stripe_gateway: StripeGateway) -> None:
    for currency in ("EUR", "USD", "JPY", "ISK", "KWD", "HUF", "MGA", "GBP"):
        assert stripe_gateway.supports(MethodKind.CARD, currency), currency
    for currency in ("IQD", "XAU", "ZZZ"):
        assert not stripe_gateway.supports(MethodKind.CARD, currency), currency


def test_a_currency_stripe_does_not_take_cannot_be_configured() -> None:
    with pytest.raises(GatewayConfigurationError, match="IQD"):
        StripeGateway(secret_key="sk_test_x", currencies=["EUR", "IQD"])
    with pytest.raises(GatewayConfigurationError):
        StripeGateway(secret_key="")


# ---- refunds and removal ----------------------------------------------------------------------------


async def test_partial_then_full_refunds_then_too_much(
    stripe_gateway: StripeGateway, stripe_standin: StripeStandin
) -> None:
    card = await saved(stripe_gateway, stripe_standin)
    charge = await stripe_gateway.charge(card.gateway_token, 1000, "EUR", idempotency_key="a", description="x")
    first = await stripe_gateway.refund(charge.charge_id, 300, idempotency_key="r-1")
    assert first.refund_id.startswith("re_")
    assert (first.charge_id, first.amount, first.currency) == (charge.charge_id, 300, "EUR")
    assert await stripe_gateway.refund(charge.charge_id, 300, idempotency_key="r-1") == first  # a retry
    with pytest.raises(IdempotencyConflictError):
        await stripe_gateway.refund(charge.charge_id, 400, idempotency_key="r-1")
    with pytest.raises(PaymentDeclinedError) as too_much:
        await stripe_gateway.refund(charge.charge_id, 701, idempotency_key="r-2")
    assert too_much.value.reason_code == DeclineCode.REFUND_EXCEEDS_CHARGE
    rest = await stripe_gateway.refund(charge.charge_id, 700, idempotency_key="r-3")
    assert rest.amount == 700
    with pytest.raises(PaymentDeclinedError) as nothing_left:
        await stripe_gateway.refund(charge.charge_id, 1, idempotency_key="r-4")
    assert nothing_left.value.reason_code == DeclineCode.REFUND_EXCEEDS_CHARGE
    assert sorted(r["amount"] for r in stripe_standin.refunds.values()) == [300, 700]
    refund_requests = [r for r in stripe_standin.requests if r.path == "/v1/refunds"]
    assert refund_requests[0].params["payment_intent"] == charge.charge_id
    assert refund_requests[0].idempotency_key == "r-1"


async def test_a_refund_with_a_lost_answer_is_made_once(
    stripe_gateway: StripeGateway, stripe_standin: StripeStandin
) -> None:
    card = await saved(stripe_gateway, stripe_standin)
    charge = await stripe_gateway.charge(card.gateway_token, 1000, "EUR", idempotency_key="a", description="x")
    stripe_standin.fail_next("lost", path="/v1/refunds")
    with pytest.raises(GatewayUnavailableError):
        await stripe_gateway.refund(charge.charge_id, 1000, idempotency_key="r")
    refund = await stripe_gateway.refund(charge.charge_id, 1000, idempotency_key="r")
    assert list(stripe_standin.refunds) == [refund.refund_id]


async def test_a_charge_not_succeeded_cannot_be_refunded(
    stripe_gateway: StripeGateway, stripe_standin: StripeStandin
) -> None:
    account = await saved(stripe_gateway, stripe_standin, "DE89370400440532013000")
    charge = await stripe_gateway.charge(account.gateway_token, 1000, "EUR", idempotency_key="a", description="x")
    with pytest.raises(Exception) as refused:  # noqa: PT011 (a GatewayError of some kind, never a refund)
        await stripe_gateway.refund(charge.charge_id, 1000, idempotency_key="r")
    assert not isinstance(refused.value, GatewayUnavailableError)
    assert not stripe_standin.refunds


async def test_remove_token_detaches_and_later_charges_fail(
    stripe_gateway: StripeGateway, stripe_standin: StripeStandin
) -> None:
    card = await saved(stripe_gateway, stripe_standin)
    await stripe_gateway.remove_token(card.gateway_token)
    assert stripe_standin.payment_methods[card.gateway_token]["customer"] is None
    assert stripe_standin.events_of("payment_method.detached")
    await stripe_gateway.remove_token(card.gateway_token)  # again (a retry): done already
    with pytest.raises(InvalidTokenError) as refused:
        await stripe_gateway.charge(card.gateway_token, 1000, "EUR", idempotency_key="a", description="x")
    assert card.gateway_token not in str(refused.value)
    assert not stripe_standin.payment_intents
    with pytest.raises(InvalidTokenError):
        await stripe_gateway.remove_token("pm_unknown")
    with pytest.raises(InvalidTokenError):
        await stripe_gateway.charge("pm_unknown", 1000, "EUR", idempotency_key="b", description="x")


async def test_another_customers_card_cannot_be_charged_for_this_customer(
    stripe_gateway: StripeGateway, stripe_standin: StripeStandin
) -> None:
    card = await saved(stripe_gateway, stripe_standin, customer_ref=await customer(stripe_gateway, "c-a"))
    other = await customer(stripe_gateway, "c-b")
    with pytest.raises(InvalidTokenError):
        await stripe_gateway.charge(
            card.gateway_token, 1000, "EUR", idempotency_key="a", description="x", customer_ref=other
        )
    assert not stripe_standin.payment_intents


def test_the_publishable_key(stripe_gateway: StripeGateway, stripe_standin: StripeStandin) -> None:
    assert stripe_gateway.publishable_key() == stripe_standin.publishable_key
    assert StripeGateway(secret_key="sk_test_x").publishable_key() is None
