"""Staff analytics: the raw events no other table records, and the rollups the figures are read from.

Raw events: `registration_attempt` (the first `register` call for an address, keyed by a keyed hash of the
normalised email, never the address) and `help_event` (help-centre searches and article views). Every other
figure counts rows the app writes anyway (the security log, orders, tickets, payments).

Rollups: `analytics_rollup` holds one counter per (period kind, period start, metric, customer group,
channel); `analytics_distinct` remembers who was counted in a period for the counts that are not sums of days
(active accounts, buyers); `analytics_customer` is what the rollup knows of each account (2FA on, first
self-service change, registration cohort); `analytics_watermark` says how far each source was counted;
`analytics_pending_payment` holds payment attempts still waiting for their outcome. See
app/services/analytics_rollup.py. No plain email address or IP address is stored in any of them.
"""

import enum
import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import enum_column, timestamp, uuid_pk

# The customer group of events that belong to none (a guest's order, an anonymous help search).
NO_GROUP = uuid.UUID(int=0)
# The channel column of counters over every channel.
ALL_CHANNELS = "*"


class RegistrationAttempt(SQLModel, table=True):
    """The first `register` call for an address, whether or not it went on to create an account."""

    __tablename__ = "registration_attempt"

    # Keyed hash (SECRET_KEY) of the normalised email, as app.services.audit.identifier_hash makes it.
    identifier_hash: str = Field(primary_key=True, max_length=64)
    # The group code the call named (null: none, the default group; empty: not a valid code).
    group_code: str | None = Field(default=None, max_length=64)
    created_at: datetime = timestamp(default_now=True, index=True)


class HelpEventKind(enum.Enum):
    SEARCH = "SEARCH"
    VIEW = "VIEW"


class HelpEvent(SQLModel, table=True):
    """A help-centre search (a query with words, first page) or an article opened by its slug."""

    __tablename__ = "help_event"
    __table_args__ = (sa.Index("ix_help_event_created", "created_at"),)

    id: uuid.UUID = uuid_pk()
    kind: HelpEventKind = enum_column(HelpEventKind)
    # The signed-in visitor; null for an anonymous one (whose events no ticket can follow).
    customer_id: uuid.UUID | None = Field(default=None, foreign_key="customer.id")
    # The article viewed (no foreign key: deleting an article keeps its views).
    article_id: uuid.UUID | None = None
    created_at: datetime = timestamp(default_now=True)


class AnalyticsRollup(SQLModel, table=True):
    """One counter: `value` of `metric` in the period starting `period_start` (a DAY, an ISO WEEK starting on
    Monday, a MONTH; UTC), for one customer group (NO_GROUP: none) and one channel (ALL_CHANNELS: every one)."""

    __tablename__ = "analytics_rollup"

    period_kind: str = Field(primary_key=True, max_length=8)
    period_start: date = Field(primary_key=True)
    metric: str = Field(primary_key=True, max_length=48)
    group_id: uuid.UUID = Field(primary_key=True)
    channel: str = Field(primary_key=True, max_length=16)
    value: int = Field(default=0, sa_type=sa.BigInteger)


class AnalyticsDistinct(SQLModel, table=True):
    """`subject_id` was counted in `scope` for this period: a distinct count grows only when its row is new."""

    __tablename__ = "analytics_distinct"

    scope: str = Field(primary_key=True, max_length=32)
    period_kind: str = Field(primary_key=True, max_length=8)
    period_start: date = Field(primary_key=True)
    subject_id: uuid.UUID = Field(primary_key=True)


class AnalyticsCustomer(SQLModel, table=True):
    """What the rollup has learnt about an account from the events counted so far."""

    __tablename__ = "analytics_customer"

    customer_id: uuid.UUID = Field(primary_key=True)
    two_factor: bool = False
    # The first change the customer made to their own account (the self-service rate's events).
    self_service_at: datetime | None = timestamp(nullable=True)
    # The registration: when the account was created, and the cohort (day and group of the first attempt).
    registered_at: datetime | None = timestamp(nullable=True)
    cohort_day: date | None = None
    cohort_group_id: uuid.UUID | None = None
    activated_at: datetime | None = timestamp(nullable=True)


class AnalyticsWatermark(SQLModel, table=True):
    """Every event of `source` up to `processed_until` (inclusive) is counted in the rollups."""

    __tablename__ = "analytics_watermark"

    source: str = Field(primary_key=True, max_length=32)
    processed_until: datetime | None = timestamp(nullable=True)
    updated_at: datetime = timestamp(default_now=True)


class AnalyticsPendingPayment(SQLModel, table=True):
    """A payment attempt passed by the watermark before its outcome was known: counted once it is."""

    __tablename__ = "analytics_pending_payment"

    payment_id: uuid.UUID = Field(primary_key=True)
    created_at: datetime = timestamp()
