"""Returns (RMA): customers ask to send back lines of delivered orders; rules or staff decide; the refund
runs when the goods arrive.

States move along TRANSITIONS only. A request is approved at once when every automated rule passes
(worth at most the auto-approve limit, customer in good standing, few returns lately), otherwise it
waits for staff with the rule that stopped it as `decision_reason`. Receiving the goods pays the refund:
store credit at once (a ledger entry), cards through the gateway after the receiving transaction has
committed (one `ReturnRefund` per payment, its id the gateway's idempotency key, so a retry never
refunds twice). Every writer locks customer, then order, then the return, then money rows.
"""

import logging
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio
from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.documents.pdf import STORE_CREDIT
from app.documents.return_slip import ReturnSlipDocument, ReturnSlipLine, render_return_slip
from app.i18n import N_
from app.links import Route, storefront_link
from app.pagination import Page, empty_page, newest_rows
from app.payments.gateway import ChargeNotFoundError, GatewayUnavailableError, PaymentDeclinedError
from app.principal import Principal
from app.runtime import RequestMeta, Runtime
from app.security.signed_links import LinkError
from app.services import audit, event_data, invoices, messages, store_credit
from app.services.callers import require_person, require_staff_member
from app.services.customer_queries import display_name, lock_customer
from app.services.errors import NotAuthenticatedError, PermissionDeniedError
from app.services.numbers import owned_by_number
from app.services.order_timeline import RefundPart, TimelineNote
from app.services.return_quotes import (
    CUSTOMER_REASONS,
    REASON_LABELS,
    Quote,
    ReturnError,
    ReturnErrorCode,
    ReturnRequestData,
    quote,
    refundable_payments,
)
from app.services.validation import neutralize_text
from app.templates import MessageValue, Money, Text
from models.base import utcnow
from models.credit import CreditTransactionReason
from models.customer import Customer, CustomerStatus
from models.order import Order, OrderStatus, OrderStatusChange, OrderTimelineReason
from models.payment import Payment, PaymentSource
from models.returns import (
    ReturnDecisionReason,
    ReturnLine,
    ReturnReason,
    ReturnRefund,
    ReturnRefundDestination,
    ReturnRefundStatus,
    ReturnRequest,
    ReturnResolution,
    ReturnStatus,
)
from models.security import SecurityEventType

logger = logging.getLogger(__name__)

S = ReturnStatus
TRANSITIONS: dict[ReturnStatus, frozenset[ReturnStatus]] = {
    S.REQUESTED: frozenset({S.APPROVED, S.REJECTED}),
    S.APPROVED: frozenset({S.RECEIVED}),
    S.RECEIVED: frozenset({S.REFUNDED, S.CLOSED}),  # CLOSED straight away only when no money is due
    S.REFUNDED: frozenset({S.CLOSED}),
    S.REJECTED: frozenset(),
    S.CLOSED: frozenset(),
}
RETURNS_SCOPE = "returns:write"  # integrations (the warehouse) that report goods received
MAX_REASON = 1000
MAX_STAFF_NOTE = 1000
MAX_REFUND_ATTEMPTS = 10
STALE_PENDING = timedelta(minutes=5)
# Failures after which the gateway certainly did not refund (it answered no, or was never asked): only
# then may staff pay the amount as store credit instead.
UNCERTAIN_FAILURES = frozenset({"GATEWAY_UNAVAILABLE", "GATEWAY_ERROR"})
RETRY_BATCH = 50
# How the mails name where the money goes (English msgids, written in the recipient's language).
DESTINATION_LABELS = {
    ReturnRefundDestination.ORIGINAL_PAYMENT: N_("to your original payment method"),
    ReturnRefundDestination.STORE_CREDIT: N_("as store credit"),
    ReturnRefundDestination.NONE: N_("no refund: an exchange"),
}


@dataclass(frozen=True)
class ReturnFilter:
    status: ReturnStatus | None = None
    customer_id: uuid.UUID | None = None
    order_id: uuid.UUID | None = None


def _require_warehouse(principal: Principal) -> None:
    """Staff, or an integration whose API key carries returns:write."""
    if principal.service_account_id is not None:
        if RETURNS_SCOPE not in principal.scopes:
            raise PermissionDeniedError()
        return
    require_staff_member(principal)


def _text(value: str | None, field: str, limit: int, *, required: bool) -> str | None:
    text = neutralize_text(value or "").strip()
    if required and not text:
        raise ReturnError.one(ReturnErrorCode.REQUIRED, "This is required.", field)
    if len(text) > limit:
        raise ReturnError.one(ReturnErrorCode.TOO_LONG, f"Use at most {limit} characters.", field)
    return text or None


