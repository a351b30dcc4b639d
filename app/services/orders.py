"""Orders from the order system and the POS: idempotent upserts, the status machine, the timeline.

The integration owns an order's content; this server computes the totals from the lines (prices are
net, tax per line) so they always add up, matches the customer by id or email, and holds orders for
an email with no account as guest orders until that address's owner claims them.
"""

import enum
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.documents.model import format_rate
from app.events import Delivery
from app.money import is_currency, to_decimal
from app.outbox import enqueue_event
from app.pagination import Page, build_page, newest_first, page_size
from app.principal import Principal
from app.runtime import Runtime
from app.services import event_data, invoices
from app.services.customer_queries import customer_by_email
from app.services.errors import (
    DomainError,
    ErrorDetail,
    NotAuthenticatedError,
    NotFoundError,
    PermissionDeniedError,
)
from app.services.order_timeline import TimelineNote
from app.services.return_quotes import covered_quantities, referenced_lines
from app.services.validation import clean_email, email_key, neutralize_text
from models.base import utcnow
from models.customer import Customer, CustomerStatus
from models.order import (
    Order,
    OrderChannel,
    OrderLine,
    OrderStatus,
    OrderStatusChange,
    OrderTimelineReason,
    Shipment,
    TrackingEvent,
)
from models.payment import Invoice, Payment

S = OrderStatus
# Allowed transitions: one table, checked by every status change.
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING_PAYMENT: frozenset({S.PAID, S.CANCELLED}),
    S.PAID: frozenset({S.PROCESSING, S.CANCELLED, S.REFUNDED}),
    S.PROCESSING: frozenset({S.PARTIALLY_SHIPPED, S.SHIPPED, S.CANCELLED, S.REFUNDED}),
    S.PARTIALLY_SHIPPED: frozenset({S.SHIPPED, S.DELIVERED, S.REFUNDED}),
    S.SHIPPED: frozenset({S.DELIVERED, S.REFUNDED}),
    S.DELIVERED: frozenset({S.REFUNDED}),
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset(),
}
INITIAL_STATUSES = frozenset({S.PENDING_PAYMENT, S.PAID, S.PROCESSING, S.DELIVERED})
MAX_LINES = 500
MAX_QUANTITY = 100_000
MAX_AMOUNT = 10**13  # minor units; far above any real order, far below 64-bit limits


class OrderErrorCode(enum.Enum):
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    TOO_LONG = "TOO_LONG"
    INVALID_CURRENCY = "INVALID_CURRENCY"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    INVALID_QUANTITY = "INVALID_QUANTITY"
    INVALID_EMAIL = "INVALID_EMAIL"
    CUSTOMER_NOT_FOUND = "CUSTOMER_NOT_FOUND"
    NUMBER_TAKEN = "NUMBER_TAKEN"
    NOT_FOUND = "NOT_FOUND"
    ILLEGAL_TRANSITION = "ILLEGAL_TRANSITION"
    EMAIL_NOT_VERIFIED = "EMAIL_NOT_VERIFIED"
    INVALID_TOKEN = "INVALID_TOKEN"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"
    THROTTLED = "THROTTLED"
    LINE_RETURNED = "LINE_RETURNED"
    TAX_MISMATCH = "TAX_MISMATCH"


class OrderError(DomainError):
    @classmethod
    def one(cls, code: OrderErrorCode, message: str, *field_path: str) -> "OrderError":
        return cls(ErrorDetail(code, message, field_path or None))


@dataclass
class LineData:
    sku: str
    name: str
    quantity: int
    unit_price: int
    tax_rate_bp: int = 0
    tax_amount: int = 0


@dataclass
class OrderData:
    source: str
    external_id: str
    number: str
    currency: str
    placed_at: datetime
    lines: list[LineData]
    channel: OrderChannel = OrderChannel.ONLINE
    status: OrderStatus = OrderStatus.PENDING_PAYMENT
    customer_id: uuid.UUID | None = None
    customer_id_sent: bool = False
    email: str | None = None
    discount_total: int = 0
    shipping_total: int = 0
    billing_address: dict[str, Any] | None = None
    shipping_address: dict[str, Any] | None = None


