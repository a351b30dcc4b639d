"""Paying the on-account balance (purchase on account) with a saved card or bank account, exactly once.

The same rules as paying an invoice (app.services.payments, whose steps this reuses): the caller's
idempotency key is stored with a hash of the input, so the same key answers the same result again
(`replayed`), another input under it is IDEMPOTENCY_KEY_REUSED, and a lost gateway answer is retried under
the attempt's own gateway key, never charged twice. The decision is taken under the customer's row lock,
where the balance owed is read together with the balance payments of that currency still on their way
(PENDING, REQUIRES_ACTION, PROCESSING): a new payment may take only what is left, so two payments at once
never pay more than is owed. The attempt is recorded PENDING before the gateway is called; once the charge
succeeds (at once, after 3-D Secure, or when a debit settles) `payments.apply_charge` credits the account
with a PAYMENT_RECEIVED entry under the payment's receipt number, under the payment's lock: once.

Money received twice for one debt is never lost: a payment that settles after the balance was paid by
other means (say a bank transfer recorded meanwhile) leaves the account in credit, which pays the next
invoice.
"""

import hashlib
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.money import is_currency, to_decimal, to_minor
from app.principal import Principal
from app.runtime import Runtime
from app.services import payments
from app.services.customer_queries import lock_customer
from app.services.errors import NotAuthenticatedError
from app.services.payments import (
    OPEN_STATUSES,
    Paid,
    PaymentError,
    PaymentErrorCode,
    check_return_url,
    method_label,
    usable_method,
)
from app.services.store_credit import MAX_CREDIT
from models.credit import StoreCreditAccount
from models.payment import Payment, PaymentSource, PaymentStatus


@dataclass(frozen=True)
class BalancePayRequest:
    currency: str
    amount: Decimal  # in the currency's units, e.g. 80.90
    payment_method_id: uuid.UUID | None
    idempotency_key: str
    return_url: str | None = None  # where 3-D Secure sends the customer back to


def _validate(request: BalancePayRequest) -> tuple[str, int]:
    """The currency and the amount in minor units, or a typed error."""
    if not payments.IDEMPOTENCY_KEY.match(request.idempotency_key or ""):
        raise PaymentError.one(
            PaymentErrorCode.INVALID,
            "Send an idempotency key of 8 to 128 letters, digits or . _ : - (a UUID will do).",
            "idempotencyKey",
        )
    currency = (request.currency or "").strip().upper()
    if not is_currency(currency):
        raise PaymentError.one(PaymentErrorCode.INVALID, "Use an ISO 4217 currency code.", "currencyCode")
    try:
        amount = to_minor(request.amount, currency)
    except (ValueError, ArithmeticError) as exc:
        raise PaymentError.one(PaymentErrorCode.INVALID_AMOUNT, f"Not an amount of {currency}.", "amount") from exc
    if amount <= 0 or amount > MAX_CREDIT:
        raise PaymentError.one(PaymentErrorCode.INVALID_AMOUNT, "Give a positive amount within limits.", "amount")
    if request.payment_method_id is None:
        raise PaymentError.one(
            PaymentErrorCode.REQUIRED, "Choose the card or bank account to pay with.", "paymentMethodId"
        )
    return currency, amount


def _request_hash(currency: str, amount: int, request: BalancePayRequest) -> str:
    canonical = {"balance": currency, "amount": amount, "method": str(request.payment_method_id)}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


async def pay_account_balance(rt: Runtime, principal: Principal, request: BalancePayRequest) -> Paid:
    """payAccountBalance: pay all or part of what the caller owes on account in one currency."""
    if principal.customer_id is None:
        raise NotAuthenticatedError()
    customer_id = principal.customer_id
    currency, amount = _validate(request)
    return_url = check_return_url(rt, request.return_url)
    digest = _request_hash(currency, amount, request)
    for _ in range(3):  # again after abandoning an earlier attempt that waited for authentication
        async with rt.db.unit_of_work() as session:
            step = await _decide(session, rt, customer_id, currency, amount, request, digest)
        if step.paid is not None:
            return step.paid
        if step.refusal is not None:
            raise step.refusal
        if step.charge is not None:
            return await payments._charge(rt, step.charge, return_url)
        if step.refresh is not None:
            return await payments._refresh(rt, step.refresh)
        assert step.abandon is not None
        await payments._abandon(rt, step.abandon)
    raise PaymentError.one(PaymentErrorCode.PAYMENT_IN_PROGRESS, "Another payment of your balance is being processed.")