def _new_number() -> str:
    return f"R-{secrets.randbelow(10**8):08d}"


# --- customer side ---------------------------------------------------------------------------------


async def calculate(rt: Runtime, principal: Principal, data: ReturnRequestData) -> Quote:
    """The refund a request would pay, checked exactly as requestReturn checks it (nothing is stored)."""
    customer_id = require_person(principal)
    async with rt.db.read() as session:
        return await quote(session, rt, customer_id, data, utcnow())


async def _decision(
    session: AsyncSession, rt: Runtime, customer: Customer, found: Quote, now: datetime
) -> ReturnDecisionReason:
    """The first automated rule the request fails, or AUTO_APPROVED."""
    since = now - timedelta(days=rt.settings.return_recent_days)
    recent = (
        await session.execute(
            select(col(ReturnRequest.status), func.count())
            .where(col(ReturnRequest.customer_id) == customer.id, col(ReturnRequest.created_at) >= since)
            .group_by(col(ReturnRequest.status))
        )
    ).all()
    by_status = {status: int(count) for status, count in recent}
    if customer.status is not CustomerStatus.ACTIVE or by_status.get(ReturnStatus.REJECTED, 0) > 0:
        return ReturnDecisionReason.NOT_IN_GOOD_STANDING
    if sum(by_status.values()) >= rt.settings.return_recent_limit:
        return ReturnDecisionReason.TOO_MANY_RECENT_RETURNS
    if found.subtotal > rt.settings.return_auto_approve_limit:
        return ReturnDecisionReason.ABOVE_AUTO_APPROVE_LIMIT
    return ReturnDecisionReason.AUTO_APPROVED


async def request_return(rt: Runtime, principal: Principal, data: ReturnRequestData) -> ReturnRequest:
    """Record the request (under the order's lock: quantities are checked against every other return)
    and decide it by the rules, or leave it to staff."""
    customer_id = require_person(principal)
    now = utcnow()
    async with rt.db.unit_of_work() as session:
        customer = await lock_customer(session, customer_id)
        assert customer is not None
        found = await quote(session, rt, customer_id, data, now, lock=True)
        decision = await _decision(session, rt, customer, found, now)
        approved = decision is ReturnDecisionReason.AUTO_APPROVED
        request = ReturnRequest(
            number=_new_number(),
            customer_id=customer_id,
            order_id=found.order.id,
            status=ReturnStatus.APPROVED if approved else ReturnStatus.REQUESTED,
            resolution=data.resolution,
            decision_reason=decision,
            refund_destination=found.destination,
            currency=found.currency,
            subtotal=found.subtotal,
            tax_total=found.tax_total,
            restocking_fee=found.restocking_fee,
            shipping_deduction=found.shipping_deduction,
            refund_total=found.refund_total,
            note=data.note,
            created_at=now,
            updated_at=now,
            approved_at=now if approved else None,
        )
        for attempt in range(5):
            try:
                async with session.begin_nested():
                    session.add(request)
                break
            except IntegrityError:
                if attempt == 4:
                    raise
                request.number = _new_number()  # a random number already taken: draw another
        session.add_all(
            ReturnLine(
                return_id=request.id,
                order_line_id=line.order_line.id,
                position=index,
                sku=line.order_line.sku,
                name=line.order_line.name,
                quantity=line.quantity,
                reason=line.reason,
                amount=line.amount,
                tax_amount=line.tax_amount,
            )
            for index, line in enumerate(found.lines)
        )
        await event_data.return_event(session, "return.requested", request)
        if approved:
            await event_data.return_event(session, "return.approved", request)
        items = _items(found)
        if approved:
            await _notify(
                session, rt, request, found.order, customer, "return_approved", N_("was approved automatically"), items
            )
        else:
            await _notify(
                session,
                rt,
                request,
                found.order,
                customer,
                "return_requested",
                N_("needs a decision"),
                items,
                detail=Text(N_("Routed to staff: %(decision)s."), {"decision": decision.value}),
            )
    return request


def _describe(lines: Iterable[tuple[int, str]]) -> str:
    """'1 x Mug, 2 x T-shirt': the returned lines as the emails name them."""
    return ", ".join(f"{quantity} x {name}" for quantity, name in lines)


def _items(found: Quote) -> str:
    return _describe((line.quantity, line.order_line.name) for line in found.lines)


