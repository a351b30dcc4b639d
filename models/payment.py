"""Saved payment methods, invoices (numbered per year), and every payment attempt with its outcome."""

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import enum_column, timestamp, uuid_pk


class PaymentMethodKind(enum.Enum):
    CARD = "CARD"
    SEPA_DEBIT = "SEPA_DEBIT"  # a bank account debited in EUR; its payments settle days later


class PaymentMethod(SQLModel, table=True):
    """A method saved at the gateway: we keep its token (encrypted) and what a customer recognises it by."""

    __tablename__ = "payment_method"

    id: uuid.UUID = uuid_pk()
    customer_id: uuid.UUID = Field(foreign_key="customer.id", index=True)
    gateway: str = Field(max_length=32)
    # AES-GCM sealed gateway token; cleared when the method is removed (the row stays for payment history).
    token_encrypted: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    # A keyed digest of the gateway token: finds the method a gateway event names without opening tokens.
    token_lookup: str | None = Field(default=None, max_length=64, index=True)
    kind: PaymentMethodKind = enum_column(PaymentMethodKind, default=PaymentMethodKind.CARD)
    country: str | None = Field(default=None, max_length=2)  # of the issuing bank, where the gateway says
    brand: str = Field(max_length=16)
    last4: str = Field(max_length=4)
    exp_month: int  # 0 for methods that do not expire (bank accounts)
    exp_year: int
    fingerprint: str = Field(max_length=64)
    billing_address: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(sa.JSON, nullable=True))
    is_default: bool = False
    created_at: datetime = timestamp(default_now=True)
    removed_at: datetime | None = timestamp(nullable=True)


class InvoiceStatus(enum.Enum):
    OPEN = "OPEN"
    PAID = "PAID"
    VOID = "VOID"  # the order was cancelled
    REFUNDED = "REFUNDED"  # the order was refunded


class InvoiceSequence(SQLModel, table=True):
    """The last invoice number given out per year: advanced in the invoice's own transaction (no gaps)."""

    __tablename__ = "invoice_sequence"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_number: int = 0


class Invoice(SQLModel, table=True):
    __tablename__ = "invoice"
    __table_args__ = (sa.Index("ix_invoice_customer_issued", "customer_id", "issued_at", "id"),)

    id: uuid.UUID = uuid_pk()
    number: str = Field(max_length=32, unique=True)
    order_id: uuid.UUID = Field(foreign_key="customer_order.id", unique=True)
    # Null while the order is a guest's; set when the order is claimed.
    customer_id: uuid.UUID | None = Field(default=None, foreign_key="customer.id")
    status: InvoiceStatus = enum_column(InvoiceStatus)
    currency: str = Field(max_length=3)
    total: int = Field(sa_type=sa.BigInteger)
    amount_paid: int = Field(default=0, sa_type=sa.BigInteger)
    # Seller and buyer as they were when the invoice was issued.
    seller: dict[str, Any] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    buyer: dict[str, Any] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    issued_at: datetime = timestamp(default_now=True)
    paid_at: datetime | None = timestamp(nullable=True)


class PaymentSource(enum.Enum):
    CARD = "CARD"
    STORE_CREDIT = "STORE_CREDIT"


class PaymentStatus(enum.Enum):
    PENDING = "PENDING"  # sent to the gateway, outcome not known yet
    REQUIRES_ACTION = "REQUIRES_ACTION"  # the customer must authenticate it (3-D Secure) first
    PROCESSING = "PROCESSING"  # accepted by the gateway, settles later (a direct debit)
    SUCCEEDED = "SUCCEEDED"
    DECLINED = "DECLINED"
    FAILED = "FAILED"  # the gateway could not be reached; the same idempotency key may be retried
    REFUND_DUE = (
        "REFUND_DUE"  # charged, to be given back (the invoice could no longer take it, or the order was cancelled)
    )
    REFUNDED = "REFUNDED"  # charged, then given back


