"""The sandbox gateway: every documented test token, idempotency, refunds, removal and where it may run."""

import re
from datetime import UTC, datetime

import pytest

from app.config import Settings
from app.payments.gateway import (
    CardBrand,
    ChargeNotFoundError,
    GatewayConfigurationError,
    GatewayError,
    GatewayUnavailableError,
    IdempotencyConflictError,
    InvalidTokenError,
    PaymentDeclinedError,
    PaymentGateway,
    SavedCard,
)
from app.payments.registry import gateway_for
from app.payments.sandbox import SandboxGateway

GATEWAY_TOKEN = re.compile(r"sbx_pm_[a-z_]+_[0-9a-f]{32}")


@pytest.fixture
def gateway() -> SandboxGateway:
    return SandboxGateway(production=False)


async def saved(gateway: PaymentGateway, client_token: str) -> str:
    return (await gateway.tokenize(client_token)).gateway_token


@pytest.mark.parametrize(
    ("client_token", "brand", "last4"),
    [
        ("tok_visa", CardBrand.VISA, "4242"),
        ("tok_mastercard", CardBrand.MASTERCARD, "4444"),
        ("tok_amex", CardBrand.AMEX, "0005"),
        ("tok_discover", CardBrand.DISCOVER, "1117"),
        ("tok_declined", CardBrand.VISA, "0002"),
        ("tok_insufficient_funds", CardBrand.VISA, "9995"),
        ("tok_do_not_honor", CardBrand.MASTERCARD, "0069"),
        ("tok_network_error", CardBrand.VISA, "0119"),
        ("tok_network_flaky", CardBrand.VISA, "3220"),
    ],
)
async def test_tokenize_returns_the_test_card(
    gateway: SandboxGateway, client_token: str, brand: CardBrand, last4: str
) -> None:
    card = await gateway.tokenize(client_token)
    kind = client_token.removeprefix("tok_")
    assert card.brand is brand
    assert card.last4 == last4
    assert (card.exp_month, card.exp_year) == (12, 2030)
    assert GATEWAY_TOKEN.fullmatch(card.gateway_token)
    assert card.gateway_token.startswith(f"sbx_pm_{kind}_")
    assert re.fullmatch(r"[0-9a-f]{16}", card.fingerprint)


async def test_each_tokenize_gives_a_new_token_with_the_same_fingerprint(gateway: SandboxGateway) -> None:
    first, second = await gateway.tokenize("tok_visa"), await gateway.tokenize("tok_visa")
    other = await gateway.tokenize("tok_mastercard")
    assert first.gateway_token != second.gateway_token
    assert first.fingerprint == second.fingerprint != other.fingerprint


async def test_fingerprints_agree_between_gateway_instances() -> None:
    first = await SandboxGateway(production=False).tokenize("tok_amex")
    second = await SandboxGateway(production=False).tokenize("tok_amex")
    assert first.fingerprint == second.fingerprint


async def test_the_gateway_token_stays_out_of_the_repr(gateway: SandboxGateway) -> None:
    card = await gateway.tokenize("tok_visa")
    assert card.gateway_token not in repr(card)
    assert "4242" in repr(card)


async def test_the_expiring_card_expires_at_the_end_of_the_current_utc_month() -> None:
    # 23:30 on 31 January in New York is already February in UTC.
    late_january = datetime.fromisoformat("2027-01-31T23:30:00-05:00")
    card = await SandboxGateway(production=False, clock=lambda: late_january).tokenize("tok_visa_expiring")
    assert (card.brand, card.last4, card.exp_month, card.exp_year) == (CardBrand.VISA, "1881", 2, 2027)


async def test_the_expiring_card_uses_the_real_clock_by_default(gateway: SandboxGateway) -> None:
    before = datetime.now(UTC)
    card = await gateway.tokenize("tok_visa_expiring")
    after = datetime.now(UTC)
    assert (card.exp_year, card.exp_month) in {(before.year, before.month), (after.year, after.month)}


async def test_the_expired_card_is_declined_at_tokenize(gateway: SandboxGateway) -> None:
    with pytest.raises(PaymentDeclinedError) as caught:
        await gateway.tokenize("tok_visa_expired")
    assert caught.value.reason_code == "expired_card"
    assert caught.value.message


