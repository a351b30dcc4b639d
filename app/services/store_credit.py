"""Store credit: a ledger per customer and currency, its balance kept with it, and credit-limit requests.

Every movement is a ledger entry written in the same transaction as the balance it changes, under the
account row's lock, so the balance always equals the sum of the entries and two payments racing for
the last available credit never both succeed. The balance may go below zero down to the credit limit
(purchase on account); limits are set by administrators, on request.
"""

import enum
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.money import is_currency, to_decimal
from app.pagination import Page, build_page, newest_first, page_size
from app.principal import Principal
from app.runtime import RequestMeta, Runtime
from app.services import audit, event_data, messages
from app.services.customer_queries import lock_customer
from app.services.errors import DomainError, ErrorDetail, NotAuthenticatedError, PermissionDeniedError
from app.services.validation import neutralize_text
from app.templates import MessageValue, Money
from models.base import utcnow
from models.credit import (
    CreditLimitRequest,
    CreditLimitRequestStatus,
    CreditTransaction,
    CreditTransactionReason,
    StoreCreditAccount,
)
from models.customer import Customer, CustomerGroup
from models.payment import Payment
from models.profile import CustomerSettings
from models.security import SecurityEventType

MAX_CREDIT = 10**12  # minor units
MAX_REASON = 1000
MAX_NOTE = 500  # the ledger entry's note column
MAX_REFERENCE = 128  # the ledger entry's reference column


class CreditErrorCode(enum.Enum):
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    INVALID_CURRENCY = "INVALID_CURRENCY"
    NOT_FOUND = "NOT_FOUND"
    REQUEST_ALREADY_PENDING = "REQUEST_ALREADY_PENDING"
    ALREADY_DECIDED = "ALREADY_DECIDED"
    INSUFFICIENT_CREDIT = "INSUFFICIENT_CREDIT"
    DUPLICATE_REFERENCE = "DUPLICATE_REFERENCE"
    # Account statements (app.services.statements): a period that ends before it starts or is out of range,
    # and one longer than a statement covers.
    INVALID_PERIOD = "INVALID_PERIOD"
    PERIOD_TOO_LONG = "PERIOD_TOO_LONG"


class CreditError(DomainError):
    @classmethod
    def one(cls, code: CreditErrorCode, message: str, *field_path: str) -> "CreditError":
        return cls(ErrorDetail(code, message, field_path or None))


@dataclass(frozen=True)
class Balance:
    currency: str
    balance: int
    credit_limit: int

    @property
    def available(self) -> int:
        return max(self.balance + self.credit_limit, 0)


def _currency(rt: Runtime, value: str | None) -> str:
    currency = (value or rt.settings.default_currency).strip().upper()
    if not is_currency(currency):
        raise CreditError.one(CreditErrorCode.INVALID_CURRENCY, "Use an ISO 4217 currency code.", "currencyCode")
    return currency


async def default_currency(rt: Runtime, customer_id: uuid.UUID | None) -> str:
    """The currency store credit is shown and asked for in when none is named: the customer's own setting
    (`settings.currency`), else DEFAULT_CURRENCY."""
    if customer_id is not None:
        async with rt.db.read() as session:
            chosen = (
                await session.execute(
                    select(col(CustomerSettings.currency)).where(col(CustomerSettings.customer_id) == customer_id)
                )
            ).scalar_one_or_none()
        if chosen and is_currency(chosen):
            return chosen
    return rt.settings.default_currency


def _reason(value: str | None, field: str, *, required: bool, limit: int = MAX_REASON) -> str | None:
    text = neutralize_text(value or "").strip()
    if required and not text:
        raise CreditError.one(CreditErrorCode.REQUIRED, "Give a reason.", field)
    if len(text) > limit:
        raise CreditError.one(CreditErrorCode.TOO_LONG, f"Use at most {limit} characters.", field)
    return text or None


async def _group_default_limit(session: AsyncSession, customer_id: uuid.UUID, currency: str) -> int:
    """The credit limit a new account starts with: its owner's group default in that currency, else none.
    Only new accounts take it: an existing account keeps its limit when the group or its default changes."""
    found = await session.execute(
        select(col(CustomerGroup.default_credit_limit))
        .join(Customer, col(Customer.group_id) == col(CustomerGroup.id))
        .where(col(Customer.id) == customer_id, col(CustomerGroup.default_credit_currency) == currency)
    )
    return found.scalar_one_or_none() or 0