@dataclass
class OrderWithLines:
    """An order with its lines and timeline, read together (the API hands these down as plain objects)."""

    order: Order
    lines: list[OrderLine] = field(default_factory=list)
    timeline: list[OrderStatusChange] = field(default_factory=list)
    shipments: list[Shipment] = field(default_factory=list)
    events: list[TrackingEvent] = field(default_factory=list)
    invoice: Invoice | None = None
    payments: list[Payment] = field(default_factory=list)


ORDER_STATUS_EVENT = "order.status_changed"


def status_topics(order_id: uuid.UUID, customer_id: uuid.UUID | None) -> list[str]:
    """Where a status change is published: the order, its customer's orders, all orders (staff)."""
    topics = [f"order:{order_id}", "orders"]
    if customer_id is not None:
        topics.append(f"customer-orders:{customer_id}")
    return topics


async def record_status(
    session: AsyncSession,
    rt: Runtime,
    order: Order,
    status: OrderStatus,
    note: str | TimelineNote | None,
    *,
    service_account_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    at: datetime | None = None,
) -> None:
    """Move the order to `status` (already checked against TRANSITIONS), add it to the timeline and
    publish the change to subscribers once this unit of work commits; a change of status is an
    order.status_changed event too (placement is order.placed). `note`: the order system's own words (a
    str), or what this server says (a TimelineNote, stored with its reason and values)."""
    at = at or utcnow()
    previous = None if order.status is status else order.status
    said, text = (note, note.english()) if isinstance(note, TimelineNote) else (None, note)
    details = said.details() if said else None
    session.add(
        OrderStatusChange(
            order_id=order.id,
            from_status=previous,
            to_status=status,
            note=text,
            reason=said.reason if said else None,
            details=details,
            service_account_id=service_account_id,
            actor_id=actor_id,
            created_at=at,
        )
    )
    order.status, order.updated_at = status, utcnow()
    session.add(order)
    enqueue_event(
        session,
        rt.keyring,
        ORDER_STATUS_EVENT,
        status_topics(order.id, order.customer_id),
        {
            "orderId": str(order.id),
            "customerId": str(order.customer_id) if order.customer_id else None,
            "previousStatus": previous.value if previous else None,
            "status": status.value,
            "note": text,
            "reason": said.reason.value if said else None,
            "details": details,
            "changedAt": at.isoformat(),
        },
    )
    if previous is not None:
        reason = said.reason.value if said else None
        await event_data.order_status_changed(session, order, previous, note=text, reason=reason, at=at)


def require_scope(principal: Principal, scope: str) -> uuid.UUID:
    if principal.service_account_id is None or scope not in principal.scopes:
        raise PermissionDeniedError()
    return principal.service_account_id


def _text(value: str | None, path: tuple[str, ...], limit: int, errors: list[ErrorDetail]) -> str:
    value = (value or "").strip()
    if not value:
        errors.append(ErrorDetail(OrderErrorCode.REQUIRED, "This is required.", path))
    elif len(value) > limit:
        errors.append(ErrorDetail(OrderErrorCode.TOO_LONG, f"Use at most {limit} characters.", path))
    return value


def _amount(value: int, path: tuple[str, ...], errors: list[ErrorDetail]) -> None:
    if value < 0 or value > MAX_AMOUNT:
        errors.append(ErrorDetail(OrderErrorCode.INVALID_AMOUNT, "Not a valid amount.", path))


def rate_bp(percent: Decimal) -> int | None:
    """A percent with at most two decimals in basis points (19 -> 1900, 7.7 -> 770); None for anything else
    (NaN, infinities, more decimals). The range is checked with the order."""
    if not percent.is_finite() or percent.adjusted() > 5:
        return None
    scaled = percent.scaleb(2)
    if scaled != scaled.to_integral_value():
        return None
    return int(scaled)