def _values(
    rt: Runtime, request: ReturnRequest, order: Order, customer: Customer, items: str
) -> dict[str, MessageValue]:
    """Facts, written in each recipient's language and locale when the mail is rendered."""
    refund = Money(request.refund_total, request.currency)
    destination = Text(DESTINATION_LABELS[request.refund_destination])
    return {
        "name": display_name(customer),
        "number": request.number,
        "order_number": order.number,
        "items": items,
        "customer_email": customer.email,
        "value": Money(request.subtotal, request.currency),
        "refund": refund,
        "destination": destination,
        "money_line": (
            Text(N_("Nothing is refunded: we send you a replacement."))
            if request.resolution is ReturnResolution.EXCHANGE
            else Text(
                N_("Once the goods arrive we refund %(refund)s %(destination)s."),
                {"refund": refund, "destination": destination},
            )
        ),
        "reason": request.rejection_reason or "",
        "link": storefront_link(rt.settings, Route.RETURN, number=request.number),
    }


async def _notify(
    session: AsyncSession,
    rt: Runtime,
    request: ReturnRequest,
    order: Order,
    customer: Customer,
    template: str | None,
    event: str,
    items: str = "",
    *,
    detail: Text | None = None,
    **extra: MessageValue,
) -> None:
    """Mail the customer (`template`; None: staff only) and the support address (what happened, and a
    detail line), each in their own language: `event` is an English msgid (N_), translated for the mailbox."""
    values = {**_values(rt, request, order, customer, items), **extra}
    if template is not None and customer.status is not CustomerStatus.DELETED:
        await messages.email(session, rt, template, customer.email, values, customer_id=customer.id)
    detail = detail or Text(N_("Status: %(state)s"), {"state": request.status.value})
    await messages.notify_support(
        session, rt, "return_staff_notice", {**values, "event": Text(event), "detail": detail}
    )


# --- staff and warehouse side ----------------------------------------------------------------------


@dataclass
class Locked:
    request: ReturnRequest
    order: Order
    customer: Customer


async def _locked(session: AsyncSession, return_id: uuid.UUID | None) -> Locked:
    """The return with its order and customer, locked in the order every writer keeps."""
    found = await session.get(ReturnRequest, return_id) if return_id is not None else None
    if found is None:
        raise ReturnError.one(ReturnErrorCode.NOT_FOUND, "No such return.", "returnId")
    customer = await lock_customer(session, found.customer_id)
    order = await session.get(Order, found.order_id, with_for_update=True, populate_existing=True)
    request = await session.get(ReturnRequest, found.id, with_for_update=True, populate_existing=True)
    assert customer is not None
    assert order is not None
    assert request is not None
    return Locked(request, order, customer)


def _move(request: ReturnRequest, to: ReturnStatus, now: datetime) -> None:
    if to not in TRANSITIONS[request.status]:
        raise ReturnError.one(
            ReturnErrorCode.INVALID_TRANSITION, f"Return {request.number} is {request.status.value}.", "returnId"
        )
    request.status, request.updated_at = to, now


async def _lines_text(session: AsyncSession, request: ReturnRequest) -> str:
    lines = (
        await session.execute(
            select(ReturnLine).where(col(ReturnLine.return_id) == request.id).order_by(col(ReturnLine.position))
        )
    ).scalars()
    return _describe((line.quantity, line.name) for line in lines)


def _audit(
    session: AsyncSession,
    meta: RequestMeta | None,
    event_type: SecurityEventType,
    request: ReturnRequest,
    actor_id: uuid.UUID | None,
    why: str | None = None,
    service_account_id: uuid.UUID | None = None,
) -> None:
    detail = f"{request.number}: {why}" if why else request.number
    audit.staff_work(
        session,
        meta,
        event_type,
        actor_id=actor_id,
        service_account_id=service_account_id,
        customer_id=request.customer_id,
        detail=detail,
    )


async def approve_return(
    rt: Runtime, principal: Principal, return_id: uuid.UUID | None, note: str | None, meta: RequestMeta | None = None
) -> ReturnRequest:
    staff_id = require_staff_member(principal)
    staff_note = _text(note, "note", MAX_STAFF_NOTE, required=False)
    now = utcnow()
    async with rt.db.unit_of_work() as session:
        locked = await _locked(session, return_id)
        request = locked.request
        _move(request, ReturnStatus.APPROVED, now)
        request.approved_at, request.decided_by_id = now, staff_id
        request.decision_reason = ReturnDecisionReason.STAFF_APPROVED
        request.staff_note = staff_note or request.staff_note
        session.add(request)
        await event_data.return_event(session, "return.approved", request)
        _audit(session, meta, SecurityEventType.RETURN_APPROVED, request, staff_id, staff_note)
        items = await _lines_text(session, request)
        await _notify(session, rt, request, locked.order, locked.customer, "return_approved", N_("was approved"), items)
    return request


