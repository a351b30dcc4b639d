"""Saved cards: tokenized at the gateway, the reusable token kept encrypted, never a card number.

The storefront collects the card in the gateway's own form and sends us the single-use token it got;
we exchange it for a reusable one and keep brand, last 4 and expiry to show. Removing a method deletes
the token here and at the gateway; the row stays (without its token) so past payments still name it.
"""

import enum
import logging
import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.money import is_currency
from app.payments.gateway import (
    GatewayError,
    GatewayUnavailableError,
    InvalidTokenError,
    MethodKind,
    PaymentDeclinedError,
    PaymentGateway,
    PaymentSetup,
    SavedCard,
)
from app.payments.methods import available_kinds, country_allows
from app.principal import Principal
from app.runtime import RequestMeta, Runtime
from app.services import audit, cool_down, gateway_customers
from app.services.customer_queries import lock_customer
from app.services.errors import DomainError, ErrorDetail, InvalidInputError, NotAuthenticatedError
from models.base import utcnow
from models.payment import UNCONFIRMED, Payment, PaymentMethod, PaymentMethodKind
from models.security import SecurityEventOutcome, SecurityEventType

logger = logging.getLogger(__name__)

MAX_PAYMENT_METHODS = 10
MAX_TOKEN_LENGTH = 200


class PaymentMethodErrorCode(enum.Enum):
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    INVALID_TOKEN = "INVALID_TOKEN"
    CARD_EXPIRED = "CARD_EXPIRED"
    CARD_DECLINED = "CARD_DECLINED"
    ALREADY_SAVED = "ALREADY_SAVED"
    TOO_MANY_PAYMENT_METHODS = "TOO_MANY_PAYMENT_METHODS"
    NOT_FOUND = "NOT_FOUND"
    GATEWAY_UNAVAILABLE = "GATEWAY_UNAVAILABLE"
    PAYMENTS_UNAVAILABLE = "PAYMENTS_UNAVAILABLE"
    PAYMENT_UNCONFIRMED = "PAYMENT_UNCONFIRMED"
    COOL_DOWN = "COOL_DOWN"  # staff reset the customer's two-factor authentication a short while ago
    METHOD_NOT_AVAILABLE = "METHOD_NOT_AVAILABLE"  # this kind of method is not offered (here, or in this country)


class PaymentMethodError(DomainError):
    @classmethod
    def one(cls, code: PaymentMethodErrorCode, message: str, *field_path: str) -> "PaymentMethodError":
        return cls(ErrorDetail(code, message, field_path or None))


def token_context(method_id: uuid.UUID) -> str:
    return f"payment-method:{method_id}"


def is_expired(method: PaymentMethod, today: date | None = None) -> bool:
    if method.kind is not PaymentMethodKind.CARD:
        return False  # bank accounts do not expire
    today = today or utcnow().date()
    return (method.exp_year, method.exp_month) < (today.year, today.month)


