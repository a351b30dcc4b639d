"""What a return request is worth: its input checked against the order, and the refund it would pay.

Used twice with the same rules: by `returnCalculate` (a preview, nothing stored) and by `requestReturn`
(under the order's lock, so two requests racing for the last unit of a line cannot both get it).

Amounts: a returned unit is worth its share of the line's total with tax, less its share of the order's
discount. Shares are taken cumulatively (what units 1..k of a line are worth, minus units 1..k-1), so
returning a line in several parts pays back exactly what returning it at once would, to the minor unit.
"""

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.documents.model import utc
from app.runtime import Runtime
from app.services.errors import DomainError, ErrorDetail
from app.services.validation import neutralize_text
from models.order import Order, OrderLine, OrderStatus, OrderStatusChange
from models.payment import Payment, PaymentStatus
from models.product import Product
from models.returns import (
    ReturnLine,
    ReturnReason,
    ReturnRefund,
    ReturnRefundDestination,
    ReturnRefundStatus,
    ReturnRequest,
    ReturnResolution,
    ReturnStatus,
)

MAX_LINES = 100
MAX_NOTE = 1000
R = ReturnReason
# The customer's own reasons: deductions (restocking fee, return shipping) apply. For the others the
# fault is ours or the carrier's, and the whole value is paid back.
CUSTOMER_REASONS = frozenset({R.NO_LONGER_NEEDED, R.SIZE_OR_FIT})
REASON_LABELS = {
    R.DAMAGED: "Arrived damaged",
    R.DEFECTIVE: "Does not work",
    R.WRONG_ITEM: "Wrong item sent",
    R.NOT_AS_DESCRIBED: "Not as described",
    R.SIZE_OR_FIT: "Wrong size or fit",
    R.NO_LONGER_NEEDED: "No longer needed",
    R.ARRIVED_LATE: "Arrived too late",
    R.OTHER: "Other reason",
}
# Statuses of a request that no longer covers its lines (so they can be asked for again).
NOT_COVERING = (ReturnStatus.REJECTED,)
# Refund rows that count against a payment: done or under way (CANCELLED ones were paid another way).
COUNTING = (ReturnRefundStatus.PENDING, ReturnRefundStatus.SUCCEEDED, ReturnRefundStatus.FAILED)


class ReturnErrorCode(enum.Enum):
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    INVALID = "INVALID"
    INVALID_QUANTITY = "INVALID_QUANTITY"
    DUPLICATE_LINE = "DUPLICATE_LINE"
    ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
    ORDER_LINE_NOT_FOUND = "ORDER_LINE_NOT_FOUND"
    ORDER_NOT_DELIVERED = "ORDER_NOT_DELIVERED"
    RETURN_WINDOW_CLOSED = "RETURN_WINDOW_CLOSED"
    NOT_RETURNABLE = "NOT_RETURNABLE"
    QUANTITY_EXCEEDED = "QUANTITY_EXCEEDED"
    NOT_FOUND = "NOT_FOUND"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    NOTHING_TO_RETRY = "NOTHING_TO_RETRY"
    REFUND_OUTCOME_UNKNOWN = "REFUND_OUTCOME_UNKNOWN"


class ReturnError(DomainError):
    @classmethod
    def one(cls, code: ReturnErrorCode, message: str, *field_path: str) -> "ReturnError":
        return cls(ErrorDetail(code, message, field_path or None))


@dataclass
class ReturnLineData:
    order_line_id: uuid.UUID | None  # None: an id that names no order line
    quantity: int
    reason: ReturnReason


@dataclass
class ReturnRequestData:
    order_id: uuid.UUID | None
    lines: list[ReturnLineData]
    resolution: ReturnResolution
    note: str | None = None


@dataclass(frozen=True)
class LineQuote:
    order_line: OrderLine
    quantity: int
    reason: ReturnReason
    amount: int  # tax included, discount share taken off
    tax_amount: int
    still_returnable: int  # of the order line, before this request


@dataclass(frozen=True)
class Quote:
    order: Order
    lines: tuple[LineQuote, ...]
    subtotal: int
    tax_total: int
    restocking_fee: int
    shipping_deduction: int
    refund_total: int
    destination: ReturnRefundDestination
    delivered_at: datetime
    returnable_until: datetime

    @property
    def currency(self) -> str:
        return self.order.currency