async def reject_return(
    rt: Runtime, principal: Principal, return_id: uuid.UUID | None, reason: str | None, meta: RequestMeta | None = None
) -> ReturnRequest:
    staff_id = require_staff_member(principal)
    text = _text(reason, "reason", MAX_REASON, required=True)
    now = utcnow()
    async with rt.db.unit_of_work() as session:
        locked = await _locked(session, return_id)
        request = locked.request
        _move(request, ReturnStatus.REJECTED, now)
        request.rejected_at, request.decided_by_id, request.rejection_reason = now, staff_id, text
        request.decision_reason = ReturnDecisionReason.STAFF_REJECTED
        session.add(request)
        await event_data.return_event(session, "return.rejected", request)
        _audit(session, meta, SecurityEventType.RETURN_REJECTED, request, staff_id, text)
        await _notify(
            session,
            rt,
            request,
            locked.order,
            locked.customer,
            "return_rejected",
            N_("was declined"),
            detail=Text(N_("Reason: %(reason)s"), {"reason": text or ""}),
        )
    return request


async def close_return(
    rt: Runtime, principal: Principal, return_id: uuid.UUID | None, meta: RequestMeta | None = None
) -> ReturnRequest:
    """Close a refunded return, or a received one that moves no money (an exchange)."""
    staff_id = require_staff_member(principal)
    now = utcnow()
    async with rt.db.unit_of_work() as session:
        locked = await _locked(session, return_id)
        request = locked.request
        if request.status is ReturnStatus.RECEIVED and request.refund_destination is not ReturnRefundDestination.NONE:
            raise ReturnError.one(
                ReturnErrorCode.INVALID_TRANSITION,
                f"Return {request.number} waits for its refund; it closes once refunded.",
                "returnId",
            )
        _move(request, ReturnStatus.CLOSED, now)
        request.closed_at = now
        session.add(request)
        _audit(session, meta, SecurityEventType.RETURN_CLOSED, request, staff_id)
        await _notify(session, rt, request, locked.order, locked.customer, "return_closed", N_("was closed"))
    return request


@dataclass(frozen=True)
class CardRefund:
    refund_id: uuid.UUID
    return_id: uuid.UUID
    charge_id: str
    amount: int


async def mark_received(
    rt: Runtime,
    principal: Principal,
    return_id: uuid.UUID | None,
    note: str | None,
    *,
    restock: bool = True,
    meta: RequestMeta | None = None,
) -> ReturnRequest:
    """The goods arrived: pay the refund (store credit now, cards right after this commits). `restock`: the
    goods can be sold again and go back to stock (inventory.moved per line); False for damaged goods."""
    _require_warehouse(principal)
    staff_note = _text(note, "note", MAX_STAFF_NOTE, required=False)
    now = utcnow()
    async with rt.db.unit_of_work() as session:
        locked = await _locked(session, return_id)
        request = locked.request
        _move(request, ReturnStatus.RECEIVED, now)
        request.received_at = now
        request.staff_note = staff_note or request.staff_note
        cards = await _plan_refunds(session, locked, now)
        await event_data.return_event(session, "return.received", request, restocked=restock)
        stock = "back to stock" if restock else "not restocked"
        why = f"{stock}; {staff_note}" if staff_note else stock
        _audit(
            session,
            meta,
            SecurityEventType.RETURN_RECEIVED,
            request,
            principal.customer_id,
            why,
            service_account_id=principal.service_account_id,
        )
        if restock:
            await event_data.returned_to_stock(session, request, locked.order)
        if request.refund_destination is not ReturnRefundDestination.NONE and not cards:
            await _refunded(session, rt, locked, now)
        else:
            next_step = (
                Text(N_("Your replacement is on its way."))
                if request.refund_destination is ReturnRefundDestination.NONE
                else Text(
                    N_("We are refunding %(refund)s to your card now."),
                    {"refund": Money(request.refund_total, request.currency)},
                )
            )
            await _notify(
                session,
                rt,
                request,
                locked.order,
                locked.customer,
                "return_received",
                N_("was received"),
                next_step=next_step,
            )
        session.add(request)
    if cards:
        await run_card_refunds(rt, cards)
        async with rt.db.read() as session:
            refreshed = await session.get(ReturnRequest, request.id)
            assert refreshed is not None
            return refreshed
    return request


