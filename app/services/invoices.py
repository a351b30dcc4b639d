"""Invoices: one per order, numbered without gaps per year; PDFs of invoices and receipts behind signed links.

An invoice is issued with its order: OPEN while the order waits for payment (it can be paid online),
PAID when the order is paid (online here, or elsewhere as the order system reports), VOID when an
unpaid order is cancelled. Seller and buyer are copied when it is issued, like the order's addresses.
"""

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import anyio
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.documents.model import Party, utc
from app.documents.pdf import DocumentLine, InvoiceDocument, ReceiptDocument, render_invoice, render_receipt
from app.runtime import Runtime
from app.security.signed_links import LinkError, SignedLinks
from app.services import event_data, store_credit
from app.services.messages import document_locale
from app.services.return_quotes import returned_amounts
from models.address import Address
from models.base import utcnow
from models.credit import CreditTransactionReason
from models.customer import Customer
from models.order import Order, OrderLine, OrderStatus, OrderStatusChange, Shipment, ShipmentStatus, TrackingEvent
from models.payment import UNCONFIRMED, Invoice, InvoiceSequence, InvoiceStatus, Payment, PaymentSource, PaymentStatus

logger = logging.getLogger(__name__)

INVOICE_LINK = "invoice"
RECEIPT_LINK = "receipt"


class DocumentUnavailableError(Exception):
    """The link is genuine but its invoice or receipt does not exist (any more)."""


def seller_details(rt: Runtime) -> dict[str, object]:
    settings = rt.settings
    return {
        "name": settings.seller_name,
        "address_lines": [line.strip() for line in settings.seller_address.split("|") if line.strip()],
        "email": settings.seller_email,
        "tax_id": settings.seller_tax_id,
    }


def buyer_details(order: Order, customer: Customer | None) -> dict[str, object]:
    address = order.billing_address or order.shipping_address or {}
    name = " ".join(part for part in (address.get("firstName"), address.get("lastName")) if part)
    if not name and customer is not None:
        name = " ".join(part for part in (customer.first_name, customer.last_name) if part)
    return {
        "name": name or (customer.email if customer else order.guest_email) or "Customer",
        "address_lines": address_lines(address),
        "email": customer.email if customer else order.guest_email,
        "tax_id": None,
    }


def address_lines(address: Mapping[str, Any]) -> list[str]:
    """An address (the API's camelCase keys) as the lines a document prints under the name."""
    lines = [
        address.get("company"),
        address.get("line1"),
        address.get("line2"),
        " ".join(part for part in (address.get("postalCode"), address.get("city")) if part),
        address.get("countryCode"),
    ]
    return [str(line) for line in lines if line]


async def _next_number(session: AsyncSession, year: int) -> str:
    """The year's next number, taken under the counter row's lock, so two invoices never share one."""
    for _ in range(2):
        taken = await session.execute(
            update(InvoiceSequence)
            .where(col(InvoiceSequence.year) == year)
            .values(last_number=col(InvoiceSequence.last_number) + 1)
            .returning(col(InvoiceSequence.last_number))
        )
        number = taken.scalar_one_or_none()
        if number is not None:
            return f"{year}-{number:06d}"
        try:
            async with session.begin_nested():
                session.add(InvoiceSequence(year=year, last_number=1))
            return f"{year}-{1:06d}"
        except IntegrityError:
            continue  # another transaction started the year first: take the next one from its row
    raise RuntimeError("could not take an invoice number")


async def issue_for(session: AsyncSession, rt: Runtime, order: Order) -> Invoice:
    """The invoice of a newly placed order (in the order's unit of work)."""
    customer = await session.get(Customer, order.customer_id) if order.customer_id else None
    now = utcnow()
    paid = order.status not in (OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED)
    unpaid = InvoiceStatus.VOID if order.status is OrderStatus.CANCELLED else InvoiceStatus.OPEN
    invoice = Invoice(
        number=await _next_number(session, now.year),
        order_id=order.id,
        customer_id=order.customer_id,
        status=InvoiceStatus.PAID if paid else unpaid,
        currency=order.currency,
        total=order.total,
        amount_paid=order.total if paid else 0,
        seller=seller_details(rt),
        buyer=buyer_details(order, customer),
        issued_at=now,
        paid_at=now if paid else None,
    )
    session.add(invoice)
    await event_data.invoice_issued(session, invoice, order)
    return invoice


@dataclass(frozen=True)
class CardRefund:
    """A card payment to give back at the gateway once the cancellation has committed."""

    payment_id: uuid.UUID
    charge_id: str
    amount: int