def _check_input(data: ReturnRequestData) -> None:
    errors: list[ErrorDetail] = []
    if data.order_id is None:
        errors.append(ErrorDetail(ReturnErrorCode.ORDER_NOT_FOUND, "No such order.", ("orderId",)))
    if data.note is not None:
        data.note = neutralize_text(data.note).strip() or None
        if data.note is not None and len(data.note) > MAX_NOTE:
            errors.append(ErrorDetail(ReturnErrorCode.TOO_LONG, f"Use at most {MAX_NOTE} characters.", ("note",)))
    if not data.lines:
        errors.append(ErrorDetail(ReturnErrorCode.REQUIRED, "Choose at least one line to return.", ("lines",)))
    elif len(data.lines) > MAX_LINES:
        errors.append(ErrorDetail(ReturnErrorCode.INVALID, f"At most {MAX_LINES} lines.", ("lines",)))
    seen: set[uuid.UUID] = set()
    for index, line in enumerate(data.lines[:MAX_LINES]):
        path = ("lines", str(index))
        if line.order_line_id is None:
            errors.append(
                ErrorDetail(ReturnErrorCode.ORDER_LINE_NOT_FOUND, "No such order line.", (*path, "orderLineId"))
            )
        elif line.order_line_id in seen:
            errors.append(
                ErrorDetail(ReturnErrorCode.DUPLICATE_LINE, "Name each order line once.", (*path, "orderLineId"))
            )
        else:
            seen.add(line.order_line_id)
        if line.quantity < 1:
            errors.append(ErrorDetail(ReturnErrorCode.INVALID_QUANTITY, "Return at least one.", (*path, "quantity")))
    if errors:
        raise ReturnError(*errors)


async def delivered_at(session: AsyncSession, order: Order) -> datetime:
    """When the order was delivered: its latest move to DELIVERED (the window counts from there)."""
    found = (
        await session.execute(
            select(func.max(col(OrderStatusChange.created_at))).where(
                col(OrderStatusChange.order_id) == order.id, col(OrderStatusChange.to_status) == OrderStatus.DELIVERED
            )
        )
    ).scalar_one_or_none()
    return utc(found or order.updated_at)


async def covered_quantities(
    session: AsyncSession, line_ids: list[uuid.UUID], *, excluding: uuid.UUID | None = None
) -> dict[uuid.UUID, int]:
    """How much of each order line open or completed returns already cover."""
    statement = (
        select(col(ReturnLine.order_line_id), func.sum(col(ReturnLine.quantity)))
        .join(ReturnRequest, col(ReturnRequest.id) == col(ReturnLine.return_id))
        .where(col(ReturnLine.order_line_id).in_(line_ids), col(ReturnRequest.status).not_in(NOT_COVERING))
        .group_by(col(ReturnLine.order_line_id))
    )
    if excluding is not None:
        statement = statement.where(col(ReturnRequest.id) != excluding)
    return {line_id: int(total) for line_id, total in (await session.execute(statement)).all()}