# Attempts whose outcome the gateway owes us (sent and unanswered, awaiting authentication or a bank).
UNCONFIRMED = (PaymentStatus.PENDING, PaymentStatus.FAILED, PaymentStatus.REQUIRES_ACTION, PaymentStatus.PROCESSING)


class Payment(SQLModel, table=True):
    """One attempt to pay an invoice (or, without one, the customer's on-account balance in `currency`),
    keyed by the caller's idempotency key, with the hash of its input."""

    __tablename__ = "payment"
    __table_args__ = (
        sa.UniqueConstraint("customer_id", "idempotency_key"),
        sa.Index("ix_payment_invoice_created", "invoice_id", "created_at"),
        # The analytics rollup reads attempts in the order they were made.
        sa.Index("ix_payment_created", "created_at"),
    )

    id: uuid.UUID = uuid_pk()
    customer_id: uuid.UUID = Field(foreign_key="customer.id", index=True)
    invoice_id: uuid.UUID | None = Field(default=None, foreign_key="invoice.id")
    order_id: uuid.UUID | None = Field(default=None, foreign_key="customer_order.id", index=True)
    idempotency_key: str = Field(max_length=128)
    request_hash: str = Field(max_length=64)
    source: PaymentSource = enum_column(PaymentSource)
    payment_method_id: uuid.UUID | None = Field(default=None, foreign_key="payment_method.id")
    method_label: str = Field(max_length=64)  # "Visa •••• 4242" or "Store credit", kept for receipts
    amount: int = Field(sa_type=sa.BigInteger)
    currency: str = Field(max_length=3)
    status: PaymentStatus = enum_column(PaymentStatus, index=True)
    failure_code: str | None = Field(default=None, max_length=64)
    failure_message: str | None = Field(default=None, max_length=300)
    gateway_charge_id: str | None = Field(default=None, max_length=128, index=True)
    receipt_number: str | None = Field(default=None, max_length=32, unique=True)
    # How often the gateway was asked for this attempt (the reconciler gives up after a few).
    gateway_attempts: int = Field(default=0)
    # REQUIRES_ACTION and PROCESSING attempts: when the reconciler asks the gateway about it next.
    next_check_at: datetime | None = timestamp(nullable=True)
    # What the gateway reports refunded of this charge in total, wherever it was refunded (its dashboard too).
    gateway_refunded: int = Field(default=0, sa_type=sa.BigInteger)
    created_at: datetime = timestamp(default_now=True)
    completed_at: datetime | None = timestamp(nullable=True)


class GatewayCustomer(SQLModel, table=True):
    """Our customer's customer object at a gateway (Stripe saves methods to one)."""

    __tablename__ = "gateway_customer"

    customer_id: uuid.UUID = Field(foreign_key="customer.id", primary_key=True)
    gateway: str = Field(max_length=32, primary_key=True)
    reference: str = Field(max_length=128)
    created_at: datetime = timestamp(default_now=True)


class GatewayEventRecord(SQLModel, table=True):
    """A gateway webhook event, recorded in the transaction that acts on it: a repeat is found here."""

    __tablename__ = "gateway_event"
    __table_args__ = (sa.UniqueConstraint("gateway", "event_id"),)

    id: uuid.UUID = uuid_pk()
    gateway: str = Field(max_length=32)
    event_id: str = Field(max_length=255)
    event_type: str = Field(max_length=64)
    charge_id: str | None = Field(default=None, max_length=128)
    received_at: datetime = timestamp(default_now=True)


class PaymentDispute(SQLModel, table=True):
    """A chargeback the customer's bank opened on a payment, as the gateway reported it."""

    __tablename__ = "payment_dispute"

    id: uuid.UUID = uuid_pk()
    payment_id: uuid.UUID = Field(foreign_key="payment.id", index=True)
    gateway_dispute_id: str = Field(max_length=128, unique=True)
    amount: int = Field(sa_type=sa.BigInteger)
    currency: str = Field(max_length=3)
    reason: str = Field(max_length=64)
    status: str = Field(max_length=32)
    opened_at: datetime = timestamp(default_now=True)
    updated_at: datetime = timestamp(default_now=True)
