"""The sandbox gateway: a built-in fake for development and tests, refused in production.

Server processes share nothing but the database, so everything a card does follows from its token: a
client token names a test card, and the gateway token `tokenize` returns is
`sbx_pm_<kind>_<32 hex digits>`, whose kind decides what charges do. Charge ids carry their amount and
currency, so any process can refund them. Only idempotency keys, refund totals and removed tokens are
remembered, per `SandboxGateway` instance: hold one per process.

Test client tokens (any number of uses; the storefront would get them from the gateway's JavaScript):

| Client token             | Brand      | Last 4 | Expires                      | Behaviour |
|--------------------------|------------|--------|------------------------------|-----------|
| `tok_visa`               | Visa       | 4242   | 12/2030                      | charges succeed |
| `tok_mastercard`         | Mastercard | 4444   | 12/2030                      | charges succeed |
| `tok_amex`               | Amex       | 0005   | 12/2030                      | charges succeed |
| `tok_discover`           | Discover   | 1117   | 12/2030                      | charges succeed |
| `tok_visa_expiring`      | Visa       | 1881   | end of the current UTC month | charges succeed |
| `tok_visa_expired`       | -          | -      | -                            | tokenize is declined: `expired_card` |
| `tok_declined`           | Visa       | 0002   | 12/2030                      | charges declined: `card_declined` |
| `tok_insufficient_funds` | Visa       | 9995   | 12/2030                      | charges declined: `insufficient_funds` |
| `tok_do_not_honor`       | Mastercard | 0069   | 12/2030                      | charges declined: `do_not_honor` |
| `tok_network_error`      | Visa       | 0119   | 12/2030                      | charges raise GatewayUnavailableError |
| `tok_network_flaky`      | Visa       | 3220   | 12/2030                      | the first attempt per idempotency key charges but raises GatewayUnavailableError (the response is lost); a retry with the same key returns that charge |

Any other client token raises InvalidTokenError. Refunds succeed up to the charged amount (in total, as
far as this instance has seen); more is declined with `refund_exceeds_charge`.
"""

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum, auto

from app.money import is_currency
from app.payments.gateway import (
    CardBrand,
    Charge,
    ChargeNotFoundError,
    DeclineCode,
    GatewayConfigurationError,
    GatewayUnavailableError,
    IdempotencyConflictError,
    InvalidTokenError,
    PaymentDeclinedError,
    Refund,
    SavedCard,
)

CLIENT_TOKEN_PREFIX = "tok_"
GATEWAY_TOKEN_PREFIX = "sbx_pm_"
CHARGE_ID_PREFIX = "sbx_ch_"
REFUND_ID_PREFIX = "sbx_re_"


class _Outcome(Enum):
    SUCCEED = auto()
    DECLINE = auto()
    NETWORK_ERROR = auto()
    FLAKY = auto()


@dataclass(frozen=True)
class _TestCard:
    brand: CardBrand
    last4: str
    outcome: _Outcome = _Outcome.SUCCEED
    decline_code: DeclineCode | None = None
    expires_this_month: bool = False


_EXP_MONTH, _EXP_YEAR = 12, 2030
_CARDS: dict[str, _TestCard] = {
    "visa": _TestCard(CardBrand.VISA, "4242"),
    "mastercard": _TestCard(CardBrand.MASTERCARD, "4444"),
    "amex": _TestCard(CardBrand.AMEX, "0005"),
    "discover": _TestCard(CardBrand.DISCOVER, "1117"),
    "visa_expiring": _TestCard(CardBrand.VISA, "1881", expires_this_month=True),
    "declined": _TestCard(CardBrand.VISA, "0002", _Outcome.DECLINE, DeclineCode.CARD_DECLINED),
    "insufficient_funds": _TestCard(CardBrand.VISA, "9995", _Outcome.DECLINE, DeclineCode.INSUFFICIENT_FUNDS),
    "do_not_honor": _TestCard(CardBrand.MASTERCARD, "0069", _Outcome.DECLINE, DeclineCode.DO_NOT_HONOR),
    "network_error": _TestCard(CardBrand.VISA, "0119", _Outcome.NETWORK_ERROR),
    "network_flaky": _TestCard(CardBrand.VISA, "3220", _Outcome.FLAKY),
}
_EXPIRED_CLIENT_TOKEN = "tok_visa_expired"
_DECLINE_MESSAGES = {
    DeclineCode.CARD_DECLINED: "The card was declined.",
    DeclineCode.INSUFFICIENT_FUNDS: "The card has insufficient funds.",
    DeclineCode.EXPIRED_CARD: "The card has expired.",
    DeclineCode.DO_NOT_HONOR: "The card issuer declined the payment.",
    DeclineCode.REFUND_EXCEEDS_CHARGE: "The refunds would exceed the charged amount.",
}


def _declined(code: DeclineCode) -> PaymentDeclinedError:
    return PaymentDeclinedError(code, _DECLINE_MESSAGES[code])


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class _ChargeRequest:
    gateway_token: str
    amount: int
    currency: str


@dataclass(frozen=True)
class _RefundRequest:
    charge_id: str
    amount: int


