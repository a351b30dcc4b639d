"""Paying an invoice (or the order it belongs to) by saved card or on store credit, exactly once.

Every call carries the caller's idempotency key. The first call with a key records an attempt with a
hash of its input; a repeat returns that attempt's result (success, or the same decline) without
touching the gateway again, and a repeat with a different input is IDEMPOTENCY_KEY_REUSED. A card
charge runs outside any transaction, with the attempt's id as the gateway's own idempotency key, so a
retry after a network error can never charge twice. Payments of one customer are serialised on their
customer row; store credit is spent under the account row's lock (see store_credit).
"""

import contextlib
import enum
import hashlib
import json
import logging
import re
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.documents.pdf import STORE_CREDIT
from app.payments.gateway import (
    Charge,
    ChargeStatus,
    CustomerAction,
    GatewayError,
    InvalidTokenError,
    MethodKind,
    PaymentDeclinedError,
    UnsupportedCurrencyError,
)
from app.principal import Principal
from app.runtime import Runtime
from app.services import event_data, gateway_customers, invoices, offers, store_credit
from app.services.customer_queries import lock_customer
from app.services.errors import DomainError, ErrorDetail, NotAuthenticatedError
from app.services.order_timeline import TimelineNote
from app.services.orders import TRANSITIONS, record_status
from app.services.payment_methods import is_expired, token_context
from models.base import utcnow
from models.order import Order, OrderStatus, OrderTimelineReason
from models.payment import (
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    PaymentMethodKind,
    PaymentSource,
    PaymentStatus,
)

logger = logging.getLogger(__name__)

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
# A card attempt still PENDING after this long lost its request (a crash, a cut connection): retryable.
STALE_PENDING = timedelta(minutes=2)
# An attempt awaiting the customer's authentication is asked about again after this long (the customer may
# have authenticated and never come back), and cancelled at the gateway after ACTION_EXPIRY.
ACTION_RECHECK = timedelta(minutes=15)
ACTION_EXPIRY = timedelta(hours=24)
# A processing debit is asked about with a growing pause, at most this long.
PROCESSING_RECHECK_MAX = timedelta(hours=6)
# Attempts whose outcome the gateway still owes us: they stand in the way of another attempt on the invoice.
OPEN_STATUSES = (PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION, PaymentStatus.PROCESSING)


class PaymentErrorCode(enum.Enum):
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    ALREADY_PAID = "ALREADY_PAID"
    NOT_PAYABLE = "NOT_PAYABLE"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    PAYMENT_IN_PROGRESS = "PAYMENT_IN_PROGRESS"
    PAYMENT_UNCONFIRMED = "PAYMENT_UNCONFIRMED"
    PAYMENT_DECLINED = "PAYMENT_DECLINED"
    INSUFFICIENT_CREDIT = "INSUFFICIENT_CREDIT"
    CARD_EXPIRED = "CARD_EXPIRED"
    GATEWAY_UNAVAILABLE = "GATEWAY_UNAVAILABLE"
    PAYMENTS_UNAVAILABLE = "PAYMENTS_UNAVAILABLE"
    OFFER_EXPIRED = "OFFER_EXPIRED"  # payOffer: the offer ran out before it was accepted
    OFFER_NOT_ACCEPTED = "OFFER_NOT_ACCEPTED"  # payOffer: accept the offer first
    CURRENCY_NOT_SUPPORTED = "CURRENCY_NOT_SUPPORTED"  # the gateway account or the method does not take it
    # payAccountBalance (app.services.balance_payments):
    INVALID_AMOUNT = "INVALID_AMOUNT"  # not a positive amount of the currency (too many decimals, zero, negative)
    NOTHING_OWED = "NOTHING_OWED"  # the account's balance is not below zero (or there is no account)
    AMOUNT_EXCEEDS_BALANCE = "AMOUNT_EXCEEDS_BALANCE"  # more than the account owes


class PaymentError(DomainError):
    @classmethod
    def one(cls, code: PaymentErrorCode, message: str, *field_path: str) -> "PaymentError":
        return cls(ErrorDetail(code, message, field_path or None))


@dataclass(frozen=True)
class PayRequest:
    invoice_id: uuid.UUID | None
    order_id: uuid.UUID | None
    payment_method_id: uuid.UUID | None
    use_store_credit: bool
    idempotency_key: str
    return_url: str | None = None  # where 3-D Secure sends the customer back to


@dataclass(frozen=True)
class Paid:
    payment: Payment
    invoice: Invoice | None  # None for a payment of the on-account balance
    replayed: bool
    action: CustomerAction | None = None  # REQUIRES_ACTION: what the customer's browser needs to authenticate


