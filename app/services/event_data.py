"""The `data` of each business event (app/integration/catalogue.py documents every field), built from the rows of
the change and recorded in its unit of work with `record_event`.

Conventions of every payload: camelCase keys; our public GraphQL global ids (`…Id`, what `node(id:)` takes)
beside the numbers people and other systems use (order, invoice, return, ticket and receipt numbers, SKUs, the
customer's `externalReference`); money as {"amount": minor units, "currencyCode"}; times ISO 8601 in UTC. No
secret ever: no password, token, gateway token or card number (a card's brand and last four digits only), and
no phone number or date of birth (`changedFields` names them; customers:read reads the phone).
"""

import base64
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.documents.model import DocumentLine, tax_breakdown
from app.integration.events import record_event
from app.services import invoices
from models.base import utcnow
from models.credit import CreditLimitRequest, CreditTransaction, StoreCreditAccount
from models.customer import Customer, CustomerGroup
from models.order import Order, OrderLine, OrderStatus
from models.payment import Invoice, InvoiceStatus, Payment, PaymentMethod
from models.profile import ConsentEvent, CustomerSettings
from models.returns import (
    ReturnLine,
    ReturnRefund,
    ReturnRefundDestination,
    ReturnRefundStatus,
    ReturnRequest,
)
from models.support import SupportTicket

Data = dict[str, Any]


def global_id(type_name: str, value: uuid.UUID | None) -> str | None:
    """The id the GraphQL API gives the object (relay's base64 of "Type:uuid")."""
    if value is None:
        return None
    return base64.b64encode(f"{type_name}:{value}".encode()).decode()


def money(amount: int, currency: str) -> Data:
    return {"amount": amount, "currencyCode": currency}


def rate_text(rate_bp: int) -> str:
    """A tax rate in percent as a decimal string: 1900 → "19", 750 → "7.5", 0 → "0"."""
    return f"{Decimal(rate_bp).scaleb(-2).normalize():f}"


async def _customer(session: AsyncSession, customer_id: uuid.UUID | None) -> Customer | None:
    """The customer row (from the unit of work's identity map when it holds it: no query then)."""
    return await session.get(Customer, customer_id) if customer_id is not None else None


async def customer_refs(session: AsyncSession, customer_id: uuid.UUID | None) -> Data:
    """customerId and customerExternalReference: how every event about a customer names them."""
    customer = await _customer(session, customer_id)
    return {
        "customerId": global_id("Customer", customer_id),
        "customerExternalReference": customer.external_reference if customer else None,
    }


# --- customers -------------------------------------------------------------------------------------


async def _customer_data(session: AsyncSession, customer: Customer) -> Data:
    settings = await session.get(CustomerSettings, customer.id)
    group = await session.get(CustomerGroup, customer.group_id)
    return {
        "customerId": global_id("Customer", customer.id),
        "externalReference": customer.external_reference,
        "email": customer.email,
        "emailVerified": customer.email_verified_at is not None,
        "firstName": customer.first_name,
        "lastName": customer.last_name,
        "company": customer.company,
        "status": customer.status,
        "groupCode": group.code if group else None,
        "language": settings.language if settings else None,
        "currency": settings.currency if settings else None,
        "timezone": settings.timezone if settings else None,
        "emailNotifications": settings.email_notifications if settings else True,
        "smsNotifications": settings.sms_notifications if settings else False,
    }


async def customer_created(session: AsyncSession, customer: Customer, *, origin: str) -> None:
    """`origin`: REGISTRATION, INTEGRATION, STAFF or COMMAND_LINE. An account active from the start is activated too."""
    await session.flush()  # settings a new account was given in the same unit of work
    data = await _customer_data(session, customer)
    record_event(session, "customer.created", {**data, "origin": origin, "createdAt": customer.created_at})
    if customer.activated_at is not None:
        await customer_activated(session, customer, method="AT_CREATION")


async def customer_updated(session: AsyncSession, customer_id: uuid.UUID, changed: Iterable[str]) -> None:
    """The customer as it is now and which fields changed; nothing when none did."""
    fields = sorted(set(changed))
    if not fields:
        return
    await session.flush()
    customer = await _customer(session, customer_id)
    assert customer is not None
    data = await _customer_data(session, customer)
    record_event(session, "customer.updated", {**data, "changedFields": fields, "updatedAt": utcnow()})


