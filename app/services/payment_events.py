"""Acting on the payment gateway's signed webhook events, each exactly once.

An event is recorded (gateway, event id) in the same transaction that acts on it: a second delivery of
the same event, at once on another worker or days later, finds the record and changes nothing. The
signature and its replay window are checked by the gateway adapter before an event gets here.
"""

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.payments.gateway import Charge, EventKind, GatewayEvent, MethodKind, PaymentGateway
from app.runtime import Runtime
from app.services import event_data, invoices, payment_methods, payments
from app.services.customer_queries import lock_customer
from models.base import utcnow
from models.payment import (
    GatewayEventRecord,
    Payment,
    PaymentDispute,
    PaymentMethod,
    PaymentStatus,
)

logger = logging.getLogger(__name__)


async def handle(rt: Runtime, gateway: PaymentGateway, event: GatewayEvent) -> bool:
    """Act on a verified event; False when it was processed before (nothing is done again)."""
    refund: invoices.CardRefund | None = None
    async with rt.db.unit_of_work() as session:
        try:
            async with session.begin_nested():  # a concurrent delivery waits here for the first one's outcome
                session.add(
                    GatewayEventRecord(
                        gateway=gateway.name,
                        event_id=event.event_id[:255],
                        event_type=event.raw_type[:64],
                        charge_id=(event.charge_id or "")[:128] or None,
                    )
                )
        except IntegrityError:
            return False
        refund = await _act(session, rt, gateway, event)
    if refund is not None:
        await invoices.refund_cards(rt, [refund])
    return True


async def _payment(session: AsyncSession, event: GatewayEvent) -> Payment | None:
    if not event.charge_id:
        return None
    found = (
        await session.execute(select(Payment).where(col(Payment.gateway_charge_id) == event.charge_id).limit(1))
    ).scalar_one_or_none()
    if found is None:
        # A charge we have not recorded yet (the request that made it is still waiting for its answer) or
        # one made outside this system: the request or the reconciler records it.
        logger.info("gateway event for an unknown charge", extra={"event_id": event.event_id, "kind": event.kind})
    return found


async def _act(
    session: AsyncSession, rt: Runtime, gateway: PaymentGateway, event: GatewayEvent
) -> invoices.CardRefund | None:
    if event.kind in (EventKind.PAYMENT_METHOD_UPDATED, EventKind.PAYMENT_METHOD_DETACHED):
        await _method_changed(session, rt, event)
        return None
    payment = await _payment(session, event)
    if payment is None:
        return None
    if event.kind is EventKind.PAYMENT_SUCCEEDED:
        charge = Charge(event.charge_id or "", payment.amount, payment.currency)
        applied = await payments.apply_charge(session, rt, payment.id, charge)
        return applied.refund
    if event.kind is EventKind.PAYMENT_FAILED:
        await _failed(session, payment, event)
    elif event.kind is EventKind.PAYMENT_REFUNDED:
        await _refunded(session, gateway, payment, event)
    elif event.kind in (EventKind.DISPUTE_OPENED, EventKind.DISPUTE_UPDATED):
        await _dispute(session, payment, event)
    return None


async def _failed(session: AsyncSession, payment: Payment, event: GatewayEvent) -> None:
    locked = await session.get(Payment, payment.id, with_for_update=True, populate_existing=True)
    if locked is None or locked.status not in (*payments.OPEN_STATUSES, PaymentStatus.FAILED):
        return  # settled already (a later failure of a settled debit arrives as a refund or a dispute)
    locked.status, locked.completed_at, locked.next_check_at = PaymentStatus.DECLINED, utcnow(), None
    locked.failure_code = (event.reason_code or "payment_failed")[:64]
    locked.failure_message = (event.message or "The payment failed.")[:300]
    session.add(locked)
    await event_data.payment_failed(session, locked)