async def _decide(
    session: AsyncSession,
    rt: Runtime,
    customer_id: uuid.UUID,
    currency: str,
    amount: int,
    request: BalancePayRequest,
    digest: str,
) -> payments._Next:
    await lock_customer(session, customer_id)  # one payment decision of this customer at a time
    existing = (
        await session.execute(
            select(Payment).where(
                col(Payment.customer_id) == customer_id, col(Payment.idempotency_key) == request.idempotency_key
            )
        )
    ).scalar_one_or_none()
    if existing is not None:  # the same key again: its result, whatever the balance is now
        return payments._replay(session, existing, None, digest)
    earlier = list(
        (
            await session.execute(
                select(Payment).where(
                    col(Payment.customer_id) == customer_id,
                    col(Payment.invoice_id).is_(None),
                    col(Payment.currency) == currency,
                    col(Payment.status).in_((*OPEN_STATUSES, PaymentStatus.FAILED)),
                )
            )
        ).scalars()
    )
    if waiting := [payment for payment in earlier if payment.status is PaymentStatus.REQUIRES_ACTION]:
        return payments._Next(abandon=waiting[0])  # a new attempt replaces one the customer did not authenticate
    if unknown := [payment for payment in earlier if payments._unsettled(payment)]:
        raise PaymentError.one(
            PaymentErrorCode.PAYMENT_UNCONFIRMED,
            "An earlier payment of your balance was not confirmed by the payment provider: send it again with "
            f"its idempotencyKey ({unknown[0].idempotency_key}) so it is never charged twice.",
            "idempotencyKey",
        )
    # Read under the customer's lock, which every balance payment decision takes: the balance cannot be paid
    # by another decision meanwhile. (The account row is not locked here: settling a charge locks the payment,
    # then the account, and this transaction must not take them the other way round.)
    account = (
        await session.execute(
            select(StoreCreditAccount).where(
                col(StoreCreditAccount.customer_id) == customer_id, col(StoreCreditAccount.currency) == currency
            )
        )
    ).scalar_one_or_none()
    owed = -account.balance if account is not None and account.balance < 0 else 0
    if owed == 0:
        raise PaymentError.one(
            PaymentErrorCode.NOTHING_OWED, f"Your account owes nothing in {currency}.", "currencyCode"
        )
    on_the_way = sum(payment.amount for payment in earlier)  # PENDING or PROCESSING: counted as paid
    if amount > owed - on_the_way:
        if on_the_way:
            raise PaymentError.one(
                PaymentErrorCode.PAYMENT_IN_PROGRESS,
                f"A payment of {to_decimal(on_the_way, currency)} {currency} of your balance is being processed; "
                f"at most {to_decimal(max(owed - on_the_way, 0), currency)} {currency} is left to pay.",
                "amount",
            )
        raise PaymentError.one(
            PaymentErrorCode.AMOUNT_EXCEEDS_BALANCE,
            f"Your account owes {to_decimal(owed, currency)} {currency}: pay at most that.",
            "amount",
        )
    method = await usable_method(session, rt, customer_id, request.payment_method_id, currency)
    attempt = Payment(
        customer_id=customer_id,
        invoice_id=None,
        order_id=None,
        idempotency_key=request.idempotency_key,
        request_hash=digest,
        source=PaymentSource.CARD,
        payment_method_id=method.id,
        method_label=method_label(method),
        amount=amount,
        currency=currency,
        status=PaymentStatus.PENDING,
        gateway_attempts=1,
    )
    try:
        async with session.begin_nested():
            session.add(attempt)
    except IntegrityError as exc:  # the same key, sent twice at once: the other request owns it
        raise PaymentError.one(PaymentErrorCode.PAYMENT_IN_PROGRESS, "This payment is being processed.") from exc
    return payments._Next(charge=attempt)
