"""Orders pushed by the order system and the POS: lines, status history; amounts in minor units."""

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import enum_column, timestamp, uuid_pk


class OrderStatus(enum.Enum):
    PENDING_PAYMENT = "PENDING_PAYMENT"
    PAID = "PAID"
    PROCESSING = "PROCESSING"
    PARTIALLY_SHIPPED = "PARTIALLY_SHIPPED"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"
    REFUNDED = "REFUNDED"


class OrderChannel(enum.Enum):
    ONLINE = "ONLINE"
    POS = "POS"


class Order(SQLModel, table=True):
    __tablename__ = "customer_order"
    __table_args__ = (
        sa.UniqueConstraint("source", "external_id"),
        sa.Index("ix_customer_order_customer_placed", "customer_id", "placed_at", "id"),
        sa.Index("ix_customer_order_guest_placed", "guest_email_key", "placed_at"),
        # The analytics rollup reads orders in the order they arrived.
        sa.Index("ix_customer_order_created", "created_at"),
    )

    id: uuid.UUID = uuid_pk()
    number: str = Field(max_length=32, unique=True)
    # Null for a guest order: it waits for the owner of guest_email to claim it.
    customer_id: uuid.UUID | None = Field(default=None, foreign_key="customer.id")
    guest_email: str | None = Field(default=None, max_length=320)
    guest_email_key: str | None = Field(default=None, max_length=320)
    status: OrderStatus = enum_column(OrderStatus, index=True)
    channel: OrderChannel = enum_column(OrderChannel)
    currency: str = Field(max_length=3)
    subtotal: int = Field(sa_type=sa.BigInteger)
    discount_total: int = Field(default=0, sa_type=sa.BigInteger)
    shipping_total: int = Field(default=0, sa_type=sa.BigInteger)
    tax_total: int = Field(default=0, sa_type=sa.BigInteger)
    total: int = Field(sa_type=sa.BigInteger)
    placed_at: datetime = timestamp()
    # Copies of the addresses as they were when the order was placed: editing an address never rewrites them.
    billing_address: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(sa.JSON, nullable=True))
    shipping_address: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(sa.JSON, nullable=True))
    source: str = Field(max_length=64)
    external_id: str = Field(max_length=128)
    created_at: datetime = timestamp(default_now=True)
    updated_at: datetime = timestamp(default_now=True)


class OrderLine(SQLModel, table=True):
    __tablename__ = "order_line"

    id: uuid.UUID = uuid_pk()
    order_id: uuid.UUID = Field(foreign_key="customer_order.id", index=True)
    position: int
    sku: str = Field(max_length=64)
    name: str = Field(max_length=200)
    quantity: int
    unit_price: int = Field(sa_type=sa.BigInteger)
    # Basis points: 1900 is 19 %.
    tax_rate_bp: int = 0
    tax_amount: int = Field(default=0, sa_type=sa.BigInteger)
    total: int = Field(sa_type=sa.BigInteger)


class OrderTimelineReason(enum.Enum):
    """Why this server wrote a timeline entry (the order system's entries have none: their note is the shop's own
    words). Clients word the entry in the reader's language from the reason and its details."""

    PLACED = "PLACED"
    PLACED_FROM_OFFER = "PLACED_FROM_OFFER"
    PAID_ONLINE = "PAID_ONLINE"
    PAID_WITH_STORE_CREDIT = "PAID_WITH_STORE_CREDIT"
    SHIPPING_STARTED = "SHIPPING_STARTED"
    SHIPMENT_ADDED = "SHIPMENT_ADDED"
    DELIVERED = "DELIVERED"
    RETURN_REFUNDED = "RETURN_REFUNDED"


class OrderStatusChange(SQLModel, table=True):
    """The order's timeline, append-only: placement, then every status it went through."""

    __tablename__ = "order_status_change"
    __table_args__ = (sa.Index("ix_order_status_change_order_time", "order_id", "created_at"),)

    id: uuid.UUID = uuid_pk()
    order_id: uuid.UUID = Field(foreign_key="customer_order.id")
    from_status: OrderStatus | None = enum_column(OrderStatus, nullable=True)
    to_status: OrderStatus = enum_column(OrderStatus)
    note: str | None = Field(default=None, max_length=500)
    # Set on the entries this server writes (note then holds the English sentence for older clients); details
    # holds the values the sentence needs (offer or return number, payment method, amounts): see order_timeline.
    reason: OrderTimelineReason | None = enum_column(OrderTimelineReason, nullable=True)
    details: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(sa.JSON(none_as_null=True), nullable=True))
    # Who made the change: a service account or a staff member (null when neither is known).
    service_account_id: uuid.UUID | None = Field(default=None, foreign_key="service_account.id")
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="customer.id")
    created_at: datetime = timestamp(default_now=True)


class ShipmentStatus(enum.Enum):
    LABEL_CREATED = "LABEL_CREATED"
    IN_TRANSIT = "IN_TRANSIT"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
    DELIVERED = "DELIVERED"
    EXCEPTION = "EXCEPTION"


class Shipment(SQLModel, table=True):
    __tablename__ = "shipment"

    id: uuid.UUID = uuid_pk()
    order_id: uuid.UUID = Field(foreign_key="customer_order.id", index=True)
    carrier: str = Field(max_length=64)
    tracking_number: str | None = Field(default=None, max_length=64)
    tracking_url: str | None = Field(default=None, max_length=2000)
    status: ShipmentStatus = enum_column(ShipmentStatus)
    # What this parcel holds: [{"sku": …, "quantity": …}], checked against the order when added.
    lines: list[dict[str, Any]] = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))
    created_at: datetime = timestamp(default_now=True)


class TrackingEvent(SQLModel, table=True):
    __tablename__ = "tracking_event"
    __table_args__ = (sa.Index("ix_tracking_event_shipment_time", "shipment_id", "occurred_at"),)

    id: uuid.UUID = uuid_pk()
    shipment_id: uuid.UUID = Field(foreign_key="shipment.id")
    # The order too, so a page of orders fetches all its events in one query.
    order_id: uuid.UUID = Field(foreign_key="customer_order.id", index=True)
    occurred_at: datetime = timestamp()
    status: ShipmentStatus = enum_column(ShipmentStatus)
    location: str | None = Field(default=None, max_length=200)
    description: str = Field(max_length=500)