async def _refunded(session: AsyncSession, gateway: PaymentGateway, payment: Payment, event: GatewayEvent) -> None:
    """What the gateway has refunded of the charge, ours and any made outside this system (the gateway's
    dashboard: visible to staff); our own refund whose answer was lost is marked done. One refund reported
    by several events (refund.created, charge.refunded) is counted once, by its id."""
    locked = await session.get(Payment, payment.id, with_for_update=True, populate_existing=True)
    if locked is None or event.amount is None:
        return
    if event.refund_id:
        try:
            async with session.begin_nested():
                seen = GatewayEventRecord(
                    gateway=gateway.name,
                    event_id=f"refund:{event.refund_id}"[:255],
                    event_type="refund",
                    charge_id=(event.charge_id or "")[:128] or None,
                )
                session.add(seen)
        except IntegrityError:
            return  # counted from another event about the same refund
        total = locked.gateway_refunded + event.amount
    else:  # the charge's total refunded so far
        total = max(locked.gateway_refunded, event.amount)
    before, locked.gateway_refunded = locked.gateway_refunded, min(total, locked.amount)
    if locked.status is PaymentStatus.REFUND_DUE and locked.gateway_refunded >= locked.amount:
        # Our own refund, whose answer was lost: it is done (refund_cards finds it REFUNDED and says nothing).
        locked.status = PaymentStatus.REFUNDED
        session.add(locked)
        for due in await invoices.still_refundable(session, [locked]):
            reason = await event_data.refund_reason(session, locked)
            await event_data.payment_refunded(session, locked, due.amount, reason)
    elif locked.status is PaymentStatus.SUCCEEDED:
        logger.warning(
            "a payment was refunded at the gateway, outside this system",
            extra={"payment_id": str(locked.id), "refunded": locked.gateway_refunded},
        )
        # What returns sent back through the gateway is ours (recorded with the return); only more than that
        # was refunded outside this system (staff in the gateway's dashboard).
        ours = await event_data.sent_to_gateway(session, locked.id)
        outside = max(locked.gateway_refunded - ours, 0) - max(before - ours, 0)
        if outside > 0:
            await event_data.payment_refunded(session, locked, outside, "GATEWAY")
    session.add(locked)


async def _dispute(session: AsyncSession, payment: Payment, event: GatewayEvent) -> None:
    if not event.dispute_id:
        return
    found = (
        await session.execute(
            select(PaymentDispute).where(col(PaymentDispute.gateway_dispute_id) == event.dispute_id).with_for_update()
        )
    ).scalar_one_or_none()
    dispute = found or PaymentDispute(
        payment_id=payment.id,
        gateway_dispute_id=event.dispute_id[:128],
        amount=payment.amount,
        currency=payment.currency,
        reason="unknown",
        status="needs_response",
        opened_at=event.created,
    )
    if event.amount is not None:
        dispute.amount = event.amount
    if event.currency:
        dispute.currency = event.currency.upper()[:3]
    dispute.reason = (event.reason or dispute.reason)[:64]
    dispute.status = (event.dispute_status or dispute.status)[:32]
    dispute.updated_at = utcnow()
    session.add(dispute)
    if found is None:
        logger.warning("a payment is disputed", extra={"payment_id": str(payment.id), "reason": dispute.reason})


async def _method_changed(session: AsyncSession, rt: Runtime, event: GatewayEvent) -> None:
    if not event.gateway_token:
        return
    lookup = payment_methods.token_lookup(rt, event.gateway_token)
    method = (
        await session.execute(
            select(PaymentMethod).where(
                col(PaymentMethod.token_lookup) == lookup, col(PaymentMethod.removed_at).is_(None)
            )
        )
    ).scalar_one_or_none()
    if method is None:
        return
    await lock_customer(session, method.customer_id)  # the default moves under the customer's lock
    await session.refresh(method)
    if method.removed_at is not None:
        return
    if event.kind is EventKind.PAYMENT_METHOD_DETACHED:
        await payment_methods.retire(session, method)
        return
    card = event.method
    if card is None:
        return
    if card.kind is MethodKind.CARD:  # the network's account updater: a new expiry or a replaced card
        method.exp_month, method.exp_year = card.exp_month, card.exp_year
        method.brand = card.brand.name
    method.last4 = card.last4[:4]
    method.country = card.country or method.country
    session.add(method)