MAX_RETURN_URL = 2000


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_return_url(rt: Runtime, url: str | None) -> str | None:
    """A returnUrl must lead back to this shop (its public URL, storefront or an allowed origin): never an
    open redirect through the authentication page."""
    if url is None:
        return None
    settings = rt.settings
    allowed = {
        _origin(origin)
        for origin in (settings.effective_public_url, settings.effective_storefront_url, *settings.cors_origins)
    }
    if (
        len(url) > MAX_RETURN_URL
        or _origin(url) is None
        or _origin(url) not in allowed
        or any(c in url for c in "\r\n\\")
    ):
        raise PaymentError.one(
            PaymentErrorCode.INVALID, "Send an address on this shop (its public URL or storefront).", "returnUrl"
        )
    return url


def _validate(request: PayRequest) -> None:
    if not IDEMPOTENCY_KEY.match(request.idempotency_key or ""):
        raise PaymentError.one(
            PaymentErrorCode.INVALID,
            "Send an idempotency key of 8 to 128 letters, digits or . _ : - (a UUID will do).",
            "idempotencyKey",
        )
    if request.use_store_credit == (request.payment_method_id is not None):
        raise PaymentError.one(
            PaymentErrorCode.REQUIRED, "Pay with either paymentMethodId or useStoreCredit.", "paymentMethodId"
        )