def _check_rate(line: LineData, path: tuple[str, ...], errors: list[ErrorDetail]) -> bool:
    if not 0 <= line.tax_rate_bp <= 10_000:
        errors.append(ErrorDetail(OrderErrorCode.INVALID, "A tax rate from 0 to 100 %.", (*path, "taxRate")))
        return False
    if 0 < line.tax_rate_bp < 100:
        # No VAT or sales tax rate is this low; it is a fraction (0.19) sent where a percent (19) is meant.
        errors.append(
            ErrorDetail(
                OrderErrorCode.INVALID,
                "Send the rate in percent (19 for 19 %); rates between 0 and 1 % are refused.",
                (*path, "taxRate"),
            )
        )
        return False
    return True


def _check_tax(line: LineData, currency: str, path: tuple[str, ...], errors: list[ErrorDetail]) -> None:
    """The line's tax must be its quantity times unit price times its rate, before the order discount (the
    invoice shows each rate's tax on the undiscounted nets and takes the discount off the gross total).
    The sending system may round once per line (the line's tax within one minor unit of the exact amount) or
    once per unit (the quantity times a unit tax less than one minor unit from the exact unit tax, rounded
    either way); both cover net prices derived from gross ones. Nothing in between: a cheap line bought in
    bulk gives no room for an arbitrary amount."""
    exact = line.quantity * line.unit_price * line.tax_rate_bp  # the tax times 10,000
    per_line = abs(line.tax_amount * 10_000 - exact) <= 10_000
    unit_tax, remainder = divmod(line.tax_amount, line.quantity) if line.quantity > 0 else (0, 1)
    per_unit = remainder == 0 and abs(unit_tax * 10_000 - line.unit_price * line.tax_rate_bp) < 10_000
    if (per_line or per_unit) and (line.tax_rate_bp or not line.tax_amount):
        return
    expected = (exact + 5_000) // 10_000

    def shown(minor: int) -> str:
        return f"{to_decimal(minor, currency)} {currency}" if is_currency(currency) else str(minor)

    errors.append(
        ErrorDetail(
            OrderErrorCode.TAX_MISMATCH,
            f"At {format_rate(line.tax_rate_bp)} this line's tax is {shown(expected)} (rounded once per line, or once per unit); "
            f"{shown(line.tax_amount)} was sent. Rates are percents (19 for 19 %).",
            (*path, "taxAmount"),
        )
    )


def _address(value: dict[str, Any] | None, path: tuple[str, ...], errors: list[ErrorDetail]) -> dict[str, Any] | None:
    if value is None:
        return None
    clean = {}
    for key, item in value.items():
        if item is None:
            continue
        if len(str(item)) > 200:
            errors.append(ErrorDetail(OrderErrorCode.TOO_LONG, "Use at most 200 characters.", (*path, key)))
        clean[key] = neutralize_text(str(item)).strip()
    return clean


