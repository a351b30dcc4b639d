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
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.documents.pdf import STORE_CREDIT
from app.payments.gateway import GatewayError, InvalidTokenError, PaymentDeclinedError
from app.principal import Principal
from app.runtime import Runtime
from app.services import invoices, offers, store_credit
from app.services.customer_queries import lock_customer
from app.services.errors import DomainError, ErrorDetail, NotAuthenticatedError
from app.services.order_timeline import TimelineNote
from app.services.orders import TRANSITIONS, record_status
from app.services.payment_methods import is_expired, token_context
from models.base import utcnow
from models.order import Order, OrderStatus, OrderTimelineReason
from models.payment import Invoice, InvoiceStatus, Payment, PaymentMethod, PaymentSource, PaymentStatus

logger = logging.getLogger(__name__)

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
# A card attempt still PENDING after this long lost its request (a crash, a cut connection): retryable.
STALE_PENDING = timedelta(minutes=2)


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


@dataclass(frozen=True)
class Paid:
    payment: Payment
    invoice: Invoice
    replayed: bool


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
    if invoice.status is InvoiceStatus.PAID and OrderStatus.PAID in TRANSITIONS[order.status]:
        record_status(session, rt, order, OrderStatus.PAID, _paid(payment), actor_id=payment.customer_id)
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


