"""Store credit: one account per customer and currency, its append-only ledger, credit-limit requests."""

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import enum_column, timestamp, uuid_pk


class StoreCreditAccount(SQLModel, table=True):
    """The running balance (sum of the ledger, kept in the same transaction) and the credit limit.

    The balance may go below zero down to -credit_limit: purchase on account."""

    __tablename__ = "store_credit_account"
    __table_args__ = (sa.UniqueConstraint("customer_id", "currency"),)

    id: uuid.UUID = uuid_pk()
    customer_id: uuid.UUID = Field(foreign_key="customer.id")
    currency: str = Field(max_length=3)
    balance: int = Field(default=0, sa_type=sa.BigInteger)
    credit_limit: int = Field(default=0, sa_type=sa.BigInteger)
    updated_at: datetime = timestamp(default_now=True)


class CreditTransactionReason(enum.Enum):
    PAYMENT = "PAYMENT"
    REFUND = "REFUND"
    ADJUSTMENT = "ADJUSTMENT"
    # Money received for the account outside the gateway (a bank transfer an administrator recorded).
    PAYMENT_RECEIVED = "PAYMENT_RECEIVED"


class CreditTransaction(SQLModel, table=True):
    __tablename__ = "credit_transaction"
    __table_args__ = (sa.Index("ix_credit_transaction_customer_created", "customer_id", "created_at", "id"),)

    id: uuid.UUID = uuid_pk()
    account_id: uuid.UUID = Field(foreign_key="store_credit_account.id", index=True)
    customer_id: uuid.UUID = Field(foreign_key="customer.id")
    currency: str = Field(max_length=3)
    amount: int = Field(sa_type=sa.BigInteger)  # signed: credit positive, spending negative
    balance_after: int = Field(sa_type=sa.BigInteger)
    reason: CreditTransactionReason = enum_column(CreditTransactionReason)
    reference: str | None = Field(default=None, max_length=128)
    note: str | None = Field(default=None, max_length=500)
    # The staff member who made an adjustment (null for the customer's own payments).
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="customer.id")
    created_at: datetime = timestamp(default_now=True)


class CreditLimitRequestStatus(enum.Enum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    DECLINED = "DECLINED"


class CreditLimitRequest(SQLModel, table=True):
    __tablename__ = "credit_limit_request"
    __table_args__ = (sa.Index("ix_credit_limit_request_status_created", "status", "created_at"),)

    id: uuid.UUID = uuid_pk()
    customer_id: uuid.UUID = Field(foreign_key="customer.id", index=True)
    currency: str = Field(max_length=3)
    amount: int = Field(sa_type=sa.BigInteger)
    reason: str = Field(max_length=1000)
    status: CreditLimitRequestStatus = enum_column(CreditLimitRequestStatus)
    approved_amount: int | None = Field(default=None, sa_type=sa.BigInteger)
    decision_reason: str | None = Field(default=None, max_length=1000)
    decided_by: uuid.UUID | None = Field(default=None, foreign_key="customer.id")
    created_at: datetime = timestamp(default_now=True)
    decided_at: datetime | None = timestamp(nullable=True)
