"""Offers (quotes): staff write them, the customer accepts (it becomes an order), rejects or lets them expire.

States move along TRANSITIONS only. Validity is checked on the clock, not on the stored state: an offer
past its valid-until cannot be accepted even while the expiry job has not marked it EXPIRED yet. An
accepted offer is an order waiting for payment (with its invoice); however that order gets paid, the
payment service calls `order_paid` in the same unit of work and the offer becomes PAID. The customer
and the support address are emailed on every change.

While an offer is NEW, staff may revise it (new lines, validity and note; tax per line computed as on
creation) or withdraw it (WITHDRAWN, final). A revision keeps the version it replaces as an OfferRevision
that staff and the customer read ("revised on …"). Both take the same locks as accepting (the customer
row, then the offer row) and check the state under them, so a revision or withdrawal racing the
customer's accept or reject leaves exactly one of them done. Staff's reason goes to the audit log
(OFFER_REVISED, OFFER_WITHDRAWN, with the staff member as actor), not into the mail; the customer's own
security log shows it, as it shows every event about their account.
"""

import enum
import json
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime

import anyio
from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.documents.model import DocumentLine, Party, utc
from app.documents.offer import OfferDocument, render_offer
from app.i18n import N_
from app.links import Route, storefront_link
from app.money import is_currency, to_decimal
from app.pagination import Page, empty_page, newest_rows
from app.principal import Principal
from app.runtime import RequestMeta, Runtime
from app.security.signed_links import LinkError
from app.services import audit, event_data, invoices, messages
from app.services.callers import require_person, require_staff_member
from app.services.customer_queries import display_name, lock_customer
from app.services.errors import DomainError, ErrorDetail, NotAuthenticatedError
from app.services.numbers import owned_by_number
from app.services.order_timeline import TimelineNote
from app.services.orders import record_status
from app.services.validation import neutralize_text
from app.templates import MessageValue, Money, Text
from models.base import utcnow
from models.customer import Customer, CustomerStatus
from models.offer import Offer, OfferLine, OfferRevision, OfferState
from models.order import Order, OrderChannel, OrderLine, OrderStatus, OrderTimelineReason
from models.security import SecurityEventType

S = OfferState
# Allowed transitions: one table, checked by every state change.
TRANSITIONS: dict[OfferState, frozenset[OfferState]] = {
    S.NEW: frozenset({S.ACCEPTED, S.REJECTED, S.EXPIRED, S.WITHDRAWN}),
    S.ACCEPTED: frozenset({S.PAID}),
    S.REJECTED: frozenset(),
    S.EXPIRED: frozenset(),
    S.PAID: frozenset(),
    S.WITHDRAWN: frozenset(),
}
OFFER_SOURCE = "offer"  # the source of the orders offers become (their external id is the offer number)
OFFER_LINK = "offer"
MAX_LINES = 100
MAX_QUANTITY = 100_000
MAX_AMOUNT = 10**13  # minor units, as for orders
MAX_NOTE = 2000
MAX_REASON = 500
EXPIRE_BATCH = 100


class OfferErrorCode(enum.Enum):
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    TOO_LONG = "TOO_LONG"
    INVALID_CURRENCY = "INVALID_CURRENCY"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    INVALID_QUANTITY = "INVALID_QUANTITY"
    CUSTOMER_NOT_FOUND = "CUSTOMER_NOT_FOUND"
    NOT_FOUND = "NOT_FOUND"
    OFFER_EXPIRED = "OFFER_EXPIRED"
    OFFER_NOT_NEW = "OFFER_NOT_NEW"
    # Accepting names the revision the customer read, and staff revised it since.
    OFFER_REVISED = "OFFER_REVISED"
    OFFER_NOT_ACCEPTED = "OFFER_NOT_ACCEPTED"


class OfferError(DomainError):
    @classmethod
    def one(cls, code: OfferErrorCode, message: str, *field_path: str) -> "OfferError":
        return cls(ErrorDetail(code, message, field_path or None))


@dataclass
class OfferLineData:
    sku: str
    name: str
    quantity: int
    unit_price: int
    tax_rate_bp: int = 0


