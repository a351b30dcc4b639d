"""The payment-gateway interface: saved methods, charges and their later outcomes, refunds, signed
events, and the errors a gateway raises.

Amounts are integer minor units of an ISO 4217 currency (1999 EUR is 19.99 EUR; 1000 JPY is 1000 yen;
1234 KWD is 1.234 dinar): each adapter converts them to what its provider expects. Card and bank data
never pass through this server: a storefront sends them to the gateway's own JavaScript (for a gateway
that needs it, confirming a `begin_setup` first), which returns a client token; `tokenize` exchanges that
for a reusable gateway token and the method's display details. Gateway tokens and client secrets are
secrets and must never be logged or stored in plain text.

A charge either succeeds at once, needs the customer's action first (3-D Secure: `REQUIRES_ACTION` with a
client secret and a redirect URL), or is `PROCESSING` (a bank debit that settles days later). Its later
outcome arrives as a signed event (`parse_event`) or is asked for with `retrieve_charge`.
"""

from dataclasses import dataclass, field
from datetime import datetime
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


class MethodKind(StrEnum):
    CARD = "card"
    SEPA_DEBIT = "sepa_debit"  # a bank account in the SEPA zone, debited in EUR; settles asynchronously


@dataclass(frozen=True)
class SavedCard:
    """A saved payment method (a card, or a bank account for a direct debit)."""

    gateway_token: str = field(repr=False)  # a secret: kept out of reprs, which end up in logs
    brand: CardBrand
    last4: str  # of the card number, or of the IBAN
    exp_month: int  # 0 for methods that do not expire (bank accounts)
    exp_year: int
    fingerprint: str  # the same for every token of one card or account: finds one saved twice
    kind: MethodKind = MethodKind.CARD
    country: str | None = None  # ISO 3166 alpha-2 of the issuing bank, where the gateway says


class ChargeStatus(StrEnum):
    SUCCEEDED = "succeeded"
    REQUIRES_ACTION = "requires_action"  # the customer must authenticate (3-D Secure) before it can succeed
    PROCESSING = "processing"  # accepted, settles later (a direct debit): an event or retrieve_charge tells


@dataclass(frozen=True)
class CustomerAction:
    """What a storefront needs to let the customer authenticate a charge: the client secret for the
    gateway's own JavaScript, or a page to send the customer to (which returns to the charge's return_url)."""

    client_secret: str = field(repr=False)
    redirect_url: str | None = None


@dataclass(frozen=True)
class Charge:
    charge_id: str
    amount: int
    currency: str
    status: ChargeStatus = ChargeStatus.SUCCEEDED
    action: CustomerAction | None = None  # set while REQUIRES_ACTION


@dataclass(frozen=True)
class PaymentSetup:
    """A started save of a payment method (a Stripe SetupIntent): the storefront confirms it with the
    gateway's JavaScript and the client secret, then sends `setup_id` (or what the gateway returned) to
    `tokenize` as the client token."""

    setup_id: str
    client_secret: str = field(repr=False)


@dataclass(frozen=True)
class Refund:
    refund_id: str
    charge_id: str
    amount: int
    currency: str


class EventKind(StrEnum):
    PAYMENT_SUCCEEDED = "payment_succeeded"  # charge_id
    PAYMENT_FAILED = "payment_failed"  # charge_id, reason_code, message
    # charge_id, refund_id, amount, currency: a refund made anywhere; amount is that refund's, or without a
    # refund_id the charge's total refunded so far
    PAYMENT_REFUNDED = "payment_refunded"
    DISPUTE_OPENED = "dispute_opened"  # charge_id, dispute_id, amount, currency, reason, dispute_status
    DISPUTE_UPDATED = "dispute_updated"  # the same fields (won, lost, evidence due...)
    PAYMENT_METHOD_UPDATED = "payment_method_updated"  # gateway_token, and the method's new display details
    PAYMENT_METHOD_DETACHED = "payment_method_detached"  # gateway_token
    OTHER = "other"  # an event type we do not act on


