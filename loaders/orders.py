"""Orders and invoices by id (owner or staff); lines, timelines, parcels, invoices and payments by order id."""

import uuid

from sqlmodel import col

from app.db import Database
from app.principal import Principal
from loaders.batching import owned_rows_by_id, rows_by_parent
from models.order import Order, OrderLine, OrderStatusChange, Shipment, TrackingEvent
from models.payment import Invoice, Payment, PaymentDispute


async def load_orders(db: Database, principal: Principal, ids: list[uuid.UUID]) -> list[Order | None]:
    return await owned_rows_by_id(db, principal, Order, ids)


# Lines and timelines are only asked for orders the caller could already see (through the loader above,
# a customer's page, or a service account's own write), so they are keyed by order id alone.
async def load_order_lines(db: Database, order_ids: list[uuid.UUID]) -> list[list[OrderLine]]:
    return await rows_by_parent(db, OrderLine, "order_id", order_ids, col(OrderLine.position))


async def load_order_timelines(db: Database, order_ids: list[uuid.UUID]) -> list[list[OrderStatusChange]]:
    return await rows_by_parent(
        db, OrderStatusChange, "order_id", order_ids, col(OrderStatusChange.created_at), col(OrderStatusChange.id)
    )


async def load_order_shipments(db: Database, order_ids: list[uuid.UUID]) -> list[list[Shipment]]:
    return await rows_by_parent(db, Shipment, "order_id", order_ids, col(Shipment.created_at), col(Shipment.id))


async def load_order_tracking_events(db: Database, order_ids: list[uuid.UUID]) -> list[list[TrackingEvent]]:
    return await rows_by_parent(
        db, TrackingEvent, "order_id", order_ids, col(TrackingEvent.occurred_at), col(TrackingEvent.id)
    )


async def load_invoices(db: Database, principal: Principal, ids: list[uuid.UUID]) -> list[Invoice | None]:
    return await owned_rows_by_id(db, principal, Invoice, ids)


async def load_order_invoices(db: Database, order_ids: list[uuid.UUID]) -> list[Invoice | None]:
    found = await rows_by_parent(db, Invoice, "order_id", order_ids)
    return [rows[0] if rows else None for rows in found]


async def load_order_payments(db: Database, order_ids: list[uuid.UUID]) -> list[list[Payment]]:
    return await rows_by_parent(db, Payment, "order_id", order_ids, col(Payment.created_at), col(Payment.id))


async def load_payment_disputes(db: Database, payment_ids: list[uuid.UUID]) -> list[list[PaymentDispute]]:
    return await rows_by_parent(
        db, PaymentDispute, "payment_id", payment_ids, col(PaymentDispute.opened_at), col(PaymentDispute.id)
    )
