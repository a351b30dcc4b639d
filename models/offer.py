"""Offers (quotes) staff write for a customer: lines, totals in minor units, validity, and what became of them."""

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import enum_column, timestamp, uuid_pk


class OfferState(enum.Enum):
    NEW = "NEW"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"
    PAID = "PAID"
    WITHDRAWN = "WITHDRAWN"


class Offer(SQLModel, table=True):
    __tablename__ = "offer"
    __table_args__ = (
        sa.Index("ix_offer_customer_created", "customer_id", "created_at", "id"),
        sa.Index("ix_offer_state_valid_until", "state", "valid_until"),
        sa.Index("ix_offer_created", "created_at", "id"),
    )

    id: uuid.UUID = uuid_pk()
    number: str = Field(max_length=32, unique=True)
    customer_id: uuid.UUID = Field(foreign_key="customer.id")
    state: OfferState = enum_column(OfferState)
    currency: str = Field(max_length=3)
    subtotal: int = Field(sa_type=sa.BigInteger)
    tax_total: int = Field(default=0, sa_type=sa.BigInteger)
    total: int = Field(sa_type=sa.BigInteger)
    # The last moment it can be accepted; after it the offer is (or becomes) EXPIRED.
    valid_until: datetime = timestamp()
    note: str | None = Field(default=None, max_length=2000)
    # The staff member who wrote it.
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="customer.id")
    # The order it became when accepted.
    order_id: uuid.UUID | None = Field(default=None, foreign_key="customer_order.id", unique=True)
    rejection_reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = timestamp(default_now=True)
    updated_at: datetime = timestamp(default_now=True)
    accepted_at: datetime | None = timestamp(nullable=True)
    rejected_at: datetime | None = timestamp(nullable=True)
    expired_at: datetime | None = timestamp(nullable=True)
    paid_at: datetime | None = timestamp(nullable=True)
    # 1 as written; each revision (while NEW) adds one and keeps the version it replaced as an OfferRevision.
    revision: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    revised_at: datetime | None = timestamp(nullable=True)
    withdrawn_at: datetime | None = timestamp(nullable=True)


class OfferLine(SQLModel, table=True):
    """Prices are net; tax per line from its rate (the same shape as an order line, which it is copied to)."""

    __tablename__ = "offer_line"

    id: uuid.UUID = uuid_pk()
    offer_id: uuid.UUID = Field(foreign_key="offer.id", index=True)
    position: int
    sku: str = Field(max_length=64)
    name: str = Field(max_length=200)
    quantity: int
    unit_price: int = Field(sa_type=sa.BigInteger)
    # Basis points: 1900 is 19 %.
    tax_rate_bp: int = 0
    tax_amount: int = Field(default=0, sa_type=sa.BigInteger)
    total: int = Field(sa_type=sa.BigInteger)


class OfferRevision(SQLModel, table=True):
    """A version of an offer that a revision replaced, as the customer saw it: its lines (JSON, the shape of
    OfferLine rows), totals, validity and note. Staff's reason for the revision is in the audit log."""

    __tablename__ = "offer_revision"
    __table_args__ = (sa.UniqueConstraint("offer_id", "number"),)

    id: uuid.UUID = uuid_pk()
    offer_id: uuid.UUID = Field(foreign_key="offer.id")
    # The version's number (1 for the offer as first written).
    number: int
    subtotal: int = Field(sa_type=sa.BigInteger)
    tax_total: int = Field(sa_type=sa.BigInteger)
    total: int = Field(sa_type=sa.BigInteger)
    valid_until: datetime = timestamp()
    note: str | None = Field(default=None, max_length=2000)
    lines: str = Field(sa_type=sa.Text)
    # When this version was written, and when the revision replaced it.
    created_at: datetime = timestamp()
    revised_at: datetime = timestamp()
    # The staff member who revised it.
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="customer.id")
