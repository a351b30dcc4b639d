"""Money as clients see it: a decimal amount and an ISO 4217 currency code."""

import enum
from decimal import Decimal

import strawberry

from app.money import CURRENCY_CODES, to_decimal

CurrencyCodeValues: type[enum.Enum] = enum.Enum("CurrencyCode", {code: code for code in CURRENCY_CODES})  # type: ignore[misc]
CurrencyCode = strawberry.enum(CurrencyCodeValues, name="CurrencyCode", description="ISO 4217 currency code.")


@strawberry.type(description="An amount of money: stored as integer minor units, shown as a decimal.")
class Money:
    amount: Decimal
    currency_code: CurrencyCode  # type: ignore[valid-type]

    @classmethod
    def of(cls, amount_minor: int, currency: str) -> "Money":
        return cls(amount=to_decimal(amount_minor, currency), currency_code=CurrencyCodeValues[currency])