@pytest.mark.parametrize(
    "client_token", ["", "tok_", "tok_unknown", "TOK_VISA", "visa", " tok_visa", "tok_visa_expiring_soon"]
)
async def test_unknown_client_tokens_are_invalid(gateway: SandboxGateway, client_token: str) -> None:
    with pytest.raises(InvalidTokenError):
        await gateway.tokenize(client_token)


async def test_a_gateway_token_is_not_a_client_token(gateway: SandboxGateway) -> None:
    with pytest.raises(InvalidTokenError):
        await gateway.tokenize(await saved(gateway, "tok_visa"))


@pytest.mark.parametrize(
    "client_token", ["tok_visa", "tok_mastercard", "tok_amex", "tok_discover", "tok_visa_expiring"]
)
async def test_good_cards_charge(gateway: SandboxGateway, client_token: str) -> None:
    token = await saved(gateway, client_token)
    charge = await gateway.charge(token, 1999, "EUR", idempotency_key="order-1", description="Order 1")
    assert (charge.amount, charge.currency) == (1999, "EUR")
    assert charge.charge_id.startswith("sbx_ch_")


@pytest.mark.parametrize(
    ("client_token", "reason_code"),
    [
        ("tok_declined", "card_declined"),
        ("tok_insufficient_funds", "insufficient_funds"),
        ("tok_do_not_honor", "do_not_honor"),
    ],
)
async def test_declining_cards_are_declined_with_their_reason(
    gateway: SandboxGateway, client_token: str, reason_code: str
) -> None:
    token = await saved(gateway, client_token)
    for key in ("first", "first", "second"):  # a replayed key declines again
        with pytest.raises(PaymentDeclinedError) as caught:
            await gateway.charge(token, 500, "USD", idempotency_key=key, description="Order")
        assert caught.value.reason_code == reason_code
        assert isinstance(caught.value, GatewayError)


async def test_a_declined_key_cannot_be_reused_for_another_card(gateway: SandboxGateway) -> None:
    declined, good = await saved(gateway, "tok_declined"), await saved(gateway, "tok_visa")
    with pytest.raises(PaymentDeclinedError):
        await gateway.charge(declined, 500, "USD", idempotency_key="k", description="Order")
    with pytest.raises(IdempotencyConflictError):
        await gateway.charge(good, 500, "USD", idempotency_key="k", description="Order")


async def test_the_network_error_card_is_unavailable_on_every_attempt(gateway: SandboxGateway) -> None:
    token = await saved(gateway, "tok_network_error")
    for _ in range(2):
        with pytest.raises(GatewayUnavailableError):
            await gateway.charge(token, 500, "USD", idempotency_key="k", description="Order")


async def test_the_flaky_card_charges_once_and_a_retry_with_the_same_key_returns_it(gateway: SandboxGateway) -> None:
    token = await saved(gateway, "tok_network_flaky")
    with pytest.raises(GatewayUnavailableError):
        await gateway.charge(token, 700, "EUR", idempotency_key="k", description="Order")
    charge = await gateway.charge(token, 700, "EUR", idempotency_key="k", description="Order")
    assert await gateway.charge(token, 700, "EUR", idempotency_key="k", description="Order") == charge
    # The lost attempt did charge: refunds are bounded by it.
    await gateway.refund(charge.charge_id, 700, idempotency_key="r")
    with pytest.raises(GatewayUnavailableError):
        await gateway.charge(token, 700, "EUR", idempotency_key="other", description="Order")


async def test_charges_are_idempotent_per_key(gateway: SandboxGateway) -> None:
    token = await saved(gateway, "tok_visa")
    first = await gateway.charge(token, 1000, "EUR", idempotency_key="k1", description="Order")
    again = await gateway.charge(token, 1000, "EUR", idempotency_key="k1", description="Order, retried")
    other = await gateway.charge(token, 1000, "EUR", idempotency_key="k2", description="Order")
    assert again == first
    assert other.charge_id != first.charge_id


@pytest.mark.parametrize(
    ("amount", "currency", "other_card"), [(1001, "EUR", False), (1000, "USD", False), (1000, "EUR", True)]
)
async def test_reusing_a_key_for_a_different_charge_is_a_conflict(
    gateway: SandboxGateway, amount: int, currency: str, other_card: bool
) -> None:
    token = await saved(gateway, "tok_visa")
    await gateway.charge(token, 1000, "EUR", idempotency_key="k", description="Order")
    if other_card:
        token = await saved(gateway, "tok_visa")
    with pytest.raises(IdempotencyConflictError):
        await gateway.charge(token, amount, currency, idempotency_key="k", description="Order")