async def referenced_lines(session: AsyncSession, line_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """The order lines any return names (rejected ones too: their rows point at the line)."""
    if not line_ids:
        return set()
    found = await session.execute(
        select(col(ReturnLine.order_line_id)).where(col(ReturnLine.order_line_id).in_(line_ids)).distinct()
    )
    return set(found.scalars())


async def refundable_payments(
    session: AsyncSession, order_id: uuid.UUID, *, lock: bool = False
) -> list[tuple[Payment, int]]:
    """The order's settled payments made here, each with what it can still give back (oldest first)."""
    statement = (
        select(Payment)
        .where(col(Payment.order_id) == order_id, col(Payment.status) == PaymentStatus.SUCCEEDED)
        .order_by(col(Payment.created_at), col(Payment.id))
    )
    if lock:
        statement = statement.with_for_update()
    payments = list((await session.execute(statement)).scalars())
    given = await returned_amounts(session, [payment.id for payment in payments])
    return [(payment, payment.amount - given.get(payment.id, 0)) for payment in payments]


async def returned_amounts(session: AsyncSession, payment_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """What returns have given back (or are giving back) of each payment."""
    if not payment_ids:
        return {}
    rows = await session.execute(
        select(col(ReturnRefund.payment_id), func.sum(col(ReturnRefund.amount)))
        .where(col(ReturnRefund.payment_id).in_(payment_ids), col(ReturnRefund.status).in_(COUNTING))
        .group_by(col(ReturnRefund.payment_id))
    )
    return {payment_id: int(total) for payment_id, total in rows.all() if payment_id is not None}


def _share(value: int, units: int, of: int) -> int:
    """What `units` of `of` units are worth, rounded down (cumulative shares add up to `value`)."""
    return value * units // of if of else 0


def _discount_shares(lines: list[OrderLine], discount: int) -> dict[uuid.UUID, int]:
    """The order discount spread over the lines by value; the cents rounding leaves go to the largest line,
    so the shares add up to the discount exactly."""
    gross = {line.id: line.total + line.tax_amount for line in lines}
    whole = sum(gross.values())
    shares = {line_id: _share(discount, value, whole) for line_id, value in gross.items()}
    if shares and whole:
        largest = max(gross, key=lambda line_id: gross[line_id])
        shares[largest] += min(discount, whole) - sum(shares.values())
    return shares


async def quote(
    session: AsyncSession,
    rt: Runtime,
    customer_id: uuid.UUID,
    data: ReturnRequestData,
    now: datetime,
    *,
    lock: bool = False,
) -> Quote:
    """Check the request against the caller's order and price it. With `lock`, the order row is locked
    (the caller holds the customer's lock already: customer, then order)."""
    _check_input(data)
    statement = select(Order).where(col(Order.id) == data.order_id, col(Order.customer_id) == customer_id)
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    order = (await session.execute(statement)).scalar_one_or_none()
    if order is None:
        raise ReturnError.one(ReturnErrorCode.ORDER_NOT_FOUND, "No such order.", "orderId")
    if order.status is not OrderStatus.DELIVERED:
        raise ReturnError.one(
            ReturnErrorCode.ORDER_NOT_DELIVERED,
            f"Only delivered orders can be returned; this one is {order.status.value}.",
            "orderId",
        )
    delivered = await delivered_at(session, order)
    until = delivered + timedelta(days=rt.settings.return_window_days)
    if now > until:
        raise ReturnError.one(
            ReturnErrorCode.RETURN_WINDOW_CLOSED,
            f"The return window closed on {until:%Y-%m-%d %H:%M} UTC.",
            "orderId",
        )
    order_lines = list(
        (
            await session.execute(
                select(OrderLine).where(col(OrderLine.order_id) == order.id).order_by(col(OrderLine.position))
            )
        ).scalars()
    )
    by_id = {line.id: line for line in order_lines}
    excluded = set(
        (
            await session.execute(
                select(col(Product.sku)).where(
                    col(Product.sku).in_({line.sku for line in order_lines}), col(Product.returnable).is_(False)
                )
            )
        ).scalars()
    )
    covered = await covered_quantities(session, list(by_id))
    discounts = _discount_shares(order_lines, order.discount_total)
    errors: list[ErrorDetail] = []
    quoted: list[LineQuote] = []
    for index, wanted in enumerate(data.lines):
        path = ("lines", str(index))
        line = by_id.get(wanted.order_line_id) if wanted.order_line_id else None
        if line is None:
            errors.append(
                ErrorDetail(ReturnErrorCode.ORDER_LINE_NOT_FOUND, "No such line on this order.", (*path, "orderLineId"))
            )
            continue
        if line.sku in excluded:
            errors.append(
                ErrorDetail(ReturnErrorCode.NOT_RETURNABLE, f"{line.name} cannot be returned.", (*path, "orderLineId"))
            )
            continue
        already = covered.get(line.id, 0)
        left = max(line.quantity - already, 0)
        if wanted.quantity > left:
            errors.append(
                ErrorDetail(
                    ReturnErrorCode.QUANTITY_EXCEEDED,
                    f"Only {left} of {line.name} can still be returned (bought {line.quantity}).",
                    (*path, "quantity"),
                )
            )
            continue
        value = line.total + line.tax_amount - discounts[line.id]
        upto = already + wanted.quantity
        amount = _share(value, upto, line.quantity) - _share(value, already, line.quantity)
        tax = _share(line.tax_amount, upto, line.quantity) - _share(line.tax_amount, already, line.quantity)
        quoted.append(LineQuote(line, wanted.quantity, wanted.reason, max(amount, 0), min(tax, max(amount, 0)), left))
    if errors:
        raise ReturnError(*errors)
    subtotal = sum(line.amount for line in quoted)
    tax_total = sum(line.tax_amount for line in quoted)
    restocking = shipping = 0
    refund_total = 0
    destination = ReturnRefundDestination.NONE
    if data.resolution is not ReturnResolution.EXCHANGE:
        # Deductions come out of the lines returned for the customer's own reasons, never out of the others.
        own_reasons = sum(line.amount for line in quoted if line.reason in CUSTOMER_REASONS)
        restocking = min((own_reasons * rt.settings.return_restocking_fee_bp + 5_000) // 10_000, own_reasons)
        if own_reasons:
            shipping = min(rt.settings.return_shipping_fee, own_reasons - restocking)
        refund_total = subtotal - restocking - shipping
        destination = ReturnRefundDestination.STORE_CREDIT
        if data.resolution is ReturnResolution.REFUND:
            payments = await refundable_payments(session, order.id)
            if any(left > 0 for _, left in payments):
                destination = ReturnRefundDestination.ORIGINAL_PAYMENT
    return Quote(
        order=order,
        lines=tuple(quoted),
        subtotal=subtotal,
        tax_total=tax_total,
        restocking_fee=restocking,
        shipping_deduction=shipping,
        refund_total=refund_total,
        destination=destination,
        delivered_at=delivered,
        returnable_until=until,
    )