@dataclass
class OfferData:
    customer_id: uuid.UUID | None
    currency: str
    valid_until: datetime
    lines: list[OfferLineData]
    note: str | None = None
    # Amounts the API layer could not read (too many decimals for the currency …), reported with the rest.
    errors: list[ErrorDetail] = field(default_factory=list)


def line_tax(net: int, rate_bp: int) -> int:
    """Tax of a net line total at a rate in basis points, rounded half up to the minor unit."""
    return (net * rate_bp + 5_000) // 10_000


def is_expired(offer: Offer, now: datetime | None = None) -> bool:
    """Past its valid-until (valid up to and including that moment), whatever the stored state says."""
    return offer.state is OfferState.EXPIRED or (
        offer.state is OfferState.NEW and (now or utcnow()) > utc(offer.valid_until)
    )


def _text(value: str | None, path: tuple[str, ...], limit: int, errors: list[ErrorDetail]) -> str:
    value = (value or "").strip()
    if not value:
        errors.append(ErrorDetail(OfferErrorCode.REQUIRED, "This is required.", path))
    elif len(value) > limit:
        errors.append(ErrorDetail(OfferErrorCode.TOO_LONG, f"Use at most {limit} characters.", path))
    return value


def _validate(data: OfferData, now: datetime, *, revision: bool = False) -> None:
    errors = list(data.errors)
    if data.customer_id is None and not revision:
        errors.append(ErrorDetail(OfferErrorCode.CUSTOMER_NOT_FOUND, "No such customer.", ("customerId",)))
    data.currency = (data.currency or "").strip().upper()
    if not revision and not is_currency(data.currency):
        errors.append(ErrorDetail(OfferErrorCode.INVALID_CURRENCY, "Use an ISO 4217 currency code.", ("currency",)))
    if data.valid_until.tzinfo is None:
        errors.append(ErrorDetail(OfferErrorCode.INVALID, "Send the time with its offset.", ("validUntil",)))
    elif data.valid_until <= now:
        errors.append(ErrorDetail(OfferErrorCode.INVALID, "The offer must be valid in the future.", ("validUntil",)))
    if data.note is not None:
        data.note = neutralize_text(data.note).strip() or None
        if data.note is not None and len(data.note) > MAX_NOTE:
            errors.append(ErrorDetail(OfferErrorCode.TOO_LONG, f"Use at most {MAX_NOTE} characters.", ("note",)))
    if not data.lines:
        errors.append(ErrorDetail(OfferErrorCode.REQUIRED, "An offer has at least one line.", ("lines",)))
    if len(data.lines) > MAX_LINES:
        errors.append(ErrorDetail(OfferErrorCode.INVALID, f"At most {MAX_LINES} lines.", ("lines",)))
    for index, line in enumerate(data.lines[:MAX_LINES]):
        path = ("lines", str(index))
        line.sku = _text(line.sku, (*path, "sku"), 64, errors)
        line.name = _text(neutralize_text(line.name), (*path, "name"), 200, errors)
        if not 0 < line.quantity <= MAX_QUANTITY:
            errors.append(
                ErrorDetail(
                    OfferErrorCode.INVALID_QUANTITY, f"A quantity from 1 to {MAX_QUANTITY}.", (*path, "quantity")
                )
            )
        if not 0 <= line.unit_price <= MAX_AMOUNT:
            errors.append(ErrorDetail(OfferErrorCode.INVALID_AMOUNT, "Not a valid amount.", (*path, "unitPrice")))
        if not 0 <= line.tax_rate_bp <= 10_000:
            errors.append(
                ErrorDetail(OfferErrorCode.INVALID, "A tax rate from 0 to 10000 basis points.", (*path, "taxRateBp"))
            )
    if not errors and sum(line.quantity * line.unit_price for line in data.lines) > MAX_AMOUNT:
        errors.append(ErrorDetail(OfferErrorCode.INVALID_AMOUNT, "The offer's total is too large.", ("lines",)))
    if errors:
        raise OfferError(*errors)