async def test_idempotency_keys_belong_to_one_gateway_instance() -> None:
    first, second = SandboxGateway(production=False), SandboxGateway(production=False)
    token = await saved(first, "tok_visa")
    one = await first.charge(token, 100, "EUR", idempotency_key="k", description="Order")
    two = await second.charge(token, 100, "EUR", idempotency_key="k", description="Order")
    assert one.charge_id != two.charge_id


@pytest.mark.parametrize(
    "gateway_token",
    [
        "",
        "tok_visa",
        "sbx_pm_visa",
        "sbx_pm_visa_",
        "sbx_pm_unknown_" + "0" * 32,
        "sbx_pm_visa_" + "0" * 31,
        "sbx_pm_visa_" + "G" * 32,
    ],
)
async def test_charging_a_malformed_token_is_invalid(gateway: SandboxGateway, gateway_token: str) -> None:
    with pytest.raises(InvalidTokenError):
        await gateway.charge(gateway_token, 100, "EUR", idempotency_key="k", description="Order")


async def test_tokens_work_in_any_gateway_instance() -> None:
    token = await saved(SandboxGateway(production=False), "tok_mastercard")
    charge = await SandboxGateway(production=False).charge(token, 100, "GBP", idempotency_key="k", description="Order")
    assert charge.amount == 100


@pytest.mark.parametrize(
    ("amount", "currency", "key"),
    [(0, "EUR", "k"), (-5, "EUR", "k"), (True, "EUR", "k"), (100, "eur", "k"), (100, "XXX", "k"), (100, "EUR", "")],
)
async def test_bad_charge_requests_are_programming_errors(
    gateway: SandboxGateway, amount: int, currency: str, key: str
) -> None:
    token = await saved(gateway, "tok_visa")
    with pytest.raises(ValueError, match=r"."):
        await gateway.charge(token, amount, currency, idempotency_key=key, description="Order")


async def test_refunds_up_to_the_charged_amount(gateway: SandboxGateway) -> None:
    token = await saved(gateway, "tok_visa")
    charge = await gateway.charge(token, 1000, "JPY", idempotency_key="c", description="Order")
    first = await gateway.refund(charge.charge_id, 600, idempotency_key="r1")
    assert first.refund_id.startswith("sbx_re_")
    assert (first.charge_id, first.amount, first.currency) == (charge.charge_id, 600, "JPY")
    with pytest.raises(PaymentDeclinedError) as caught:
        await gateway.refund(charge.charge_id, 401, idempotency_key="r2")
    assert caught.value.reason_code == "refund_exceeds_charge"
    rest = await gateway.refund(charge.charge_id, 400, idempotency_key="r3")
    assert rest.refund_id != first.refund_id
    with pytest.raises(PaymentDeclinedError):
        await gateway.refund(charge.charge_id, 1, idempotency_key="r4")


async def test_a_single_refund_above_the_charge_is_declined(gateway: SandboxGateway) -> None:
    token = await saved(gateway, "tok_visa")
    charge = await gateway.charge(token, 1000, "EUR", idempotency_key="c", description="Order")
    with pytest.raises(PaymentDeclinedError) as caught:
        await gateway.refund(charge.charge_id, 1001, idempotency_key="r")
    assert caught.value.reason_code == "refund_exceeds_charge"


async def test_refunds_are_idempotent_per_key(gateway: SandboxGateway) -> None:
    token = await saved(gateway, "tok_visa")
    charge = await gateway.charge(token, 1000, "EUR", idempotency_key="c", description="Order")
    refund = await gateway.refund(charge.charge_id, 1000, idempotency_key="r")
    assert await gateway.refund(charge.charge_id, 1000, idempotency_key="r") == refund
    with pytest.raises(IdempotencyConflictError):
        await gateway.refund(charge.charge_id, 999, idempotency_key="r")


