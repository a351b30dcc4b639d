"""Paying an invoice (or the order it belongs to) by saved card or on store credit, exactly once.

Every call carries the caller's idempotency key. The first call with a key records an attempt with a
hash of its input; a repeat returns that attempt's result (success, or the same decline) without
touching the gateway again, and a repeat with a different input is IDEMPOTENCY_KEY_REUSED. A card
charge runs outside any transaction, with the attempt's id as the gateway's own idempotency key, so a
retry after a network error can never charge twice. Payments of one customer are serialised on their
customer row; store credit is spent under the account row's lock (see store_credit).
"""

import enum
import hashlib
import json
import logging
import re
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.payments.gateway import (
    GatewayError,
    GatewayUnavailableError,
    InvalidTokenError,
    PaymentDeclinedError,
)
from app.principal import Principal
from app.runtime import Runtime
from app.services import store_credit
from app.services.errors import DomainError, ErrorDetail, NotAuthenticatedError
from app.services.orders import TRANSITIONS, record_status
from app.services.payment_methods import is_expired, token_context
from models.base import utcnow
from models.customer import Customer
from models.order import Order, OrderStatus
from models.payment import Invoice, InvoiceStatus, Payment, PaymentMethod, PaymentSource, PaymentStatus

logger = logging.getLogger(__name__)

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


class PaymentErrorCode(enum.Enum):
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    ALREADY_PAID = "ALREADY_PAID"
    NOT_PAYABLE = "NOT_PAYABLE"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    PAYMENT_IN_PROGRESS = "PAYMENT_IN_PROGRESS"
    PAYMENT_DECLINED = "PAYMENT_DECLINED"
    INSUFFICIENT_CREDIT = "INSUFFICIENT_CREDIT"
    CARD_EXPIRED = "CARD_EXPIRED"
    GATEWAY_UNAVAILABLE = "GATEWAY_UNAVAILABLE"
    PAYMENTS_UNAVAILABLE = "PAYMENTS_UNAVAILABLE"


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
    statement = select(Invoice).with_for_update()
    if request.invoice_id is not None:
        statement = statement.where(col(Invoice.id) == request.invoice_id)
    elif request.order_id is not None:
        statement = statement.where(col(Invoice.order_id) == request.order_id)
    else:
        raise PaymentError.one(PaymentErrorCode.REQUIRED, "Say what to pay.", "invoiceId")
    invoice = (await session.execute(statement)).scalar_one_or_none()
    if invoice is None or invoice.customer_id != customer_id:
        field = "invoiceId" if request.invoice_id is not None else "orderId"
        raise PaymentError.one(PaymentErrorCode.NOT_FOUND, "No such invoice.", field)
    return invoice


def _check_payable(invoice: Invoice) -> None:
    if invoice.status is InvoiceStatus.PAID:
        raise PaymentError.one(PaymentErrorCode.ALREADY_PAID, "This invoice is paid already.")
    if invoice.status is not InvoiceStatus.OPEN or invoice.total - invoice.amount_paid <= 0:
        raise PaymentError.one(PaymentErrorCode.NOT_PAYABLE, "This invoice cannot be paid (it was voided).")


async def _receipt_number(session: AsyncSession, invoice: Invoice) -> str:
    earlier = await session.scalar(
        select(func.count()).where(
            col(Payment.invoice_id) == invoice.id, col(Payment.status) == PaymentStatus.SUCCEEDED
        )
    )
    return f"R{invoice.number}-{int(earlier or 0) + 1}"


async def _settle(session: AsyncSession, rt: Runtime, payment: Payment, invoice: Invoice, note: str) -> None:
    """The attempt succeeded: the invoice and its order are paid (the invoice row is locked)."""
    now = utcnow()
    payment.receipt_number = await _receipt_number(session, invoice)  # counted before this one succeeds
    payment.status, payment.completed_at = PaymentStatus.SUCCEEDED, now
    invoice.amount_paid += payment.amount
    if invoice.amount_paid >= invoice.total:
        invoice.status, invoice.paid_at = InvoiceStatus.PAID, now
    session.add_all([payment, invoice])
    order = await session.get(Order, invoice.order_id, with_for_update=True)
    assert order is not None
    if invoice.status is InvoiceStatus.PAID and OrderStatus.PAID in TRANSITIONS[order.status]:
        record_status(session, rt, order, OrderStatus.PAID, note, actor_id=payment.customer_id)


async def pay(rt: Runtime, principal: Principal, request: PayRequest) -> Paid:
    if principal.customer_id is None:
        raise NotAuthenticatedError()
    customer_id = principal.customer_id
    _validate(request)
    refusal: PaymentError | None = None
    async with rt.db.unit_of_work() as session:
        await session.get(Customer, customer_id, with_for_update=True)  # one payment decision at a time
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
            if existing.status is PaymentStatus.DECLINED:
                raise _declined(existing)
            if existing.status is PaymentStatus.PENDING:
                raise PaymentError.one(PaymentErrorCode.PAYMENT_IN_PROGRESS, "This payment is being processed.")
            attempt = existing  # FAILED: the gateway was unreachable; ask it again under the same key
            attempt.status, attempt.failure_code, attempt.failure_message = PaymentStatus.PENDING, None, None
            session.add(attempt)
            _check_payable(invoice)
        else:
            _check_payable(invoice)
            in_flight = (
                await session.execute(
                    select(col(Payment.id)).where(
                        col(Payment.invoice_id) == invoice.id, col(Payment.status) == PaymentStatus.PENDING
                    )
                )
            ).first()
            if in_flight is not None:
                raise PaymentError.one(
                    PaymentErrorCode.PAYMENT_IN_PROGRESS, "Another payment of this invoice is being processed."
                )
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
        method_label="Store credit",
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
    await _settle(session, rt, attempt, invoice, "paid on store credit")
    return attempt, None


async def _finish(rt: Runtime, payment_id: uuid.UUID, **changes: object) -> Payment:
    async with rt.db.unit_of_work() as session:
        payment = await session.get(Payment, payment_id, with_for_update=True)
        assert payment is not None
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
    token = rt.keyring.decrypt(method.token_encrypted, context=token_context(method.id))
    try:
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
    except (GatewayUnavailableError, GatewayError) as exc:
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
        payment = await session.get(Payment, attempt.id, with_for_update=True)
        locked = await session.get(Invoice, attempt.invoice_id, with_for_update=True)
        assert payment is not None
        assert locked is not None
        payment.gateway_charge_id = charge.charge_id
        if locked.status is InvoiceStatus.OPEN:
            await _settle(session, rt, payment, locked, "paid online")
            return Paid(payment, locked, replayed=False)
        # Paid by other means while the card was being charged: give the money back.
        payment.status, payment.completed_at = PaymentStatus.FAILED, utcnow()
        payment.failure_code, payment.failure_message = "already_paid", "The invoice was paid meanwhile; refunded."
        session.add(payment)
    try:
        await rt.gateway.refund(charge.charge_id, charge.amount, idempotency_key=f"refund-{attempt.id}")
    except GatewayError:
        logger.error("refund of a double payment failed; refund it by hand", extra={"payment_id": str(attempt.id)})
    raise PaymentError.one(PaymentErrorCode.ALREADY_PAID, "This invoice was paid meanwhile; your card was refunded.")
