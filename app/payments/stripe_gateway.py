"""The Stripe gateway (PAYMENT_GATEWAY=stripe), through Stripe's official library and its async API.

- Saving a method: `begin_setup` creates a SetupIntent for the customer's Stripe Customer; the storefront
  confirms it with Stripe.js and sends its id (`seti_...`) to `tokenize`, which accepts it only when it
  succeeded and belongs to that customer. A PaymentMethod id (`pm_...`) is attached to the customer.
  The gateway token is the PaymentMethod id.
- Paying: a PaymentIntent created and confirmed at once, our attempt's idempotency key as Stripe's
  Idempotency-Key (a retry after a lost answer returns the same PaymentIntent). Cards are charged with the
  customer present: 3-D Secure gives REQUIRES_ACTION (client secret, and the redirect URL when Stripe gives
  one; the customer returns to `return_url`). SEPA Direct Debit (EUR only) is charged off-session under the
  mandate its SetupIntent collected and is PROCESSING until the bank answers (days later).
- Later outcomes arrive as webhooks, verified with the library (signature and replay window), or are read
  with `retrieve_charge`. The charge id everywhere is the PaymentIntent id (`pi_...`).
- Amounts: see `stripe_amounts` (Stripe's minor units differ from ISO for a few currencies).

Gateway tokens, client secrets and keys are never logged, and Stripe's own error messages (which name the
PaymentMethod) are not passed on for token errors.
"""

import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, cast

import stripe

