"""Our ISO minor units to Stripe's API amounts and back, currency by currency."""

import pytest

from app.money import CURRENCY_CODES, exponent
from app.payments.gateway import UnsupportedCurrencyError
from app.payments.stripe_amounts import (
    STRIPE_CURRENCIES,
    THREE_DECIMAL,
    ZERO_DECIMAL,
    from_stripe_amount,
    stripe_exponent,
    to_stripe_amount,
)


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (1999, "EUR", 1999),  # 19.99 EUR
        (1999, "eur", 1999),
        (1000, "USD", 1000),
        (500, "JPY", 500),  # zero-decimal on both sides: 500 yen
        (5000, "KRW", 5000),
        (1234, "CLP", 1234),
        (1050, "HUF", 1050),  # HUF is zero-decimal at Stripe for payouts only: charges keep two decimals
        (1050, "TWD", 1050),
        (5, "ISK", 500),  # ISO: whole kronur; Stripe: hundredths, always a multiple of 100
        (10_000, "UGX", 1_000_000),
        (5120, "KWD", 5120),  # 5.120 KWD in thousandths
        (1000, "BHD", 1000),
        (10, "JOD", 10),
        (25_000, "MGA", 250),  # ISO: 250.00 ariary; Stripe: zero-decimal, whole ariary
    ],
)
def test_to_stripe(amount: int, currency: str, expected: int) -> None:
    assert to_stripe_amount(amount, currency) == expected
    assert from_stripe_amount(expected, currency) == amount


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        (5124, "KWD"),  # the last of three decimals must be 0
        (1, "OMR"),
        (5125, "TND"),
        (25_050, "MGA"),  # half an ariary: Stripe takes whole ariary
    ],
)
def test_amounts_stripe_cannot_represent_are_refused(amount: int, currency: str) -> None:
    with pytest.raises(UnsupportedCurrencyError) as refused:
        to_stripe_amount(amount, currency)
    assert refused.value.currency == currency


@pytest.mark.parametrize("currency", ["IQD", "LYD", "XDR", "ZZZ", "VES", "CUP"])
def test_currencies_stripe_does_not_take_are_refused(currency: str) -> None:
    with pytest.raises(UnsupportedCurrencyError, match=currency):
        to_stripe_amount(1000, currency)


def test_a_fractional_krona_from_stripe_is_refused_not_rounded() -> None:
    with pytest.raises(UnsupportedCurrencyError):
        from_stripe_amount(150, "ISK")


def test_every_stripe_currency_is_iso_and_converts_one_unit_both_ways() -> None:
    assert set(CURRENCY_CODES) >= STRIPE_CURRENCIES
    for currency in STRIPE_CURRENCIES:
        one_unit = 10 ** exponent(currency)
        sent = to_stripe_amount(one_unit, currency)
        assert sent == 10 ** stripe_exponent(currency), currency
        assert from_stripe_amount(sent, currency) == one_unit


def test_the_special_lists_are_stripe_currencies() -> None:
    assert ZERO_DECIMAL <= STRIPE_CURRENCIES
    assert THREE_DECIMAL <= STRIPE_CURRENCIES
    assert {"ISK", "UGX", "HUF", "TWD", "EUR", "JPY"} <= STRIPE_CURRENCIES
