"""Shipments of an order and their tracking events, pushed by the order system (scope orders:write).

Adding a shipment moves the order to PARTIALLY_SHIPPED or SHIPPED when everything ordered is on its
way; a DELIVERED tracking event on the last open parcel moves it to DELIVERED. Quantities never exceed
what was ordered minus what was already shipped.
"""

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.principal import Principal
from app.runtime import Runtime
from app.services.errors import ErrorDetail
from app.services.order_timeline import TimelineNote
from app.services.orders import (
    TRANSITIONS,
    OrderError,
    OrderErrorCode,
    OrderWithLines,
    read_order,
    record_status,
    require_scope,
)
from app.services.validation import neutralize_text
from models.order import Order, OrderLine, OrderStatus, OrderTimelineReason, Shipment, ShipmentStatus, TrackingEvent


@dataclass
class ShipmentData:
    carrier: str
    tracking_number: str | None
    tracking_url: str | None
    lines: list[tuple[str, int]]  # (sku, quantity)


async def _move(
    session: AsyncSession,
    rt: Runtime,
    order: Order,
    status: OrderStatus,
    service_id: uuid.UUID,
    reason: OrderTimelineReason,
) -> None:
    if order.status is not status and status in TRANSITIONS[order.status]:
        await record_status(session, rt, order, status, TimelineNote(reason), service_account_id=service_id)


def _validate(data: ShipmentData) -> None:
    errors: list[ErrorDetail] = []
    data.carrier = neutralize_text(data.carrier or "").strip()
    if not data.carrier or len(data.carrier) > 64:
        errors.append(ErrorDetail(OrderErrorCode.REQUIRED, "Name the carrier (at most 64 characters).", ("carrier",)))
    data.tracking_number = (data.tracking_number or "").strip() or None
    if data.tracking_number and len(data.tracking_number) > 64:
        errors.append(ErrorDetail(OrderErrorCode.TOO_LONG, "Use at most 64 characters.", ("trackingNumber",)))
    data.tracking_url = (data.tracking_url or "").strip() or None
    if data.tracking_url:
        parts = urlsplit(data.tracking_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(data.tracking_url) > 2000:
            errors.append(ErrorDetail(OrderErrorCode.INVALID, "Use an http(s) URL.", ("trackingUrl",)))
    if not data.lines:
        errors.append(ErrorDetail(OrderErrorCode.REQUIRED, "A shipment holds at least one line.", ("lines",)))
    for index, (_, quantity) in enumerate(data.lines):
        if quantity <= 0:
            errors.append(
                ErrorDetail(
                    OrderErrorCode.INVALID_QUANTITY, "A quantity of 1 or more.", ("lines", str(index), "quantity")
                )
            )
    if errors:
        raise OrderError(*errors)


async def add_shipment(
    rt: Runtime, principal: Principal, order_id: uuid.UUID | None, data: ShipmentData
) -> OrderWithLines:
    service_id = require_scope(principal, "orders:write")
    _validate(data)
    async with rt.db.unit_of_work() as session:
        order = await session.get(Order, order_id, with_for_update=True) if order_id else None
        if order is None:
            raise OrderError.one(OrderErrorCode.NOT_FOUND, "No such order.", "orderId")
        if order.status not in (OrderStatus.PAID, OrderStatus.PROCESSING, OrderStatus.PARTIALLY_SHIPPED):
            raise OrderError.one(
                OrderErrorCode.ILLEGAL_TRANSITION,
                f"An order that is {order.status.value} cannot be shipped.",
                "orderId",
            )
        ordered: Counter[str] = Counter()
        for line in (await session.execute(select(OrderLine).where(col(OrderLine.order_id) == order.id))).scalars():
            ordered[line.sku] += line.quantity
        shipped: Counter[str] = Counter()
        for earlier in (await session.execute(select(Shipment).where(col(Shipment.order_id) == order.id))).scalars():
            for item in earlier.lines:
                shipped[item["sku"]] += int(item["quantity"])
        adding: Counter[str] = Counter()
        for index, (sku, quantity) in enumerate(data.lines):
            adding[sku] += quantity
            if adding[sku] + shipped[sku] > ordered[sku]:
                raise OrderError.one(
                    OrderErrorCode.INVALID_QUANTITY,
                    f"Only {ordered[sku] - shipped[sku]} of {sku!r} are left to ship.",
                    "lines",
                    str(index),
                    "quantity",
                )
        session.add(
            Shipment(
                order_id=order.id,
                carrier=data.carrier,
                tracking_number=data.tracking_number,
                tracking_url=data.tracking_url,
                status=ShipmentStatus.LABEL_CREATED,
                lines=[{"sku": sku, "quantity": quantity} for sku, quantity in adding.items()],
            )
        )
        everything = all(shipped[sku] + adding[sku] >= count for sku, count in ordered.items())
        if order.status is OrderStatus.PAID:
            await _move(session, rt, order, OrderStatus.PROCESSING, service_id, OrderTimelineReason.SHIPPING_STARTED)
        await _move(
            session,
            rt,
            order,
            OrderStatus.SHIPPED if everything else OrderStatus.PARTIALLY_SHIPPED,
            service_id,
            OrderTimelineReason.SHIPMENT_ADDED,
        )
    return await read_order(rt, order.id)


async def add_tracking_event(
    rt: Runtime,
    principal: Principal,
    shipment_id: uuid.UUID | None,
    *,
    occurred_at: datetime,
    status: ShipmentStatus,
    location: str | None,
    description: str,
) -> OrderWithLines:
    service_id = require_scope(principal, "orders:write")
    description = neutralize_text(description or "").strip()
    location = neutralize_text(location or "").strip() or None
    if not description or len(description) > 500:
        raise OrderError.one(OrderErrorCode.REQUIRED, "Describe the event (at most 500 characters).", "description")
    if location and len(location) > 200:
        raise OrderError.one(OrderErrorCode.TOO_LONG, "Use at most 200 characters.", "location")
    if occurred_at.tzinfo is None:
        raise OrderError.one(OrderErrorCode.INVALID, "Send the time with its offset.", "occurredAt")
    async with rt.db.unit_of_work() as session:
        shipment = await session.get(Shipment, shipment_id, with_for_update=True) if shipment_id else None
        if shipment is None:
            raise OrderError.one(OrderErrorCode.NOT_FOUND, "No such shipment.", "shipmentId")
        order = await session.get(Order, shipment.order_id, with_for_update=True)
        assert order is not None
        session.add(
            TrackingEvent(
                shipment_id=shipment.id,
                order_id=order.id,
                occurred_at=occurred_at,
                status=status,
                location=location,
                description=description,
            )
        )
        shipment.status = status
        session.add(shipment)
        await session.flush()
        parcels = list((await session.execute(select(Shipment).where(col(Shipment.order_id) == order.id))).scalars())
        if order.status is OrderStatus.SHIPPED and all(p.status is ShipmentStatus.DELIVERED for p in parcels):
            await _move(session, rt, order, OrderStatus.DELIVERED, service_id, OrderTimelineReason.DELIVERED)
    return await read_order(rt, order.id)
