"""A local stand-in of the parts of Stripe's API the Stripe gateway uses, for tests.

A starlette app served by uvicorn on a free port in a background thread. It speaks as Stripe documents:
form-encoded requests (`metadata[k]=v`, `list[0]=x`), JSON objects with `object` and `id`, errors as
`{"error": {"type", "code", "decline_code", "message", "param"}}` with Stripe's status codes (400, 401,
402, 404, 500), and Idempotency-Key semantics (the same key and parameters give the stored answer again,
with `Idempotent-Replayed: true`; the same key with other parameters or on another endpoint is a 400
`idempotency_error`). Answers are stored for successes and card errors (402), not for refused parameters,
as at Stripe. State is in memory; `reset()` empties it.

Use it through the `stripe_standin` fixture (tests/payments/conftest.py), which yields a `StripeStandin`:

- `base_url` (give it to the gateway as STRIPE_API_BASE), `secret_key`, `publishable_key`,
  `webhook_secret`; `settings_overrides()`: the Settings changes for PAYMENT_GATEWAY=stripe against it.
- Endpoints: customers (create, retrieve); setup_intents (create, retrieve with expand[]=payment_method,
  confirm); payment_methods (create a `sepa_debit` one from an IBAN, retrieve, update, attach, detach);
  payment_intents (create with confirm=true, retrieve, cancel); refunds (create, retrieve: partial,
  their total cannot exceed the amount received: `amount_too_large`, then `charge_already_refunded`).
- Test payment methods, named as in Stripe's docs (each use makes a new `pm_...` with the card's details,
  and the same fingerprint per card):
  `pm_card_visa` (4242), `pm_card_mastercard` (4444), `pm_card_amex` (0005), `pm_card_discover` (1117):
  charges succeed. `pm_card_chargeDeclined` / `pm_card_visa_chargeDeclined` (0002, generic_decline),
  `pm_card_chargeDeclinedInsufficientFunds` / `pm_card_visa_chargeDeclinedInsufficientFunds` (9995,
  insufficient_funds), `pm_card_chargeDeclinedLostCard` (9987, lost_card),
  `pm_card_chargeDeclinedExpiredCard` / `pm_card_visa_chargeDeclinedExpiredCard` (0069, code expired_card,
  no decline_code), `pm_card_chargeDeclinedProcessingError` (0119, code processing_error):
  charges are declined (402 card_error). `pm_card_authenticationRequired` (3184): every charge needs
  3-D Secure (`requires_action`; off-session: a 402 `authentication_required`).
  SEPA Direct Debit: `create_sepa_method(iban)` (or POST /v1/payment_methods type=sepa_debit); charges
  stay `processing` until `settle()`: DE89370400440532013000 and AT611904300234573201 then succeed,
  AT861904300235473202 then fails (`insufficient_funds`). `confirm_setup(seti_id, pm)` confirms a
  SetupIntent as Stripe.js would (pm: a test name above, a `pm_...` id or an IBAN).
- 3-D Secure: `authenticate(pi_id, succeed=True)` is the customer passing (or failing) the challenge,
  through the stand-in's page at `next_action.redirect_to_url.url` (GET /_standin/3ds/{pi}?result=...).
- Failure injection (the next matching request(s); `path` is a prefix such as "/v1/payment_intents"):
  `fail_next("reset", path=..., times=1)`: the connection is dropped before the request is processed;
  `fail_next("lost", ...)`: the request is processed (and its answer stored under its idempotency key),
  then the connection is dropped without an answer; `fail_next("500", ...)`: a 500 api_error before
  processing; `fail_next("slow", seconds=2.0, ...)`: the answer comes that much later.
- Other state changes, as Stripe would make them: `open_dispute(pi_id)`, `update_dispute(dp_id, status)`,
  `update_card(pm_id, exp_month=, exp_year=)` (the card updater), `settle()`.
- Webhooks: every state change appends an event to `events` (`events_of(type)`), as Stripe would send
  it; `event(type, obj)` builds one without recording it; `signed(event, timestamp=, secret=)` gives
  the body and a `Stripe-Signature` header made with the stripe library's own signing helper.
- Inspection: `customers`, `setup_intents`, `payment_methods`, `payment_intents`, `refunds`, `disputes`
  (dicts by id, the JSON objects), `requests` (method, path, params, idempotency key, status).
"""

import asyncio
import copy
import hashlib
import json
import re
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import stripe
import uvicorn
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.support import free_port

API_VERSION = "2026-10-28.endive"
ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "vnd", "vuv", "xaf", "xof", "xpf"}
THREE_DECIMAL = {"bhd", "jod", "kwd", "omr", "tnd"}
WHOLE_IN_HUNDREDTHS = {"isk", "ugx"}
# A few currencies Stripe does not take (the rest of ISO's are accepted here).
NOT_TAKEN = {"iqd", "lyd", "cup", "ves", "xdr", "xau"}

Json = dict[str, Any]
ASGIApp = Callable[[MutableMapping[str, Any], Any, Any], Awaitable[None]]


@dataclass(frozen=True)
class TestCard:
    brand: str
    last4: str
    outcome: str = "succeed"  # succeed | decline | authenticate | lost | unreachable (the network fails)
    code: str | None = None
    decline_code: str | None = None
    message: str | None = None
    country: str = "US"