def validate(data: OrderData) -> OrderData:
    errors: list[ErrorDetail] = []
    data.source = _text(data.source, ("source",), 64, errors)
    data.external_id = _text(data.external_id, ("externalId",), 128, errors)
    data.number = _text(data.number, ("number",), 32, errors)
    data.currency = (data.currency or "").strip().upper()
    if not is_currency(data.currency):
        errors.append(ErrorDetail(OrderErrorCode.INVALID_CURRENCY, "Use an ISO 4217 currency code.", ("currencyCode",)))
    if data.placed_at.tzinfo is None:
        errors.append(ErrorDetail(OrderErrorCode.INVALID, "Send the time with its offset.", ("placedAt",)))
    if data.status not in INITIAL_STATUSES:
        errors.append(
            ErrorDetail(
                OrderErrorCode.INVALID, "An order starts pending payment, paid, processing or delivered.", ("status",)
            )
        )
    if not data.lines:
        errors.append(ErrorDetail(OrderErrorCode.REQUIRED, "An order has at least one line.", ("lines",)))
    if len(data.lines) > MAX_LINES:
        errors.append(ErrorDetail(OrderErrorCode.INVALID, f"At most {MAX_LINES} lines.", ("lines",)))
    for index, line in enumerate(data.lines[:MAX_LINES]):
        path = ("lines", str(index))
        line.sku = _text(line.sku, (*path, "sku"), 64, errors)
        line.name = _text(neutralize_text(line.name), (*path, "name"), 200, errors)
        before = len(errors)
        if not 0 < line.quantity <= MAX_QUANTITY:
            errors.append(ErrorDetail(OrderErrorCode.INVALID_QUANTITY, "A quantity of 1 or more.", (*path, "quantity")))
        _amount(line.unit_price, (*path, "unitPrice"), errors)
        _amount(line.tax_amount, (*path, "taxAmount"), errors)
        if _check_rate(line, path, errors) and len(errors) == before:
            _check_tax(line, data.currency, path, errors)
    _amount(data.discount_total, ("discountTotal",), errors)
    _amount(data.shipping_total, ("shippingTotal",), errors)
    if data.email is not None:
        email_errors: list[ErrorDetail] = []
        data.email = clean_email(data.email, ("email",), email_errors)
        errors += [ErrorDetail(OrderErrorCode.INVALID_EMAIL, e.message, e.field) for e in email_errors]
    if data.customer_id is None and data.email is None:
        if data.customer_id_sent:
            errors.append(ErrorDetail(OrderErrorCode.CUSTOMER_NOT_FOUND, "No such customer.", ("customerId",)))
        else:
            errors.append(ErrorDetail(OrderErrorCode.REQUIRED, "Send the customer's id or email.", ("email",)))
    data.billing_address = _address(data.billing_address, ("billingAddress",), errors)
    data.shipping_address = _address(data.shipping_address, ("shippingAddress",), errors)
    if errors:
        raise OrderError(*errors)
    subtotal = sum(line.quantity * line.unit_price for line in data.lines)
    if subtotal - data.discount_total < 0:
        raise OrderError.one(OrderErrorCode.INVALID_AMOUNT, "The discount is larger than the lines.", "discountTotal")
    return data


def _totals(data: OrderData) -> dict[str, int]:
    subtotal = sum(line.quantity * line.unit_price for line in data.lines)
    tax = sum(line.tax_amount for line in data.lines)
    return {
        "subtotal": subtotal,
        "discount_total": data.discount_total,
        "shipping_total": data.shipping_total,
        "tax_total": tax,
        "total": subtotal - data.discount_total + data.shipping_total + tax,
    }


async def _match_customer(session: AsyncSession, data: OrderData) -> tuple[uuid.UUID | None, str | None]:
    """The customer by id (must exist) or by email (a guest order when nobody has it)."""
    if data.customer_id is not None:
        customer = await session.get(Customer, data.customer_id)
        if customer is None or customer.status is CustomerStatus.DELETED:
            raise OrderError.one(OrderErrorCode.CUSTOMER_NOT_FOUND, "No such customer.", "customerId")
        return customer.id, None
    assert data.email is not None
    found = await customer_by_email(session, data.email)
    # Only an address its owner proved: an account someone registered with another person's email
    # (never confirmed) must not receive that person's orders. Those wait as guest orders.
    if found is not None and found.status is not CustomerStatus.DELETED and found.email_verified_at is not None:
        return found.id, None
    return None, data.email


def _lines(order_id: uuid.UUID, data: OrderData) -> list[OrderLine]:
    return [
        OrderLine(
            order_id=order_id,
            position=index,
            sku=line.sku,
            name=line.name,
            quantity=line.quantity,
            unit_price=line.unit_price,
            tax_rate_bp=line.tax_rate_bp,
            tax_amount=line.tax_amount,
            total=line.quantity * line.unit_price,
        )
        for index, line in enumerate(data.lines)
    ]