def _lines(offer_id: uuid.UUID, data: OfferData) -> list[OfferLine]:
    rows = []
    for index, line in enumerate(data.lines):
        net = line.quantity * line.unit_price
        rows.append(
            OfferLine(
                offer_id=offer_id,
                position=index,
                sku=line.sku,
                name=line.name,
                quantity=line.quantity,
                unit_price=line.unit_price,
                tax_rate_bp=line.tax_rate_bp,
                tax_amount=line_tax(net, line.tax_rate_bp),
                total=net,
            )
        )
    return rows


def _new_number() -> str:
    return f"Q-{secrets.randbelow(10**8):08d}"


def _values(rt: Runtime, offer: Offer, customer: Customer, **extra: str) -> dict[str, MessageValue]:
    return {
        "name": display_name(customer),
        "number": offer.number,
        # Written in the recipient's locale and time zone when the mail is rendered.
        "total": Money(offer.total, offer.currency),
        "valid_until": utc(offer.valid_until),
        "customer_email": customer.email,
        "link": storefront_link(rt.settings, Route.OFFER, number=offer.number),
        **extra,
    }


async def _notify(
    session: AsyncSession,
    rt: Runtime,
    offer: Offer,
    customer: Customer,
    template: str,
    event: str,
    detail: Text,
    **extra: str,
) -> None:
    """Mail the customer (`template`) and the support address (what happened, and a detail line), each in their
    own language: `event` is an English msgid (N_), translated for the mailbox."""
    values = _values(rt, offer, customer, **extra)
    if customer.status is not CustomerStatus.DELETED:
        await messages.email(session, rt, template, customer.email, values, customer_id=customer.id)
    await messages.notify_support(session, rt, "offer_staff_notice", {**values, "event": Text(event), "detail": detail})


async def create_offer(rt: Runtime, principal: Principal, data: OfferData, meta: RequestMeta | None = None) -> Offer:
    """A new offer for a customer (staff only), emailed to them at once."""
    staff_id = require_staff_member(principal)
    now = utcnow()
    _validate(data, now)
    assert data.customer_id is not None
    async with rt.db.unit_of_work() as session:
        customer = await session.get(Customer, data.customer_id)
        if customer is None or customer.status is CustomerStatus.DELETED:
            raise OfferError.one(OfferErrorCode.CUSTOMER_NOT_FOUND, "No such customer.", "customerId")
        lines_net = sum(line.quantity * line.unit_price for line in data.lines)
        offer = Offer(
            number=_new_number(),
            customer_id=customer.id,
            state=OfferState.NEW,
            currency=data.currency,
            subtotal=lines_net,
            tax_total=0,
            total=lines_net,
            valid_until=data.valid_until,
            note=data.note,
            created_by_id=staff_id,
            created_at=now,
            updated_at=now,
        )
        rows = _lines(offer.id, data)
        offer.tax_total = sum(row.tax_amount for row in rows)
        offer.total = offer.subtotal + offer.tax_total
        for attempt in range(5):
            try:
                async with session.begin_nested():
                    session.add(offer)
                break
            except IntegrityError:
                if attempt == 4:
                    raise
                offer.number = _new_number()  # a random number already taken: draw another
        session.add_all(rows)
        audit.staff_work(
            session,
            meta,
            SecurityEventType.OFFER_CREATED,
            actor_id=staff_id,
            customer_id=customer.id,
            detail=f"{offer.number}: {len(rows)} lines, {to_decimal(offer.total, offer.currency)} {offer.currency}",
        )
        await _notify(
            session,
            rt,
            offer,
            customer,
            "offer_sent",
            N_("was sent"),
            Text(N_("Valid until %(valid_until)s."), {"valid_until": utc(offer.valid_until)}),
        )
    return offer