async def _plan_refunds(session: AsyncSession, locked: Locked, now: datetime) -> list[CardRefund]:
    """Write the refund rows: parts of the order's payments (store credit ones paid at once), and store
    credit for whatever the payments cannot take back. Returns the card parts to send to the gateway."""
    request, order = locked.request, locked.order
    due = request.refund_total
    if request.refund_destination is ReturnRefundDestination.NONE or due <= 0:
        return []
    if order.status in (OrderStatus.REFUNDED, OrderStatus.CANCELLED):
        # The whole order has been given back already (by the order system): nothing more is owed.
        request.refund_failure_code, request.refund_failure_message = (
            "ORDER_REFUNDED",
            "The order was refunded in full.",
        )
        request.refund_total = 0
        return []
    cards: list[CardRefund] = []
    to_payment = request.refund_destination is ReturnRefundDestination.ORIGINAL_PAYMENT
    destination = request.refund_destination
    # Store credit given for a return still comes out of a payment's share: a later cancellation of the
    # whole order must not give the same value back again.
    for payment, left in await refundable_payments(session, order.id, lock=True):
        part = min(left, due)
        if part <= 0:
            continue
        due -= part
        row = _refund_row(request, part, destination, payment, now)
        session.add(row)
        if to_payment and payment.source is PaymentSource.CARD and payment.gateway_charge_id:
            cards.append(CardRefund(row.id, request.id, payment.gateway_charge_id, part))
        else:
            await _credit(session, request, order, part, row, now)
        if due == 0:
            break
    if due > 0:  # paid outside this server, or more than the payments made here can take back
        row = _refund_row(request, due, ReturnRefundDestination.STORE_CREDIT, None, now)
        session.add(row)
        await _credit(session, request, order, due, row, now)
    return cards


def _refund_row(
    request: ReturnRequest,
    amount: int,
    destination: ReturnRefundDestination,
    payment: Payment | None,
    now: datetime,
) -> ReturnRefund:
    return ReturnRefund(
        return_id=request.id,
        customer_id=request.customer_id,
        payment_id=payment.id if payment else None,
        destination=destination,
        status=ReturnRefundStatus.PENDING,
        amount=amount,
        currency=request.currency,
        method_label=payment.method_label if payment else STORE_CREDIT,
        created_at=now,
    )


async def _credit(
    session: AsyncSession, request: ReturnRequest, order: Order, amount: int, row: ReturnRefund, now: datetime
) -> None:
    account = await store_credit.locked_account(session, request.customer_id, request.currency)
    await store_credit.post(
        session,
        account,
        amount,
        CreditTransactionReason.REFUND,
        reference=f"return {request.number}",
        note=f"returned goods of order {order.number}",
    )
    row.status, row.completed_at, row.attempts = ReturnRefundStatus.SUCCEEDED, now, 1
    request.refunded_amount += amount
    if row.destination is ReturnRefundDestination.ORIGINAL_PAYMENT and row.payment_id is not None:
        payment = await session.get(Payment, row.payment_id)  # paid with store credit: back to the ledger
        assert payment is not None
        await event_data.payment_refunded(session, payment, amount, "RETURN", request)


async def _refunded(session: AsyncSession, rt: Runtime, locked: Locked, now: datetime) -> None:
    """Everything due is paid back: REFUNDED, a line in the order's timeline, mail."""
    request, order = locked.request, locked.order
    _move(request, ReturnStatus.REFUNDED, now)
    request.refunded_at = now
    if request.refund_total:  # paid in full: an earlier failure is history (ORDER_REFUNDED stays, it explains the 0)
        request.refund_failure_code = request.refund_failure_message = None
    session.add(request)
    paid = (
        await session.execute(
            select(ReturnRefund)
            .where(col(ReturnRefund.return_id) == request.id, col(ReturnRefund.status) == ReturnRefundStatus.SUCCEEDED)
            .order_by(col(ReturnRefund.created_at), col(ReturnRefund.id))
        )
    ).scalars()
    said = TimelineNote(
        OrderTimelineReason.RETURN_REFUNDED,
        return_number=request.number,
        amount=request.refunded_amount,
        currency=request.currency,
        refunds=tuple(_refund_part(row) for row in paid),
    )
    session.add(
        OrderStatusChange(
            order_id=order.id,
            from_status=order.status,
            to_status=order.status,
            note=said.english(),
            reason=said.reason,
            details=said.details(),
            created_at=now,
        )
    )
    await event_data.return_event(session, "return.refunded", request)
    await _notify(session, rt, request, order, locked.customer, "return_refunded", N_("was refunded"))