async def _replace_lines(session: AsyncSession, order: Order, data: OrderData) -> Counter[str]:
    """The order's lines as now pushed. Lines that returns name keep their rows (updated in place), so a
    re-push must keep them at their position with their SKU and at least the quantity returned. Returns the
    quantities per SKU before."""
    old = list((await session.execute(select(OrderLine).where(col(OrderLine.order_id) == order.id))).scalars())
    before = event_data.quantities((line.sku, line.quantity) for line in old)
    ids = [line.id for line in old]
    referenced, covered = await referenced_lines(session, ids), await covered_quantities(session, ids)
    kept: dict[int, OrderLine] = {}
    errors: list[ErrorDetail] = []
    for line in old:
        if line.id not in referenced:
            continue
        new = data.lines[line.position] if line.position < len(data.lines) else None
        returned = covered.get(line.id, 0)
        if new is None or new.sku != line.sku or new.quantity < returned:
            message = f"Line {line.position + 1} ({line.sku}) is named by a return ({returned} returned); keep it."
            errors.append(ErrorDetail(OrderErrorCode.LINE_RETURNED, message, ("lines", str(line.position))))
        kept[line.position] = line
    if errors:
        raise OrderError(*errors)
    await session.execute(
        delete(OrderLine).where(
            col(OrderLine.order_id) == order.id, col(OrderLine.id).not_in([line.id for line in kept.values()])
        )
    )
    for row in _lines(order.id, data):
        same = kept.get(row.position)
        if same is None:
            session.add(row)
            continue
        same.name, same.quantity, same.unit_price = row.name, row.quantity, row.unit_price
        same.tax_rate_bp, same.tax_amount, same.total = row.tax_rate_bp, row.tax_amount, row.total
        session.add(same)
    return before


async def upsert_order(rt: Runtime, principal: Principal, data: OrderData) -> tuple[OrderWithLines, bool]:
    """Create the order, or update it when (source, external id) is known: safe to send again."""
    service_id = require_scope(principal, "orders:write")
    data = validate(data)
    now = utcnow()
    for attempt in range(2):
        try:
            async with rt.db.unit_of_work() as session:
                customer_id, guest_email = await _match_customer(session, data)
                existing = (
                    await session.execute(
                        select(Order)
                        .where(col(Order.source) == data.source, col(Order.external_id) == data.external_id)
                        .with_for_update()
                    )
                ).scalar_one_or_none()
                created = existing is None
                order = existing or Order(
                    source=data.source,
                    external_id=data.external_id,
                    status=data.status,
                    number=data.number,
                    currency=data.currency,
                    subtotal=0,
                    total=0,
                    placed_at=data.placed_at,
                    channel=data.channel,
                )
                for name, value in _totals(data).items():
                    setattr(order, name, value)
                order.number, order.currency, order.channel = data.number, data.currency, data.channel
                order.placed_at, order.updated_at = data.placed_at, now
                order.billing_address, order.shipping_address = data.billing_address, data.shipping_address
                if order.customer_id is None:  # a claimed or matched order never goes back to being a guest's
                    order.customer_id = customer_id
                    order.guest_email = guest_email
                    order.guest_email_key = email_key(guest_email) if guest_email else None
                session.add(order)
                await session.flush()
                if created:
                    session.add_all(_lines(order.id, data))
                else:
                    before = await _replace_lines(session, order, data)
                    after = event_data.quantities((line.sku, line.quantity) for line in data.lines)
                    event_data.order_lines_changed(session, order, before, after, event_data.names_of(data.lines))
                if created:
                    await record_status(
                        session,
                        rt,
                        order,
                        order.status,
                        TimelineNote(OrderTimelineReason.PLACED),
                        service_account_id=service_id,
                        at=data.placed_at,
                    )
                    await event_data.order_placed(session, order)
                    await invoices.issue_for(session, rt, order)
                else:
                    await invoices.follow_order(session, order)
                await session.flush()
            return await read_order(rt, order.id), created
        except IntegrityError as exc:
            if "number" in str(exc.orig).lower() and "external" not in str(exc.orig).lower():
                raise OrderError.one(OrderErrorCode.NUMBER_TAKEN, "Another order has this number.", "number") from exc
            if attempt == 1:
                raise
            # Created by a concurrent call with the same source and external id: update that one.
    raise AssertionError("unreachable")