async def customer_activated(session: AsyncSession, customer: Customer, *, method: str) -> None:
    """`method`: EMAIL_LINK, SMS_CODE, ADMIN_APPROVAL, PASSWORD_RESET or AT_CREATION."""
    record_event(
        session,
        "customer.activated",
        {
            "customerId": global_id("Customer", customer.id),
            "externalReference": customer.external_reference,
            "email": customer.email,
            "method": method,
            "activatedAt": customer.activated_at or utcnow(),
        },
    )


def customer_deleted(session: AsyncSession, customer: Customer, *, deleted_by: str) -> None:
    """Ids and the reference only: the personal data is gone, and the receiver forgets its own copy."""
    record_event(
        session,
        "customer.deleted",
        {
            "customerId": global_id("Customer", customer.id),
            "externalReference": customer.external_reference,
            "deletedBy": deleted_by,
            "deletedAt": utcnow(),
        },
    )


async def consent_changed(session: AsyncSession, event: ConsentEvent) -> None:
    customer = await _customer(session, event.customer_id)
    assert customer is not None
    record_event(
        session,
        "customer.consent_changed",
        {
            "customerId": global_id("Customer", customer.id),
            "externalReference": customer.external_reference,
            "email": customer.email,
            "purpose": event.purpose,
            "granted": event.granted,
            "policyVersion": event.policy_version,
            "source": event.source,
            "changedAt": event.created_at,
        },
    )


# --- orders and inventory --------------------------------------------------------------------------


def _line(line: OrderLine, currency: str) -> Data:
    return {
        "lineId": global_id("OrderLine", line.id),
        "position": line.position,
        "sku": line.sku,
        "name": line.name,
        "quantity": line.quantity,
        "unitPrice": money(line.unit_price, currency),
        "net": money(line.total, currency),
        "taxRate": rate_text(line.tax_rate_bp),
        "taxRateBasisPoints": line.tax_rate_bp,
        "tax": money(line.tax_amount, currency),
        "gross": money(line.total + line.tax_amount, currency),
    }


async def order_lines(session: AsyncSession, order_id: uuid.UUID) -> list[OrderLine]:
    await session.flush()
    found = await session.execute(
        select(OrderLine).where(col(OrderLine.order_id) == order_id).order_by(col(OrderLine.position))
    )
    return list(found.scalars())


async def _order_refs(session: AsyncSession, order: Order) -> Data:
    return {
        "orderId": global_id("Order", order.id),
        "orderNumber": order.number,
        **await customer_refs(session, order.customer_id),
    }


def _country(address: Mapping[str, Any] | None) -> str | None:
    value = (address or {}).get("countryCode")
    return str(value) if value else None


async def order_placed(session: AsyncSession, order: Order) -> None:
    """order.placed with its lines, and the stock each line takes (inventory.moved, SOLD)."""
    lines = await order_lines(session, order.id)
    customer = await _customer(session, order.customer_id)
    currency = order.currency
    record_event(
        session,
        "order.placed",
        {
            **await _order_refs(session, order),
            "source": order.source,
            "externalId": order.external_id,
            "channel": order.channel,
            "status": order.status,
            "guestOrder": order.customer_id is None,
            "email": customer.email if customer else order.guest_email,
            "currencyCode": currency,
            "lines": [_line(line, currency) for line in lines],
            "subtotal": money(order.subtotal, currency),
            "discountTotal": money(order.discount_total, currency),
            "shippingTotal": money(order.shipping_total, currency),
            "taxTotal": money(order.tax_total, currency),
            "total": money(order.total, currency),
            "billingCountryCode": _country(order.billing_address),
            "shippingCountryCode": _country(order.shipping_address),
            "placedAt": order.placed_at,
        },
    )
    for line in lines:
        inventory_moved(session, line.sku, line.name, -line.quantity, "SOLD", order=order, line=line)


async def order_status_changed(
    session: AsyncSession,
    order: Order,
    previous: OrderStatus,
    *,
    note: str | None,
    reason: str | None,
    at: datetime,
) -> None:
    record_event(
        session,
        "order.status_changed",
        {
            **await _order_refs(session, order),
            "previousStatus": previous,
            "status": order.status,
            "reason": reason,
            "note": note,
            "changedAt": at,
        },
    )