def _refund_part(row: ReturnRefund) -> RefundPart:
    """Store credit (given as such, or back to a payment made with store credit), or the card's label."""
    if row.destination is ReturnRefundDestination.STORE_CREDIT or row.method_label == STORE_CREDIT:
        return RefundPart(ReturnRefundDestination.STORE_CREDIT, row.amount)
    return RefundPart(row.destination, row.amount, row.method_label)


def _failure_code(error: Exception) -> tuple[str, str]:
    if isinstance(error, PaymentDeclinedError):
        return error.reason_code, "The gateway declined the refund."
    if isinstance(error, GatewayUnavailableError):
        return "GATEWAY_UNAVAILABLE", "The gateway did not answer; the refund is retried."
    if isinstance(error, ChargeNotFoundError):
        return "CHARGE_NOT_FOUND", "The gateway does not know the original charge."
    return "GATEWAY_ERROR", "The gateway did not refund it."


async def run_card_refunds(rt: Runtime, refunds: list[CardRefund]) -> None:
    """Send card refunds to the gateway (each under its row's own idempotency key) and record each
    outcome; the return is REFUNDED once none is left. A failure stays FAILED for a retry."""
    for refund in refunds:
        if not await _claim(rt, refund):
            continue
        failure: tuple[str, str] | None = None
        gateway_id = None
        if rt.gateway is None:
            failure = ("GATEWAY_NOT_CONFIGURED", "Card refunds are off on this server.")
        else:
            try:
                done = await rt.gateway.refund(
                    refund.charge_id, refund.amount, idempotency_key=f"return-refund-{refund.refund_id}"
                )
                gateway_id = done.refund_id
            except Exception as error:  # any gateway failure is recorded on the row and retried later
                logger.warning(
                    "return refund failed", extra={"refund_id": str(refund.refund_id), "error": type(error).__name__}
                )
                failure = _failure_code(error)
        await _record_card_outcome(rt, refund, gateway_id, failure)


async def _claim(rt: Runtime, refund: CardRefund) -> bool:
    """Whether this card refund may go to the gateway now: it is still PENDING or FAILED, read under its row lock
    (the list was read earlier, unlocked). A FAILED one becomes PENDING, so creditInstead, which takes FAILED
    rows only, can no longer pay it as store credit while it is at the gateway; one it already paid so
    (CANCELLED) is skipped. Without this, a retry and a credit-instead at once refunded the card and credited
    the store credit both."""
    async with rt.db.unit_of_work() as session:
        row = await session.get(ReturnRefund, refund.refund_id, with_for_update=True, populate_existing=True)
        if row is None or row.status not in (ReturnRefundStatus.PENDING, ReturnRefundStatus.FAILED):
            return False
        if row.status is ReturnRefundStatus.FAILED:
            row.status = ReturnRefundStatus.PENDING
            session.add(row)
    return True


async def _record_card_outcome(
    rt: Runtime, refund: CardRefund, gateway_id: str | None, failure: tuple[str, str] | None
) -> None:
    now = utcnow()
    async with rt.db.unit_of_work() as session:
        locked = await _locked(session, refund.return_id)
        request = locked.request
        row = await session.get(ReturnRefund, refund.refund_id, with_for_update=True, populate_existing=True)
        if row is None or row.status is ReturnRefundStatus.SUCCEEDED:
            return
        row.attempts += 1
        if failure is None:
            row.status, row.completed_at, row.gateway_refund_id, row.failure_code = (
                ReturnRefundStatus.SUCCEEDED,
                now,
                gateway_id,
                None,
            )
            request.refunded_amount += row.amount
            if row.payment_id is not None:
                payment = await session.get(Payment, row.payment_id)
                assert payment is not None
                await event_data.payment_refunded(session, payment, row.amount, "RETURN", request)
        else:
            row.status, row.failure_code = ReturnRefundStatus.FAILED, failure[0]
            request.refund_failure_code, request.refund_failure_message = failure
            request.refund_attempts += 1
        session.add(row)
        request.updated_at = now
        session.add(request)
        await session.flush()
        open_rows = (
            await session.execute(
                select(func.count()).where(
                    col(ReturnRefund.return_id) == request.id, col(ReturnRefund.status) != ReturnRefundStatus.SUCCEEDED
                )
            )
        ).scalar_one()
        if open_rows == 0 and request.status is ReturnStatus.RECEIVED:
            await _refunded(session, rt, locked, now)
        elif failure is not None and row.attempts == 1:
            detail = Text(
                N_("A card refund failed (%(code)s); it is retried automatically, or retry it by hand."),
                {"code": failure[0]},
            )
            await _notify(
                session, rt, request, locked.order, locked.customer, None, N_("could not be refunded"), detail=detail
            )