async def locked_account(session: AsyncSession, customer_id: uuid.UUID, currency: str) -> StoreCreditAccount:
    """The account row, locked for this transaction (created on first use)."""
    statement = (
        select(StoreCreditAccount)
        .where(col(StoreCreditAccount.customer_id) == customer_id, col(StoreCreditAccount.currency) == currency)
        .with_for_update()
    )
    account = (await session.execute(statement)).scalar_one_or_none()
    if account is not None:
        return account
    try:
        async with session.begin_nested():
            account = StoreCreditAccount(
                customer_id=customer_id,
                currency=currency,
                credit_limit=await _group_default_limit(session, customer_id, currency),
            )
            session.add(account)
    except IntegrityError:  # opened at the same moment by another transaction: use (and wait for) that one
        account = (await session.execute(statement)).scalar_one()
    return account


async def post(
    session: AsyncSession,
    account: StoreCreditAccount,
    amount: int,
    reason: CreditTransactionReason,
    *,
    reference: str | None = None,
    note: str | None = None,
    actor_id: uuid.UUID | None = None,
) -> CreditTransaction:
    """One ledger entry and the balance it leaves (the caller holds the account's lock), told to other systems
    (store_credit.moved)."""
    account.balance += amount
    account.updated_at = utcnow()
    session.add(account)
    entry = CreditTransaction(
        account_id=account.id,
        customer_id=account.customer_id,
        currency=account.currency,
        amount=amount,
        balance_after=account.balance,
        reason=reason,
        reference=reference,
        note=note,
        actor_id=actor_id,
    )
    session.add(entry)
    await event_data.credit_moved(session, entry, account)
    return entry


async def spend(
    session: AsyncSession, customer_id: uuid.UUID, currency: str, amount: int, reference: str
) -> CreditTransaction:
    """Pay `amount` from the account, down to its credit limit and no further."""
    account = await locked_account(session, customer_id, currency)
    if account.balance + account.credit_limit < amount:
        available = to_decimal(max(account.balance + account.credit_limit, 0), currency)
        raise CreditError.one(
            CreditErrorCode.INSUFFICIENT_CREDIT,
            f"Not enough store credit: {available} {currency} available.",
            "useStoreCredit",
        )
    return await post(session, account, -amount, CreditTransactionReason.PAYMENT, reference=reference)


async def balance(rt: Runtime, principal: Principal, customer_id: uuid.UUID, currency: str | None) -> Balance:
    """The balance in `currency`; without one, in the customer's preferred currency."""
    if not principal.can_see_customer(customer_id):
        raise PermissionDeniedError()
    code = _currency(rt, currency or await default_currency(rt, customer_id))
    async with rt.db.read() as session:
        account = (
            await session.execute(
                select(StoreCreditAccount).where(
                    col(StoreCreditAccount.customer_id) == customer_id, col(StoreCreditAccount.currency) == code
                )
            )
        ).scalar_one_or_none()
        if account is None:  # not opened yet: it would open with the group's default limit
            return Balance(code, 0, await _group_default_limit(session, customer_id, code))
    return Balance(code, account.balance, account.credit_limit)


async def transactions(
    rt: Runtime,
    principal: Principal,
    customer_id: uuid.UUID,
    *,
    currency: str | None,
    first: int | None,
    after: str | None,
) -> Page[CreditTransaction]:
    limit = page_size(first)
    if not principal.can_see_customer(customer_id):
        return build_page([], limit, lambda row: (row.created_at, row.id), after)
    statement = select(CreditTransaction).where(col(CreditTransaction.customer_id) == customer_id)
    if currency:
        statement = statement.where(col(CreditTransaction.currency) == _currency(rt, currency))
    statement = newest_first(statement, col(CreditTransaction.created_at), col(CreditTransaction.id), after, limit)
    async with rt.db.read() as session:
        rows = list((await session.execute(statement)).scalars())
    return build_page(rows, limit, lambda row: (row.created_at, row.id), after)


def _amount(value: int, field: str, *, allow_zero: bool = False, allow_negative: bool = False) -> int:
    if (value == 0 and not allow_zero) or (value < 0 and not allow_negative) or abs(value) > MAX_CREDIT:
        raise CreditError.one(CreditErrorCode.INVALID_AMOUNT, "Give a positive amount within limits.", field)
    return value


def _audit(
    session: AsyncSession,
    meta: RequestMeta | None,
    event_type: SecurityEventType,
    principal: Principal,
    customer_id: uuid.UUID,
    detail: str,
) -> None:
    audit.staff_work(session, meta, event_type, actor_id=principal.customer_id, customer_id=customer_id, detail=detail)