class SandboxGateway:
    name = "sandbox"

    def __init__(self, production: bool, *, clock: Callable[[], datetime] = _utc_now) -> None:
        if production:
            raise GatewayConfigurationError("The sandbox payment gateway is for development and tests only.")
        self._clock = clock
        # Keys are shared by charges and refunds, as at real gateways: reusing one across them is a conflict.
        self._charges: dict[str, tuple[_ChargeRequest, Charge | PaymentDeclinedError]] = {}
        self._refunds: dict[str, tuple[_RefundRequest, Refund]] = {}
        self._refunded: dict[str, int] = {}
        self._removed: set[str] = set()

    async def tokenize(self, client_token: str) -> SavedCard:
        if client_token == _EXPIRED_CLIENT_TOKEN:
            raise _declined(DeclineCode.EXPIRED_CARD)
        kind = client_token.removeprefix(CLIENT_TOKEN_PREFIX)
        card = _CARDS.get(kind) if client_token.startswith(CLIENT_TOKEN_PREFIX) else None
        if card is None:
            raise InvalidTokenError("Unknown sandbox client token.")
        if card.expires_this_month:
            today = self._clock().astimezone(UTC)
            exp_month, exp_year = today.month, today.year
        else:
            exp_month, exp_year = _EXP_MONTH, _EXP_YEAR
        return SavedCard(
            gateway_token=f"{GATEWAY_TOKEN_PREFIX}{kind}_{secrets.token_hex(16)}",
            brand=card.brand,
            last4=card.last4,
            exp_month=exp_month,
            exp_year=exp_year,
            fingerprint=hashlib.sha256(f"sandbox-card:{kind}".encode()).hexdigest()[:16],
        )

    async def charge(
        self, gateway_token: str, amount: int, currency: str, *, idempotency_key: str, description: str
    ) -> Charge:
        _check_amount(amount)
        if not is_currency(currency):
            raise ValueError("Not an ISO 4217 currency code.")
        _check_key(idempotency_key)
        request = _ChargeRequest(gateway_token, amount, currency)
        if idempotency_key in self._refunds:
            raise IdempotencyConflictError("The idempotency key was used for a refund.")
        if (seen := self._charges.get(idempotency_key)) is not None:
            earlier, outcome = seen
            if earlier != request:
                raise IdempotencyConflictError("The idempotency key was used for a different charge.")
            if isinstance(outcome, PaymentDeclinedError):
                raise PaymentDeclinedError(outcome.reason_code, outcome.message)
            return outcome
        card = self._card_for(gateway_token)
        if card.outcome is _Outcome.NETWORK_ERROR:
            raise GatewayUnavailableError("The sandbox gateway simulated a network error.")
        if card.outcome is _Outcome.DECLINE:
            assert card.decline_code is not None
            declined = _declined(card.decline_code)
            self._charges[idempotency_key] = (request, declined)
            raise declined
        charge = Charge(f"{CHARGE_ID_PREFIX}{amount}_{currency}_{secrets.token_hex(12)}", amount, currency)
        self._charges[idempotency_key] = (request, charge)
        if card.outcome is _Outcome.FLAKY:
            raise GatewayUnavailableError("The sandbox gateway simulated a lost response.")
        return charge

    async def refund(self, charge_id: str, amount: int, *, idempotency_key: str) -> Refund:
        _check_amount(amount)
        _check_key(idempotency_key)
        request = _RefundRequest(charge_id, amount)
        if idempotency_key in self._charges:
            raise IdempotencyConflictError("The idempotency key was used for a charge.")
        if (seen := self._refunds.get(idempotency_key)) is not None:
            earlier, refund = seen
            if earlier != request:
                raise IdempotencyConflictError("The idempotency key was used for a different refund.")
            return refund
        charged, currency = _parse_charge_id(charge_id)
        refunded = self._refunded.get(charge_id, 0)
        if refunded + amount > charged:
            raise _declined(DeclineCode.REFUND_EXCEEDS_CHARGE)
        refund = Refund(f"{REFUND_ID_PREFIX}{secrets.token_hex(12)}", charge_id, amount, currency)
        self._refunded[charge_id] = refunded + amount
        self._refunds[idempotency_key] = (request, refund)
        return refund

    async def remove_token(self, gateway_token: str) -> None:
        self._card_for(gateway_token)
        self._removed.add(gateway_token)

    def _card_for(self, gateway_token: str) -> _TestCard:
        if gateway_token in self._removed:
            raise InvalidTokenError("The saved card was removed.")
        kind, _, random = gateway_token.removeprefix(GATEWAY_TOKEN_PREFIX).rpartition("_")
        card = _CARDS.get(kind)
        if not gateway_token.startswith(GATEWAY_TOKEN_PREFIX) or card is None or not _is_hex(random, 32):
            raise InvalidTokenError("Not a sandbox gateway token.")
        return card


def _check_amount(amount: int) -> None:
    # bool is an int: True must not pass as one cent
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValueError("The amount must be a positive integer of minor units.")


def _check_key(idempotency_key: str) -> None:
    if not idempotency_key:
        raise ValueError("An idempotency key is required.")


def _is_hex(text: str, length: int) -> bool:
    return len(text) == length and all(char in "0123456789abcdef" for char in text)


def _parse_charge_id(charge_id: str) -> tuple[int, str]:
    """The amount and currency a sandbox charge id carries."""
    parts = charge_id.removeprefix(CHARGE_ID_PREFIX).split("_")
    if charge_id.startswith(CHARGE_ID_PREFIX) and len(parts) == 3:
        amount, currency, random = parts
        if amount.isascii() and amount.isdigit() and is_currency(currency) and _is_hex(random, 24):
            return int(amount), currency
    raise ChargeNotFoundError("Not a sandbox charge id.")