async def _unfinished(rt: Runtime, return_ids: list[uuid.UUID] | None) -> list[CardRefund]:
    async with rt.db.read() as session:
        statement = (
            select(ReturnRefund, col(Payment.gateway_charge_id))
            .join(Payment, col(Payment.id) == col(ReturnRefund.payment_id))
            .where(col(ReturnRefund.status).in_((ReturnRefundStatus.PENDING, ReturnRefundStatus.FAILED)))
        )
        if return_ids is not None:
            statement = statement.where(col(ReturnRefund.return_id).in_(return_ids))
        else:
            # A PENDING row younger than that may be at the gateway right now (markReturnReceived sends it).
            stale = utcnow() - STALE_PENDING
            statement = statement.where(
                col(ReturnRefund.attempts) < MAX_REFUND_ATTEMPTS,
                (col(ReturnRefund.status) == ReturnRefundStatus.FAILED) | (col(ReturnRefund.created_at) < stale),
            ).limit(RETRY_BATCH)
        rows = (await session.execute(statement)).all()
    return [CardRefund(row.id, row.return_id, charge, row.amount) for row, charge in rows if charge]


async def retry_refund(
    rt: Runtime, principal: Principal, return_id: uuid.UUID | None, meta: RequestMeta | None = None
) -> ReturnRequest:
    """Staff: send a return's failed card refunds again (the same keys: nothing is refunded twice)."""
    staff_id = require_staff_member(principal)
    found = None
    if return_id is not None:
        async with rt.db.read() as session:
            found = await session.get(ReturnRequest, return_id)
    if found is None:
        raise ReturnError.one(ReturnErrorCode.NOT_FOUND, "No such return.", "returnId")
    refunds = await _unfinished(rt, [found.id])
    if found.status is not ReturnStatus.RECEIVED or not refunds:
        raise ReturnError.one(
            ReturnErrorCode.NOTHING_TO_RETRY, f"Return {found.number} has no refund to retry.", "returnId"
        )
    async with rt.db.unit_of_work() as session:
        _audit(session, meta, SecurityEventType.RETURN_REFUND_RETRIED, found, staff_id)
    await run_card_refunds(rt, refunds)
    async with rt.db.read() as session:
        refreshed = await session.get(ReturnRequest, found.id)
        assert refreshed is not None
        return refreshed


async def credit_instead(
    rt: Runtime, principal: Principal, return_id: uuid.UUID | None, meta: RequestMeta | None = None
) -> ReturnRequest:
    """Staff: pay a return's card refunds that the gateway refused as store credit instead (only refusals
    that certainly moved no money; a timeout may have, so it is retried, never replaced)."""
    staff_id = require_staff_member(principal)
    now = utcnow()
    async with rt.db.unit_of_work() as session:
        locked = await _locked(session, return_id)
        request = locked.request
        failed = list(
            (
                await session.execute(
                    select(ReturnRefund)
                    .where(
                        col(ReturnRefund.return_id) == request.id, col(ReturnRefund.status) == ReturnRefundStatus.FAILED
                    )
                    .with_for_update()
                )
            ).scalars()
        )
        if request.status is not ReturnStatus.RECEIVED or not failed:
            raise ReturnError.one(
                ReturnErrorCode.NOTHING_TO_RETRY, f"Return {request.number} has no failed refund.", "returnId"
            )
        if any(row.failure_code in UNCERTAIN_FAILURES for row in failed):
            raise ReturnError.one(
                ReturnErrorCode.REFUND_OUTCOME_UNKNOWN,
                "The gateway may have refunded it: retry it instead (the same key never pays twice).",
                "returnId",
            )
        for row in failed:
            row.status = ReturnRefundStatus.CANCELLED
            session.add(row)
            credit = _refund_row(request, row.amount, ReturnRefundDestination.STORE_CREDIT, None, now)
            credit.payment_id = row.payment_id  # still this payment's share (see _plan_refunds)
            session.add(credit)
            await _credit(session, request, locked.order, row.amount, credit, now)
        request.refund_destination = ReturnRefundDestination.STORE_CREDIT
        _audit(session, meta, SecurityEventType.RETURN_CREDITED_INSTEAD, request, staff_id)
        await session.flush()
        await _refunded(session, rt, locked, now)
    return request