@dataclass(frozen=True)
class GatewayEvent:
    """A verified event from the gateway, reduced to what we act on."""

    event_id: str  # unique per event at the gateway: the same event sent twice is processed once
    kind: EventKind
    created: datetime
    raw_type: str  # the gateway's own name for it ("payment_intent.succeeded")
    charge_id: str | None = None
    reason_code: str | None = None
    message: str | None = None
    refund_id: str | None = None
    amount: int | None = None
    currency: str | None = None
    dispute_id: str | None = None
    reason: str | None = None
    dispute_status: str | None = None
    gateway_token: str | None = field(default=None, repr=False)
    method: SavedCard | None = None  # PAYMENT_METHOD_UPDATED: the method as it is now


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


class UnsupportedCurrencyError(GatewayError):
    """The gateway account, or this kind of method, does not take this currency (or cannot represent the
    amount in it: a three-decimal amount not ending in 0 at Stripe)."""

    def __init__(self, currency: str, message: str) -> None:
        super().__init__(message)
        self.currency = currency
        self.message = message


class InvalidEventError(GatewayError):
    """A webhook whose signature does not verify, whose timestamp is outside the replay window, or whose
    body is not an event."""


class PaymentGateway(Protocol):
    name: str

    def publishable_key(self) -> str | None:
        """The key a storefront gives the gateway's JavaScript (None: the gateway has no JavaScript)."""
        ...

    def supports(self, kind: MethodKind, currency: str) -> bool:
        """Whether this gateway account takes payments in `currency` with this kind of method."""
        ...

    async def create_customer(self, customer_id: str, email: str | None) -> str:
        """The gateway's customer for one of ours (methods are saved to it); the same `customer_id` gives
        the same customer (idempotent), so a lost answer does not create two."""
        ...

    async def begin_setup(self, customer_ref: str, kinds: list[MethodKind]) -> PaymentSetup:
        """Start saving a method of one of these kinds for this gateway customer."""
        ...

    async def tokenize(self, client_token: str, *, customer_ref: str | None = None) -> SavedCard:
        """Exchange a client token from the gateway's JavaScript (for Stripe: a confirmed SetupIntent's id,
        or a PaymentMethod id) for a reusable saved method, attached to `customer_ref`. A SetupIntent of
        another customer, or one not confirmed, is an InvalidTokenError."""
        ...

    async def charge(
        self,
        gateway_token: str,
        amount: int,
        currency: str,
        *,
        idempotency_key: str,
        description: str,
        customer_ref: str | None = None,
        return_url: str | None = None,
    ) -> Charge:
        """Charge a saved method; the same idempotency key returns the same charge instead of a second
        one. The result is SUCCEEDED, REQUIRES_ACTION (with `action`; the customer comes back to
        `return_url`) or PROCESSING; a decline raises PaymentDeclinedError, a currency or amount the
        account cannot take UnsupportedCurrencyError, an unknown outcome GatewayUnavailableError."""
        ...

    async def retrieve_charge(self, charge_id: str) -> Charge:
        """The charge as it is now. One that failed (authentication refused or abandoned and cancelled,
        a debit returned by the bank) raises PaymentDeclinedError; an unknown id ChargeNotFoundError."""
        ...

    async def cancel_charge(self, charge_id: str) -> Charge:
        """Abandon a charge still awaiting the customer's action, so it can never succeed later. If it
        succeeded meanwhile, that charge is returned (SUCCEEDED) and nothing is cancelled."""
        ...

    async def refund(self, charge_id: str, amount: int, *, idempotency_key: str) -> Refund:
        """Refund part or all of a charge; refunds of one charge together cannot exceed it."""
        ...

    async def remove_token(self, gateway_token: str) -> None:
        """Delete a saved card at the gateway; later charges with its token fail."""
        ...

    def parse_event(self, payload: bytes, signature_header: str) -> GatewayEvent:
        """Verify a webhook (signature and replay window) and read it; InvalidEventError when it fails."""
        ...