def _request_hash(invoice: Invoice, request: PayRequest) -> str:
    canonical = {
        "invoice": str(invoice.id),
        "method": str(request.payment_method_id) if request.payment_method_id else None,
        "storeCredit": request.use_store_credit,
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def _declined(payment: Payment) -> PaymentError:
    if payment.status in (PaymentStatus.REFUNDED, PaymentStatus.REFUND_DUE):
        return PaymentError.one(PaymentErrorCode.NOT_PAYABLE, payment.failure_message or "This payment was refunded.")
    if payment.failure_code == PaymentErrorCode.INSUFFICIENT_CREDIT.value:
        return PaymentError.one(
            PaymentErrorCode.INSUFFICIENT_CREDIT,
            payment.failure_message or "Not enough store credit.",
            "useStoreCredit",
        )
    return PaymentError.one(
        PaymentErrorCode.PAYMENT_DECLINED,
        payment.failure_message or "The payment was declined.",
        "paymentMethodId",
    )


async def _invoice(session: AsyncSession, customer_id: uuid.UUID, request: PayRequest) -> Invoice:
    """The caller's invoice, locked, with its order locked first (the order every writer locks in:
    customer, order, invoice, store-credit account)."""
    statement = select(Invoice)
    if request.invoice_id is not None:
        statement = statement.where(col(Invoice.id) == request.invoice_id)
    elif request.order_id is not None:
        statement = statement.where(col(Invoice.order_id) == request.order_id)
    else:
        raise PaymentError.one(PaymentErrorCode.REQUIRED, "Say what to pay.", "invoiceId")
    found = (await session.execute(statement)).scalar_one_or_none()
    if found is None or found.customer_id != customer_id:
        field = "invoiceId" if request.invoice_id is not None else "orderId"
        raise PaymentError.one(PaymentErrorCode.NOT_FOUND, "No such invoice.", field)
    return await _lock_invoice(session, found.id, found.order_id)


async def _lock_invoice(session: AsyncSession, invoice_id: uuid.UUID, order_id: uuid.UUID) -> Invoice:
    await session.get(Order, order_id, with_for_update=True, populate_existing=True)
    invoice = await session.get(Invoice, invoice_id, with_for_update=True, populate_existing=True)
    assert invoice is not None
    return invoice


def _check_payable(invoice: Invoice) -> None:
    if invoice.status is InvoiceStatus.PAID:
        raise PaymentError.one(PaymentErrorCode.ALREADY_PAID, "This invoice is paid already.")
    if invoice.status is not InvoiceStatus.OPEN or invoice.total - invoice.amount_paid <= 0:
        raise PaymentError.one(PaymentErrorCode.NOT_PAYABLE, "This invoice cannot be paid (it was voided).")


def _can_take(invoice: Invoice, payment: Payment) -> bool:
    """Whether the payment still fits the invoice: open, same currency, not more than is due (the order
    may have changed while the card was being charged)."""
    return (
        invoice.status is InvoiceStatus.OPEN
        and invoice.currency == payment.currency
        and 0 < payment.amount <= invoice.total - invoice.amount_paid
    )


# Return numbers are "R-…" (customers quote them from our mails), so receipts no longer start with "R" too.
# Receipts issued before were "R<invoice>-<n>"; they are stored with their payment and never rewritten, and the
# count continues across the change, so a number never repeats (R2026-000042-1, then PAY-2026-000042-2).
RECEIPT_PREFIX = "PAY-"


async def _receipt_number(session: AsyncSession, invoice: Invoice) -> str:
    earlier = await session.scalar(
        select(func.count()).where(
            col(Payment.invoice_id) == invoice.id, col(Payment.status) == PaymentStatus.SUCCEEDED
        )
    )
    return f"{RECEIPT_PREFIX}{invoice.number}-{int(earlier or 0) + 1}"


def _paid(payment: Payment) -> TimelineNote:
    """The timeline entry of the payment that paid the order: the card it was paid with, or store credit."""
    if payment.source is PaymentSource.STORE_CREDIT:
        return TimelineNote(OrderTimelineReason.PAID_WITH_STORE_CREDIT)
    return TimelineNote(OrderTimelineReason.PAID_ONLINE, payment_method=payment.method_label)


async def _settle(session: AsyncSession, rt: Runtime, payment: Payment, invoice: Invoice) -> None:
    """The attempt succeeded: the invoice (and, once fully paid, its order) is paid. The caller holds the
    order's and the invoice's locks."""
    now = utcnow()
    payment.receipt_number = await _receipt_number(session, invoice)  # counted before this one succeeds
    payment.status, payment.completed_at = PaymentStatus.SUCCEEDED, now
    order = await session.get(Order, invoice.order_id)
    assert order is not None
    if order.currency == invoice.currency:
        # The order may have changed while this payment was under way (the invoice kept its total then):
        # what it costs now is what is due, so a difference stays open to be paid.
        invoice.total = order.total
    invoice.amount_paid += payment.amount
    if invoice.amount_paid >= invoice.total:
        invoice.status, invoice.paid_at = InvoiceStatus.PAID, now
    session.add_all([payment, invoice])
    await event_data.payment_succeeded(session, payment)
    if invoice.status is InvoiceStatus.PAID:
        await event_data.invoice_paid(session, invoice, order)
    if invoice.status is InvoiceStatus.PAID and OrderStatus.PAID in TRANSITIONS[order.status]:
        await record_status(session, rt, order, OrderStatus.PAID, _paid(payment), actor_id=payment.customer_id)
    if invoice.status is InvoiceStatus.PAID:
        await offers.order_paid(session, rt, order)  # an order an offer became: the offer is PAID too


async def _follow_order_total(session: AsyncSession, invoice: Invoice) -> None:
    """Nothing paid and nothing under way: the invoice asks for what the order (locked) costs now. (While
    an attempt was under way the invoice kept its total; the order may have changed since.)"""
    if invoice.amount_paid:
        return
    order = await session.get(Order, invoice.order_id)
    assert order is not None
    invoice.total, invoice.currency = order.total, order.currency
    session.add(invoice)


def _unsettled(payment: Payment) -> bool:
    """A card attempt whose outcome is not known: the gateway did not answer, or the request that sent it
    stopped before recording the answer (still PENDING long after)."""
    if payment.status is PaymentStatus.FAILED:
        return True
    return payment.status is PaymentStatus.PENDING and payment.created_at < utcnow() - STALE_PENDING


@dataclass
class _Next:
    """What `pay` does once its transaction has committed."""

    paid: Paid | None = None  # answered from the record
    refusal: PaymentError | None = None  # a declined attempt, committed with its outcome
    charge: Payment | None = None  # send this attempt to the gateway
    refresh: Payment | None = None  # ask the gateway how this attempt stands now
    abandon: Payment | None = None  # cancel this attempt (it waits for authentication), then start again


async def pay(rt: Runtime, principal: Principal, request: PayRequest) -> Paid:
    if principal.customer_id is None:
        raise NotAuthenticatedError()
    customer_id = principal.customer_id
    _validate(request)
    request = replace(request, return_url=check_return_url(rt, request.return_url))
    for _ in range(3):  # again after abandoning an earlier attempt that waited for authentication
        async with rt.db.unit_of_work() as session:
            step = await _decide(session, rt, customer_id, request)
        if step.paid is not None:
            return step.paid
        if step.refusal is not None:
            raise step.refusal
        if step.charge is not None:
            return await _charge(rt, step.charge, request.return_url)
        if step.refresh is not None:
            return await _refresh(rt, step.refresh)
        assert step.abandon is not None
        await _abandon(rt, step.abandon)
    raise PaymentError.one(PaymentErrorCode.PAYMENT_IN_PROGRESS, "Another payment of this invoice is being processed.")


async def _decide(session: AsyncSession, rt: Runtime, customer_id: uuid.UUID, request: PayRequest) -> _Next:
    await lock_customer(session, customer_id)  # one payment decision at a time
    invoice = await _invoice(session, customer_id, request)
    digest = _request_hash(invoice, request)
    existing = (
        await session.execute(
            select(Payment).where(
                col(Payment.customer_id) == customer_id, col(Payment.idempotency_key) == request.idempotency_key
            )
        )
    ).scalar_one_or_none()
    if existing is not None:
        return _replay(session, existing, invoice, digest)
    earlier = list(
        (
            await session.execute(
                select(Payment).where(
                    col(Payment.invoice_id) == invoice.id,
                    col(Payment.status).in_((*OPEN_STATUSES, PaymentStatus.FAILED)),
                )
            )
        ).scalars()
    )
    if waiting := [payment for payment in earlier if payment.status is PaymentStatus.REQUIRES_ACTION]:
        return _Next(abandon=waiting[0])  # a new attempt replaces one the customer did not authenticate
    if any(payment.status is PaymentStatus.PROCESSING for payment in earlier):
        raise PaymentError.one(
            PaymentErrorCode.PAYMENT_IN_PROGRESS,
            "A direct debit of this invoice is being processed by the bank; it settles within a few days.",
        )
    if any(not _unsettled(payment) for payment in earlier):
        raise PaymentError.one(
            PaymentErrorCode.PAYMENT_IN_PROGRESS, "Another payment of this invoice is being processed."
        )
    if earlier:
        raise PaymentError.one(
            PaymentErrorCode.PAYMENT_UNCONFIRMED,
            "An earlier payment of this invoice was not confirmed by the payment provider: send it "
            f"again with its idempotencyKey ({earlier[0].idempotency_key}) so it is never charged twice.",
            "idempotencyKey",
        )
    _check_payable(invoice)
    await _follow_order_total(session, invoice)
    attempt, refusal = await _start(session, rt, customer_id, invoice, request, digest)
    if attempt.status is PaymentStatus.SUCCEEDED:
        return _Next(paid=Paid(attempt, invoice, replayed=False))
    if refusal is not None:
        return _Next(refusal=refusal)
    return _Next(charge=attempt)


def _replay(session: AsyncSession, existing: Payment, invoice: Invoice | None, digest: str) -> _Next:
    """The same idempotency key again: the earlier attempt's result, or its retry when it is unsettled."""
    if existing.request_hash != digest:
        raise PaymentError.one(
            PaymentErrorCode.IDEMPOTENCY_KEY_REUSED,
            "This idempotency key was used for a different payment.",
            "idempotencyKey",
        )
    if existing.status is PaymentStatus.SUCCEEDED:
        return _Next(paid=Paid(existing, invoice, replayed=True))
    if existing.status in (PaymentStatus.DECLINED, PaymentStatus.REFUNDED, PaymentStatus.REFUND_DUE):
        raise _declined(existing)
    if existing.status in (PaymentStatus.REQUIRES_ACTION, PaymentStatus.PROCESSING):
        return _Next(refresh=existing)
    if not _unsettled(existing):
        raise PaymentError.one(PaymentErrorCode.PAYMENT_IN_PROGRESS, "This payment is being processed.")
    # Ask the gateway again under the same key: it finds a charge that went through, or makes the one that
    # did not; either way it is settled (or given back if the invoice no longer takes it).
    existing.status, existing.created_at = PaymentStatus.PENDING, utcnow()
    existing.failure_code, existing.failure_message = None, None
    existing.gateway_attempts += 1
    session.add(existing)
    return _Next(charge=existing)


async def _start(
    session: AsyncSession,
    rt: Runtime,
    customer_id: uuid.UUID,
    invoice: Invoice,
    request: PayRequest,
    digest: str,
) -> tuple[Payment, PaymentError | None]:
    """Record the attempt. Store credit is settled at once; a card attempt is left PENDING for the gateway.
    A refusal is returned, not raised, so the declined attempt is committed with its outcome."""
    amount = invoice.total - invoice.amount_paid
    attempt = Payment(
        customer_id=customer_id,
        invoice_id=invoice.id,
        order_id=invoice.order_id,
        idempotency_key=request.idempotency_key,
        request_hash=digest,
        source=PaymentSource.STORE_CREDIT if request.use_store_credit else PaymentSource.CARD,
        method_label=STORE_CREDIT,
        amount=amount,
        currency=invoice.currency,
        status=PaymentStatus.PENDING,
    )
    if not request.use_store_credit:
        method = await usable_method(session, rt, customer_id, request.payment_method_id, invoice.currency)
        attempt.payment_method_id = method.id
        attempt.gateway_attempts = 1
        attempt.method_label = method_label(method)
    try:
        async with session.begin_nested():
            session.add(attempt)
    except IntegrityError as exc:  # the same key, sent twice at once: the other request owns it
        raise PaymentError.one(PaymentErrorCode.PAYMENT_IN_PROGRESS, "This payment is being processed.") from exc
    if not request.use_store_credit:
        return attempt, None
    try:
        async with session.begin_nested():
            await store_credit.spend(session, customer_id, invoice.currency, amount, f"invoice {invoice.number}")
    except store_credit.CreditError as error:
        attempt.status, attempt.completed_at = PaymentStatus.DECLINED, utcnow()
        attempt.failure_code = PaymentErrorCode.INSUFFICIENT_CREDIT.value
        attempt.failure_message = error.details[0].message[:300]
        session.add(attempt)
        await event_data.payment_failed(session, attempt)
        return attempt, _declined(attempt)
    await _settle(session, rt, attempt, invoice)
    return attempt, None


async def usable_method(
    session: AsyncSession, rt: Runtime, customer_id: uuid.UUID, method_id: uuid.UUID | None, currency: str
) -> PaymentMethod:
    """The caller's saved method, if it can pay `currency` now: not removed, not expired, taken by the gateway."""
    method = await session.get(PaymentMethod, method_id) if method_id is not None else None
    if method is None or method.customer_id != customer_id or method.removed_at is not None:
        raise PaymentError.one(PaymentErrorCode.NOT_FOUND, "No such payment method.", "paymentMethodId")
    if is_expired(method):
        raise PaymentError.one(PaymentErrorCode.CARD_EXPIRED, "This card has expired.", "paymentMethodId")
    if rt.gateway is None:
        raise PaymentError.one(PaymentErrorCode.PAYMENTS_UNAVAILABLE, "Card payments are not offered.")
    if not rt.gateway.supports(MethodKind[method.kind.name], currency):
        raise _unsupported(currency)
    return method


async def _finish(rt: Runtime, payment_id: uuid.UUID, **changes: object) -> Payment:
    """Record the gateway's answer, unless a concurrent retry of the same attempt (or a webhook) recorded
    one first."""
    async with rt.db.unit_of_work() as session:
        payment = await session.get(Payment, payment_id, with_for_update=True)
        assert payment is not None
        if payment.status not in OPEN_STATUSES:
            return payment
        for name, value in changes.items():
            setattr(payment, name, value)
        session.add(payment)
        if payment.status is PaymentStatus.DECLINED:
            await event_data.payment_failed(session, payment)
        return payment


async def _decline(rt: Runtime, payment_id: uuid.UUID, code: str, message: str) -> Payment:
    return await _finish(
        rt,
        payment_id,
        status=PaymentStatus.DECLINED,
        failure_code=code[:64],
        failure_message=message[:300],
        completed_at=utcnow(),
        next_check_at=None,
    )


async def _charge(rt: Runtime, attempt: Payment, return_url: str | None = None) -> Paid:
    assert rt.gateway is not None
    async with rt.db.read() as session:
        method = await session.get(PaymentMethod, attempt.payment_method_id)
        invoice = await session.get(Invoice, attempt.invoice_id) if attempt.invoice_id else None
    if (method is None or method.token_encrypted is None) and attempt.gateway_attempts > 1:
        # Sent before, outcome unknown, and the card is gone (its account was deleted): nobody can ask
        # the gateway now. Left FAILED for an operator rather than called declined.
        logger.error("an unconfirmed card payment lost its card", extra={"payment_id": str(attempt.id)})
        await _finish(rt, attempt.id, status=PaymentStatus.FAILED, failure_code="payment_method_removed")
        raise PaymentError.one(PaymentErrorCode.GATEWAY_UNAVAILABLE, "This payment cannot be confirmed now.")
    if method is None or method.token_encrypted is None:
        await _decline(rt, attempt.id, "payment_method_removed", "This payment method was removed.")
        raise PaymentError.one(PaymentErrorCode.NOT_FOUND, "No such payment method.", "paymentMethodId")
    try:
        token = rt.keyring.decrypt(method.token_encrypted, context=token_context(method.id))
        charge = await rt.gateway.charge(
            token,
            attempt.amount,
            attempt.currency,
            idempotency_key=f"payment-{attempt.id}",
            description=f"Invoice {invoice.number}" if invoice else f"Account balance ({attempt.currency})",
            customer_ref=await gateway_customers.find(rt, rt.gateway, attempt.customer_id),
            return_url=return_url,
        )
    except UnsupportedCurrencyError as exc:
        await _decline(rt, attempt.id, "currency_not_supported", exc.message)
        raise _unsupported(attempt.currency) from exc
    except (PaymentDeclinedError, InvalidTokenError) as exc:
        code = exc.reason_code if isinstance(exc, PaymentDeclinedError) else "invalid_token"
        message = exc.message if isinstance(exc, PaymentDeclinedError) else "The card was not accepted."
        raise _declined(await _decline(rt, attempt.id, code, message)) from exc
    except Exception as exc:  # unreachable gateway, a timeout, anything: the outcome is unknown
        if not isinstance(exc, GatewayError):
            logger.exception("card charge failed unexpectedly", extra={"payment_id": str(attempt.id)})
        await _finish(
            rt,
            attempt.id,
            status=PaymentStatus.FAILED,
            failure_code=PaymentErrorCode.GATEWAY_UNAVAILABLE.value,
            failure_message="The payment provider did not answer.",
        )
        raise PaymentError.one(
            PaymentErrorCode.GATEWAY_UNAVAILABLE,
            "The payment provider did not answer. Try again with the same idempotencyKey: you will not be charged twice.",
        ) from exc
    return await record_charge(rt, attempt.id, charge)


def method_label(method: PaymentMethod) -> str:
    """How receipts name the method: "Visa •••• 4242", "SEPA Direct Debit •••• 3000"."""
    name = "SEPA Direct Debit" if method.kind is PaymentMethodKind.SEPA_DEBIT else method.brand.title()
    return f"{name} •••• {method.last4}"


def _unsupported(currency: str) -> PaymentError:
    return PaymentError.one(
        PaymentErrorCode.CURRENCY_NOT_SUPPORTED,
        f"This payment method cannot pay in {currency}; choose another one.",
        "paymentMethodId",
    )


@dataclass(frozen=True)
class Applied:
    paid: Paid
    refund: invoices.CardRefund | None = None  # charged, but nothing could take it: give it back


async def record_charge(rt: Runtime, payment_id: uuid.UUID, charge: Charge) -> Paid:
    """Record what the gateway says of a charge (at once, when the customer returns, from a webhook or the
    reconciler), and give the money back if the invoice could no longer take it."""
    async with rt.db.unit_of_work() as session:
        applied = await apply_charge(session, rt, payment_id, charge)
    if applied.refund is None:
        return applied.paid
    await invoices.refund_cards(rt, [applied.refund])
    raise PaymentError.one(
        PaymentErrorCode.ALREADY_PAID, "This invoice could no longer take the payment; your card was refunded."
    )


async def apply_charge(session: AsyncSession, rt: Runtime, payment_id: uuid.UUID, charge: Charge) -> Applied:
    """The charge's state on its attempt, under the locks every writer takes (order, invoice, payment)."""
    found = await session.get(Payment, payment_id)
    assert found is not None
    invoice = (
        await _lock_invoice(session, found.invoice_id, found.order_id)
        if found.invoice_id is not None and found.order_id is not None
        else None
    )
    payment = await session.get(Payment, payment_id, with_for_update=True, populate_existing=True)
    assert payment is not None
    if charge.status is not ChargeStatus.SUCCEEDED:
        if payment.status in (*OPEN_STATUSES, PaymentStatus.FAILED):
            waiting = charge.status is ChargeStatus.REQUIRES_ACTION
            payment.status = PaymentStatus.REQUIRES_ACTION if waiting else PaymentStatus.PROCESSING
            payment.gateway_charge_id = charge.charge_id
            payment.failure_code, payment.failure_message = None, None
            payment.next_check_at = utcnow() + (ACTION_RECHECK if waiting else _processing_pause(payment))
            session.add(payment)
        return Applied(Paid(payment, invoice, replayed=False, action=charge.action))
    if payment.status in (PaymentStatus.SUCCEEDED, PaymentStatus.REFUND_DUE, PaymentStatus.REFUNDED):
        return Applied(Paid(payment, invoice, replayed=True))  # recorded before (a retry, a webhook)
    payment.gateway_charge_id, payment.next_check_at = charge.charge_id, None
    if invoice is None:
        await _settle_account(session, payment)
        return Applied(Paid(payment, None, replayed=False))
    if _can_take(invoice, payment):
        await _settle(session, rt, payment, invoice)
        return Applied(Paid(payment, invoice, replayed=False))
    # Paid by other means, voided or changed while the card was being charged: give the money back
    # (REFUND_DUE until the gateway has refunded it; the reconciler retries a refund that failed).
    payment.status, payment.completed_at = PaymentStatus.REFUND_DUE, utcnow()
    payment.failure_code = "not_payable"
    payment.failure_message = "The invoice could no longer take this payment; it was refunded."
    session.add(payment)
    return Applied(
        Paid(payment, invoice, replayed=False), invoices.CardRefund(payment.id, charge.charge_id, charge.amount)
    )


def _processing_pause(payment: Payment) -> timedelta:
    """How long until a processing debit is asked about again: doubling from two minutes."""
    pause: timedelta = timedelta(minutes=2) * (2 ** min(max(payment.gateway_attempts, 1), 12))
    return min(pause, PROCESSING_RECHECK_MAX)


async def _settle_account(session: AsyncSession, payment: Payment) -> None:
    """A payment of the on-account balance succeeded: the ledger gets it as PAYMENT_RECEIVED."""
    payment.receipt_number = f"{RECEIPT_PREFIX}{payment.id.hex[:12].upper()}"
    payment.status, payment.completed_at = PaymentStatus.SUCCEEDED, utcnow()
    session.add(payment)
    await event_data.payment_succeeded(session, payment)
    await store_credit.receive_payment(session, payment)


async def _refresh(rt: Runtime, payment: Payment) -> Paid:
    """Ask the gateway how an attempt awaiting authentication or a bank stands now, and record it."""
    if rt.gateway is None or payment.gateway_charge_id is None:
        raise PaymentError.one(PaymentErrorCode.PAYMENTS_UNAVAILABLE, "Card payments are not offered.")
    try:
        charge = await rt.gateway.retrieve_charge(payment.gateway_charge_id)
    except PaymentDeclinedError as exc:
        raise _declined(await _decline(rt, payment.id, exc.reason_code, exc.message)) from exc
    except GatewayError as exc:
        raise PaymentError.one(
            PaymentErrorCode.GATEWAY_UNAVAILABLE, "The payment provider did not answer; ask again in a moment."
        ) from exc
    return await record_charge(rt, payment.id, charge)


async def _abandon(rt: Runtime, payment: Payment) -> None:
    """Cancel an attempt the customer did not authenticate, so it can never succeed after another one did.
    If it succeeded meanwhile, it is recorded (and the next attempt finds the invoice paid)."""
    assert rt.gateway is not None
    assert payment.gateway_charge_id is not None
    try:
        charge = await rt.gateway.cancel_charge(payment.gateway_charge_id)
    except PaymentDeclinedError:
        charge = None
    except GatewayError as exc:
        raise PaymentError.one(
            PaymentErrorCode.PAYMENT_IN_PROGRESS,
            "An earlier payment of this invoice waits for authentication and could not be cancelled now; try again.",
        ) from exc
    if charge is not None and charge.status is not ChargeStatus.REQUIRES_ACTION:
        with contextlib.suppress(PaymentError):
            await record_charge(rt, payment.id, charge)
        return
    await _decline(rt, payment.id, "authentication_abandoned", "The payment was not authenticated and was cancelled.")


async def confirm(rt: Runtime, principal: Principal, payment_id: uuid.UUID | None) -> Paid:
    """The customer is back from authenticating (or asks how a debit stands): the attempt as it is now."""
    if principal.customer_id is None:
        raise NotAuthenticatedError()
    async with rt.db.read() as session:
        payment = await session.get(Payment, payment_id) if payment_id else None
        if payment is None or payment.customer_id != principal.customer_id:
            raise PaymentError.one(PaymentErrorCode.NOT_FOUND, "No such payment.", "paymentId")
        invoice = await session.get(Invoice, payment.invoice_id) if payment.invoice_id else None
    if payment.status in (PaymentStatus.REQUIRES_ACTION, PaymentStatus.PROCESSING):
        return await _refresh(rt, payment)
    if payment.status in (PaymentStatus.DECLINED, PaymentStatus.REFUNDED, PaymentStatus.REFUND_DUE):
        raise _declined(payment)
    return Paid(payment, invoice, replayed=True)


MAX_GATEWAY_ATTEMPTS = 30  # about an hour of retries two minutes apart
RECONCILE_BATCH = 20


async def reconcile(rt: Runtime) -> int:
    """Settle card attempts nobody came back for: ask the gateway again under each attempt's own key (a
    charge that went through is found, and settled or refunded; one that did not is made or declined),
    and retry refunds that are due. Run every minute by the worker (or the server that is its own)."""
    if rt.gateway is None:
        return 0
    cutoff = utcnow() - STALE_PENDING
    async with rt.db.read() as session:
        waiting = list(
            (
                await session.execute(
                    select(col(Payment.id))
                    .where(
                        col(Payment.source) == PaymentSource.CARD,
                        col(Payment.status).in_((PaymentStatus.FAILED, PaymentStatus.PENDING)),
                        col(Payment.created_at) < cutoff,
                        col(Payment.gateway_attempts) < MAX_GATEWAY_ATTEMPTS,
                    )
                    .limit(RECONCILE_BATCH)
                )
            ).scalars()
        )
        due = list(
            (
                await session.execute(
                    select(Payment)
                    .where(col(Payment.status) == PaymentStatus.REFUND_DUE, col(Payment.gateway_charge_id).is_not(None))
                    .limit(RECONCILE_BATCH)
                )
            ).scalars()
        )
        refunds = await invoices.still_refundable(session, due)
    settled = 0
    for payment_id in waiting:
        attempt = await _claim_for_retry(rt, payment_id, cutoff)
        if attempt is None:
            continue  # the customer retried it meanwhile
        with contextlib.suppress(PaymentError):  # the outcome (declined, refunded, unconfirmed) is on the attempt
            await _charge(rt, attempt)
        settled += 1
    await invoices.refund_cards(rt, refunds)
    checked = await _check_deferred(rt)
    return settled + len(refunds) + checked + await _give_up_on_silent_gateways(rt, cutoff)


async def _check_deferred(rt: Runtime) -> int:
    """Ask the gateway about attempts awaiting authentication or a bank whose next check is due (a webhook
    may have been lost); cancel those the customer never authenticated."""
    now = utcnow()
    async with rt.db.read() as session:
        due = list(
            (
                await session.execute(
                    select(col(Payment.id))
                    .where(
                        col(Payment.status).in_((PaymentStatus.REQUIRES_ACTION, PaymentStatus.PROCESSING)),
                        col(Payment.next_check_at) < now,
                    )
                    .order_by(col(Payment.next_check_at))
                    .limit(RECONCILE_BATCH)
                )
            ).scalars()
        )
    checked = 0
    for payment_id in due:
        payment = await _claim_check(rt, payment_id, now)
        if payment is None:
            continue  # another worker took it, or its outcome arrived meanwhile
        checked += 1
        with contextlib.suppress(PaymentError):  # the outcome is on the attempt
            expired = payment.created_at < now - ACTION_EXPIRY
            if payment.status is PaymentStatus.REQUIRES_ACTION and expired:
                await _abandon(rt, payment)
            else:
                await _refresh(rt, payment)
    return checked


async def _claim_check(rt: Runtime, payment_id: uuid.UUID, now: datetime) -> Payment | None:
    """Take one due check (no other worker takes it until its next pause has passed)."""
    async with rt.db.unit_of_work() as session:
        payment = await session.get(Payment, payment_id, with_for_update=True, populate_existing=True)
        due = payment is not None and payment.next_check_at is not None and payment.next_check_at < now
        if (
            payment is None
            or not due
            or payment.status not in (PaymentStatus.REQUIRES_ACTION, PaymentStatus.PROCESSING)
        ):
            return None
        payment.gateway_attempts += 1
        pause = ACTION_RECHECK if payment.status is PaymentStatus.REQUIRES_ACTION else _processing_pause(payment)
        payment.next_check_at = now + pause
        session.add(payment)
        return payment


async def _give_up_on_silent_gateways(rt: Runtime, cutoff: datetime) -> int:
    """After MAX_GATEWAY_ATTEMPTS unanswered retries an attempt stops blocking its invoice: it is closed
    as declined, and logged for an operator to check with the payment provider."""
    async with rt.db.unit_of_work() as session:
        stuck = list(
            (
                await session.execute(
                    select(Payment)
                    .where(
                        col(Payment.source) == PaymentSource.CARD,
                        col(Payment.status) == PaymentStatus.FAILED,
                        col(Payment.created_at) < cutoff,
                        col(Payment.gateway_attempts) >= MAX_GATEWAY_ATTEMPTS,
                    )
                    .with_for_update()
                    .limit(RECONCILE_BATCH)
                )
            ).scalars()
        )
        for payment in stuck:
            payment.status, payment.completed_at = PaymentStatus.DECLINED, utcnow()
            payment.failure_code = "gateway_unreachable"
            payment.failure_message = "The payment provider never confirmed this payment."
            session.add(payment)
            await event_data.payment_failed(session, payment)
            logger.error(
                "gave up confirming a card payment; check it with the provider", extra={"payment_id": str(payment.id)}
            )
    return len(stuck)


async def _claim_for_retry(rt: Runtime, payment_id: uuid.UUID, cutoff: datetime) -> Payment | None:
    async with rt.db.unit_of_work() as session:
        claimed = await session.execute(
            update(Payment)
            .where(
                col(Payment.id) == payment_id,
                col(Payment.status).in_((PaymentStatus.FAILED, PaymentStatus.PENDING)),
                col(Payment.created_at) < cutoff,
            )
            .values(
                status=PaymentStatus.PENDING,
                created_at=utcnow(),
                gateway_attempts=col(Payment.gateway_attempts) + 1,
            )
        )
        if getattr(claimed, "rowcount", 0) != 1:
            return None
        return await session.get(Payment, payment_id)