async def retry_failed_refunds(rt: Runtime) -> int:
    """The background job: retry card refunds of returns that failed or never got an answer."""
    refunds = await _unfinished(rt, None)
    await run_card_refunds(rt, refunds)
    return len(refunds)


# --- reading ---------------------------------------------------------------------------------------


def _matching(filter: ReturnFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filter.status is not None:
        conditions.append(col(ReturnRequest.status) == filter.status)
    if filter.customer_id is not None:
        conditions.append(col(ReturnRequest.customer_id) == filter.customer_id)
    if filter.order_id is not None:
        conditions.append(col(ReturnRequest.order_id) == filter.order_id)
    return conditions


async def list_returns(
    rt: Runtime, principal: Principal, *, first: int | None, after: str | None, filter: ReturnFilter
) -> Page[ReturnRequest]:
    """Every return, newest first (staff)."""
    require_staff_member(principal)
    return await newest_rows(rt.db, ReturnRequest, _matching(filter), first, after)


async def return_by_number(rt: Runtime, principal: Principal, number: str) -> ReturnRequest | None:
    """A return by its number: the caller's own, or any for staff."""
    return await owned_by_number(rt, principal, ReturnRequest, number)


async def customer_returns(
    rt: Runtime,
    principal: Principal,
    customer_id: uuid.UUID,
    *,
    first: int | None,
    after: str | None,
    status: ReturnStatus | None,
) -> Page[ReturnRequest]:
    """A customer's returns, newest first, for the customer or staff (nobody else sees any)."""
    if not principal.is_authenticated:
        raise NotAuthenticatedError()
    if not principal.can_see_customer(customer_id):
        return empty_page(first, after)
    return await newest_rows(
        rt.db, ReturnRequest, _matching(ReturnFilter(status=status, customer_id=customer_id)), first, after
    )


def reasons() -> list[tuple[ReturnReason, str, bool]]:
    """Every reason code, its label, and whether deductions apply to it."""
    return [(reason, label, reason in CUSTOMER_REASONS) for reason, label in REASON_LABELS.items()]


async def erase_customer_notes(session: AsyncSession, customer_id: uuid.UUID) -> None:
    """Account deletion: returns stay (they moved money), without the customer's own words."""
    await session.execute(update(ReturnRequest).where(col(ReturnRequest.customer_id) == customer_id).values(note=None))


# --- the return slip -------------------------------------------------------------------------------

SLIP_LINK = "return-slip"
SLIP_STATUSES = frozenset({S.APPROVED, S.RECEIVED, S.REFUNDED, S.CLOSED})


def slip_url(rt: Runtime, request: ReturnRequest) -> str | None:
    """A signed link to the slip, once the goods may be sent (approved or later)."""
    if request.status not in SLIP_STATUSES:
        return None
    signed = invoices.links(rt)
    return signed.url(SLIP_LINK, str(request.id), signed.expiry(rt.settings.document_link_minutes))


async def slip_pdf(rt: Runtime, object_id: str, expires: str | None, signature: str | None) -> invoices.Pdf:
    invoices.links(rt).verify(SLIP_LINK, object_id, expires, signature, utcnow())
    try:
        return_id = uuid.UUID(object_id)
    except ValueError as exc:
        raise LinkError("malformed") from exc
    async with rt.db.read() as session:
        request = await session.get(ReturnRequest, return_id)
        order = await session.get(Order, request.order_id) if request else None
        customer = await session.get(Customer, request.customer_id) if request else None
        if request is None or order is None or customer is None or request.status not in SLIP_STATUSES:
            raise invoices.DocumentUnavailableError()
        lines = list(
            (
                await session.execute(
                    select(ReturnLine).where(col(ReturnLine.return_id) == request.id).order_by(col(ReturnLine.position))
                )
            ).scalars()
        )
        locale = await messages.document_locale(session, customer.id)
    seller = invoices.seller_details(rt)
    buyer = invoices.buyer_details(order, customer)
    document = ReturnSlipDocument(
        number=request.number,
        order_number=order.number,
        requested_at=request.created_at,
        status=request.status.value,
        resolution=request.resolution.value,
        currency=request.currency,
        ship_to=invoices.party(seller),
        sender=invoices.party(buyer),
        lines=tuple(
            ReturnSlipLine(line.sku, line.name, line.quantity, line.reason.value, line.amount) for line in lines
        ),
        refund_total=request.refund_total,
    )
    content = await anyio.to_thread.run_sync(render_return_slip, document, locale)
    return invoices.Pdf(f"return-{request.number}.pdf", content)
