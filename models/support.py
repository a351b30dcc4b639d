"""Support tickets: a customer's question (optionally about an order or a return) and its message thread."""

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import enum_column, timestamp, uuid_pk
from models.returns import ReturnRequest  # noqa: F401  (the table return_id refers to, registered first)


class TicketCategory(enum.Enum):
    ORDER = "ORDER"
    PAYMENT = "PAYMENT"
    RETURN = "RETURN"
    ACCOUNT = "ACCOUNT"
    PRODUCT = "PRODUCT"
    OTHER = "OTHER"


class TicketState(enum.Enum):
    OPEN = "OPEN"
    PENDING_CUSTOMER = "PENDING_CUSTOMER"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"


class TicketAuthorKind(enum.Enum):
    CUSTOMER = "CUSTOMER"
    STAFF = "STAFF"


class SupportTicket(SQLModel, table=True):
    __tablename__ = "support_ticket"
    __table_args__ = (
        sa.Index("ix_support_ticket_customer_created", "customer_id", "created_at", "id"),
        sa.Index("ix_support_ticket_created", "created_at", "id"),
        sa.Index("ix_support_ticket_state_created", "state", "created_at"),
        # The staff console's queue: the latest message first (tickets(order: LAST_ACTIVITY)), keyset paged.
        sa.Index("ix_support_ticket_last_message", "last_message_at", "id"),
    )

    id: uuid.UUID = uuid_pk()
    number: str = Field(max_length=32, unique=True)
    customer_id: uuid.UUID = Field(foreign_key="customer.id")
    subject: str = Field(max_length=200)
    category: TicketCategory = enum_column(TicketCategory)
    state: TicketState = enum_column(TicketState)
    order_id: uuid.UUID | None = Field(default=None, foreign_key="customer_order.id")
    return_id: uuid.UUID | None = Field(default=None, foreign_key="return_request.id")
    # The staff member (SUPPORT or ADMIN) handling it; null: the support address hears of it.
    assignee_id: uuid.UUID | None = Field(default=None, foreign_key="customer.id", index=True)
    rating: int | None = None
    rating_comment: str | None = Field(default=None, max_length=1000)
    rated_at: datetime | None = timestamp(nullable=True)
    created_at: datetime = timestamp(default_now=True)
    updated_at: datetime = timestamp(default_now=True)
    last_message_at: datetime = timestamp(default_now=True)
    resolved_at: datetime | None = timestamp(nullable=True)
    closed_at: datetime | None = timestamp(nullable=True)


class TicketMessage(SQLModel, table=True):
    """One message of the thread, append-only; the opening message is the first."""

    __tablename__ = "ticket_message"
    __table_args__ = (sa.Index("ix_ticket_message_ticket_created", "ticket_id", "created_at", "id"),)

    id: uuid.UUID = uuid_pk()
    ticket_id: uuid.UUID = Field(foreign_key="support_ticket.id")
    author_kind: TicketAuthorKind = enum_column(TicketAuthorKind)
    author_id: uuid.UUID | None = Field(default=None, foreign_key="customer.id")
    # The staff member's name as it was when they wrote (customers see it; their own name is not copied).
    author_name: str | None = Field(default=None, max_length=100)
    body: str = Field(sa_type=sa.Text)
    # A staff member's internal note: staff see it in the thread, the customer never does (not in the API,
    # mails, live updates, business events or their data export).
    internal: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    created_at: datetime = timestamp(default_now=True)


class TicketMailReceipt(SQLModel, table=True):
    """A reply accepted by mail (README "Tickets by mail"): its Message-ID, hashed, so the same message
    delivered again (a replay, or a retry after a lost answer) is refused instead of written twice."""

    __tablename__ = "ticket_mail_receipt"
    __table_args__ = (sa.UniqueConstraint("ticket_id", "message_id_hash", name="uq_ticket_mail_receipt_message"),)

    id: uuid.UUID = uuid_pk()
    ticket_id: uuid.UUID = Field(foreign_key="support_ticket.id")
    # SHA-256 (hex) of the normalised Message-ID header.
    message_id_hash: str = Field(max_length=64)
    received_at: datetime = timestamp(default_now=True)