async def follow_order(session: AsyncSession, order: Order) -> list[CardRefund]:
    """Keep the invoice in step with its order (locked by the caller): its owner always; new totals while
    nothing is paid or being paid; paid or void with the order's status; and money paid here given back
    when the order is cancelled or refunded (store credit at once, cards through the returned list)."""
    invoice = (
        await session.execute(select(Invoice).where(col(Invoice.order_id) == order.id).with_for_update())
    ).scalar_one_or_none()
    if invoice is None:
        return []
    was = invoice.status
    if order.customer_id is not None:
        invoice.customer_id = order.customer_id
    if invoice.status is InvoiceStatus.OPEN:
        if invoice.amount_paid == 0 and not await _payment_under_way(session, invoice):
            invoice.total, invoice.currency = order.total, order.currency
        if order.status is OrderStatus.CANCELLED:
            invoice.status = InvoiceStatus.VOID
        elif order.status is OrderStatus.REFUNDED:
            invoice.status = InvoiceStatus.REFUNDED
        elif order.status is not OrderStatus.PENDING_PAYMENT:
            # Paid outside this server (the order system says so): nothing is due any more.
            invoice.status, invoice.amount_paid, invoice.paid_at = InvoiceStatus.PAID, invoice.total, utcnow()
    elif order.status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED):
        invoice.status = InvoiceStatus.VOID if order.status is OrderStatus.CANCELLED else InvoiceStatus.REFUNDED
    session.add(invoice)
    if invoice.status is not was and invoice.status is InvoiceStatus.PAID:
        await event_data.invoice_paid(session, invoice, order)
    elif invoice.status is not was and invoice.status in (InvoiceStatus.VOID, InvoiceStatus.REFUNDED):
        await event_data.invoice_voided(session, invoice, order)
    if order.status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED):
        return await _give_back(session, invoice)
    return []


async def _payment_under_way(session: AsyncSession, invoice: Invoice) -> bool:
    found = await session.execute(
        select(col(Payment.id)).where(
            col(Payment.invoice_id) == invoice.id,
            col(Payment.status).in_(UNCONFIRMED),
        )
    )
    return found.first() is not None


async def _give_back(session: AsyncSession, invoice: Invoice) -> list[CardRefund]:
    """Refund what the invoice's payments still hold: returns may have given part of them back already."""
    paid = list(
        (
            await session.execute(
                select(Payment)
                .where(col(Payment.invoice_id) == invoice.id, col(Payment.status) == PaymentStatus.SUCCEEDED)
                .with_for_update()
            )
        ).scalars()
    )
    returned = await returned_amounts(session, [payment.id for payment in paid])
    cards: list[CardRefund] = []
    for payment in paid:
        left = payment.amount - returned.get(payment.id, 0)
        if payment.source is PaymentSource.STORE_CREDIT or left <= 0:
            if left > 0:
                account = await store_credit.locked_account(session, payment.customer_id, payment.currency)
                await store_credit.post(
                    session,
                    account,
                    left,
                    CreditTransactionReason.REFUND,
                    reference=f"invoice {invoice.number}",
                    note="order cancelled or refunded",
                )
            payment.status = PaymentStatus.REFUNDED
            session.add(payment)
            if left > 0:
                await event_data.payment_refunded(
                    session, payment, left, await event_data.refund_reason(session, payment)
                )
        elif payment.gateway_charge_id:
            payment.status = PaymentStatus.REFUND_DUE  # REFUNDED once the gateway has done it
            session.add(payment)
            cards.append(CardRefund(payment.id, payment.gateway_charge_id, left))
    return cards


async def still_refundable(session: AsyncSession, payments: list[Payment]) -> list[CardRefund]:
    """Card refunds due for these REFUND_DUE payments: what returns have not given back already."""
    returned = await returned_amounts(session, [payment.id for payment in payments])
    return [
        CardRefund(payment.id, payment.gateway_charge_id, payment.amount - returned.get(payment.id, 0))
        for payment in payments
        if payment.gateway_charge_id and payment.amount - returned.get(payment.id, 0) > 0
    ]


