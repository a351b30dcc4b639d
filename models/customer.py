"""Customer accounts, the groups that decide how they are activated, roles and role history."""

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_column, timestamp, utcnow, uuid_pk


class ActivationMode(enum.Enum):
    EMAIL_LINK = "EMAIL_LINK"
    SMS_CODE = "SMS_CODE"
    ADMIN_APPROVAL = "ADMIN_APPROVAL"
    NONE = "NONE"


class CustomerStatus(enum.Enum):
    PENDING_ACTIVATION = "PENDING_ACTIVATION"
    PENDING_APPROVAL = "PENDING_APPROVAL"
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    DELETED = "DELETED"  # personal data anonymised; the row stays for orders and invoices


class Role(enum.Enum):
    CUSTOMER = "CUSTOMER"
    AFFILIATE = "AFFILIATE"
    SUPPORT = "SUPPORT"
    ADMIN = "ADMIN"


class RoleChangeAction(enum.Enum):
    GRANTED = "GRANTED"
    REVOKED = "REVOKED"


class AffiliateRequestStatus(enum.Enum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class CustomerGroup(SQLModel, table=True):
    __tablename__ = "customer_group"

    id: uuid.UUID = uuid_pk()
    code: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    activation_mode: ActivationMode = enum_column(ActivationMode)
    # Whether a storefront may register customers straight into this group.
    self_registration: bool = Field(default=True)
    # The credit limit (minor units of default_credit_currency) a store credit account of a member gets
    # when it is opened; accounts opened before keep the limit they have.
    default_credit_limit: int | None = Field(default=None, sa_type=sa.BigInteger)
    default_credit_currency: str | None = Field(default=None, max_length=3)
    # Net days a B2B group's invoices are payable in; null: payable at once.
    payment_terms_days: int | None = Field(default=None)
    created_at: datetime = timestamp(default_now=True)
    updated_at: datetime = timestamp(default_now=True)


class Customer(SQLModel, table=True):
    __tablename__ = "customer"

    id: uuid.UUID = uuid_pk()
    email: str = Field(max_length=320)
    # Lower-cased normalised email: the case-insensitive uniqueness key.
    email_key: str = Field(max_length=320, unique=True)
    password_hash: str | None = Field(default=None, max_length=512)
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    # E.164 phone number, AES-GCM encrypted (app/security/fields.py); phone_index is its blind index.
    phone_encrypted: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    phone_index: str | None = Field(default=None, max_length=64, unique=True)
    company: str | None = Field(default=None, max_length=200)
    # ISO date of birth, AES-GCM encrypted (app/security/fields.py).
    date_of_birth_encrypted: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    status: CustomerStatus = enum_column(CustomerStatus, index=True)
    status_reason: str | None = Field(default=None, max_length=500)
    group_id: uuid.UUID = Field(foreign_key="customer_group.id", index=True)
    email_verified_at: datetime | None = timestamp(nullable=True)
    phone_verified_at: datetime | None = timestamp(nullable=True)
    activated_at: datetime | None = timestamp(nullable=True)
    password_changed_at: datetime | None = timestamp(nullable=True)
    created_at: datetime = timestamp(default_now=True, index=True)
    # Moved on every change of the row (onupdate), and by the services on a change of the customer's settings
    # or consents: the integration API's customerRecords(updatedSince:) pages through (updated_at, id).
    updated_at: datetime = Field(
        default_factory=utcnow,
        sa_column=sa.Column(UTCDateTime(), nullable=False, index=True, onupdate=utcnow),
    )
    # The customer's id in an integration's system (a POS, an ERP): upsertCustomer is idempotent on it.
    external_reference: str | None = Field(default=None, max_length=100, unique=True, index=True)


class CustomerGroupMove(SQLModel, table=True):
    """An administrator moved a customer to another group, and why: append-only."""

    __tablename__ = "customer_group_move"
    __table_args__ = (sa.Index("ix_customer_group_move_customer_created", "customer_id", "created_at"),)

    id: uuid.UUID = uuid_pk()
    customer_id: uuid.UUID = Field(foreign_key="customer.id")
    from_group_id: uuid.UUID = Field(foreign_key="customer_group.id")
    to_group_id: uuid.UUID = Field(foreign_key="customer_group.id")
    reason: str = Field(max_length=500)
    # Null when moved from the command line.
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="customer.id")
    created_at: datetime = timestamp(default_now=True)


class CustomerRole(SQLModel, table=True):
    __tablename__ = "customer_role"

    customer_id: uuid.UUID = Field(foreign_key="customer.id", primary_key=True)
    role: Role = Field(
        sa_column=sa.Column(
            sa.Enum(Role, native_enum=False, length=32, create_constraint=False),
            primary_key=True,
        )
    )
    granted_at: datetime = timestamp(default_now=True)


class RoleChange(SQLModel, table=True):
    """Who granted or revoked which role, when and why: append-only."""

    __tablename__ = "role_change"

    id: uuid.UUID = uuid_pk()
    customer_id: uuid.UUID = Field(foreign_key="customer.id", index=True)
    role: Role = enum_column(Role)
    action: RoleChangeAction = enum_column(RoleChangeAction)
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="customer.id")
    reason: str = Field(max_length=500)
    created_at: datetime = timestamp(default_now=True)


class AffiliateRequest(SQLModel, table=True):
    __tablename__ = "affiliate_request"
    __table_args__ = (
        # At most one open request per customer, enforced by the database.
        sa.Index(
            "uq_affiliate_request_one_pending",
            "customer_id",
            unique=True,
            sqlite_where=sa.text("status = 'PENDING'"),
            postgresql_where=sa.text("status = 'PENDING'"),
        ),
    )

    id: uuid.UUID = uuid_pk()
    customer_id: uuid.UUID = Field(foreign_key="customer.id", index=True)
    status: AffiliateRequestStatus = enum_column(AffiliateRequestStatus)
    message: str | None = Field(default=None, max_length=2000)
    decided_by_id: uuid.UUID | None = Field(default=None, foreign_key="customer.id")
    decision_reason: str | None = Field(default=None, max_length=500)
    decided_at: datetime | None = timestamp(nullable=True)
    created_at: datetime = timestamp(default_now=True)