from app.config import Settings
from app.payments.gateway import (
    CardBrand,
    Charge,
    ChargeNotFoundError,
    ChargeStatus,
    CustomerAction,
    DeclineCode,
    EventKind,
    GatewayConfigurationError,
    GatewayError,
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
from app.payments.stripe_amounts import STRIPE_CURRENCIES, from_stripe_amount, to_stripe_amount

DEFAULT_API_BASE = "https://api.stripe.com"
DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300

_BRANDS = {
    "visa": CardBrand.VISA,
    "mastercard": CardBrand.MASTERCARD,
    "amex": CardBrand.AMEX,
    "discover": CardBrand.DISCOVER,
}
_REFUND_EXCEEDS = {"charge_already_refunded", "amount_too_large"}
_PAYMENT_FAILED_EVENTS = {"payment_intent.payment_failed", "payment_intent.canceled"}
_REFUND_EVENTS = {"refund.created", "refund.updated", "charge.refund.updated"}
_DISPUTE_EVENTS = {
    "charge.dispute.created": EventKind.DISPUTE_OPENED,
    "charge.dispute.updated": EventKind.DISPUTE_UPDATED,
    "charge.dispute.closed": EventKind.DISPUTE_UPDATED,
}
_METHOD_UPDATED_EVENTS = {"payment_method.updated", "payment_method.automatically_updated"}


def _body(error: stripe.StripeError) -> dict[str, Any]:
    """The `error` object of Stripe's answer ({} when there was no answer)."""
    body = error.json_body
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return cast(dict[str, Any], body["error"])
    return {}


def _unavailable(error: stripe.StripeError) -> GatewayUnavailableError:
    request = f" (request {error.request_id})" if error.request_id else ""
    return GatewayUnavailableError(f"Stripe did not answer or failed{request}: retry with the same key.")


def _translate(error: stripe.StripeError, *, missing: GatewayError | None = None) -> GatewayError:
    """Stripe's errors as ours. `missing`: what an unknown or unusable object of the call means."""
    details = _body(error)
    if isinstance(error, stripe.CardError):
        code = details.get("decline_code") or details.get("code") or DeclineCode.CARD_DECLINED
        return PaymentDeclinedError(str(code), str(details.get("message") or "The card was declined."))
    if isinstance(error, stripe.IdempotencyError):
        return IdempotencyConflictError("The idempotency key was used before for a different request.")
    if isinstance(error, stripe.AuthenticationError | stripe.PermissionError):
        return GatewayConfigurationError("Stripe refused the API key (STRIPE_SECRET_KEY).")
    if isinstance(error, stripe.APIConnectionError | stripe.RateLimitError | stripe.APIError):
        return _unavailable(error)
    if isinstance(error, stripe.InvalidRequestError) and missing is not None:
        return missing
    code = details.get("code") or "invalid_request"
    return GatewayError(f"Stripe refused the request ({code}).")


def _as_dict(obj: Any) -> dict[str, Any]:
    if isinstance(obj, stripe.StripeObject):
        return obj.to_dict()
    return cast(dict[str, Any], obj)


def _saved_method(method: Mapping[str, Any]) -> SavedCard:
    """A Stripe PaymentMethod (as a dict) as our saved method."""
    if method.get("type") == "card" and isinstance(method.get("card"), dict):
        card = method["card"]
        return SavedCard(
            gateway_token=str(method["id"]),
            brand=_BRANDS.get(str(card.get("brand")), CardBrand.OTHER),
            last4=str(card.get("last4") or ""),
            exp_month=int(card.get("exp_month") or 0),
            exp_year=int(card.get("exp_year") or 0),
            fingerprint=str(card.get("fingerprint") or ""),
            kind=MethodKind.CARD,
            country=card.get("country"),
        )
    if method.get("type") == "sepa_debit" and isinstance(method.get("sepa_debit"), dict):
        account = method["sepa_debit"]
        return SavedCard(
            gateway_token=str(method["id"]),
            brand=CardBrand.OTHER,
            last4=str(account.get("last4") or ""),
            exp_month=0,
            exp_year=0,
            fingerprint=str(account.get("fingerprint") or ""),
            kind=MethodKind.SEPA_DEBIT,
            country=account.get("country"),
        )
    raise InvalidTokenError("This kind of Stripe payment method is not taken here.")


def _method_kind(method: Mapping[str, Any]) -> MethodKind:
    kind = method.get("type")
    if kind == "card":
        return MethodKind.CARD
    if kind == "sepa_debit":
        return MethodKind.SEPA_DEBIT
    raise InvalidTokenError("This kind of Stripe payment method is not taken here.")


def _declined_from_intent(intent: Mapping[str, Any]) -> PaymentDeclinedError:
    failure = intent.get("last_payment_error") or {}
    if intent.get("status") == "canceled" and not failure:
        reason = intent.get("cancellation_reason") or "canceled"
        return PaymentDeclinedError(str(reason), "The payment was canceled.")
    code = failure.get("decline_code") or failure.get("code") or DeclineCode.CARD_DECLINED
    return PaymentDeclinedError(str(code), str(failure.get("message") or "The payment failed."))


def _charge_from_intent(intent: Mapping[str, Any]) -> Charge:
    """A PaymentIntent as our Charge; one that failed or was canceled raises PaymentDeclinedError."""
    currency = str(intent["currency"]).upper()
    charge = Charge(
        charge_id=str(intent["id"]),
        amount=from_stripe_amount(int(intent["amount"]), currency),
        currency=currency,
    )
    status = intent.get("status")
    if status == "succeeded":
        return charge
    if status == "processing":
        return Charge(charge.charge_id, charge.amount, currency, ChargeStatus.PROCESSING)
    if status == "requires_action":
        next_action = intent.get("next_action") or {}
        redirect = (next_action.get("redirect_to_url") or {}).get("url")
        action = CustomerAction(client_secret=str(intent.get("client_secret") or ""), redirect_url=redirect)
        return Charge(charge.charge_id, charge.amount, currency, ChargeStatus.REQUIRES_ACTION, action)
    if status in ("requires_payment_method", "canceled"):
        raise _declined_from_intent(intent)
    # requires_confirmation / requires_capture: never for PaymentIntents created as this gateway does.
    raise GatewayError(f"Stripe PaymentIntent {intent['id']} is in an unexpected state ({status}).")


class _HTTPXClient(stripe.HTTPXClient):
    """Stripe's httpx client, sending its form-encoded body as `content`: the library passes the encoded
    string as `data`, which httpx deprecates (a DeprecationWarning on every request)."""

    def _get_request_args_kwargs(
        self, method: str, url: str, headers: Mapping[str, str], post_data: Any
    ) -> tuple[tuple[str, str], dict[str, Any]]:
        args, kwargs = super()._get_request_args_kwargs(method, url, headers, post_data)
        data = kwargs.pop("data", None)
        if data:
            kwargs["content"] = data
        return tuple(args), kwargs


def _timestamp(value: Any) -> datetime:
    return datetime.fromtimestamp(int(value), UTC)


class StripeGateway:
    name = "stripe"

    def __init__(
        self,
        *,
        secret_key: str,
        publishable_key: str | None = None,
        webhook_secret: str | None = None,
        api_base: str = DEFAULT_API_BASE,
        currencies: Iterable[str] = (),
        webhook_tolerance_seconds: int = DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
        timeout_seconds: float = 30.0,
        max_network_retries: int = 0,
    ) -> None:
        if not secret_key:
            raise GatewayConfigurationError("STRIPE_SECRET_KEY is not set.")
        wanted = frozenset(code.upper() for code in currencies)
        if wanted - STRIPE_CURRENCIES:
            unknown = ", ".join(sorted(wanted - STRIPE_CURRENCIES))
            raise GatewayConfigurationError(f"Stripe does not take payments in {unknown} (PAYMENT_CURRENCIES).")
        self._currencies = wanted or STRIPE_CURRENCIES
        self._publishable_key = publishable_key or None
        self._webhook_secret = webhook_secret or None
        self._tolerance = webhook_tolerance_seconds
        # Retries are few or none: the caller retries with the same idempotency key, and a request must
        # not outlive the caller's own deadline.
        self._http = _HTTPXClient(timeout=timeout_seconds)
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base.rstrip("/")},
            http_client=self._http,
            max_network_retries=max_network_retries,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> "StripeGateway":
        return cls(
            secret_key=settings.stripe_secret_key.get_secret_value() if settings.stripe_secret_key else "",
            publishable_key=settings.stripe_publishable_key,
            webhook_secret=(
                settings.stripe_webhook_secret.get_secret_value() if settings.stripe_webhook_secret else None
            ),
            api_base=settings.stripe_api_base,
            currencies=settings.payment_currency_codes,
            webhook_tolerance_seconds=settings.stripe_webhook_tolerance_seconds,
            timeout_seconds=settings.stripe_timeout_seconds,
        )

    def publishable_key(self) -> str | None:
        return self._publishable_key

    def supports(self, kind: MethodKind, currency: str) -> bool:
        code = currency.upper()
        if code not in self._currencies:
            return False
        if kind is MethodKind.SEPA_DEBIT:
            return code == "EUR"
        return kind is MethodKind.CARD

    async def create_customer(self, customer_id: str, email: str | None) -> str:
        params: stripe.params.CustomerCreateParams = {"metadata": {"customer_id": customer_id}}
        if email:
            params["email"] = email
        try:
            customer = await self._client.v1.customers.create_async(
                params, {"idempotency_key": f"customer-{customer_id}"}
            )
        except stripe.StripeError as error:
            raise _translate(error) from None
        return str(customer.id)

    async def begin_setup(self, customer_ref: str, kinds: list[MethodKind]) -> PaymentSetup:
        types: list[str] = [kind.value for kind in dict.fromkeys(kinds or [MethodKind.CARD])]
        try:
            intent = await self._client.v1.setup_intents.create_async(
                {"customer": customer_ref, "allowed_payment_method_types": types, "usage": "off_session"}
            )
        except stripe.StripeError as error:
            raise _translate(error, missing=InvalidTokenError("Unknown Stripe customer.")) from None
        return PaymentSetup(setup_id=str(intent.id), client_secret=str(intent.client_secret or ""))

    async def tokenize(self, client_token: str, *, customer_ref: str | None = None) -> SavedCard:
        invalid = InvalidTokenError("The payment method could not be saved: unknown, unconfirmed or not yours.")
        if customer_ref is None or not client_token.startswith(("seti_", "pm_")):
            raise invalid
        try:
            if client_token.startswith("seti_"):
                intent = _as_dict(
                    await self._client.v1.setup_intents.retrieve_async(client_token, {"expand": ["payment_method"]})
                )
                if intent.get("status") != "succeeded" or intent.get("customer") != customer_ref:
                    raise invalid
                method = intent.get("payment_method")
                if isinstance(method, str):
                    method = _as_dict(await self._client.v1.payment_methods.retrieve_async(method))
            else:
                method = _as_dict(
                    await self._client.v1.payment_methods.attach_async(client_token, {"customer": customer_ref})
                )
        except stripe.StripeError as error:
            raise _translate(error, missing=invalid) from None
        if not isinstance(method, dict) or method.get("customer") != customer_ref:
            raise invalid
        return _saved_method(method)

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
        code = currency.upper()
        if code not in self._currencies:
            raise UnsupportedCurrencyError(code, f"This shop does not take payments in {code}.")
        stripe_amount = to_stripe_amount(amount, code)
        invalid = InvalidTokenError("The saved payment method is unknown or was removed.")
        try:
            method = _as_dict(await self._client.v1.payment_methods.retrieve_async(gateway_token))
        except stripe.StripeError as error:
            raise _translate(error, missing=invalid) from None
        kind = _method_kind(method)
        owner = method.get("customer")
        if not owner or (customer_ref is not None and owner != customer_ref):
            raise invalid
        if not self.supports(kind, code):
            raise UnsupportedCurrencyError(code, f"{kind.value} payments cannot be made in {code}.")
        params: stripe.params.PaymentIntentCreateParams = {
            "amount": stripe_amount,
            "currency": code.lower(),
            "customer": str(owner),
            "payment_method": gateway_token,
            "allowed_payment_method_types": [kind.value],
            "confirm": True,
            "description": description,
            "metadata": {"attempt": idempotency_key},
        }
        if kind is MethodKind.SEPA_DEBIT:
            # Charged without the customer, under the mandate collected when the account was saved.
            params["off_session"] = True
        elif return_url:
            params["return_url"] = return_url
        try:
            intent = await self._client.v1.payment_intents.create_async(params, {"idempotency_key": idempotency_key})
        except stripe.InvalidRequestError as error:
            if _body(error).get("param") in ("payment_method", "customer"):
                raise invalid from None
            raise _translate(error) from None
        except stripe.StripeError as error:
            raise _translate(error) from None
        return _charge_from_intent(_as_dict(intent))

    async def _intent(self, charge_id: str) -> dict[str, Any]:
        missing = ChargeNotFoundError(f"No Stripe PaymentIntent {charge_id!r}.")
        if not charge_id.startswith("pi_"):
            raise missing
        try:
            return _as_dict(await self._client.v1.payment_intents.retrieve_async(charge_id))
        except stripe.StripeError as error:
            raise _translate(error, missing=missing) from None

    async def retrieve_charge(self, charge_id: str) -> Charge:
        return _charge_from_intent(await self._intent(charge_id))

    async def cancel_charge(self, charge_id: str) -> Charge:
        """Cancel the PaymentIntent. A canceled charge comes back with the status it had (not SUCCEEDED):
        the interface has no CANCELED status. One that succeeded meanwhile is returned SUCCEEDED."""
        intent = await self._intent(charge_id)
        if intent.get("status") in ("succeeded", "processing", "canceled"):
            return self._settled_or_canceled(intent)
        try:
            await self._client.v1.payment_intents.cancel_async(charge_id)
        except stripe.InvalidRequestError as error:
            if _body(error).get("code") != "payment_intent_unexpected_state":
                raise _translate(error, missing=ChargeNotFoundError(charge_id)) from None
            # It moved on between our read and the cancel (the customer just authenticated).
            return self._settled_or_canceled(await self._intent(charge_id))
        except stripe.StripeError as error:
            raise _translate(error) from None
        return self._canceled(intent)

    def _settled_or_canceled(self, intent: Mapping[str, Any]) -> Charge:
        if intent.get("status") == "canceled":
            return self._canceled(intent)
        return _charge_from_intent(intent)  # succeeded, or processing (a debit cannot be called back)

    @staticmethod
    def _canceled(intent: Mapping[str, Any]) -> Charge:
        currency = str(intent["currency"]).upper()
        amount = from_stripe_amount(int(intent["amount"]), currency)
        return Charge(str(intent["id"]), amount, currency, ChargeStatus.REQUIRES_ACTION, action=None)

    async def refund(self, charge_id: str, amount: int, *, idempotency_key: str) -> Refund:
        intent = await self._intent(charge_id)
        currency = str(intent["currency"]).upper()
        stripe_amount = to_stripe_amount(amount, currency)
        try:
            refund = await self._client.v1.refunds.create_async(
                {"payment_intent": charge_id, "amount": stripe_amount, "metadata": {"attempt": idempotency_key}},
                {"idempotency_key": idempotency_key},
            )
        except stripe.InvalidRequestError as error:
            details = _body(error)
            if details.get("code") in _REFUND_EXCEEDS or details.get("param") == "amount":
                raise PaymentDeclinedError(
                    DeclineCode.REFUND_EXCEEDS_CHARGE, "The refunds would exceed the charged amount."
                ) from None
            raise _translate(error, missing=ChargeNotFoundError(charge_id)) from None
        except stripe.StripeError as error:
            raise _translate(error) from None
        return Refund(
            refund_id=str(refund.id),
            charge_id=charge_id,
            amount=from_stripe_amount(int(refund.amount), currency),
            currency=currency,
        )

    async def remove_token(self, gateway_token: str) -> None:
        invalid = InvalidTokenError("Unknown saved payment method.")
        try:
            await self._client.v1.payment_methods.detach_async(gateway_token)
        except stripe.InvalidRequestError as error:
            if _body(error).get("code") == "resource_missing":
                raise invalid from None
            try:  # detached already (a second removal, or a retry after a lost answer): done
                method = await self._client.v1.payment_methods.retrieve_async(gateway_token)
            except stripe.StripeError as again:
                raise _translate(again, missing=invalid) from None
            if method.customer is not None:
                raise _translate(error, missing=invalid) from None
        except stripe.StripeError as error:
            raise _translate(error) from None

    def parse_event(self, payload: bytes, signature_header: str) -> GatewayEvent:
        if not self._webhook_secret:
            raise GatewayConfigurationError("STRIPE_WEBHOOK_SECRET is not set: webhooks cannot be verified.")
        try:
            stripe.WebhookSignature.verify_header(payload, signature_header, self._webhook_secret, self._tolerance)
            event = json.loads(payload)
        except (stripe.SignatureVerificationError, ValueError) as error:  # UnicodeDecodeError is a ValueError
            raise InvalidEventError(f"Not a valid Stripe webhook: {type(error).__name__}.") from None
        try:
            return _event(event)
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError, GatewayError):
            # OverflowError: a `created` or an amount no datetime or integer here can hold
            raise InvalidEventError("The webhook body is not a Stripe event we can read.") from None

    async def aclose(self) -> None:
        """Close the connection pool (the process's last use of this gateway)."""
        close = cast(Callable[[], Awaitable[None]], self._http.close_async)
        await close()