async def _locked_own_offer(session: AsyncSession, customer_id: uuid.UUID, offer_id: uuid.UUID | None) -> Offer:
    """The caller's offer, locked (their customer row first: the lock order every writer keeps)."""
    await lock_customer(session, customer_id)
    offer = None
    if offer_id is not None:
        offer = (
            await session.execute(
                select(Offer)
                .where(col(Offer.id) == offer_id, col(Offer.customer_id) == customer_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).scalar_one_or_none()
    if offer is None:
        raise OfferError.one(OfferErrorCode.NOT_FOUND, "No such offer.", "offerId")
    return offer


def _check_open(offer: Offer, now: datetime) -> None:
    """Refuse a change to an offer that is no longer NEW, or whose validity has run out."""
    if is_expired(offer, now):
        raise OfferError.one(OfferErrorCode.OFFER_EXPIRED, "This offer has expired; ask us for a new one.", "offerId")
    if offer.state is not OfferState.NEW:
        raise OfferError.one(OfferErrorCode.OFFER_NOT_NEW, f"This offer is {offer.state.value} already.", "offerId")


async def _order_number(session: AsyncSession, order: Order, offer: Offer) -> None:
    """Insert the order as #<offer number>; should an integration have pushed that number, add a suffix."""
    for attempt in range(5):
        order.number = f"#{offer.number}" + (f"-{attempt + 1}" if attempt else "")
        try:
            async with session.begin_nested():
                session.add(order)
            return
        except IntegrityError:
            if attempt == 4:
                raise


async def accept_offer(
    rt: Runtime, principal: Principal, offer_id: uuid.UUID | None, seen_revision: int | None = None
) -> Offer:
    """The customer accepts: the offer becomes an order waiting for payment, with its invoice. With
    `seen_revision`, only that version: a revision staff made since the customer read it is not accepted
    unseen (it holds the offer's lock, so a revision and an acceptance never interleave)."""
    customer_id = require_person(principal)
    now = utcnow()
    async with rt.db.unit_of_work() as session:
        offer = await _locked_own_offer(session, customer_id, offer_id)
        _check_open(offer, now)
        if seen_revision is not None and seen_revision != offer.revision:
            raise OfferError.one(
                OfferErrorCode.OFFER_REVISED,
                "This offer was changed after you opened it: read the new version before you accept it.",
                "revision",
            )
        customer = await session.get(Customer, customer_id)
        assert customer is not None
        lines = list(
            (
                await session.execute(
                    select(OfferLine).where(col(OfferLine.offer_id) == offer.id).order_by(col(OfferLine.position))
                )
            ).scalars()
        )
        order = Order(
            number=f"#{offer.number}",
            customer_id=customer_id,
            status=OrderStatus.PENDING_PAYMENT,
            channel=OrderChannel.ONLINE,
            currency=offer.currency,
            subtotal=offer.subtotal,
            tax_total=offer.tax_total,
            total=offer.total,
            placed_at=now,
            source=OFFER_SOURCE,
            external_id=offer.number,
            created_at=now,
            updated_at=now,
        )
        await _order_number(session, order, offer)
        session.add_all(
            OrderLine(
                order_id=order.id,
                position=line.position,
                sku=line.sku,
                name=line.name,
                quantity=line.quantity,
                unit_price=line.unit_price,
                tax_rate_bp=line.tax_rate_bp,
                tax_amount=line.tax_amount,
                total=line.total,
            )
            for line in lines
        )
        said = TimelineNote(OrderTimelineReason.PLACED_FROM_OFFER, offer_number=offer.number)
        await record_status(session, rt, order, order.status, said, actor_id=customer_id, at=now)
        await event_data.order_placed(session, order)
        await invoices.issue_for(session, rt, order)
        offer.state, offer.accepted_at, offer.updated_at, offer.order_id = OfferState.ACCEPTED, now, now, order.id
        session.add(offer)
        await _notify(
            session,
            rt,
            offer,
            customer,
            "offer_accepted",
            N_("was accepted"),
            Text(N_("It is now order %(order_number)s, waiting for payment."), {"order_number": order.number}),
            order_number=order.number,
        )
    return offer


async def reject_offer(rt: Runtime, principal: Principal, offer_id: uuid.UUID | None, reason: str | None) -> Offer:
    """The customer declines, saying why."""
    customer_id = require_person(principal)
    errors: list[ErrorDetail] = []
    reason = _text(neutralize_text(reason), ("reason",), MAX_REASON, errors)
    if errors:
        raise OfferError(*errors)
    now = utcnow()
    async with rt.db.unit_of_work() as session:
        offer = await _locked_own_offer(session, customer_id, offer_id)
        _check_open(offer, now)
        customer = await session.get(Customer, customer_id)
        assert customer is not None
        offer.state, offer.rejected_at, offer.updated_at = OfferState.REJECTED, now, now
        offer.rejection_reason = reason
        session.add(offer)
        await _notify(
            session,
            rt,
            offer,
            customer,
            "offer_rejected",
            N_("was declined"),
            Text(N_("Reason: %(reason)s"), {"reason": reason}),
            reason=reason,
        )
    return offer


@dataclass
class RevisionData:
    """reviseOffer: the offer's new lines, validity and note (in the offer's currency), and staff's reason."""

    offer_id: uuid.UUID | None
    valid_until: datetime
    lines: list[OfferLineData]
    note: str | None
    reason: str | None
    errors: list[ErrorDetail] = field(default_factory=list)


def _reason(value: str | None) -> str:
    errors: list[ErrorDetail] = []
    reason = _text(neutralize_text(value), ("reason",), MAX_REASON, errors)
    if errors:
        raise OfferError(*errors)
    return reason


async def _locked_offer(session: AsyncSession, offer_id: uuid.UUID | None) -> Offer:
    """Any offer (staff), locked in the order every writer keeps: its customer's row, then the offer."""
    customer_id = (
        await session.scalar(select(col(Offer.customer_id)).where(col(Offer.id) == offer_id))
        if offer_id is not None
        else None
    )
    if customer_id is None:
        raise OfferError.one(OfferErrorCode.NOT_FOUND, "No such offer.", "offerId")
    return await _locked_own_offer(session, customer_id, offer_id)


def _check_new(offer: Offer) -> None:
    """Staff change only a NEW offer (one past its validity too: a revision may extend it)."""
    if offer.state is not OfferState.NEW:
        raise OfferError.one(OfferErrorCode.OFFER_NOT_NEW, f"This offer is {offer.state.value} already.", "offerId")


def _line_snapshot(rows: list[OfferLine]) -> str:
    return json.dumps(
        [
            {
                "sku": row.sku,
                "name": row.name,
                "quantity": row.quantity,
                "unit_price": row.unit_price,
                "tax_rate_bp": row.tax_rate_bp,
                "tax_amount": row.tax_amount,
                "total": row.total,
            }
            for row in rows
        ]
    )


async def revise_offer(rt: Runtime, principal: Principal, meta: RequestMeta, data: RevisionData) -> Offer:
    """Replace a NEW offer's lines, validity and note (staff), keeping the version it had; the customer is
    mailed the revised offer."""
    staff_id = require_staff_member(principal)
    now = utcnow()
    errors: list[ErrorDetail] = []
    try:
        _reason(data.reason)
    except OfferError as error:
        errors.extend(error.details)
    checked = OfferData(None, "", data.valid_until, data.lines, data.note, [*data.errors, *errors])
    _validate(checked, now, revision=True)
    reason = _reason(data.reason)
    async with rt.db.unit_of_work() as session:
        offer = await _locked_offer(session, data.offer_id)
        _check_new(offer)
        customer = await session.get(Customer, offer.customer_id)
        assert customer is not None
        old_lines = list(
            (
                await session.execute(
                    select(OfferLine).where(col(OfferLine.offer_id) == offer.id).order_by(col(OfferLine.position))
                )
            ).scalars()
        )
        session.add(
            OfferRevision(
                offer_id=offer.id,
                number=offer.revision,
                subtotal=offer.subtotal,
                tax_total=offer.tax_total,
                total=offer.total,
                valid_until=offer.valid_until,
                note=offer.note,
                lines=_line_snapshot(old_lines),
                created_at=offer.revised_at or offer.created_at,
                revised_at=now,
                created_by_id=staff_id,
            )
        )
        for row in old_lines:
            await session.delete(row)
        await session.flush()
        rows = _lines(offer.id, checked)
        session.add_all(rows)
        offer.subtotal = sum(row.total for row in rows)
        offer.tax_total = sum(row.tax_amount for row in rows)
        offer.total = offer.subtotal + offer.tax_total
        offer.valid_until, offer.note = checked.valid_until, checked.note
        offer.revision += 1
        offer.revised_at = offer.updated_at = now
        session.add(offer)
        audit.record(
            session,
            meta,
            SecurityEventType.OFFER_REVISED,
            customer_id=offer.customer_id,
            actor_id=staff_id,
            detail=f"{offer.number} revision {offer.revision}: {reason}",
        )
        await _notify(
            session,
            rt,
            offer,
            customer,
            "offer_revised",
            N_("was revised"),
            Text(N_("Valid until %(valid_until)s."), {"valid_until": utc(offer.valid_until)}),
        )
    return offer


async def withdraw_offer(
    rt: Runtime, principal: Principal, meta: RequestMeta, offer_id: uuid.UUID | None, reason: str | None
) -> Offer:
    """Take back a NEW offer (staff): it becomes WITHDRAWN and can no longer be accepted; the customer is told."""
    staff_id = require_staff_member(principal)
    text = _reason(reason)
    now = utcnow()
    async with rt.db.unit_of_work() as session:
        offer = await _locked_offer(session, offer_id)
        _check_new(offer)
        customer = await session.get(Customer, offer.customer_id)
        assert customer is not None
        offer.state, offer.withdrawn_at, offer.updated_at = OfferState.WITHDRAWN, now, now
        session.add(offer)
        audit.record(
            session,
            meta,
            SecurityEventType.OFFER_WITHDRAWN,
            customer_id=offer.customer_id,
            actor_id=staff_id,
            detail=f"{offer.number}: {text}",
        )
        await _notify(
            session,
            rt,
            offer,
            customer,
            "offer_withdrawn",
            N_("was withdrawn"),
            Text(N_("It can no longer be accepted.")),
        )
    return offer


async def order_to_pay(rt: Runtime, principal: Principal, offer_id: uuid.UUID | None) -> uuid.UUID:
    """The order to pay for the caller's offer (payOffer pays it exactly as payOrder would). A NEW offer
    must be accepted first; an expired or rejected one cannot be paid at all."""
    customer_id = require_person(principal)
    offer = None
    if offer_id is not None:
        async with rt.db.read() as session:
            offer = (
                await session.execute(
                    select(Offer).where(col(Offer.id) == offer_id, col(Offer.customer_id) == customer_id)
                )
            ).scalar_one_or_none()
    if offer is None:
        raise OfferError.one(OfferErrorCode.NOT_FOUND, "No such offer.", "offerId")
    if is_expired(offer):
        raise OfferError.one(OfferErrorCode.OFFER_EXPIRED, "This offer has expired; ask us for a new one.", "offerId")
    if offer.order_id is None:
        raise OfferError.one(
            OfferErrorCode.OFFER_NOT_ACCEPTED, f"This offer is {offer.state.value}: accept it first.", "offerId"
        )
    return offer.order_id


async def order_paid(session: AsyncSession, rt: Runtime, order: Order) -> None:
    """The order an offer became is paid (called by the payment service, holding the order's lock, in the
    unit of work that settled it): the offer is PAID."""
    if order.source != OFFER_SOURCE:
        return
    offer = (
        await session.execute(select(Offer).where(col(Offer.order_id) == order.id).with_for_update())
    ).scalar_one_or_none()
    if offer is None or OfferState.PAID not in TRANSITIONS[offer.state]:
        return
    now = utcnow()
    offer.state, offer.paid_at, offer.updated_at = OfferState.PAID, now, now
    session.add(offer)
    customer = await session.get(Customer, offer.customer_id)
    assert customer is not None
    await _notify(
        session,
        rt,
        offer,
        customer,
        "offer_paid",
        N_("was paid"),
        Text(N_("Order %(order_number)s is paid."), {"order_number": order.number}),
        order_number=order.number,
    )


async def expire_due(rt: Runtime, now: datetime | None = None) -> int:
    """Mark NEW offers past their valid-until EXPIRED (and tell customer and staff); the number expired."""
    now = now or utcnow()
    expired = 0
    while True:
        async with rt.db.unit_of_work() as session:
            due = list(
                (
                    await session.execute(
                        select(Offer)
                        .where(col(Offer.state) == OfferState.NEW, col(Offer.valid_until) < now)
                        .order_by(col(Offer.valid_until), col(Offer.id))
                        .limit(EXPIRE_BATCH)
                        .with_for_update()
                    )
                ).scalars()
            )
            customers = (
                {
                    row.id: row
                    for row in (
                        await session.execute(
                            select(Customer).where(col(Customer.id).in_({o.customer_id for o in due}))
                        )
                    ).scalars()
                }
                if due
                else {}
            )
            for offer in due:
                offer.state, offer.expired_at, offer.updated_at = OfferState.EXPIRED, now, now
                session.add(offer)
                await _notify(
                    session,
                    rt,
                    offer,
                    customers[offer.customer_id],
                    "offer_expired",
                    N_("has expired"),
                    Text(N_("It was not accepted in time.")),
                )
        expired += len(due)
        if len(due) < EXPIRE_BATCH:
            return expired


@dataclass(frozen=True)
class OfferFilter:
    state: OfferState | None = None
    customer_id: uuid.UUID | None = None


def _matching(filter: OfferFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filter.state is not None:
        conditions.append(col(Offer.state) == filter.state)
    if filter.customer_id is not None:
        conditions.append(col(Offer.customer_id) == filter.customer_id)
    return conditions


async def list_offers(
    rt: Runtime, principal: Principal, *, first: int | None, after: str | None, filter: OfferFilter
) -> Page[Offer]:
    """Every offer, newest first (staff)."""
    require_staff_member(principal)
    return await newest_rows(rt.db, Offer, _matching(filter), first, after)


async def offer_by_number(rt: Runtime, principal: Principal, number: str) -> Offer | None:
    """An offer by its Q-… number: the caller's own, or any for staff."""
    return await owned_by_number(rt, principal, Offer, number)


async def customer_offers(
    rt: Runtime,
    principal: Principal,
    customer_id: uuid.UUID,
    *,
    first: int | None,
    after: str | None,
    state: OfferState | None,
) -> Page[Offer]:
    """A customer's offers, newest first, for the customer or staff (nobody else sees any)."""
    if not principal.is_authenticated:
        raise NotAuthenticatedError()
    if not principal.can_see_customer(customer_id):
        return empty_page(first, after)
    return await newest_rows(rt.db, Offer, _matching(OfferFilter(state=state, customer_id=customer_id)), first, after)


async def buyer_party(session: AsyncSession, customer: Customer) -> Party:
    """The customer as a document names its buyer (see invoices.customer_party)."""
    return await invoices.customer_party(session, customer)


def offer_url(rt: Runtime, offer_id: uuid.UUID) -> str:
    signed = invoices.links(rt)
    return signed.url(OFFER_LINK, str(offer_id), signed.expiry(rt.settings.document_link_minutes))


async def offer_pdf(rt: Runtime, object_id: str, expires: str | None, signature: str | None) -> invoices.Pdf:
    invoices.links(rt).verify(OFFER_LINK, object_id, expires, signature, utcnow())
    try:
        offer_id = uuid.UUID(object_id)
    except ValueError as exc:
        raise LinkError("malformed") from exc
    async with rt.db.read() as session:
        offer = await session.get(Offer, offer_id)
        customer = await session.get(Customer, offer.customer_id) if offer else None
        if offer is None or customer is None or customer.status is CustomerStatus.DELETED:
            raise invoices.DocumentUnavailableError()
        lines = list(
            (
                await session.execute(
                    select(OfferLine).where(col(OfferLine.offer_id) == offer.id).order_by(col(OfferLine.position))
                )
            ).scalars()
        )
        buyer = await buyer_party(session, customer)
        locale = await messages.document_locale(session, customer.id)
    document = OfferDocument(
        number=offer.number,
        created_at=offer.created_at,
        valid_until=offer.valid_until,
        state=offer.state.value,
        currency=offer.currency,
        seller=invoices.party(invoices.seller_details(rt)),
        buyer=buyer,
        lines=tuple(
            DocumentLine(
                sku=line.sku,
                description=line.name,
                quantity=line.quantity,
                unit_price=line.unit_price,
                tax_rate_bp=line.tax_rate_bp,
                tax_amount=line.tax_amount,
                total=line.total,
            )
            for line in lines
        ),
        subtotal=offer.subtotal,
        tax_total=offer.tax_total,
        total=offer.total,
        note=offer.note,
    )
    content = await anyio.to_thread.run_sync(render_offer, document, locale)
    return invoices.Pdf(f"offer-{offer.number}.pdf", content)