def expires_soon(method: PaymentMethod, warning_days: int, today: date | None = None) -> bool:
    """Still valid, but its last valid day (the end of its expiry month) is within `warning_days`."""
    today = today or utcnow().date()
    if method.kind is not PaymentMethodKind.CARD or is_expired(method, today):
        return False
    following = date(method.exp_year + method.exp_month // 12, method.exp_month % 12 + 1, 1)
    return (following - today).days <= warning_days


def _customer_id(principal: Principal) -> uuid.UUID:
    if principal.customer_id is None:
        raise NotAuthenticatedError()
    return principal.customer_id


def token_lookup(rt: Runtime, gateway_token: str) -> str | None:
    """The keyed digest a gateway event's token is looked up by (the token itself is stored sealed)."""
    return rt.fields.index("gateway-token", gateway_token)


def _gateway(rt: Runtime) -> PaymentGateway:
    if rt.gateway is None:
        raise PaymentMethodError.one(PaymentMethodErrorCode.PAYMENTS_UNAVAILABLE, "Card payments are not offered.")
    return rt.gateway


async def list_methods(rt: Runtime, principal: Principal, customer_id: uuid.UUID) -> list[PaymentMethod]:
    if not principal.can_see_customer(customer_id):
        return []
    async with rt.db.read() as session:
        rows = await session.execute(
            select(PaymentMethod)
            .where(col(PaymentMethod.customer_id) == customer_id, col(PaymentMethod.removed_at).is_(None))
            .order_by(col(PaymentMethod.is_default).desc(), col(PaymentMethod.created_at).desc())
        )
        return list(rows.scalars())


async def add(
    rt: Runtime,
    principal: Principal,
    meta: RequestMeta,
    gateway_token: str,
    billing_address: dict[str, Any] | None,
    make_default: bool,
) -> PaymentMethod:
    customer_id = _customer_id(principal)
    if (until := await cool_down.ends_at(rt, customer_id)) is not None:
        raise PaymentMethodError.one(PaymentMethodErrorCode.COOL_DOWN, cool_down.message(until))
    client_token = (gateway_token or "").strip()
    if not client_token or len(client_token) > MAX_TOKEN_LENGTH:
        raise PaymentMethodError.one(PaymentMethodErrorCode.REQUIRED, "Send the gateway's token.", "gatewayToken")
    for key, value in (billing_address or {}).items():
        if len(str(value)) > 200:
            raise PaymentMethodError.one(
                PaymentMethodErrorCode.TOO_LONG, "Use at most 200 characters.", "billingAddress", key
            )
    gateway = _gateway(rt)
    try:
        customer_ref = await gateway_customers.ensure(rt, gateway, customer_id)
        card = await gateway.tokenize(client_token, customer_ref=customer_ref)
    except InvalidTokenError as exc:
        raise PaymentMethodError.one(
            PaymentMethodErrorCode.INVALID_TOKEN, "The gateway does not know this token.", "gatewayToken"
        ) from exc
    except PaymentDeclinedError as exc:
        code = (
            PaymentMethodErrorCode.CARD_EXPIRED
            if exc.reason_code == "expired_card"
            else PaymentMethodErrorCode.CARD_DECLINED
        )
        raise PaymentMethodError.one(code, exc.message, "gatewayToken") from exc
    except (GatewayUnavailableError, GatewayError) as exc:
        raise PaymentMethodError.one(
            PaymentMethodErrorCode.GATEWAY_UNAVAILABLE, "The payment provider did not answer; try again."
        ) from exc
    country = (billing_address or {}).get("countryCode") or card.country
    if not country_allows(card.kind, country if isinstance(country, str) else None):
        await _forget_at_gateway(rt, card.gateway_token, None)
        raise PaymentMethodError.one(
            PaymentMethodErrorCode.METHOD_NOT_AVAILABLE,
            "Direct debits are offered for bank accounts in the SEPA zone only.",
            "gatewayToken",
        )
    try:
        return await _save(rt, meta, customer_id, gateway.name, card, billing_address, make_default)
    except PaymentMethodError:
        await _forget_at_gateway(rt, card.gateway_token, None)  # refused: the new token must not linger
        raise


async def _forget_at_gateway(rt: Runtime, gateway_token: str, method_id: uuid.UUID | None) -> None:
    if rt.gateway is None:
        return
    try:
        await rt.gateway.remove_token(gateway_token)
    except GatewayError:
        # Forgotten here already; the gateway's copy is unusable without us. Logged without the token.
        logger.warning("gateway did not remove a token", extra={"payment_method_id": str(method_id)})


async def _save(
    rt: Runtime,
    meta: RequestMeta,
    customer_id: uuid.UUID,
    gateway_name: str,
    card: SavedCard,
    billing_address: dict[str, Any] | None,
    make_default: bool,
) -> PaymentMethod:
    async with rt.db.unit_of_work() as session:
        await lock_customer(session, customer_id)  # the cap and the default hold under races
        active = await _active(session, customer_id)
        if any(method.fingerprint == card.fingerprint for method in active):
            raise PaymentMethodError.one(PaymentMethodErrorCode.ALREADY_SAVED, "This card is saved already.")
        if len(active) >= MAX_PAYMENT_METHODS:
            raise PaymentMethodError.one(
                PaymentMethodErrorCode.TOO_MANY_PAYMENT_METHODS,
                f"Save at most {MAX_PAYMENT_METHODS} payment methods; remove one first.",
            )
        method_id = uuid.uuid4()
        method = PaymentMethod(
            id=method_id,
            customer_id=customer_id,
            gateway=gateway_name,
            token_encrypted=rt.keyring.encrypt(card.gateway_token, context=token_context(method_id)),
            token_lookup=token_lookup(rt, card.gateway_token),
            kind=PaymentMethodKind[card.kind.name],
            country=card.country,
            brand=card.brand.name if card.kind is MethodKind.CARD else card.kind.name,
            last4=card.last4,
            exp_month=card.exp_month,
            exp_year=card.exp_year,
            fingerprint=card.fingerprint,
            billing_address=billing_address,
            is_default=make_default or not active,
        )
        if method.is_default:
            _clear_default(session, active)
        session.add(method)
        audit.record(
            session,
            meta,
            SecurityEventType.PAYMENT_METHOD_ADDED,
            SecurityEventOutcome.SUCCESS,
            customer_id=customer_id,
            detail=f"{method.brand} {method.last4}",
        )
    return method


async def _active(session: AsyncSession, customer_id: uuid.UUID) -> list[PaymentMethod]:
    rows = await session.execute(
        select(PaymentMethod).where(
            col(PaymentMethod.customer_id) == customer_id, col(PaymentMethod.removed_at).is_(None)
        )
    )
    return list(rows.scalars())


def _clear_default(session: AsyncSession, methods: list[PaymentMethod]) -> None:
    for other in methods:
        if other.is_default:
            other.is_default = False
            session.add(other)


async def _owned(session: AsyncSession, customer_id: uuid.UUID, method_id: uuid.UUID | None) -> PaymentMethod:
    method = await session.get(PaymentMethod, method_id) if method_id else None
    if method is None or method.customer_id != customer_id or method.removed_at is not None:
        raise PaymentMethodError.one(PaymentMethodErrorCode.NOT_FOUND, "No such payment method.", "paymentMethodId")
    return method


async def set_default(rt: Runtime, principal: Principal, method_id: uuid.UUID | None) -> PaymentMethod:
    customer_id = _customer_id(principal)
    async with rt.db.unit_of_work() as session:
        await lock_customer(session, customer_id)
        method = await _owned(session, customer_id, method_id)
        _clear_default(session, [m for m in await _active(session, customer_id) if m.id != method.id])
        method.is_default = True
        session.add(method)
    return method


async def remove(rt: Runtime, principal: Principal, meta: RequestMeta, method_id: uuid.UUID | None) -> uuid.UUID:
    customer_id = _customer_id(principal)
    async with rt.db.unit_of_work() as session:
        await lock_customer(session, customer_id)
        method = await _owned(session, customer_id, method_id)
        unconfirmed = await session.execute(
            select(col(Payment.id)).where(
                col(Payment.payment_method_id) == method.id,
                col(Payment.status).in_(UNCONFIRMED),
            )
        )
        if unconfirmed.first() is not None:
            raise PaymentMethodError.one(
                PaymentMethodErrorCode.PAYMENT_UNCONFIRMED,
                "A payment with this card is waiting for the payment provider's answer; remove it afterwards.",
                "paymentMethodId",
            )
        sealed = method.token_encrypted
        await retire(session, method)
        audit.record(
            session,
            meta,
            SecurityEventType.PAYMENT_METHOD_REMOVED,
            SecurityEventOutcome.SUCCESS,
            customer_id=customer_id,
            detail=f"{method.brand} {method.last4}",
        )
    if sealed:
        await _forget_at_gateway(rt, rt.keyring.decrypt(sealed, context=token_context(method.id)), method.id)
    return method.id


async def retire(session: AsyncSession, method: PaymentMethod) -> None:
    """Take a method out of use (removed here, or detached at the gateway): its token is forgotten, and
    the newest other method becomes the default if it was (the caller holds the customer's lock or the
    method's)."""
    method.removed_at, method.token_encrypted, method.token_lookup = utcnow(), None, None
    was_default, method.is_default = method.is_default, False
    session.add(method)
    if not was_default:
        return
    newest = (
        await session.execute(
            select(PaymentMethod)
            .where(
                col(PaymentMethod.customer_id) == method.customer_id,
                col(PaymentMethod.removed_at).is_(None),
                col(PaymentMethod.id) != method.id,
            )
            .order_by(col(PaymentMethod.created_at).desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if newest is not None:
        newest.is_default = True
        session.add(newest)


async def forget_all_at_gateway(rt: Runtime, sealed_tokens: list[tuple[uuid.UUID, str]]) -> None:
    """Remove deleted customers' cards at the gateway (after the deletion committed)."""
    for method_id, sealed in sealed_tokens:
        try:
            token = rt.keyring.decrypt(sealed, context=token_context(method_id))
        except Exception:
            logger.warning("a saved card's token could not be opened", extra={"payment_method_id": str(method_id)})
            continue
        await _forget_at_gateway(rt, token, method_id)


async def begin_setup(rt: Runtime, principal: Principal, kinds: list[PaymentMethodKind]) -> PaymentSetup:
    """Start saving a method at the gateway (Stripe: a SetupIntent for the storefront to confirm)."""
    customer_id = _customer_id(principal)
    # Said before the customer types a card in, not only when addPaymentMethod saves it.
    if (until := await cool_down.ends_at(rt, customer_id)) is not None:
        raise PaymentMethodError.one(PaymentMethodErrorCode.COOL_DOWN, cool_down.message(until))
    gateway = _gateway(rt)
    wanted = [MethodKind[kind.name] for kind in dict.fromkeys(kinds)] or [MethodKind.CARD]
    try:
        customer_ref = await gateway_customers.ensure(rt, gateway, customer_id)
        return await gateway.begin_setup(customer_ref, wanted)
    except GatewayError as exc:
        raise PaymentMethodError.one(
            PaymentMethodErrorCode.GATEWAY_UNAVAILABLE, "The payment provider did not answer; try again."
        ) from exc


def options(rt: Runtime, currency: str | None, country: str | None) -> list[PaymentMethodKind]:
    """The kinds of method that can pay in this currency for a customer in this country."""
    code = (currency or "").strip().upper()
    if not is_currency(code):
        raise InvalidInputError("currencyCode is not an ISO 4217 currency code.")
    where = (country or "").strip().upper() or None
    return [PaymentMethodKind[kind.name] for kind in available_kinds(rt.gateway, code, where)]
