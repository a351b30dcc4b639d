"""Amounts and currencies as Stripe's API wants them.

We keep money in ISO 4217 minor units (`app.money.exponent`); Stripe's API takes an integer in *its*
minor unit of each currency, which differs from ISO in a few places (https://docs.stripe.com/currencies):

- Zero-decimal currencies (BIF, CLP, DJF, GNF, JPY, KMF, KRW, MGA, PYG, RWF, VND, VUV, XAF, XOF, XPF)
  take whole units. MGA has two decimals in ISO, so our amount is divided by 100 and must be whole ariary.
- Special cases: ISK (zero-decimal in ISO since 2023) and UGX stay two-decimal in Stripe's API for
  backwards compatibility, and the amount must be divisible by 100 (whole units): 5 ISK is `500`.
  HUF and TWD are zero-decimal for Stripe *payouts* only; charges take two decimals, as in ISO.
- Three-decimal currencies (BHD, JOD, KWD, OMR, TND) are sent in thousandths, and Stripe requires the
  last digit to be 0: 5.120 KWD is `5120`; 5.124 KWD cannot be charged or refunded.

Anything the conversion cannot represent raises `UnsupportedCurrencyError`, before Stripe is called.
"""

from app.money import exponent
from app.payments.gateway import UnsupportedCurrencyError

# Stripe's documented presentment currencies for card payments (docs.stripe.com/currencies), less the
# ones ISO 4217 has withdrawn (ANG for XCG, BGN for EUR). Other payment methods take fewer (SEPA: EUR).
STRIPE_CURRENCIES: frozenset[str] = frozenset(
    """
    USD AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BRL BSD BWP BYN BZD
    CAD CDF CHF CLP CNY COP CRC CVE CZK DJF DKK DOP DZD EGP ETB EUR FJD FKP GBP GEL GIP GMD GNF GTQ GYD
    HKD HNL HTG HUF IDR ILS INR ISK JMD JOD JPY KES KGS KHR KMF KRW KWD KYD KZT LAK LBP LKR LRD LSL MAD
    MDL MGA MKD MMK MNT MOP MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN
    PYG QAR RON RSD RUB RWF SAR SBD SCR SEK SGD SHP SLE SOS SRD SZL THB TJS TND TOP TRY TTD TWD TZS UAH
    UGX UYU UZS VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW
    """.split()  # noqa: SIM905 (a table is easier to check against Stripe's page than a list of strings)
)
ZERO_DECIMAL: frozenset[str] = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "VND", "VUV", "XAF", "XOF", "XPF"}
)
# Zero-decimal in practice, two-decimal in the API: amounts in hundredths, always a multiple of 100.
WHOLE_IN_TWO_DECIMALS: frozenset[str] = frozenset({"ISK", "UGX"})
THREE_DECIMAL: frozenset[str] = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})


def stripe_exponent(currency: str) -> int:
    """Decimal places of Stripe's API amounts in this currency."""
    if currency in ZERO_DECIMAL:
        return 0
    if currency in THREE_DECIMAL:
        return 3
    return 2


def _power_of_ten(digits: int) -> int:
    return int(10**digits)


def _check_currency(currency: str) -> str:
    code = currency.upper()
    if code not in STRIPE_CURRENCIES:
        raise UnsupportedCurrencyError(code, f"Stripe does not take payments in {code}.")
    return code


def to_stripe_amount(amount: int, currency: str) -> int:
    """Our ISO minor units -> Stripe's amount; UnsupportedCurrencyError when Stripe cannot take it."""
    code = _check_currency(currency)
    shift = stripe_exponent(code) - exponent(code)
    if shift >= 0:
        value = amount * _power_of_ten(shift)
    else:
        value, rest = divmod(amount, _power_of_ten(-shift))
        if rest:
            raise UnsupportedCurrencyError(code, f"Stripe takes {code} in whole units only.")
    if code in THREE_DECIMAL and value % 10:
        raise UnsupportedCurrencyError(code, f"Stripe takes {code} amounts only in multiples of 0.010.")
    if code in WHOLE_IN_TWO_DECIMALS and value % 100:
        raise UnsupportedCurrencyError(code, f"Stripe takes {code} in whole units only.")
    return value


def from_stripe_amount(value: int, currency: str) -> int:
    """Stripe's amount -> our ISO minor units (what Stripe reports back: charges, refunds, disputes)."""
    code = currency.upper()
    shift = stripe_exponent(code) - exponent(code)
    if shift <= 0:
        return value * _power_of_ten(-shift)
    amount, rest = divmod(value, _power_of_ten(shift))
    if rest:  # a fractional ISK or UGX amount from before Stripe required whole units
        raise UnsupportedCurrencyError(code, f"Stripe reported a fraction of a unit of {code}.")
    return amount