_GENERIC = TestCard("visa", "0002", "decline", "card_declined", "generic_decline", "Your card was declined.")
_FUNDS = TestCard("visa", "9995", "decline", "card_declined", "insufficient_funds", "Your card has insufficient funds.")
_EXPIRED = TestCard("visa", "0069", "decline", "expired_card", None, "Your card has expired.")
TEST_CARDS: dict[str, TestCard] = {
    "pm_card_visa": TestCard("visa", "4242"),
    "pm_card_mastercard": TestCard("mastercard", "4444"),
    "pm_card_amex": TestCard("amex", "0005"),
    "pm_card_discover": TestCard("discover", "1117"),
    "pm_card_jcb": TestCard("jcb", "0000", country="JP"),
    "pm_card_chargeDeclined": _GENERIC,
    "pm_card_visa_chargeDeclined": _GENERIC,
    "pm_card_chargeDeclinedInsufficientFunds": _FUNDS,
    "pm_card_visa_chargeDeclinedInsufficientFunds": _FUNDS,
    "pm_card_chargeDeclinedLostCard": TestCard(
        "visa", "9987", "decline", "card_declined", "lost_card", "Your card was declined."
    ),
    "pm_card_chargeDeclinedExpiredCard": _EXPIRED,
    "pm_card_visa_chargeDeclinedExpiredCard": _EXPIRED,
    "pm_card_chargeDeclinedProcessingError": TestCard(
        "visa", "0119", "decline", "processing_error", None, "An error occurred while processing your card."
    ),
    "pm_card_authenticationRequired": TestCard("visa", "3184", "authenticate"),
    "pm_card_standin_answerLost": TestCard("visa", "3220", "lost"),
    "pm_card_standin_unreachable": TestCard("visa", "0119", "unreachable"),
}
# Set in the ASGI scope by a request whose connection is to be dropped (the network cards above).
_DROP = "standin.drop"
# Stripe's SEPA test IBANs: the debit succeeds, or fails, once the bank answers (here: settle()).
SEPA_SUCCEEDS = {"DE89370400440532013000", "AT611904300234573201"}
SEPA_FAILS = {"AT861904300235473202"}