async def refund_cards(rt: Runtime, refunds: list[CardRefund]) -> None:
    """Refund card payments (marked REFUND_DUE) at the gateway; each one refunded becomes REFUNDED (the
    gateway key makes a repeat harmless). A failure is logged and left REFUND_DUE for the reconciler."""
    for refund in refunds:
        if rt.gateway is None:
            logger.error(
                "a card payment needs a refund but no gateway is configured",
                extra={"payment_id": str(refund.payment_id)},
            )
            continue
        try:
            await rt.gateway.refund(refund.charge_id, refund.amount, idempotency_key=f"refund-{refund.payment_id}")
        except Exception:
            logger.exception("refund failed; refund it by hand", extra={"payment_id": str(refund.payment_id)})
            continue
        async with rt.db.unit_of_work() as session:
            done = await session.execute(
                update(Payment)
                .where(col(Payment.id) == refund.payment_id, col(Payment.status) == PaymentStatus.REFUND_DUE)
                .values(status=PaymentStatus.REFUNDED)
            )
            if getattr(done, "rowcount", 0) == 1:  # not recorded meanwhile by the gateway's webhook
                payment = await session.get(Payment, refund.payment_id)
                assert payment is not None
                reason = await event_data.refund_reason(session, payment)
                await event_data.payment_refunded(session, payment, refund.amount, reason)


def links(rt: Runtime) -> SignedLinks:
    return SignedLinks(rt.settings.secret_key_bytes, rt.settings.effective_public_url)


def invoice_url(rt: Runtime, invoice_id: uuid.UUID) -> str:
    signed = links(rt)
    return signed.url(INVOICE_LINK, str(invoice_id), signed.expiry(rt.settings.document_link_minutes))


def receipt_url(rt: Runtime, payment_id: uuid.UUID) -> str:
    signed = links(rt)
    return signed.url(RECEIPT_LINK, str(payment_id), signed.expiry(rt.settings.document_link_minutes))


def party(details: dict[str, object]) -> Party:
    lines = details.get("address_lines") or []
    return Party(
        name=str(details.get("name") or ""),
        address_lines=tuple(str(line) for line in lines) if isinstance(lines, list) else (),
        email=str(details["email"]) if details.get("email") else None,
        tax_id=str(details["tax_id"]) if details.get("tax_id") else None,
    )


def seller_party(rt: Runtime, snapshot: dict[str, object]) -> Party:
    """The seller as copied onto the invoice; a tax id configured only after it was issued is added (the seller's
    tax id does not change with the document, it was merely missing from the settings)."""
    seller = party(snapshot)
    if seller.tax_id is None and (rt.settings.seller_tax_id or "").strip():
        seller = replace(seller, tax_id=(rt.settings.seller_tax_id or "").strip())
    return seller


async def delivered_on(session: AsyncSession, order: Order) -> datetime | None:
    """When the order was delivered, if we know: its latest move to DELIVERED in the status history, else (an
    order system that never reported the status) the last DELIVERED tracking event once every parcel is
    delivered. None while it is not delivered."""
    moved = await session.scalar(
        select(func.max(col(OrderStatusChange.created_at))).where(
            col(OrderStatusChange.order_id) == order.id, col(OrderStatusChange.to_status) == OrderStatus.DELIVERED
        )
    )
    if moved is not None:
        return utc(moved)
    parcels = list((await session.execute(select(Shipment).where(col(Shipment.order_id) == order.id))).scalars())
    if not parcels or any(parcel.status is not ShipmentStatus.DELIVERED for parcel in parcels):
        return None
    tracked = await session.scalar(
        select(func.max(col(TrackingEvent.occurred_at))).where(
            col(TrackingEvent.order_id) == order.id, col(TrackingEvent.status) == ShipmentStatus.DELIVERED
        )
    )
    return utc(tracked) if tracked is not None else None


async def customer_party(session: AsyncSession, customer: Customer) -> Party:
    """The customer and the address an invoice would most likely go to: the default billing address, else the
    default shipping address, else the first billing address saved; none when the customer has none."""
    rows = list(
        (
            await session.execute(
                select(Address).where(col(Address.customer_id) == customer.id).order_by(col(Address.created_at))
            )
        ).scalars()
    )
    chosen = (
        next((a for a in rows if a.is_default_billing), None)
        or next((a for a in rows if a.is_default_shipping), None)
        or next((a for a in rows if a.is_billing), None)
    )
    name = " ".join(part for part in (chosen.first_name, chosen.last_name) if part) if chosen else ""
    lines: list[str] = []
    if chosen is not None:
        lines = address_lines(
            {
                "company": chosen.company,
                "line1": chosen.line1,
                "line2": chosen.line2,
                "postalCode": chosen.postal_code,
                "city": chosen.city,
                "countryCode": chosen.country_code,
            }
        )
    if not name:  # the account's full name, as buyer_details names an invoice's buyer (not the greeting's first name)
        name = " ".join(part for part in (customer.first_name, customer.last_name) if part)
    return Party(name=name or customer.email, address_lines=tuple(lines), email=customer.email)


