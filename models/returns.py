"""Returns (RMA): a customer's request to send back lines of a delivered order, its decision and its refund."""

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import enum_column, timestamp, uuid_pk


class ReturnStatus(enum.Enum):
    REQUESTED = "REQUESTED"  # waiting for staff
    APPROVED = "APPROVED"  # the customer may send the goods back
    REJECTED = "REJECTED"
    RECEIVED = "RECEIVED"  # the goods arrived; the refund runs (or failed and waits for a retry)
    REFUNDED = "REFUNDED"
    CLOSED = "CLOSED"


class ReturnResolution(enum.Enum):
    REFUND = "REFUND"  # back to the original payment (card through the gateway, store credit to the ledger)
    STORE_CREDIT = "STORE_CREDIT"
    EXCHANGE = "EXCHANGE"  # no money moves


class ReturnReason(enum.Enum):
    DAMAGED = "DAMAGED"
    DEFECTIVE = "DEFECTIVE"
    WRONG_ITEM = "WRONG_ITEM"
    NOT_AS_DESCRIBED = "NOT_AS_DESCRIBED"
    SIZE_OR_FIT = "SIZE_OR_FIT"
    NO_LONGER_NEEDED = "NO_LONGER_NEEDED"
    ARRIVED_LATE = "ARRIVED_LATE"
    OTHER = "OTHER"


class ReturnDecisionReason(enum.Enum):
    """Which automated rule routed the request (or who decided it later)."""

    AUTO_APPROVED = "AUTO_APPROVED"
    ABOVE_AUTO_APPROVE_LIMIT = "ABOVE_AUTO_APPROVE_LIMIT"
    NOT_IN_GOOD_STANDING = "NOT_IN_GOOD_STANDING"
    TOO_MANY_RECENT_RETURNS = "TOO_MANY_RECENT_RETURNS"
    STAFF_APPROVED = "STAFF_APPROVED"
    STAFF_REJECTED = "STAFF_REJECTED"


class ReturnRefundDestination(enum.Enum):
    ORIGINAL_PAYMENT = "ORIGINAL_PAYMENT"
    STORE_CREDIT = "STORE_CREDIT"
    NONE = "NONE"


class ReturnRequest(SQLModel, table=True):
    __tablename__ = "return_request"
    __table_args__ = (
        sa.Index("ix_return_request_customer_created", "customer_id", "created_at", "id"),
        sa.Index("ix_return_request_status_created", "status", "created_at", "id"),
        sa.Index("ix_return_request_created", "created_at", "id"),
    )

    id: uuid.UUID = uuid_pk()
    number: str = Field(max_length=32, unique=True)
    customer_id: uuid.UUID = Field(foreign_key="customer.id")
    order_id: uuid.UUID = Field(foreign_key="customer_order.id", index=True)
    status: ReturnStatus = enum_column(ReturnStatus)
    resolution: ReturnResolution = enum_column(ReturnResolution)
    decision_reason: ReturnDecisionReason = enum_column(ReturnDecisionReason)
    refund_destination: ReturnRefundDestination = enum_column(ReturnRefundDestination)
    currency: str = Field(max_length=3)
    # Amounts in minor units, fixed when requested: what the lines are worth (tax included), the tax in it,
    # the deductions, and what is paid back.
    subtotal: int = Field(sa_type=sa.BigInteger)
    tax_total: int = Field(default=0, sa_type=sa.BigInteger)
    restocking_fee: int = Field(default=0, sa_type=sa.BigInteger)
    shipping_deduction: int = Field(default=0, sa_type=sa.BigInteger)
    refund_total: int = Field(sa_type=sa.BigInteger)
    # What has actually been paid back so far (a refund over several payments may stop half-way).
    refunded_amount: int = Field(default=0, sa_type=sa.BigInteger)
    note: str | None = Field(default=None, max_length=1000)
    staff_note: str | None = Field(default=None, max_length=1000)
    rejection_reason: str | None = Field(default=None, max_length=1000)
    # The last refund failure (cleared when a retry succeeds).
    refund_failure_code: str | None = Field(default=None, max_length=64)
    refund_failure_message: str | None = Field(default=None, max_length=300)
    refund_attempts: int = Field(default=0)
    decided_by_id: uuid.UUID | None = Field(default=None, foreign_key="customer.id")
    created_at: datetime = timestamp(default_now=True)
    updated_at: datetime = timestamp(default_now=True)
    approved_at: datetime | None = timestamp(nullable=True)
    rejected_at: datetime | None = timestamp(nullable=True)
    received_at: datetime | None = timestamp(nullable=True)
    refunded_at: datetime | None = timestamp(nullable=True)
    closed_at: datetime | None = timestamp(nullable=True)


class ReturnLine(SQLModel, table=True):
    __tablename__ = "return_line"

    id: uuid.UUID = uuid_pk()
    return_id: uuid.UUID = Field(foreign_key="return_request.id", index=True)
    order_line_id: uuid.UUID = Field(foreign_key="order_line.id", index=True)
    position: int
    sku: str = Field(max_length=64)
    name: str = Field(max_length=200)
    quantity: int
    reason: ReturnReason = enum_column(ReturnReason)
    # The share of the order line this quantity stands for (tax included), and the tax in it.
    amount: int = Field(sa_type=sa.BigInteger)
    tax_amount: int = Field(default=0, sa_type=sa.BigInteger)


class ReturnRefundStatus(enum.Enum):
    PENDING = "PENDING"  # planned; a card refund waits for the gateway
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"  # the gateway refused or did not answer; retried under the same key
    CANCELLED = "CANCELLED"  # a refused card refund staff paid as store credit instead


class ReturnRefund(SQLModel, table=True):
    """One movement of a return's money: a (partial) refund of one payment, or a store-credit entry.

    Pending and succeeded rows count against what a payment can still give back, so later returns and a
    cancellation of the whole order never refund the same money twice."""

    __tablename__ = "return_refund"

    id: uuid.UUID = uuid_pk()
    return_id: uuid.UUID = Field(foreign_key="return_request.id", index=True)
    customer_id: uuid.UUID = Field(foreign_key="customer.id", index=True)
    payment_id: uuid.UUID | None = Field(default=None, foreign_key="payment.id", index=True)
    destination: ReturnRefundDestination = enum_column(ReturnRefundDestination)
    status: ReturnRefundStatus = enum_column(ReturnRefundStatus)
    amount: int = Field(sa_type=sa.BigInteger)
    currency: str = Field(max_length=3)
    method_label: str = Field(max_length=64)  # "Visa •••• 4242" or "Store credit", as the customer knows it
    gateway_refund_id: str | None = Field(default=None, max_length=128)
    failure_code: str | None = Field(default=None, max_length=64)
    attempts: int = Field(default=0)
    created_at: datetime = timestamp(default_now=True)
    completed_at: datetime | None = timestamp(nullable=True)