class StripeApiError(Exception):
    def __init__(self, status: int, error_type: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body: Json = {"type": error_type, "message": message, **{k: v for k, v in extra.items() if v is not None}}


def _missing(kind: str, object_id: str, param: str | None = None, status: int = 404) -> StripeApiError:
    return StripeApiError(
        status, "invalid_request_error", f"No such {kind}: '{object_id}'", code="resource_missing", param=param
    )


def decode_form(pairs: list[tuple[str, str]]) -> Json:
    """Stripe's form encoding (`a[b][0]=x`) back into nested dicts and lists."""
    root: Json = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+|\[\]", key)
        node: Any = root
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if part == "[]":
                part = str(len(node))
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    result: Json = _listify(root)
    return result


def _listify(node: Any) -> Any:
    if isinstance(node, dict):
        items = {k: _listify(v) for k, v in node.items()}
        if items and all(k.isdigit() for k in items):
            return [items[k] for k in sorted(items, key=int)]
        return items
    return node


def _truthy(value: Any) -> bool:
    return str(value).lower() == "true"


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def _fingerprint(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:16]


@dataclass
class Fault:
    mode: str  # reset | lost | 500 | slow
    path: str = ""
    method: str | None = None
    times: int = 1
    seconds: float = 0.0


@dataclass
class RecordedRequest:
    method: str
    path: str
    params: Json
    idempotency_key: str | None
    status: int = 0


@dataclass
class StripeStandin:
    secret_key: str = "sk_test_standin_" + "0" * 24
    publishable_key: str = "pk_test_standin_" + "0" * 24
    webhook_secret: str = "whsec_standin_" + "0" * 24
    port: int = 0
    customers: dict[str, Json] = field(default_factory=dict)
    setup_intents: dict[str, Json] = field(default_factory=dict)
    payment_methods: dict[str, Json] = field(default_factory=dict)
    payment_intents: dict[str, Json] = field(default_factory=dict)
    charges: dict[str, Json] = field(default_factory=dict)
    refunds: dict[str, Json] = field(default_factory=dict)
    disputes: dict[str, Json] = field(default_factory=dict)
    events: list[Json] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    _idempotent: dict[str, tuple[str, str, Json, int, Json]] = field(default_factory=dict)
    _cards: dict[str, TestCard] = field(default_factory=dict)  # pm id -> its test card behaviour
    _lock: threading.RLock = field(default_factory=threading.RLock)

    # ---- set-up -------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def settings_overrides(self) -> dict[str, Any]:
        return {
            "payment_gateway": "stripe",
            "stripe_secret_key": SecretStr(self.secret_key),
            "stripe_publishable_key": self.publishable_key,
            "stripe_webhook_secret": SecretStr(self.webhook_secret),
            "stripe_api_base": self.base_url,
        }

    def reset(self) -> None:
        with self._lock:
            for store in (
                self.customers,
                self.setup_intents,
                self.payment_methods,
                self.payment_intents,
                self.charges,
                self.refunds,
                self.disputes,
                self._idempotent,
                self._cards,
            ):
                store.clear()
            self.events.clear()
            self.requests.clear()
            self.faults.clear()

    def fail_next(
        self, mode: str, *, path: str = "", method: str | None = None, times: int = 1, seconds: float = 2.0
    ) -> None:
        if mode not in ("reset", "lost", "500", "slow"):
            raise ValueError(mode)
        with self._lock:
            self.faults.append(Fault(mode, path, method.upper() if method else None, times, seconds))

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if path.startswith(fault.path) and fault.method in (None, method):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    # ---- webhooks -----------------------------------------------------------------------------------

    def event(self, event_type: str, obj: Json) -> Json:
        return {
            "id": _new_id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": int(time.time()),
            "type": event_type,
            "data": {"object": copy.deepcopy(obj)},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
        }

    def _emit(self, event_type: str, obj: Json) -> None:
        self.events.append(self.event(event_type, obj))

    def events_of(self, event_type: str) -> list[Json]:
        return [event for event in self.events if event["type"] == event_type]

    def signed(self, event: Json, *, timestamp: int | None = None, secret: str | None = None) -> tuple[bytes, str]:
        payload = json.dumps(event)
        header = stripe.WebhookSignature.generate_signature_header(
            payload, secret or self.webhook_secret, timestamp=timestamp
        )
        return payload.encode(), str(header)

    # ---- what customers, banks and card networks do -------------------------------------------------

    def authenticate(self, pi_id: str, *, succeed: bool = True) -> httpx.Response:
        """The customer completes (or fails) 3-D Secure on the stand-in's challenge page."""
        result = "succeed" if succeed else "fail"
        return httpx.get(f"{self.base_url}/_standin/3ds/{pi_id}", params={"result": result})

    def confirm_setup(self, seti_id: str, payment_method: str) -> Json:
        """Stripe.js confirming a SetupIntent with the customer's card or IBAN."""
        with self._lock:
            return self._confirm_setup(seti_id, {"payment_method": payment_method})

    def create_sepa_method(self, iban: str = "DE89370400440532013000") -> str:
        with self._lock:
            return str(self._sepa_method(iban)["id"])

    def settle(self, pi_id: str | None = None) -> None:
        """The banks answer every processing SEPA debit (or just this one)."""
        with self._lock:
            for intent in list(self.payment_intents.values()):
                if intent["status"] != "processing" or pi_id not in (None, intent["id"]):
                    continue
                method = self.payment_methods[intent["payment_method"]]
                iban = method["sepa_debit"]["_iban"]
                if iban in SEPA_FAILS:
                    failure = {
                        "type": "card_error",
                        "code": "insufficient_funds",
                        "decline_code": "insufficient_funds",
                        "message": "The bank account has insufficient funds to cover this payment.",
                    }
                    self._fail(intent, failure)
                else:
                    self._succeed(intent)

    def open_dispute(self, pi_id: str, *, reason: str = "fraudulent") -> Json:
        with self._lock:
            intent = self.payment_intents[pi_id]
            dispute: Json = {
                "id": _new_id("dp"),
                "object": "dispute",
                "amount": intent["amount_received"],
                "currency": intent["currency"],
                "charge": intent["latest_charge"],
                "payment_intent": pi_id,
                "reason": reason,
                "status": "needs_response",
                "created": int(time.time()),
                "livemode": False,
                "metadata": {},
            }
            self.disputes[dispute["id"]] = dispute
            self._emit("charge.dispute.created", dispute)
            return copy.deepcopy(dispute)

    def update_dispute(self, dp_id: str, status: str) -> Json:
        with self._lock:
            dispute = self.disputes[dp_id]
            dispute["status"] = status
            self._emit("charge.dispute.closed" if status in ("won", "lost") else "charge.dispute.updated", dispute)
            return copy.deepcopy(dispute)

    def update_card(self, pm_id: str, *, exp_month: int, exp_year: int, last4: str | None = None) -> Json:
        """The card networks' updater gives the card a new expiry (or number)."""
        with self._lock:
            method = self.payment_methods[pm_id]
            method["card"].update(exp_month=exp_month, exp_year=exp_year)
            if last4:
                method["card"]["last4"] = last4
            self._emit("payment_method.automatically_updated", self._public(method))
            return self._public(method)

    # ---- objects ------------------------------------------------------------------------------------

    @staticmethod
    def _public(obj: Json) -> Json:
        """The object as the API shows it (without the stand-in's private `_...` fields)."""

        def clean(node: Any) -> Any:
            if isinstance(node, dict):
                return {k: clean(v) for k, v in node.items() if not k.startswith("_")}
            if isinstance(node, list):
                return [clean(v) for v in node]
            return node

        result: Json = clean(node=obj)
        return result

    def _card_method(self, name: str) -> Json:
        card = TEST_CARDS[name]
        method: Json = {
            "id": _new_id("pm"),
            "object": "payment_method",
            "type": "card",
            "created": int(time.time()),
            "customer": None,
            "livemode": False,
            "metadata": {},
            "billing_details": {"name": None, "email": None, "address": None, "phone": None},
            "card": {
                "brand": card.brand,
                "last4": card.last4,
                "exp_month": 12,
                "exp_year": 2034,
                "fingerprint": _fingerprint(name.replace("_visa_", "_")),
                "country": card.country,
                "funding": "credit",
            },
        }
        self.payment_methods[method["id"]] = method
        self._cards[method["id"]] = card
        return method

    def _sepa_method(self, iban: str, billing: Json | None = None) -> Json:
        iban = iban.replace(" ", "").upper()
        if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}", iban):
            raise StripeApiError(
                400, "invalid_request_error", "The IBAN is invalid.", code="invalid_bank_account_iban", param="iban"
            )
        method: Json = {
            "id": _new_id("pm"),
            "object": "payment_method",
            "type": "sepa_debit",
            "created": int(time.time()),
            "customer": None,
            "livemode": False,
            "metadata": {},
            "billing_details": {"name": "Jenny Rosen", "email": "jenny@example.com", "address": None, "phone": None}
            | (billing or {}),
            "sepa_debit": {
                "last4": iban[-4:],
                "country": iban[:2],
                "fingerprint": _fingerprint(iban),
                "bank_code": iban[4:12],
                "branch_code": "",
                "_iban": iban,
            },
        }
        self.payment_methods[method["id"]] = method
        return method

    def _method(self, reference: str, param: str = "payment_method") -> Json:
        """A PaymentMethod by id, or a new one from a test name or IBAN."""
        if reference in TEST_CARDS:
            return self._card_method(reference)
        if re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}", reference):
            return self._sepa_method(reference)
        method = self.payment_methods.get(reference)
        if method is None:
            raise _missing("PaymentMethod", reference, param, status=400 if param else 404)
        return method

    def _customer(self, customer_id: str, param: str = "customer") -> Json:
        customer = self.customers.get(customer_id)
        if customer is None:
            raise _missing("customer", customer_id, param, status=400)
        return customer

    def _attach(self, method: Json, customer_id: str) -> None:
        self._customer(customer_id)
        if method["customer"] not in (None, customer_id):
            raise StripeApiError(
                400,
                "invalid_request_error",
                "The payment method you provided has already been attached to a customer.",
                code="payment_method_already_attached",  # hypothetical code; Stripe gives a message only
                param="payment_method",
            )
        if method.get("_detached"):
            raise StripeApiError(
                400,
                "invalid_request_error",
                "This PaymentMethod was previously used without being attached to a Customer or was detached "
                "from a Customer, and may not be used again.",
                code="payment_method_unexpected_state",
                param="payment_method",
            )
        if method["customer"] is None:
            method["customer"] = customer_id
            self._emit("payment_method.attached", self._public(method))

    def _expand(self, obj: Json, expand: Any) -> Json:
        result = self._public(obj)
        for name in expand if isinstance(expand, list) else []:
            value = result.get(name)
            if name == "payment_method" and isinstance(value, str):
                result[name] = self._public(self.payment_methods[value])
            elif name == "customer" and isinstance(value, str):
                result[name] = self._public(self.customers[value])
            elif name == "latest_charge" and isinstance(value, str):
                result[name] = self._public(self.charges[value])
        return result

    # ---- customers and setup intents ----------------------------------------------------------------

    def _create_customer(self, params: Json) -> Json:
        customer: Json = {
            "id": _new_id("cus"),
            "object": "customer",
            "created": int(time.time()),
            "email": params.get("email"),
            "metadata": params.get("metadata") or {},
            "livemode": False,
            "invoice_settings": {"default_payment_method": None},
        }
        self.customers[customer["id"]] = customer
        self._emit("customer.created", customer)
        return customer

    @staticmethod
    def _method_types(params: Json, default: list[str]) -> list[str]:
        types = params.get("allowed_payment_method_types") or params.get("payment_method_types") or default
        unknown = [kind for kind in types if kind not in ("card", "sepa_debit")]
        if unknown:
            raise StripeApiError(
                400,
                "invalid_request_error",
                f"The payment method type {unknown[0]!r} is invalid.",
                param="allowed_payment_method_types",
            )
        return list(types)

    def _create_setup_intent(self, params: Json) -> Json:
        customer = params.get("customer")
        if customer:
            self._customer(customer)
        types = self._method_types(params, ["card"])
        seti_id = _new_id("seti")
        intent: Json = {
            "id": seti_id,
            "object": "setup_intent",
            "created": int(time.time()),
            "client_secret": f"{seti_id}_secret_{secrets.token_hex(12)}",
            "customer": customer,
            "payment_method": None,
            "payment_method_types": types,
            "allowed_payment_method_types": types,
            "status": "requires_payment_method",
            "usage": params.get("usage") or "off_session",
            "last_setup_error": None,
            "next_action": None,
            "mandate": None,
            "livemode": False,
            "metadata": params.get("metadata") or {},
        }
        self.setup_intents[seti_id] = intent
        if params.get("payment_method") and _truthy(params.get("confirm")):
            return self._confirm_setup(seti_id, params)
        return intent

    def _confirm_setup(self, seti_id: str, params: Json) -> Json:
        intent = self.setup_intents.get(seti_id)
        if intent is None:
            raise _missing("setup_intent", seti_id, status=404)
        if intent["status"] == "succeeded":
            raise StripeApiError(
                400,
                "invalid_request_error",
                "You cannot confirm this SetupIntent because it has already succeeded.",
                code="setup_intent_unexpected_state",
            )
        method = self._method(str(params.get("payment_method") or ""))
        if method["type"] not in intent["payment_method_types"]:
            raise StripeApiError(
                400,
                "invalid_request_error",
                "The PaymentMethod's type is not allowed by this SetupIntent.",
                code="payment_intent_incompatible_payment_method",
                param="payment_method",
            )
        card = self._cards.get(method["id"])
        if card is not None and card.outcome == "decline":
            error = {
                "type": "card_error",
                "code": card.code,
                "decline_code": card.decline_code,
                "message": card.message,
            }
            intent["last_setup_error"] = error
            self._emit("setup_intent.setup_failed", intent)
            raise StripeApiError(402, "card_error", str(card.message), code=card.code, decline_code=card.decline_code)
        if intent["customer"]:
            self._attach(method, intent["customer"])
        intent.update(status="succeeded", payment_method=method["id"], last_setup_error=None)
        if method["type"] == "sepa_debit":
            intent["mandate"] = _new_id("mandate")
        self._emit("setup_intent.succeeded", intent)
        return intent

    # ---- payment methods ----------------------------------------------------------------------------

    def _create_payment_method(self, params: Json) -> Json:
        if params.get("type") != "sepa_debit":
            raise StripeApiError(
                400,
                "invalid_request_error",
                "The stand-in creates sepa_debit methods only; use a test PaymentMethod for cards.",
                param="type",
            )
        iban = str((params.get("sepa_debit") or {}).get("iban") or "")
        return self._sepa_method(iban, params.get("billing_details"))

    def _update_payment_method(self, pm_id: str, params: Json) -> Json:
        method = self._method(pm_id, param="")
        if isinstance(params.get("billing_details"), dict):
            method["billing_details"].update(params["billing_details"])
        if isinstance(params.get("card"), dict) and method["type"] == "card":
            for name in ("exp_month", "exp_year"):
                if name in params["card"]:
                    method["card"][name] = int(params["card"][name])
        if isinstance(params.get("metadata"), dict):
            method["metadata"].update(params["metadata"])
        self._emit("payment_method.updated", self._public(method))
        return method

    def _detach(self, pm_id: str) -> Json:
        method = self._method(pm_id, param="")
        if method["customer"] is None:
            raise StripeApiError(
                400,
                "invalid_request_error",
                "The payment method you provided is not attached to a customer so detachment is impossible.",
                code="payment_method_unexpected_state",
            )
        method.update(customer=None, _detached=True)
        self._emit("payment_method.detached", self._public(method))
        return method

    # ---- payment intents ----------------------------------------------------------------------------

    @staticmethod
    def _check_amount(amount_param: Any, currency: str) -> int:
        try:
            amount = int(amount_param)
        except (TypeError, ValueError):
            raise StripeApiError(400, "invalid_request_error", "Invalid integer: amount", param="amount") from None
        if amount <= 0:
            raise StripeApiError(
                400, "invalid_request_error", "Amount must be at least 1.", code="amount_too_small", param="amount"
            )
        if currency in THREE_DECIMAL and amount % 10:
            raise StripeApiError(
                400,
                "invalid_request_error",
                f"Invalid amount. Currency {currency.upper()} requires the last digit of the amount to be 0.",
                code="invalid_amount",
                param="amount",
            )
        if currency in WHOLE_IN_HUNDREDTHS and amount % 100:
            raise StripeApiError(
                400,
                "invalid_request_error",
                f"Invalid amount. Currency {currency.upper()} has become effectively zero-decimal and charged "
                "amounts must be evenly divisible by 100.",
                code="invalid_charge_amount_no_decimal_compatible",
                param="amount",
            )
        return amount

    def _create_payment_intent(self, params: Json) -> Json:
        currency = str(params.get("currency") or "")
        if not re.fullmatch(r"[a-z]{3}", currency) or currency in NOT_TAKEN:
            raise StripeApiError(400, "invalid_request_error", f"Invalid currency: {currency}.", param="currency")
        amount = self._check_amount(params.get("amount"), currency)
        customer = params.get("customer")
        if customer:
            self._customer(customer)
        types = self._method_types(params, ["card"])
        method = self._method(params["payment_method"]) if params.get("payment_method") else None
        if method is not None:
            if method["type"] not in types:
                raise StripeApiError(
                    400,
                    "invalid_request_error",
                    f"The PaymentMethod provided ({method['type']}) is not allowed for this PaymentIntent.",
                    code="payment_intent_incompatible_payment_method",
                    param="payment_method",
                )
            if method.get("_detached") or (method["customer"] and method["customer"] != customer):
                raise StripeApiError(
                    400,
                    "invalid_request_error",
                    "The provided PaymentMethod was previously used or detached, or belongs to another Customer.",
                    code="payment_method_unexpected_state" if method.get("_detached") else None,
                    param="payment_method",
                )
            if method["type"] == "sepa_debit" and currency != "eur":
                raise StripeApiError(
                    400, "invalid_request_error", "SEPA Direct Debit takes EUR only.", param="currency"
                )
        pi_id = _new_id("pi")
        intent: Json = {
            "id": pi_id,
            "object": "payment_intent",
            "created": int(time.time()),
            "amount": amount,
            "amount_received": 0,
            "currency": currency,
            "customer": customer,
            "description": params.get("description"),
            "metadata": params.get("metadata") or {},
            "payment_method": method["id"] if method else None,
            "payment_method_types": types,
            "allowed_payment_method_types": types,
            "status": "requires_confirmation" if method else "requires_payment_method",
            "client_secret": f"{pi_id}_secret_{secrets.token_hex(12)}",
            "capture_method": "automatic",
            "confirmation_method": "automatic",
            "next_action": None,
            "last_payment_error": None,
            "latest_charge": None,
            "cancellation_reason": None,
            "canceled_at": None,
            "livemode": False,
        }
        self.payment_intents[pi_id] = intent
        self._emit("payment_intent.created", intent)
        if _truthy(params.get("confirm")):
            if method is None:
                raise StripeApiError(
                    400,
                    "invalid_request_error",
                    "You cannot confirm this PaymentIntent because it's missing a payment method.",
                    code="payment_intent_unexpected_state",
                )
            self._confirm(intent, method, params)
        return intent

    def _new_charge(self, intent: Json, status: str) -> Json:
        charge: Json = {
            "id": _new_id("ch"),
            "object": "charge",
            "created": int(time.time()),
            "amount": intent["amount"],
            "amount_refunded": 0,
            "currency": intent["currency"],
            "customer": intent["customer"],
            "payment_intent": intent["id"],
            "payment_method": intent["payment_method"],
            "status": status,
            "paid": status == "succeeded",
            "refunded": False,
            "failure_code": None,
            "failure_message": None,
            "livemode": False,
        }
        self.charges[charge["id"]] = charge
        intent["latest_charge"] = charge["id"]
        return charge

    def _succeed(self, intent: Json) -> None:
        charge = self.charges.get(intent["latest_charge"] or "") or self._new_charge(intent, "pending")
        charge.update(status="succeeded", paid=True)
        intent.update(status="succeeded", amount_received=intent["amount"], next_action=None, last_payment_error=None)
        self._emit("charge.succeeded", charge)
        self._emit("payment_intent.succeeded", intent)

    def _fail(self, intent: Json, failure: Json) -> None:
        charge = self.charges.get(intent["latest_charge"] or "") or self._new_charge(intent, "failed")
        charge.update(status="failed", failure_code=failure.get("code"), failure_message=failure.get("message"))
        method = self.payment_methods.get(intent["payment_method"] or "")
        error = {**failure, "payment_method": self._public(method) if method else None}
        intent.update(status="requires_payment_method", next_action=None, last_payment_error=error)
        self._emit("charge.failed", charge)
        self._emit("payment_intent.payment_failed", intent)

    def _confirm(self, intent: Json, method: Json, params: Json) -> None:
        off_session = params.get("off_session") not in (None, "false")
        if method["type"] == "sepa_debit":
            if not (off_session or params.get("mandate_data") or params.get("mandate")):
                raise StripeApiError(
                    400,
                    "invalid_request_error",
                    "A mandate is required: pass mandate_data, or off_session=true for a method set up with one.",
                    param="mandate_data",
                )
            self._new_charge(intent, "pending")
            intent["status"] = "processing"
            self._emit("payment_intent.processing", intent)
            return
        card = self._cards.get(method["id"], TEST_CARDS["pm_card_visa"])
        if card.outcome == "authenticate" and off_session:
            card = TestCard(
                card.brand,
                card.last4,
                "decline",
                "authentication_required",
                "authentication_required",
                "Your card was declined. This transaction requires authentication.",
            )
        if card.outcome == "decline":
            failure = {
                "type": "card_error",
                "code": card.code,
                "decline_code": card.decline_code,
                "message": card.message,
            }
            self._fail(intent, failure)
            raise StripeApiError(
                402,
                "card_error",
                str(card.message),
                code=card.code,
                decline_code=card.decline_code,
                charge=intent["latest_charge"],
                payment_intent=self._public(intent),
            )
        if card.outcome == "authenticate":
            page = f"{self.base_url}/_standin/3ds/{intent['id']}"
            return_url = params.get("return_url")
            intent["status"] = "requires_action"
            intent["_return_url"] = return_url
            if return_url:
                intent["next_action"] = {
                    "type": "redirect_to_url",
                    "redirect_to_url": {"url": page, "return_url": return_url},
                }
            else:
                intent["next_action"] = {
                    "type": "use_stripe_sdk",
                    "use_stripe_sdk": {"type": "three_d_secure_redirect", "stripe_js": page},
                }
            self._emit("payment_intent.requires_action", intent)
            return
        self._succeed(intent)

    def _three_d_secure(self, pi_id: str, succeed: bool) -> str | None:
        with self._lock:
            intent = self.payment_intents.get(pi_id)
            if intent is None or intent["status"] != "requires_action":
                raise StripeApiError(400, "invalid_request_error", "Nothing to authenticate.")
            if succeed:
                self._succeed(intent)
            else:
                self._fail(
                    intent,
                    {
                        "type": "invalid_request_error",
                        "code": "payment_intent_authentication_failure",
                        "message": "The provided PaymentMethod has failed authentication. You can provide "
                        "payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.",
                    },
                )
            return_url: str | None = intent.get("_return_url")
            return return_url

    def _intent(self, pi_id: str) -> Json:
        intent = self.payment_intents.get(pi_id)
        if intent is None:
            raise _missing("payment_intent", pi_id, status=404)
        return intent

    def _cancel(self, pi_id: str, params: Json) -> Json:
        intent = self._intent(pi_id)
        if intent["status"] not in (
            "requires_payment_method",
            "requires_capture",
            "requires_confirmation",
            "requires_action",
        ):
            raise StripeApiError(
                400,
                "invalid_request_error",
                f"You cannot cancel this PaymentIntent because it has a status of {intent['status']}. Only a "
                "PaymentIntent with one of the following statuses may be canceled: requires_payment_method, "
                "requires_capture, requires_confirmation, requires_action, processing.",
                code="payment_intent_unexpected_state",
                payment_intent=self._public(intent),
            )
        intent.update(
            status="canceled",
            next_action=None,
            cancellation_reason=params.get("cancellation_reason"),
            canceled_at=int(time.time()),
        )
        self._emit("payment_intent.canceled", intent)
        return intent

    # ---- refunds ------------------------------------------------------------------------------------

    def _create_refund(self, params: Json) -> Json:
        if params.get("payment_intent"):
            intent = self.payment_intents.get(params["payment_intent"])
            if intent is None:
                raise _missing("payment_intent", params["payment_intent"], "payment_intent", status=400)
        elif params.get("charge") in self.charges:
            intent = self.payment_intents[self.charges[params["charge"]]["payment_intent"]]
        else:
            raise _missing("charge", str(params.get("charge")), "charge", status=400)
        if intent["status"] != "succeeded":
            raise StripeApiError(
                400,
                "invalid_request_error",
                f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund.",
                code="payment_intent_unexpected_state",
            )
        charge = self.charges[intent["latest_charge"]]
        remaining = charge["amount"] - charge["amount_refunded"]
        if remaining <= 0:
            raise StripeApiError(
                400,
                "invalid_request_error",
                f"Charge {charge['id']} has already been refunded.",
                code="charge_already_refunded",
            )
        amount = self._check_amount(params["amount"], intent["currency"]) if "amount" in params else remaining
        if amount > remaining:
            raise StripeApiError(
                400,
                "invalid_request_error",
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})",
                code="amount_too_large",
                param="amount",
            )
        refund: Json = {
            "id": _new_id("re"),
            "object": "refund",
            "created": int(time.time()),
            "amount": amount,
            "currency": intent["currency"],
            "charge": charge["id"],
            "payment_intent": intent["id"],
            "status": "succeeded",
            "reason": params.get("reason"),
            "metadata": params.get("metadata") or {},
        }
        self.refunds[refund["id"]] = refund
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        self._emit("refund.created", refund)
        self._emit("charge.refunded", charge)
        return refund

    # ---- HTTP ---------------------------------------------------------------------------------------

    def _dispatch(self, method: str, path: str, params: Json) -> Json:
        """One API request, under the lock; returns the JSON object or raises StripeApiError."""
        parts = path.strip("/").split("/")[1:]  # without "v1"
        match (method, parts):
            case ("POST", ["customers"]):
                return self._create_customer(params)
            case ("GET", ["customers", object_id]):
                return self.customers.get(object_id) or _raise(_missing("customer", object_id))
            case ("POST", ["setup_intents"]):
                return self._create_setup_intent(params)
            case ("GET", ["setup_intents", object_id]):
                intent = self.setup_intents.get(object_id) or _raise(_missing("setup_intent", object_id))
                return self._expand(intent, params.get("expand"))
            case ("POST", ["setup_intents", object_id, "confirm"]):
                return self._confirm_setup(object_id, params)
            case ("POST", ["payment_methods"]):
                return self._create_payment_method(params)
            case ("GET", ["payment_methods", object_id]):
                return self._method(object_id, param="")
            case ("POST", ["payment_methods", object_id]):
                return self._update_payment_method(object_id, params)
            case ("POST", ["payment_methods", object_id, "attach"]):
                payment_method = self._method(object_id, param="")
                self._attach(payment_method, str(params.get("customer") or ""))
                return payment_method
            case ("POST", ["payment_methods", object_id, "detach"]):
                return self._detach(object_id)
            case ("POST", ["payment_intents"]):
                return self._create_payment_intent(params)
            case ("GET", ["payment_intents", object_id]):
                return self._expand(self._intent(object_id), params.get("expand"))
            case ("POST", ["payment_intents", object_id, "cancel"]):
                return self._cancel(object_id, params)
            case ("POST", ["refunds"]):
                return self._create_refund(params)
            case ("GET", ["refunds", object_id]):
                return self.refunds.get(object_id) or _raise(_missing("refund", object_id))
        raise StripeApiError(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")

    def _answer(self, method: str, path: str, params: Json, key: str | None) -> tuple[int, Json, bool]:
        """(status, body, replayed), with Stripe's idempotency rules."""
        with self._lock:
            if key is not None and key in self._idempotent:
                first_method, first_path, first_params, status, body = self._idempotent[key]
                if (first_method, first_path) != (method, path) or first_params != params:
                    return (
                        400,
                        {
                            "error": {
                                "type": "idempotency_error",
                                "message": "Keys for idempotent requests can only be used with the same parameters "
                                "they were first used with. Try using a key other than "
                                f"'{key}' if you meant to execute a different request.",
                            }
                        },
                        False,
                    )
                return status, copy.deepcopy(body), True
            try:
                status, body = 200, self._public(self._dispatch(method, path, params))
            except StripeApiError as error:
                status, body = error.status, {"error": error.body}
            if key is not None and method == "POST" and status in (200, 402):
                self._idempotent[key] = (method, path, params, status, copy.deepcopy(body))
            return status, body, False

    async def _api(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {self.secret_key}":
            body = {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided: sk_test_****"}}
            return JSONResponse(body, status_code=401)
        raw = (await request.body()).decode() if request.method == "POST" else request.url.query
        params = decode_form(parse_qsl(raw, keep_blank_values=True))
        key = request.headers.get("idempotency-key")
        network = self._network_failure(request.method, request.url.path, params, key)
        if network == "unreachable":
            request.scope[_DROP] = True
            with self._lock:
                self.requests.append(RecordedRequest(request.method, request.url.path, params, key, 0))
            return Response(status_code=204)  # never sent: _Faults drops the connection
        status, body, replayed = self._answer(request.method, request.url.path, params, key)
        if network == "lost":
            request.scope[_DROP] = True
        with self._lock:
            self.requests.append(RecordedRequest(request.method, request.url.path, params, key, status))
        headers = {"request-id": _new_id("req"), "stripe-version": API_VERSION}
        if replayed:
            headers["idempotent-replayed"] = "true"
        return JSONResponse(body, status_code=status, headers=headers)

    def _network_failure(self, method: str, path: str, params: Json, key: str | None) -> str | None:
        """The network failure (lost, unreachable) of a PaymentIntent created with a network test card."""
        if (method, path.rstrip("/")) != ("POST", "/v1/payment_intents"):
            return None
        with self._lock:
            card = self._cards.get(str(params.get("payment_method") or ""))
            if card is None or card.outcome not in ("lost", "unreachable"):
                return None
            if card.outcome == "lost" and key is not None and key in self._idempotent:
                return None  # the retry: answered from the stored answer
            return card.outcome

    async def _three_d_secure_page(self, request: Request) -> Response:
        succeed = request.query_params.get("result", "succeed") == "succeed"
        try:
            return_url = self._three_d_secure(request.path_params["pi_id"], succeed)
        except StripeApiError as error:
            return PlainTextResponse(str(error), status_code=400)
        if return_url:
            separator = "&" if "?" in return_url else "?"
            target = f"{return_url}{separator}{urlencode({'payment_intent': request.path_params['pi_id']})}"
            return RedirectResponse(target, status_code=302)
        return PlainTextResponse("Authentication complete.")

    def app(self) -> ASGIApp:
        routes = [
            Route("/_standin/3ds/{pi_id}", self._three_d_secure_page, methods=["GET"]),
            Route("/v1/{rest:path}", self._api, methods=["GET", "POST", "DELETE"]),
        ]
        return _Faults(self, Starlette(routes=routes))


def _raise(error: Exception) -> Any:
    raise error


class _Faults:
    """ASGI wrapper injecting the failures asked for with `fail_next`. Dropping a connection needs the
    transport, which uvicorn's HTTP protocols bind to `send` (a method of their request cycle)."""

    def __init__(self, standin: StripeStandin, app: Starlette) -> None:
        self.standin = standin
        self.app = app

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        fault = self.standin._take_fault(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if fault is None:

            async def unless_dropped(message: Any) -> None:
                if not scope.get(_DROP):
                    await send(message)

            await self.app(scope, receive, unless_dropped)
            if scope.get(_DROP):
                _drop(send)
        elif fault.mode == "reset":
            _drop(send)
        elif fault.mode == "500":
            body = {"error": {"type": "api_error", "message": "An unknown error occurred on Stripe's end."}}
            # with a request id, as Stripe's (and as tests/conftest.py expects of a deliberate 5xx)
            request_id = _new_id("req")
            headers = {"request-id": request_id, "x-request-id": request_id}
            await JSONResponse(body, status_code=500, headers=headers)(scope, receive, send)
        elif fault.mode == "slow":
            await asyncio.sleep(fault.seconds)
            await self.app(scope, receive, send)
        else:  # lost: processed, then the connection goes before the answer does

            async def swallow(message: Any) -> None:
                return None

            await self.app(scope, receive, swallow)
            _drop(send)


def _drop(send: Any) -> None:
    transport = send.__self__.transport
    transport.abort()


@contextmanager
def running_standin(**options: Any) -> Iterator[StripeStandin]:
    """A stand-in served on a free port until the block ends."""
    standin = StripeStandin(**options)
    standin.port = free_port()
    config = uvicorn.Config(
        standin.app(), host="127.0.0.1", port=standin.port, log_config=None, lifespan="off", proxy_headers=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"stripe-standin-{standin.port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the Stripe stand-in did not start")
        time.sleep(0.02)
    try:
        yield standin
    finally:
        server.should_exit = True
        thread.join(timeout=10)