async def pay(rt: Runtime, principal: Principal, request: PayRequest) -> Paid:
    if principal.customer_id is None:
        raise NotAuthenticatedError()
    customer_id = principal.customer_id
    _validate(request)
    refusal: PaymentError | None = None
    async with rt.db.unit_of_work() as session:
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
            if existing.request_hash != digest:
                raise PaymentError.one(
                    PaymentErrorCode.IDEMPOTENCY_KEY_REUSED,
                    "This idempotency key was used for a different payment.",
                    "idempotencyKey",
                )
            if existing.status is PaymentStatus.SUCCEEDED:
                return Paid(existing, invoice, replayed=True)
            if existing.status in (PaymentStatus.DECLINED, PaymentStatus.REFUNDED, PaymentStatus.REFUND_DUE):
                raise _declined(existing)
            if not _unsettled(existing):
                raise PaymentError.one(PaymentErrorCode.PAYMENT_IN_PROGRESS, "This payment is being processed.")
            # Ask the gateway again under the same key: it finds a charge that went through, or makes the
            # one that did not; either way it is settled (or given back if the invoice no longer takes it).
            attempt = existing
            attempt.status, attempt.created_at = PaymentStatus.PENDING, utcnow()
            attempt.failure_code, attempt.failure_message = None, None
            attempt.gateway_attempts += 1
            session.add(attempt)
        else:
            earlier = list(
                (
                    await session.execute(
                        select(Payment).where(
                            col(Payment.invoice_id) == invoice.id,
                            col(Payment.status).in_((PaymentStatus.PENDING, PaymentStatus.FAILED)),
                        )
                    )
                ).scalars()
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
            return Paid(attempt, invoice, replayed=False)
    if refusal is not None:
        raise refusal
    return await _charge(rt, attempt)


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
        method = await session.get(PaymentMethod, request.payment_method_id)
        if method is None or method.customer_id != customer_id or method.removed_at is not None:
            raise PaymentError.one(PaymentErrorCode.NOT_FOUND, "No such payment method.", "paymentMethodId")
        if is_expired(method):
            raise PaymentError.one(PaymentErrorCode.CARD_EXPIRED, "This card has expired.", "paymentMethodId")
        if rt.gateway is None:
            raise PaymentError.one(PaymentErrorCode.PAYMENTS_UNAVAILABLE, "Card payments are not offered.")
        attempt.payment_method_id = method.id
        attempt.gateway_attempts = 1
        attempt.method_label = f"{method.brand.title()} •••• {method.last4}"
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
        return attempt, _declined(attempt)
    await _settle(session, rt, attempt, invoice)
    return attempt, None


async def _finish(rt: Runtime, payment_id: uuid.UUID, **changes: object) -> Payment:
    """Record the gateway's answer, unless a concurrent retry of the same attempt recorded one first."""
    async with rt.db.unit_of_work() as session:
        payment = await session.get(Payment, payment_id, with_for_update=True)
        assert payment is not None
        if payment.status is not PaymentStatus.PENDING:
            return payment
        for name, value in changes.items():
            setattr(payment, name, value)
        session.add(payment)
        return payment


async def _charge(rt: Runtime, attempt: Payment) -> Paid:
    assert rt.gateway is not None
    async with rt.db.read() as session:
        method = await session.get(PaymentMethod, attempt.payment_method_id)
        invoice = await session.get(Invoice, attempt.invoice_id)
    assert invoice is not None
    if (method is None or method.token_encrypted is None) and attempt.gateway_attempts > 1:
        # Sent before, outcome unknown, and the card is gone (its account was deleted): nobody can ask
        # the gateway now. Left FAILED for an operator rather than called declined.
        logger.error("an unconfirmed card payment lost its card", extra={"payment_id": str(attempt.id)})
        await _finish(rt, attempt.id, status=PaymentStatus.FAILED, failure_code="payment_method_removed")
        raise PaymentError.one(PaymentErrorCode.GATEWAY_UNAVAILABLE, "This payment cannot be confirmed now.")
    if method is None or method.token_encrypted is None:
        await _finish(
            rt,
            attempt.id,
            status=PaymentStatus.DECLINED,
            failure_code="payment_method_removed",
            failure_message="This payment method was removed.",
            completed_at=utcnow(),
        )
        raise PaymentError.one(PaymentErrorCode.NOT_FOUND, "No such payment method.", "paymentMethodId")
    try:
        token = rt.keyring.decrypt(method.token_encrypted, context=token_context(method.id))
        charge = await rt.gateway.charge(
            token,
            attempt.amount,
            attempt.currency,
            idempotency_key=f"payment-{attempt.id}",
            description=f"Invoice {invoice.number}",
        )
    except (PaymentDeclinedError, InvalidTokenError) as exc:
        code = exc.reason_code if isinstance(exc, PaymentDeclinedError) else "invalid_token"
        message = exc.message if isinstance(exc, PaymentDeclinedError) else "The card was not accepted."
        declined = await _finish(
            rt,
            attempt.id,
            status=PaymentStatus.DECLINED,
            failure_code=code[:64],
            failure_message=message[:300],
            completed_at=utcnow(),
        )
        raise _declined(declined) from exc
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
    async with rt.db.unit_of_work() as session:
        locked = await _lock_invoice(session, attempt.invoice_id, attempt.order_id)
        payment = await session.get(Payment, attempt.id, with_for_update=True, populate_existing=True)
        assert payment is not None
        if payment.status is PaymentStatus.SUCCEEDED:  # a concurrent retry of the same attempt settled it
            return Paid(payment, locked, replayed=True)
        payment.gateway_charge_id = charge.charge_id
        if _can_take(locked, payment):
            await _settle(session, rt, payment, locked)
            return Paid(payment, locked, replayed=False)
        # Paid by other means, voided or changed while the card was being charged: give the money back
        # (REFUND_DUE until the gateway has refunded it; the reconciler retries a refund that failed).
        payment.status, payment.completed_at = PaymentStatus.REFUND_DUE, utcnow()
        payment.failure_code = "not_payable"
        payment.failure_message = "The invoice could no longer take this payment; it was refunded."
        session.add(payment)
    await invoices.refund_cards(rt, [invoices.CardRefund(attempt.id, charge.charge_id, charge.amount)])
    raise PaymentError.one(
        PaymentErrorCode.ALREADY_PAID, "This invoice could no longer take the payment; your card was refunded."
    )


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
    return settled + len(refunds) + await _give_up_on_silent_gateways(rt, cutoff)


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
