"""Money: integer minor units and an ISO 4217 code; the number of minor units per currency."""

from decimal import Decimal

import pycountry

# ISO 4217 currencies whose minor unit is not 1/100 (the list changes rarely).
_EXPONENTS = {
    **dict.fromkeys(
        ["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF"], 0
    ),
    **dict.fromkeys(["XOF", "XPF"], 0),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}
# Precious metals, testing and "no currency" codes: not money anyone pays with.
_NOT_TENDER = frozenset({"XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XTS", "XUA", "XXX"})

CURRENCY_CODES: tuple[str, ...] = tuple(sorted(c.alpha_3 for c in pycountry.currencies if c.alpha_3 not in _NOT_TENDER))
_KNOWN = frozenset(CURRENCY_CODES)


MAX_DIGITS = 18  # no amount anyone pays has more digits before the point


def is_currency(code: str | None) -> bool:
    return code is not None and code in _KNOWN


def exponent(currency: str) -> int:
    return _EXPONENTS.get(currency, 2)


def to_decimal(amount_minor: int, currency: str) -> Decimal:
    return Decimal(amount_minor).scaleb(-exponent(currency))


def _decimal_places(amount: Decimal) -> int:
    """Significant decimal places (1.500 has 1), read from the digits without arithmetic."""
    _, digits, exp = amount.as_tuple()
    if not isinstance(exp, int) or not any(digits):
        return 0
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(-(exp + trailing_zeros), 0)


def to_minor(amount: Decimal, currency: str) -> int:
    """Minor units of an amount; ValueError when it has more decimals than the currency allows, or is
    not a finite amount of a sane size (a huge exponent would build a giant integer first)."""
    if not amount.is_finite() or amount.adjusted() > MAX_DIGITS:
        raise ValueError("not an amount")
    if _decimal_places(amount) > exponent(currency):  # checked on the digits: scaling could underflow to 0
        raise ValueError(f"{currency} has {exponent(currency)} decimal places")
    scaled = amount.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{currency} has {exponent(currency)} decimal places")
    return int(scaled)