async def adjust(
    rt: Runtime,
    principal: Principal,
    customer_id: uuid.UUID,
    amount: int,
    currency: str | None,
    note: str | None,
    meta: RequestMeta | None = None,
) -> Balance:
    """An administrator credits (or debits) the account, e.g. goodwill or a refund as store credit."""
    if not principal.is_admin:
        raise PermissionDeniedError()
    code = _currency(rt, currency)
    _amount(amount, "amount", allow_negative=True)
    reason = _reason(note, "note", required=True, limit=MAX_NOTE)
    async with rt.db.unit_of_work() as session:
        if await session.get(Customer, customer_id) is None:
            raise CreditError.one(CreditErrorCode.NOT_FOUND, "No such customer.", "customerId")
        account = await locked_account(session, customer_id, code)
        if amount < 0 and account.balance + account.credit_limit + amount < 0:
            raise CreditError.one(
                CreditErrorCode.INSUFFICIENT_CREDIT, "That would take the account past its credit limit.", "amount"
            )
        await post(
            session, account, amount, CreditTransactionReason.ADJUSTMENT, note=reason, actor_id=principal.customer_id
        )
        moved = f"{to_decimal(amount, code):+} {code}: {reason}"
        _audit(session, meta, SecurityEventType.STORE_CREDIT_ADJUSTED, principal, customer_id, moved)
        return Balance(code, account.balance, account.credit_limit)


async def record_payment(
    rt: Runtime,
    principal: Principal,
    customer_id: uuid.UUID,
    amount: int,
    currency: str | None,
    reference: str | None,
    note: str | None,
    meta: RequestMeta | None = None,
) -> Balance:
    """An administrator records money received for the account outside the gateway (a bank transfer),
    under the payer's reference. The same reference is recorded once per account: sending it again (a
    double click, a retried request) is refused, never credited twice."""
    if not principal.is_admin:
        raise PermissionDeniedError()
    code = _currency(rt, currency)
    _amount(amount, "amount")
    payer_reference = _reason(reference, "reference", required=True, limit=MAX_REFERENCE)
    text = _reason(note, "note", required=False, limit=MAX_NOTE)
    async with rt.db.unit_of_work() as session:
        if await session.get(Customer, customer_id) is None:
            raise CreditError.one(CreditErrorCode.NOT_FOUND, "No such customer.", "customerId")
        account = await locked_account(session, customer_id, code)  # serialises two recordings of one account
        recorded = await session.scalar(
            select(func.count())
            .select_from(CreditTransaction)
            .where(
                col(CreditTransaction.account_id) == account.id,
                col(CreditTransaction.reason) == CreditTransactionReason.PAYMENT_RECEIVED,
                col(CreditTransaction.reference) == payer_reference,
            )
        )
        if recorded:
            raise CreditError.one(
                CreditErrorCode.DUPLICATE_REFERENCE,
                "A payment with this reference is recorded for this account already.",
                "reference",
            )
        await post(
            session,
            account,
            amount,
            CreditTransactionReason.PAYMENT_RECEIVED,
            reference=payer_reference,
            note=text,
            actor_id=principal.customer_id,
        )
        received = f"{to_decimal(amount, code)} {code}, reference {payer_reference}" + (f": {text}" if text else "")
        _audit(session, meta, SecurityEventType.ACCOUNT_PAYMENT_RECORDED, principal, customer_id, received)
        return Balance(code, account.balance, account.credit_limit)


async def receive_payment(session: AsyncSession, payment: Payment) -> None:
    """A payment of the on-account balance through the gateway succeeded: credited to the account under its
    receipt number (the caller holds the payment's lock, so it is credited once)."""
    account = await locked_account(session, payment.customer_id, payment.currency)
    await post(
        session,
        account,
        payment.amount,
        CreditTransactionReason.PAYMENT_RECEIVED,
        reference=payment.receipt_number,
        note=f"Paid online: {payment.method_label}",
    )