async def test_a_key_serves_either_a_charge_or_a_refund(gateway: SandboxGateway) -> None:
    token = await saved(gateway, "tok_visa")
    charge = await gateway.charge(token, 1000, "EUR", idempotency_key="c", description="Order")
    await gateway.refund(charge.charge_id, 10, idempotency_key="r")
    with pytest.raises(IdempotencyConflictError):
        await gateway.refund(charge.charge_id, 10, idempotency_key="c")
    with pytest.raises(IdempotencyConflictError):
        await gateway.charge(token, 1000, "EUR", idempotency_key="r", description="Order")


async def test_another_instance_can_refund_a_charge() -> None:
    token = await saved(SandboxGateway(production=False), "tok_visa")
    charge = await SandboxGateway(production=False).charge(token, 250, "EUR", idempotency_key="c", description="Order")
    refunder = SandboxGateway(production=False)
    assert (await refunder.refund(charge.charge_id, 250, idempotency_key="r")).currency == "EUR"
    with pytest.raises(PaymentDeclinedError):
        await refunder.refund(charge.charge_id, 251, idempotency_key="r2")


@pytest.mark.parametrize(
    "charge_id",
    [
        "",
        "ch_1",
        "sbx_ch_",
        "sbx_ch_100_EUR",
        "sbx_ch_100_EUR_" + "0" * 23,
        "sbx_ch_x_EUR_" + "0" * 24,
        "sbx_ch_100_ABC_" + "0" * 24,
    ],
)
async def test_refunding_an_unknown_charge_fails(gateway: SandboxGateway, charge_id: str) -> None:
    with pytest.raises(ChargeNotFoundError):
        await gateway.refund(charge_id, 1, idempotency_key="r")


@pytest.mark.parametrize("amount", [0, -1])
async def test_refund_amounts_must_be_positive(gateway: SandboxGateway, amount: int) -> None:
    token = await saved(gateway, "tok_visa")
    charge = await gateway.charge(token, 1000, "EUR", idempotency_key="c", description="Order")
    with pytest.raises(ValueError, match="positive"):
        await gateway.refund(charge.charge_id, amount, idempotency_key="r")


async def test_a_removed_token_cannot_be_charged(gateway: SandboxGateway) -> None:
    token, kept = await saved(gateway, "tok_visa"), await saved(gateway, "tok_visa")
    await gateway.remove_token(token)
    with pytest.raises(InvalidTokenError):
        await gateway.charge(token, 100, "EUR", idempotency_key="k", description="Order")
    with pytest.raises(InvalidTokenError):
        await gateway.remove_token(token)
    assert (await gateway.charge(kept, 100, "EUR", idempotency_key="k2", description="Order")).amount == 100


async def test_removing_a_malformed_token_is_invalid(gateway: SandboxGateway) -> None:
    with pytest.raises(InvalidTokenError):
        await gateway.remove_token("sbx_pm_nothing")


async def test_errors_do_not_carry_the_token(gateway: SandboxGateway) -> None:
    token = await saved(gateway, "tok_declined")
    with pytest.raises(PaymentDeclinedError) as declined:
        await gateway.charge(token, 100, "EUR", idempotency_key="k", description="Order")
    await gateway.remove_token(token)
    with pytest.raises(InvalidTokenError) as removed:
        await gateway.charge(token, 100, "EUR", idempotency_key="k2", description="Order")
    for error in (declined.value, removed.value):
        assert token not in str(error)
        assert token.rpartition("_")[2] not in repr(error.args)


def test_the_sandbox_refuses_production() -> None:
    with pytest.raises(GatewayConfigurationError):
        SandboxGateway(production=True)
    with pytest.raises(GatewayConfigurationError):
        gateway_for(Settings(environment="production", payment_gateway="sandbox"))


async def test_the_factory_knows_the_sandbox() -> None:
    gateway = gateway_for(Settings(environment="test", payment_gateway="sandbox"))
    assert isinstance(gateway, SandboxGateway)
    assert gateway.name == "sandbox"
    card: SavedCard = await gateway.tokenize("tok_visa")
    assert card.last4 == "4242"


@pytest.mark.parametrize("name", ["paypal", "Sandbox", "none"])
def test_the_factory_refuses_unknown_gateways(name: str) -> None:
    settings = Settings(environment="test").model_copy(update={"payment_gateway": name})
    with pytest.raises(GatewayConfigurationError):
        gateway_for(settings)