def _object_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise LinkError("malformed") from exc


@dataclass(frozen=True)
class Pdf:
    filename: str
    content: bytes


async def invoice_pdf(rt: Runtime, object_id: str, expires: str | None, signature: str | None) -> Pdf:
    links(rt).verify(INVOICE_LINK, object_id, expires, signature, utcnow())
    invoice_id = _object_id(object_id)
    async with rt.db.read() as session:
        invoice = await session.get(Invoice, invoice_id)
        order = await session.get(Order, invoice.order_id) if invoice else None
        if invoice is None or order is None:
            raise DocumentUnavailableError()
        lines = list(
            (
                await session.execute(
                    select(OrderLine).where(col(OrderLine.order_id) == order.id).order_by(col(OrderLine.position))
                )
            ).scalars()
        )
        delivered_at = await delivered_on(session, order)
        locale = await document_locale(session, invoice.customer_id)
    document = InvoiceDocument(
        number=invoice.number,
        issued_at=invoice.issued_at,
        order_number=order.number,
        currency=invoice.currency,
        seller=seller_party(rt, invoice.seller),
        buyer=party(invoice.buyer),
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
        subtotal=order.subtotal,
        discount_total=order.discount_total,
        shipping_total=order.shipping_total,
        tax_total=order.tax_total,
        total=invoice.total,
        amount_paid=invoice.amount_paid,
        paid_at=invoice.paid_at,
        ordered_at=order.placed_at,
        delivered_at=delivered_at,
    )
    content = await anyio.to_thread.run_sync(render_invoice, document, locale)
    return Pdf(f"invoice-{invoice.number}.pdf", content)


async def receipt_pdf(rt: Runtime, object_id: str, expires: str | None, signature: str | None) -> Pdf:
    links(rt).verify(RECEIPT_LINK, object_id, expires, signature, utcnow())
    payment_id = _object_id(object_id)
    async with rt.db.read() as session:
        payment = await session.get(Payment, payment_id)
        if payment is None or payment.status is not PaymentStatus.SUCCEEDED:
            raise DocumentUnavailableError()
        if payment.invoice_id is None:  # a payment of the on-account balance (payAccountBalance)
            document = await _balance_receipt(session, rt, payment)
        else:
            document = await _invoice_receipt(session, rt, payment)
        locale = await document_locale(session, payment.customer_id)
    content = await anyio.to_thread.run_sync(render_receipt, document, locale)
    return Pdf(f"receipt-{payment.receipt_number}.pdf", content)


async def _invoice_receipt(session: AsyncSession, rt: Runtime, payment: Payment) -> ReceiptDocument:
    invoice = await session.get(Invoice, payment.invoice_id)
    order = await session.get(Order, invoice.order_id) if invoice else None
    if invoice is None or order is None:
        raise DocumentUnavailableError()
    assert payment.receipt_number is not None
    assert payment.completed_at is not None
    return ReceiptDocument(
        number=payment.receipt_number,
        paid_at=payment.completed_at,
        currency=payment.currency,
        amount=payment.amount,
        method=payment.method_label,
        invoice_number=invoice.number,
        seller=seller_party(rt, invoice.seller),
        buyer=party(invoice.buyer),
        order_number=order.number,
        ordered_at=order.placed_at,
        delivered_at=await delivered_on(session, order),
    )


async def _balance_receipt(session: AsyncSession, rt: Runtime, payment: Payment) -> ReceiptDocument:
    """No invoice to copy parties from: the seller as configured, the customer as an offer names them; the
    payment is for the account's balance in its currency."""
    customer = await session.get(Customer, payment.customer_id)
    if customer is None:
        raise DocumentUnavailableError()
    assert payment.receipt_number is not None
    assert payment.completed_at is not None
    return ReceiptDocument(
        number=payment.receipt_number,
        paid_at=payment.completed_at,
        currency=payment.currency,
        amount=payment.amount,
        method=payment.method_label,
        invoice_number=None,
        seller=party(seller_details(rt)),
        buyer=await customer_party(session, customer),
    )


def amount_due(invoice: Invoice) -> int:
    return max(invoice.total - invoice.amount_paid, 0) if invoice.status is InvoiceStatus.OPEN else 0