def _event(event: Any) -> GatewayEvent:
    if not isinstance(event, dict) or event.get("object") != "event":
        raise ValueError("not an event")
    event_id, raw_type = event["id"], event["type"]
    if not isinstance(event_id, str) or not event_id or not isinstance(raw_type, str):
        raise ValueError("not an event")
    obj = event["data"]["object"]
    if not isinstance(obj, dict):
        raise ValueError("not an event")
    base = GatewayEvent(
        event_id=event_id, kind=EventKind.OTHER, created=_timestamp(event["created"]), raw_type=raw_type
    )
    currency = str(obj["currency"]).upper() if obj.get("currency") else None

    def amount(field: str = "amount") -> int | None:
        value = obj.get(field)
        return from_stripe_amount(int(value), currency) if value is not None and currency else None

    if raw_type == "payment_intent.succeeded":
        return _replace(base, kind=EventKind.PAYMENT_SUCCEEDED, charge_id=obj["id"], amount=amount(), currency=currency)
    if raw_type in _PAYMENT_FAILED_EVENTS:
        declined = _declined_from_intent(obj)
        return _replace(
            base,
            kind=EventKind.PAYMENT_FAILED,
            charge_id=obj["id"],
            reason_code=declined.reason_code,
            message=declined.message,
            amount=amount(),
            currency=currency,
        )
    if raw_type in _REFUND_EVENTS:
        if obj.get("status") in ("failed", "canceled") or not obj.get("payment_intent"):
            return base
        return _replace(
            base,
            kind=EventKind.PAYMENT_REFUNDED,
            charge_id=obj["payment_intent"],
            refund_id=obj["id"],
            amount=amount(),
            currency=currency,
        )
    if raw_type == "charge.refunded":
        if not obj.get("payment_intent"):
            return base
        refunds = (obj.get("refunds") or {}).get("data") or []
        latest = max(refunds, key=lambda refund: refund.get("created") or 0) if refunds else None
        return _replace(
            base,
            kind=EventKind.PAYMENT_REFUNDED,
            charge_id=obj["payment_intent"],
            # Newer API versions leave the refunds out of the charge: then the total refunded so far.
            refund_id=latest["id"] if latest else None,
            amount=from_stripe_amount(int(latest["amount"]), str(currency)) if latest else amount("amount_refunded"),
            currency=currency,
        )
    if raw_type in _DISPUTE_EVENTS:
        return _replace(
            base,
            kind=_DISPUTE_EVENTS[raw_type],
            charge_id=obj.get("payment_intent"),
            dispute_id=obj["id"],
            amount=amount(),
            currency=currency,
            reason=obj.get("reason"),
            dispute_status=obj.get("status"),
        )
    if raw_type in _METHOD_UPDATED_EVENTS:
        method = _saved_method(obj)
        return _replace(base, kind=EventKind.PAYMENT_METHOD_UPDATED, gateway_token=obj["id"], method=method)
    if raw_type == "payment_method.detached":
        return _replace(base, kind=EventKind.PAYMENT_METHOD_DETACHED, gateway_token=obj["id"])
    return base


def _replace(event: GatewayEvent, **changes: Any) -> GatewayEvent:
    return replace(event, **changes)