async def read_order(rt: Runtime, order_id: uuid.UUID) -> OrderWithLines:
    found = await find_order(rt, order_id)
    assert found is not None
    return found


async def find_order(rt: Runtime, order_id: uuid.UUID) -> OrderWithLines | None:
    async with rt.db.read() as session:
        order = await session.get(Order, order_id)
        if order is None:
            return None
        lines = (
            await session.execute(
                select(OrderLine).where(col(OrderLine.order_id) == order_id).order_by(col(OrderLine.position))
            )
        ).scalars()
        timeline = (
            await session.execute(
                select(OrderStatusChange)
                .where(col(OrderStatusChange.order_id) == order_id)
                .order_by(col(OrderStatusChange.created_at), col(OrderStatusChange.id))
            )
        ).scalars()
        shipments = (
            await session.execute(
                select(Shipment)
                .where(col(Shipment.order_id) == order_id)
                .order_by(col(Shipment.created_at), col(Shipment.id))
            )
        ).scalars()
        events = (
            await session.execute(
                select(TrackingEvent)
                .where(col(TrackingEvent.order_id) == order_id)
                .order_by(col(TrackingEvent.occurred_at), col(TrackingEvent.id))
            )
        ).scalars()
        invoice = (await session.execute(select(Invoice).where(col(Invoice.order_id) == order_id))).scalar_one_or_none()
        payments = (
            await session.execute(
                select(Payment).where(col(Payment.order_id) == order_id).order_by(col(Payment.created_at))
            )
        ).scalars()
        return OrderWithLines(
            order, list(lines), list(timeline), list(shipments), list(events), invoice, list(payments)
        )


async def update_order_status(
    rt: Runtime,
    principal: Principal,
    *,
    order_id: uuid.UUID | None,
    source: str | None,
    external_id: str | None,
    status: OrderStatus,
    note: str | None,
) -> OrderWithLines:
    service_id = require_scope(principal, "orders:write")
    if note is not None and len(note) > 500:
        raise OrderError.one(OrderErrorCode.TOO_LONG, "Use at most 500 characters.", "note")
    async with rt.db.unit_of_work() as session:
        statement = select(Order).with_for_update()
        if order_id is not None:
            statement = statement.where(col(Order.id) == order_id)
        elif source and external_id:
            statement = statement.where(
                col(Order.source) == source.strip(), col(Order.external_id) == external_id.strip()
            )
        else:
            raise OrderError.one(OrderErrorCode.REQUIRED, "Send orderId, or source and externalId.", "orderId")
        order = (await session.execute(statement)).scalar_one_or_none()
        if order is None:
            raise OrderError.one(OrderErrorCode.NOT_FOUND, "No such order.", "orderId")
        if status not in TRANSITIONS[order.status]:
            raise OrderError.one(
                OrderErrorCode.ILLEGAL_TRANSITION,
                f"An order that is {order.status.value} cannot become {status.value}.",
                "status",
            )
        previous, text = order.status, neutralize_text(note or "").strip() or None
        await record_status(session, rt, order, status, text, service_account_id=service_id)
        if status is OrderStatus.CANCELLED:
            await event_data.order_cancelled(session, order, previous, text)
        refunds = await invoices.follow_order(session, order)
    await invoices.refund_cards(rt, refunds)
    return await read_order(rt, order.id)


MAX_QUERY_LENGTH = 100


@dataclass(frozen=True)
class OrderFilter:
    statuses: tuple[OrderStatus, ...] = ()
    placed_after: datetime | None = None
    placed_before: datetime | None = None
    query: str | None = None