async def request_limit(
    rt: Runtime, principal: Principal, amount: int, currency: str | None, reason: str | None
) -> CreditLimitRequest:
    if principal.customer_id is None:
        raise NotAuthenticatedError()
    code = _currency(rt, currency)
    _amount(amount, "amount")
    text = _reason(reason, "reason", required=True)
    assert text is not None
    async with rt.db.unit_of_work() as session:
        await lock_customer(session, principal.customer_id)  # one pending request at a time
        pending = (
            await session.execute(
                select(col(CreditLimitRequest.id)).where(
                    col(CreditLimitRequest.customer_id) == principal.customer_id,
                    col(CreditLimitRequest.currency) == code,
                    col(CreditLimitRequest.status) == CreditLimitRequestStatus.PENDING,
                )
            )
        ).first()
        if pending is not None:
            raise CreditError.one(
                CreditErrorCode.REQUEST_ALREADY_PENDING, "A request for this currency is waiting for a decision."
            )
        request = CreditLimitRequest(
            customer_id=principal.customer_id,
            currency=code,
            amount=amount,
            reason=text,
            status=CreditLimitRequestStatus.PENDING,
        )
        session.add(request)
    return request


async def requests(
    rt: Runtime,
    principal: Principal,
    *,
    status: CreditLimitRequestStatus | None,
    first: int | None,
    after: str | None,
) -> Page[CreditLimitRequest]:
    if not principal.is_admin:
        raise PermissionDeniedError()
    limit = page_size(first)
    statement = select(CreditLimitRequest)
    if status is not None:
        statement = statement.where(col(CreditLimitRequest.status) == status)
    statement = newest_first(statement, col(CreditLimitRequest.created_at), col(CreditLimitRequest.id), after, limit)
    async with rt.db.read() as session:
        rows = list((await session.execute(statement)).scalars())
    return build_page(rows, limit, lambda row: (row.created_at, row.id), after)


async def customer_requests(rt: Runtime, principal: Principal, customer_id: uuid.UUID) -> list[CreditLimitRequest]:
    if not principal.can_see_customer(customer_id):
        return []
    async with rt.db.read() as session:
        rows = await session.execute(
            select(CreditLimitRequest)
            .where(col(CreditLimitRequest.customer_id) == customer_id)
            .order_by(col(CreditLimitRequest.created_at).desc(), col(CreditLimitRequest.id))
            .limit(50)
        )
        return list(rows.scalars())


async def request_currency(rt: Runtime, request_id: uuid.UUID | None) -> str | None:
    """The currency a request is in (to read an amount given for it); None when there is no such request."""
    if request_id is None:
        return None
    async with rt.db.read() as session:
        request = await session.get(CreditLimitRequest, request_id)
    return request.currency if request else None


async def decide(
    rt: Runtime,
    principal: Principal,
    request_id: uuid.UUID | None,
    *,
    approve: bool,
    amount: int | None,
    reason: str | None,
    meta: RequestMeta | None = None,
) -> CreditLimitRequest:
    """Approve (with the limit granted: the amount asked for unless another is given) or decline (with a
    reason); the customer is told by email either way."""
    if not principal.is_admin:
        raise PermissionDeniedError()
    text = _reason(reason, "reason", required=not approve)
    if amount is not None:
        _amount(amount, "amount", allow_zero=True)
    async with rt.db.unit_of_work() as session:
        request = await session.get(CreditLimitRequest, request_id, with_for_update=True) if request_id else None
        if request is None:
            raise CreditError.one(CreditErrorCode.NOT_FOUND, "No such request.", "requestId")
        if request.status is not CreditLimitRequestStatus.PENDING:
            raise CreditError.one(CreditErrorCode.ALREADY_DECIDED, "This request has already been decided.")
        customer = await session.get(Customer, request.customer_id)
        assert customer is not None
        request.decided_by, request.decided_at, request.decision_reason = principal.customer_id, utcnow(), text
        values: dict[str, MessageValue] = {"name": customer.first_name or "", "currency": request.currency}
        if approve:
            granted = request.amount if amount is None else amount
            account = await locked_account(session, request.customer_id, request.currency)
            account.credit_limit, account.updated_at = granted, utcnow()
            session.add(account)
            request.status, request.approved_amount = CreditLimitRequestStatus.APPROVED, granted
            values["amount"] = Money(granted, request.currency)
            await messages.email(session, rt, "credit_limit_approved", customer.email, values, customer_id=customer.id)
        else:
            request.status = CreditLimitRequestStatus.DECLINED
            values["reason"] = text or ""
            await messages.email(session, rt, "credit_limit_declined", customer.email, values, customer_id=customer.id)
        session.add(request)
        await event_data.credit_limit_decided(session, request)
        decided = (
            f"approved {to_decimal(request.approved_amount or 0, request.currency)} {request.currency}"
            if approve
            else "declined"
        )
        why = f"{decided}: {text}" if text else decided
        _audit(session, meta, SecurityEventType.CREDIT_LIMIT_DECIDED, principal, request.customer_id, why)
    return request
