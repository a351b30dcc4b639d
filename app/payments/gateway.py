"""The payment-gateway interface: saved cards, charges and refunds, and the errors a gateway raises.

Amounts are integer minor units of an ISO 4217 currency (1999 EUR is 19.99 EUR). Card data never passes
through this server: a storefront sends the card to the gateway's own JavaScript, which returns a
single-use client token; `tokenize` exchanges that for a reusable gateway token and the card's display
details. Gateway tokens are secrets and must never be logged.
"""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class CardBrand(StrEnum):
    VISA = "visa"
    MASTERCARD = "mastercard"
    AMEX = "amex"
    DISCOVER = "discover"
    OTHER = "other"


class DeclineCode(StrEnum):
    """Reason codes of `PaymentDeclinedError` (a gateway may report others: the code is a plain string)."""

    CARD_DECLINED = "card_declined"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    EXPIRED_CARD = "expired_card"
    DO_NOT_HONOR = "do_not_honor"
    REFUND_EXCEEDS_CHARGE = "refund_exceeds_charge"


@dataclass(frozen=True)
class SavedCard:
    gateway_token: str = field(repr=False)  # a secret: kept out of reprs, which end up in logs
    brand: CardBrand
    last4: str
    exp_month: int
    exp_year: int
    fingerprint: str  # the same for every token of one card number: finds a card saved twice


@dataclass(frozen=True)
class Charge:
    charge_id: str
    amount: int
    currency: str


@dataclass(frozen=True)
class Refund:
    refund_id: str
    charge_id: str
    amount: int
    currency: str


class GatewayError(Exception):
    """Base of everything a gateway raises."""


class GatewayConfigurationError(GatewayError):
    """The gateway is unknown or not allowed here (the sandbox in production)."""


class InvalidTokenError(GatewayError):
    """The client or gateway token is unknown, malformed, expired or removed."""


class ChargeNotFoundError(GatewayError):
    """No charge has this id."""


class PaymentDeclinedError(GatewayError):
    def __init__(self, reason_code: str, message: str) -> None:
        super().__init__(f"{reason_code}: {message}")
        self.reason_code = reason_code
        self.message = message


class GatewayUnavailableError(GatewayError):
    """A network error or timeout: the outcome is unknown, so retry with the same idempotency key."""


class IdempotencyConflictError(GatewayError):
    """An idempotency key was reused for a different request."""


class PaymentGateway(Protocol):
    name: str

    async def tokenize(self, client_token: str) -> SavedCard:
        """Exchange a single-use client token from the gateway's JavaScript for a reusable saved card."""
        ...

    async def charge(
        self, gateway_token: str, amount: int, currency: str, *, idempotency_key: str, description: str
    ) -> Charge:
        """Charge a saved card; the same idempotency key returns the same charge instead of a second one."""
        ...

    async def refund(self, charge_id: str, amount: int, *, idempotency_key: str) -> Refund:
        """Refund part or all of a charge; refunds of one charge together cannot exceed it."""
        ...

    async def remove_token(self, gateway_token: str) -> None:
        """Delete a saved card at the gateway; later charges with its token fail."""
        ...
