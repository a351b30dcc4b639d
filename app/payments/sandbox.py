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
| `tok_visa_3ds`           | Visa       | 3155   | 12/2030                      | charges need 3-D Secure: REQUIRES_ACTION, completed or failed on the sandbox's authentication page |
| `tok_sepa_debit`         | SEPA Direct Debit (DE) | 3000 | - (never)             | EUR only; charges are PROCESSING, then succeed after `processing_seconds` |
| `tok_sepa_debit_fails`   | SEPA Direct Debit (AT) | 3202 | - (never)             | EUR only; charges are PROCESSING, then fail (`debit_not_authorized`) |

Any other client token raises InvalidTokenError. Refunds succeed up to the charged amount (in total, as
far as this instance has seen); more is declined with `refund_exceeds_charge`.

Charges awaiting 3-D Secure and processing debits are remembered by this instance only (a development
server is one process). The authentication page is `/sandbox/authenticate/<charge id>` on this server
(app/routes/sandbox.py); `authenticate` records its answer. Sandbox webhooks use Stripe's signature scheme
(`t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with `webhook_secret`) over a JSON body
`{"id", "type" (an EventKind value), "created", "data": {GatewayEvent fields}}`; `sign` makes the header.
"""

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from enum import Enum, auto
from typing import Any
from urllib.parse import urlencode

from app.money import is_currency
from app.payments.gateway import (
    CardBrand,
    Charge,
    ChargeNotFoundError,
    ChargeStatus,
    CustomerAction,
    DeclineCode,
    EventKind,
    GatewayConfigurationError,
    GatewayEvent,
    GatewayUnavailableError,
    IdempotencyConflictError,
    InvalidEventError,
    InvalidTokenError,
    MethodKind,
    PaymentDeclinedError,
    PaymentSetup,
    Refund,
    SavedCard,
    UnsupportedCurrencyError,
)

CLIENT_TOKEN_PREFIX = "tok_"
GATEWAY_TOKEN_PREFIX = "sbx_pm_"
CHARGE_ID_PREFIX = "sbx_ch_"
REFUND_ID_PREFIX = "sbx_re_"


CUSTOMER_PREFIX = "sbx_cus_"
SETUP_PREFIX = "sbx_seti_"
SANDBOX_WEBHOOK_SECRET = "whsec_sandbox"
WEBHOOK_TOLERANCE_SECONDS = 300
AUTHENTICATION_PATH = "/sandbox/authenticate/"
SEPA_CURRENCY = "EUR"


class _Outcome(Enum):
    SUCCEED = auto()
    DECLINE = auto()
    NETWORK_ERROR = auto()
    FLAKY = auto()
    AUTHENTICATE = auto()  # 3-D Secure first
    DEBIT = auto()  # processing, then succeeds
    DEBIT_FAILS = auto()  # processing, then fails


@dataclass(frozen=True)
class _TestCard:
    brand: CardBrand
    last4: str
    outcome: _Outcome = _Outcome.SUCCEED
    decline_code: DeclineCode | None = None
    expires_this_month: bool = False
    kind: MethodKind = MethodKind.CARD
    country: str | None = None


class _Authentication(Enum):
    AWAITING = auto()
    COMPLETED = auto()
    FAILED = auto()
    CANCELLED = auto()


@dataclass
class _Deferred:
    """A charge that did not succeed at once: awaiting 3-D Secure, or a debit still processing."""

    charge: Charge
    outcome: _Outcome
    created: datetime
    authentication: _Authentication = _Authentication.AWAITING


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
    "visa_3ds": _TestCard(CardBrand.VISA, "3155", _Outcome.AUTHENTICATE),
    "sepa_debit": _TestCard(CardBrand.OTHER, "3000", _Outcome.DEBIT, kind=MethodKind.SEPA_DEBIT, country="DE"),
    "sepa_debit_fails": _TestCard(
        CardBrand.OTHER, "3202", _Outcome.DEBIT_FAILS, kind=MethodKind.SEPA_DEBIT, country="AT"
    ),
}
_EXPIRED_CLIENT_TOKEN = "tok_visa_expired"
_DECLINE_MESSAGES = {
    DeclineCode.CARD_DECLINED: "The card was declined.",
    DeclineCode.INSUFFICIENT_FUNDS: "The card has insufficient funds.",
    DeclineCode.EXPIRED_CARD: "The card has expired.",
    DeclineCode.DO_NOT_HONOR: "The card issuer declined the payment.",
    DeclineCode.REFUND_EXCEEDS_CHARGE: "The refunds would exceed the charged amount.",
}
_AUTHENTICATION_FAILED = PaymentDeclinedError("authentication_failed", "The card holder did not authenticate.")
_DEBIT_FAILED = PaymentDeclinedError("debit_not_authorized", "The bank refused the direct debit.")


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

    def __init__(
        self,
        production: bool,
        *,
        clock: Callable[[], datetime] = _utc_now,
        currencies: frozenset[str] | None = None,
        base_url: str = "",
        webhook_secret: str = SANDBOX_WEBHOOK_SECRET,
        processing_seconds: float = 10.0,
    ) -> None:
        """`currencies`: what this account takes (None: every currency); `base_url`: this server's public
        URL, for the authentication page; `processing_seconds`: how long a debit stays PROCESSING."""
        if production:
            raise GatewayConfigurationError("The sandbox payment gateway is for development and tests only.")
        self._clock = clock
        self._currencies = currencies
        self._base_url = base_url.rstrip("/")
        self._webhook_secret = webhook_secret
        self._processing = timedelta(seconds=processing_seconds)
        self._deferred: dict[str, _Deferred] = {}
        # Keys are shared by charges and refunds, as at real gateways: reusing one across them is a conflict.
        self._charges: dict[str, tuple[_ChargeRequest, Charge | PaymentDeclinedError]] = {}
        self._refunds: dict[str, tuple[_RefundRequest, Refund]] = {}
        self._refunded: dict[str, int] = {}
        self._removed: set[str] = set()

    def publishable_key(self) -> str | None:
        return None

    def supports(self, kind: MethodKind, currency: str) -> bool:
        if not is_currency(currency) or (self._currencies is not None and currency not in self._currencies):
            return False
        return kind is MethodKind.CARD or currency == SEPA_CURRENCY

    async def create_customer(self, customer_id: str, email: str | None) -> str:
        return f"{CUSTOMER_PREFIX}{hashlib.sha256(customer_id.encode()).hexdigest()[:24]}"

    async def begin_setup(self, customer_ref: str, kinds: list[MethodKind]) -> PaymentSetup:
        setup_id = f"{SETUP_PREFIX}{secrets.token_hex(12)}"
        return PaymentSetup(setup_id, f"{setup_id}_secret_{secrets.token_hex(12)}")

    async def tokenize(self, client_token: str, *, customer_ref: str | None = None) -> SavedCard:
        if client_token == _EXPIRED_CLIENT_TOKEN:
            raise _declined(DeclineCode.EXPIRED_CARD)
        kind = client_token.removeprefix(CLIENT_TOKEN_PREFIX)
        card = _CARDS.get(kind) if client_token.startswith(CLIENT_TOKEN_PREFIX) else None
        if card is None:
            raise InvalidTokenError("Unknown sandbox client token.")
        if card.kind is not MethodKind.CARD:
            exp_month, exp_year = 0, 0
        elif card.expires_this_month:
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
            kind=card.kind,
            country=card.country,
        )

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
            return self._current(outcome)
        card = self._card_for(gateway_token)
        if not self.supports(card.kind, currency):
            raise UnsupportedCurrencyError(currency, f"The sandbox account does not take {currency} this way.")
        if card.outcome is _Outcome.NETWORK_ERROR:
            raise GatewayUnavailableError("The sandbox gateway simulated a network error.")
        if card.outcome is _Outcome.DECLINE:
            assert card.decline_code is not None
            declined = _declined(card.decline_code)
            self._charges[idempotency_key] = (request, declined)
            raise declined
        charge = Charge(f"{CHARGE_ID_PREFIX}{amount}_{currency}_{secrets.token_hex(12)}", amount, currency)
        if card.outcome is _Outcome.AUTHENTICATE:
            charge = self._defer(charge, card.outcome, ChargeStatus.REQUIRES_ACTION, return_url)
        elif card.outcome in (_Outcome.DEBIT, _Outcome.DEBIT_FAILS):
            charge = self._defer(charge, card.outcome, ChargeStatus.PROCESSING, None)
        self._charges[idempotency_key] = (request, charge)
        if card.outcome is _Outcome.FLAKY:
            raise GatewayUnavailableError("The sandbox gateway simulated a lost response.")
        return charge

    def _defer(self, charge: Charge, outcome: _Outcome, status: ChargeStatus, return_url: str | None) -> Charge:
        action = None
        if status is ChargeStatus.REQUIRES_ACTION:
            page = f"{self._base_url}{AUTHENTICATION_PATH}{charge.charge_id}"
            if return_url:
                page += "?" + urlencode({"return_url": return_url})
            action = CustomerAction(f"{charge.charge_id}_secret_{secrets.token_hex(12)}", page)
        deferred = Charge(charge.charge_id, charge.amount, charge.currency, status, action)
        self._deferred[charge.charge_id] = _Deferred(deferred, outcome, self._clock())
        return deferred

    def _current(self, charge: Charge) -> Charge:
        """A charge as it is now (a deferred one may have been authenticated or settled since)."""
        deferred = self._deferred.get(charge.charge_id)
        if deferred is None:
            return charge
        succeeded = Charge(charge.charge_id, charge.amount, charge.currency)
        if deferred.outcome is _Outcome.AUTHENTICATE:
            if deferred.authentication is _Authentication.COMPLETED:
                return succeeded
            if deferred.authentication is _Authentication.AWAITING:
                return deferred.charge
            raise PaymentDeclinedError(_AUTHENTICATION_FAILED.reason_code, _AUTHENTICATION_FAILED.message)
        if self._clock() - deferred.created < self._processing:
            return deferred.charge
        if deferred.outcome is _Outcome.DEBIT_FAILS:
            raise PaymentDeclinedError(_DEBIT_FAILED.reason_code, _DEBIT_FAILED.message)
        return succeeded

    def awaiting_authentication(self, charge_id: str) -> Charge | None:
        """The charge the authentication page is about, while it still waits for the customer."""
        deferred = self._deferred.get(charge_id)
        if deferred is None or deferred.authentication is not _Authentication.AWAITING:
            return None
        return deferred.charge if deferred.outcome is _Outcome.AUTHENTICATE else None

    def authenticate(self, charge_id: str, *, completed: bool) -> bool:
        """The customer's answer on the authentication page; False when nothing awaits it."""
        deferred = self._deferred.get(charge_id)
        if self.awaiting_authentication(charge_id) is None or deferred is None:
            return False
        deferred.authentication = _Authentication.COMPLETED if completed else _Authentication.FAILED
        return True

    async def retrieve_charge(self, charge_id: str) -> Charge:
        if charge_id in self._deferred:
            return self._current(self._deferred[charge_id].charge)
        amount, currency = _parse_charge_id(charge_id)
        return Charge(charge_id, amount, currency)

    async def cancel_charge(self, charge_id: str) -> Charge:
        deferred = self._deferred.get(charge_id)
        awaiting = deferred is not None and deferred.authentication is _Authentication.AWAITING
        if deferred is not None and awaiting and deferred.outcome is _Outcome.AUTHENTICATE:
            deferred.authentication = _Authentication.CANCELLED
        return await self.retrieve_charge(charge_id)

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

    def sign(self, payload: bytes, timestamp: int | None = None) -> str:
        """The signature header of a sandbox webhook (for tests and for simulating events by hand)."""
        moment = int(time.time()) if timestamp is None else timestamp
        digest = hmac.new(self._webhook_secret.encode(), f"{moment}.".encode() + payload, hashlib.sha256)
        return f"t={moment},v1={digest.hexdigest()}"

    def parse_event(self, payload: bytes, signature_header: str) -> GatewayEvent:
        parts = dict(part.split("=", 1) for part in signature_header.split(",") if "=" in part)
        stamp = parts.get("t", "")
        # Unix seconds have 10 digits until 2286: a longer number is no timestamp (int() refuses 4,300+ digits).
        if not stamp.isascii() or not stamp.isdigit() or len(stamp) > 12:
            raise InvalidEventError("The signature header has no timestamp.")
        if not hmac.compare_digest(self.sign(payload, int(stamp)), f"t={stamp},v1={parts.get('v1', '')}"):
            raise InvalidEventError("The signature does not match.")
        if abs(time.time() - int(stamp)) > WEBHOOK_TOLERANCE_SECONDS:
            raise InvalidEventError("The event is outside the replay window.")
        try:
            body = json.loads(payload)
            kind = EventKind(body["type"])
            data: dict[str, Any] = body.get("data") or {}
            known = {item.name for item in fields(GatewayEvent)} - {"event_id", "kind", "created", "raw_type", "method"}
            return GatewayEvent(
                event_id=str(body["id"]),
                kind=kind,
                created=datetime.fromtimestamp(int(body["created"]), UTC),
                raw_type=kind.value,
                **{name: value for name, value in data.items() if name in known},
            )
        except (ValueError, KeyError, TypeError, OverflowError) as exc:  # Overflow: a `created` past time_t
            raise InvalidEventError("The body is not a sandbox event.") from exc

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