def _matching(filter: OrderFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filter.statuses:
        conditions.append(col(Order.status).in_(filter.statuses))
    if filter.placed_after is not None:
        conditions.append(col(Order.placed_at) >= filter.placed_after)
    if filter.placed_before is not None:
        conditions.append(col(Order.placed_at) < filter.placed_before)
    text = (filter.query or "").strip()[:MAX_QUERY_LENGTH].lower()
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        line_matches = exists().where(
            col(OrderLine.order_id) == col(Order.id),
            or_(
                func.lower(col(OrderLine.sku)).like(pattern, escape="\\"),
                func.lower(col(OrderLine.name)).like(pattern, escape="\\"),
            ),
        )
        conditions.append(or_(func.lower(col(Order.number)).like(pattern, escape="\\"), line_matches))
    return conditions


async def customer_orders(
    rt: Runtime,
    principal: Principal,
    customer_id: uuid.UUID,
    *,
    first: int | None,
    after: str | None,
    filter: OrderFilter,
) -> Page[Order]:
    """A customer's orders, newest first (keyset on placed-at and id), for the customer or staff."""
    if not principal.is_authenticated:
        raise NotAuthenticatedError()
    limit = page_size(first)
    if not principal.can_see_customer(customer_id):
        return build_page([], limit, lambda row: (row.placed_at, row.id), after)
    # Read-only rows with the order's columns as attributes: a page is shown, never changed, and rows
    # cost far less to build than ORM instances.
    statement = select(Order.__table__).where(  # type: ignore[attr-defined]
        col(Order.customer_id) == customer_id, *_matching(filter)
    )
    statement = newest_first(statement, col(Order.placed_at), col(Order.id), after, limit)
    async with rt.db.read() as session:
        rows: list[Any] = list((await session.execute(statement)).all())
    return build_page(rows, limit, lambda row: (row.placed_at, row.id), after)


@dataclass(frozen=True)
class StatusEvent:
    """A status change as a subscriber receives it, with the order as it is now."""

    order: OrderWithLines
    previous_status: OrderStatus | None
    status: OrderStatus
    note: str | None
    changed_at: datetime
    said: TimelineNote | None = None  # set when this server wrote the change (reason and values)


async def _can_watch(rt: Runtime, principal: Principal, order_id: uuid.UUID) -> bool:
    """Staff watch any order (guest orders too); a customer only their own."""
    async with rt.db.read() as session:
        found = (await session.execute(select(col(Order.customer_id)).where(col(Order.id) == order_id))).first()
    if found is None:
        return False
    return principal.is_staff or (found[0] is not None and found[0] == principal.customer_id)


async def status_subscription_topic(rt: Runtime, principal: Principal, order_id: uuid.UUID | None) -> str:
    """The topic to watch: one order (its owner or staff), or all of the caller's orders (staff: all)."""
    if not principal.is_authenticated:
        raise NotAuthenticatedError()
    if order_id is None:
        return "orders" if principal.is_staff else f"customer-orders:{principal.customer_id}"
    if not await _can_watch(rt, principal, order_id):
        raise NotFoundError("No such order.")
    return f"order:{order_id}"


async def status_event_for(rt: Runtime, principal: Principal, delivery: Delivery) -> StatusEvent | None:
    """The event to deliver, or None when this caller may not see it (checked again for every event:
    the order may have changed hands, the caller's roles may have changed). The order is read once per
    event for all of this process's subscribers."""
    event = await delivery.shared(ORDER_STATUS_EVENT, lambda: _read_status_event(rt, delivery.message))
    if event is None:
        return None
    owner = event.order.order.customer_id
    if not (principal.is_staff or (owner is not None and owner == principal.customer_id)):
        return None
    return event


async def _read_status_event(rt: Runtime, message: dict[str, Any]) -> StatusEvent | None:
    try:
        order_id = uuid.UUID(message["orderId"])
        status = OrderStatus(message["status"])
        previous = OrderStatus(message["previousStatus"]) if message.get("previousStatus") else None
        changed_at = datetime.fromisoformat(message["changedAt"])
    except (KeyError, ValueError, TypeError):
        return None
    found = await find_order(rt, order_id)
    if found is None:
        return None
    said = TimelineNote.read(message.get("reason"), message.get("details"))
    return StatusEvent(found, previous, status, message.get("note"), changed_at, said)