async def order_cancelled(session: AsyncSession, order: Order, previous: OrderStatus, note: str | None) -> None:
    """order.cancelled, and each line's stock back (inventory.moved, ORDER_CANCELLED)."""
    lines = await order_lines(session, order.id)
    record_event(
        session,
        "order.cancelled",
        {
            **await _order_refs(session, order),
            "previousStatus": previous,
            "note": note,
            "total": money(order.total, order.currency),
            "lines": [{"sku": line.sku, "quantity": line.quantity} for line in lines],
            "cancelledAt": utcnow(),
        },
    )
    for line in lines:
        inventory_moved(session, line.sku, line.name, line.quantity, "ORDER_CANCELLED", order=order, line=line)


def quantities(lines: Iterable[tuple[str, int]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for sku, quantity in lines:
        counts[sku] += quantity
    return counts


def order_lines_changed(
    session: AsyncSession, order: Order, before: Counter[str], after: Counter[str], names: Mapping[str, str]
) -> None:
    """An order pushed again with other quantities: the difference per SKU (inventory.moved, ORDER_CHANGED).
    A cancelled order's stock went back already."""
    if order.status is OrderStatus.CANCELLED:
        return
    for sku in sorted(set(before) | set(after)):
        change = before[sku] - after[sku]  # more ordered: less in stock
        if change:
            inventory_moved(session, sku, names.get(sku, sku), change, "ORDER_CHANGED", order=order)


def inventory_moved(
    session: AsyncSession,
    sku: str,
    name: str,
    change: int,
    reason: str,
    *,
    order: Order,
    line: OrderLine | None = None,
    request: ReturnRequest | None = None,
) -> None:
    record_event(
        session,
        "inventory.moved",
        {
            "sku": sku,
            "productName": name,
            "quantityChange": change,
            "reason": reason,
            "channel": order.channel,
            "orderId": global_id("Order", order.id),
            "orderNumber": order.number,
            "orderLineId": global_id("OrderLine", line.id) if line else None,
            "returnId": global_id("Return", request.id) if request else None,
            "returnNumber": request.number if request else None,
            "movedAt": utcnow(),
        },
    )


# --- invoices --------------------------------------------------------------------------------------


async def _invoice_data(session: AsyncSession, invoice: Invoice, order: Order) -> Data:
    lines = await order_lines(session, order.id)
    currency = invoice.currency
    breakdown = tax_breakdown(
        DocumentLine(line.sku, line.name, line.quantity, line.unit_price, line.tax_rate_bp, line.tax_amount, line.total)
        for line in lines
    )
    buyer = invoice.buyer or {}
    return {
        "invoiceId": global_id("Invoice", invoice.id),
        "invoiceNumber": invoice.number,
        "status": invoice.status,
        **await _order_refs(session, order),
        "buyerName": buyer.get("name"),
        "buyerEmail": buyer.get("email"),
        "currencyCode": currency,
        "lines": [_line(line, currency) for line in lines],
        "taxBreakdown": [
            {
                "rate": rate_text(row.rate_bp),
                "rateBasisPoints": row.rate_bp,
                "net": money(row.net, currency),
                "tax": money(row.tax, currency),
                "gross": money(row.net + row.tax, currency),
            }
            for row in breakdown
        ],
        "subtotal": money(order.subtotal, currency),
        "discountTotal": money(order.discount_total, currency),
        "shippingTotal": money(order.shipping_total, currency),
        "taxTotal": money(order.tax_total, currency),
        "total": money(invoice.total, currency),
        "amountPaid": money(invoice.amount_paid, currency),
        "amountDue": money(invoices.amount_due(invoice), currency),
        "issuedAt": invoice.issued_at,
        "paidAt": invoice.paid_at,
        "voidReason": None,
        "voidedAt": None,
    }


async def invoice_issued(session: AsyncSession, invoice: Invoice, order: Order) -> None:
    """invoice.issued; an invoice issued for an order paid already (elsewhere) is paid at once too."""
    data = await _invoice_data(session, invoice, order)
    record_event(session, "invoice.issued", data)
    if invoice.status is InvoiceStatus.PAID:
        record_event(session, "invoice.paid", data)


async def invoice_paid(session: AsyncSession, invoice: Invoice, order: Order) -> None:
    record_event(session, "invoice.paid", await _invoice_data(session, invoice, order))


async def invoice_voided(session: AsyncSession, invoice: Invoice, order: Order) -> None:
    """Voided (the order was cancelled) or refunded (the order was refunded): either way nothing is owed on it."""
    data = await _invoice_data(session, invoice, order)
    data["voidReason"] = "ORDER_REFUNDED" if invoice.status is InvoiceStatus.REFUNDED else "ORDER_CANCELLED"
    data["voidedAt"] = utcnow()
    record_event(session, "invoice.voided", data)


# --- payments --------------------------------------------------------------------------------------


async def _payment_data(session: AsyncSession, payment: Payment) -> Data:
    invoice = await session.get(Invoice, payment.invoice_id) if payment.invoice_id else None
    order = await session.get(Order, payment.order_id) if payment.order_id else None
    method = await session.get(PaymentMethod, payment.payment_method_id) if payment.payment_method_id else None
    return {
        "paymentId": global_id("Payment", payment.id),
        "status": payment.status,
        "purpose": "INVOICE" if payment.invoice_id else "ACCOUNT_BALANCE",
        **await customer_refs(session, payment.customer_id),
        "orderId": global_id("Order", payment.order_id),
        "orderNumber": order.number if order else None,
        "invoiceId": global_id("Invoice", payment.invoice_id),
        "invoiceNumber": invoice.number if invoice else None,
        "amount": money(payment.amount, payment.currency),
        "source": payment.source,
        "method": payment.method_label,
        "methodKind": method.kind if method else None,
        "brand": method.brand if method else None,
        "last4": method.last4 if method else None,
        "receiptNumber": payment.receipt_number,
        "failureCode": payment.failure_code,
        "failureMessage": payment.failure_message,
        "createdAt": payment.created_at,
        "completedAt": payment.completed_at,
        "refund": None,
    }


async def payment_succeeded(session: AsyncSession, payment: Payment) -> None:
    record_event(session, "payment.succeeded", await _payment_data(session, payment))


async def payment_failed(session: AsyncSession, payment: Payment) -> None:
    """A refusal (declined by the gateway or the bank, not enough store credit, never authenticated). An
    attempt whose outcome is merely unknown yet (the gateway did not answer) is no failure: it is retried."""
    record_event(session, "payment.failed", await _payment_data(session, payment))


async def payment_refunded(
    session: AsyncSession,
    payment: Payment,
    amount: int,
    reason: str,
    request: ReturnRequest | None = None,
) -> None:
    """`reason`: ORDER_CANCELLED, ORDER_REFUNDED, NOT_PAYABLE (it came when the invoice could no longer take
    it), RETURN, or GATEWAY (refunded in the gateway's own dashboard)."""
    data = await _payment_data(session, payment)
    data["refund"] = {
        "amount": money(amount, payment.currency),
        "reason": reason,
        "returnId": global_id("Return", request.id) if request else None,
        "returnNumber": request.number if request else None,
        "refundedAt": utcnow(),
    }
    record_event(session, "payment.refunded", data)


async def refund_reason(session: AsyncSession, payment: Payment) -> str:
    """Why money paid for an order is given back whole: the invoice no longer took it, or the order ended."""
    if payment.failure_code == "not_payable":
        return "NOT_PAYABLE"
    order = await session.get(Order, payment.order_id) if payment.order_id else None
    return "ORDER_REFUNDED" if order is not None and order.status is OrderStatus.REFUNDED else "ORDER_CANCELLED"


async def sent_to_gateway(session: AsyncSession, payment_id: uuid.UUID) -> int:
    """What returns have sent (or are sending) back to this card payment through the gateway."""
    total = await session.scalar(
        select(func.coalesce(func.sum(col(ReturnRefund.amount)), 0)).where(
            col(ReturnRefund.payment_id) == payment_id,
            col(ReturnRefund.destination) == ReturnRefundDestination.ORIGINAL_PAYMENT,
            col(ReturnRefund.status) != ReturnRefundStatus.CANCELLED,
        )
    )
    return int(total or 0)


# --- returns ---------------------------------------------------------------------------------------


async def return_event(
    session: AsyncSession, event_type: str, request: ReturnRequest, *, restocked: bool | None = None
) -> None:
    """Every return event has the same shape: the return as it is now."""
    await session.flush()
    order = await session.get(Order, request.order_id)
    assert order is not None
    lines = (
        await session.execute(
            select(ReturnLine).where(col(ReturnLine.return_id) == request.id).order_by(col(ReturnLine.position))
        )
    ).scalars()
    refunds = (
        await session.execute(
            select(ReturnRefund)
            .where(col(ReturnRefund.return_id) == request.id, col(ReturnRefund.status) == ReturnRefundStatus.SUCCEEDED)
            .order_by(col(ReturnRefund.created_at), col(ReturnRefund.id))
        )
    ).scalars()
    currency = request.currency
    record_event(
        session,
        event_type,
        {
            "returnId": global_id("Return", request.id),
            "returnNumber": request.number,
            "status": request.status,
            **await _order_refs(session, order),
            "resolution": request.resolution,
            "decisionReason": request.decision_reason,
            "refundDestination": request.refund_destination,
            "lines": [
                {
                    "orderLineId": global_id("OrderLine", line.order_line_id),
                    "sku": line.sku,
                    "name": line.name,
                    "quantity": line.quantity,
                    "reason": line.reason,
                    "amount": money(line.amount, currency),
                    "tax": money(line.tax_amount, currency),
                }
                for line in lines
            ],
            "subtotal": money(request.subtotal, currency),
            "taxTotal": money(request.tax_total, currency),
            "restockingFee": money(request.restocking_fee, currency),
            "shippingDeduction": money(request.shipping_deduction, currency),
            "refundTotal": money(request.refund_total, currency),
            "refundedAmount": money(request.refunded_amount, currency),
            "refunds": [
                {
                    "destination": row.destination,
                    "amount": money(row.amount, row.currency),
                    "method": row.method_label,
                    "paymentId": global_id("Payment", row.payment_id),
                }
                for row in refunds
            ],
            "restocked": restocked,
            "rejectionReason": request.rejection_reason,
            "requestedAt": request.created_at,
            "approvedAt": request.approved_at,
            "rejectedAt": request.rejected_at,
            "receivedAt": request.received_at,
            "refundedAt": request.refunded_at,
        },
    )


async def returned_to_stock(session: AsyncSession, request: ReturnRequest, order: Order) -> None:
    """The returned lines back in stock, one inventory.moved (RETURNED) per line."""
    lines = (
        await session.execute(
            select(ReturnLine).where(col(ReturnLine.return_id) == request.id).order_by(col(ReturnLine.position))
        )
    ).scalars()
    for line in lines:
        order_line = await session.get(OrderLine, line.order_line_id)
        inventory_moved(
            session, line.sku, line.name, line.quantity, "RETURNED", order=order, line=order_line, request=request
        )


# --- store credit ----------------------------------------------------------------------------------


async def credit_moved(session: AsyncSession, entry: CreditTransaction, account: StoreCreditAccount) -> None:
    currency = account.currency
    record_event(
        session,
        "store_credit.moved",
        {
            "transactionId": global_id("CreditTransaction", entry.id),
            **await customer_refs(session, account.customer_id),
            "amount": money(entry.amount, currency),
            "balanceAfter": money(entry.balance_after, currency),
            "creditLimit": money(account.credit_limit, currency),
            "reason": entry.reason,
            "reference": entry.reference,
            "note": entry.note,
            "createdAt": entry.created_at,
        },
    )


async def credit_limit_decided(session: AsyncSession, request: CreditLimitRequest) -> None:
    granted = request.approved_amount
    record_event(
        session,
        "credit_limit.decided",
        {
            "requestId": global_id("CreditLimitRequest", request.id),
            **await customer_refs(session, request.customer_id),
            "decision": "GRANTED" if granted is not None else "REFUSED",
            "requestedLimit": money(request.amount, request.currency),
            "grantedLimit": money(granted, request.currency) if granted is not None else None,
            "reason": request.decision_reason,
            "decidedAt": request.decided_at or utcnow(),
        },
    )


# --- support tickets -------------------------------------------------------------------------------


async def ticket_event(session: AsyncSession, event_type: str, ticket: SupportTicket, **extra: object) -> None:
    order = await session.get(Order, ticket.order_id) if ticket.order_id else None
    request = await session.get(ReturnRequest, ticket.return_id) if ticket.return_id else None
    record_event(
        session,
        event_type,
        {
            "ticketId": global_id("SupportTicket", ticket.id),
            "ticketNumber": ticket.number,
            **await customer_refs(session, ticket.customer_id),
            "subject": ticket.subject,
            "category": ticket.category,
            "state": ticket.state,
            "orderId": global_id("Order", ticket.order_id),
            "orderNumber": order.number if order else None,
            "returnId": global_id("Return", ticket.return_id),
            "returnNumber": request.number if request else None,
            "openedAt": ticket.created_at,
            **extra,
        },
    )


def names_of(lines: Sequence[Any]) -> dict[str, str]:
    """SKU → name of order lines (or the order system's line data)."""
    return {line.sku: line.name for line in lines}
