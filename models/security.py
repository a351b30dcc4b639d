"""Security events (the append-only audit log) and throttling counters."""

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import enum_column, timestamp, uuid_pk


class SecurityEventType(enum.Enum):
    ACCOUNT_REGISTERED = "ACCOUNT_REGISTERED"
    ACCOUNT_ACTIVATED = "ACCOUNT_ACTIVATED"
    SIGN_IN = "SIGN_IN"
    SIGN_OUT = "SIGN_OUT"
    ACCOUNT_LOCKED = "ACCOUNT_LOCKED"
    SESSION_REVOKED = "SESSION_REVOKED"
    PASSWORD_CHANGED = "PASSWORD_CHANGED"
    PASSWORD_RESET_REQUESTED = "PASSWORD_RESET_REQUESTED"
    PASSWORD_RESET = "PASSWORD_RESET"
    ACTIVATION_CODE_FAILED = "ACTIVATION_CODE_FAILED"
    ROLE_GRANTED = "ROLE_GRANTED"
    ROLE_REVOKED = "ROLE_REVOKED"
    OFFER_REVISED = "OFFER_REVISED"
    OFFER_WITHDRAWN = "OFFER_WITHDRAWN"
    ACCOUNT_APPROVED = "ACCOUNT_APPROVED"
    ACCOUNT_SUSPENDED = "ACCOUNT_SUSPENDED"
    ACCOUNT_REACTIVATED = "ACCOUNT_REACTIVATED"
    TWO_FACTOR_ENABLED = "TWO_FACTOR_ENABLED"
    TWO_FACTOR_DISABLED = "TWO_FACTOR_DISABLED"
    TWO_FACTOR_RESET = "TWO_FACTOR_RESET"
    TWO_FACTOR_CHALLENGE = "TWO_FACTOR_CHALLENGE"
    RECOVERY_CODES_REGENERATED = "RECOVERY_CODES_REGENERATED"
    RECOVERY_CODE_USED = "RECOVERY_CODE_USED"
    DEVICE_TRUSTED = "DEVICE_TRUSTED"
    DEVICE_REVOKED = "DEVICE_REVOKED"
    STEP_UP = "STEP_UP"
    RISK_DECISION = "RISK_DECISION"
    EMAIL_CHANGE_REQUESTED = "EMAIL_CHANGE_REQUESTED"
    EMAIL_CHANGE_APPROVED = "EMAIL_CHANGE_APPROVED"
    EMAIL_CHANGED = "EMAIL_CHANGED"
    EMAIL_CHANGE_UNDONE = "EMAIL_CHANGE_UNDONE"
    PHONE_CHANGED = "PHONE_CHANGED"
    CONSENT_CHANGED = "CONSENT_CHANGED"
    ACCOUNT_DELETED = "ACCOUNT_DELETED"
    DATA_EXPORT_REQUESTED = "DATA_EXPORT_REQUESTED"
    DATA_EXPORT_DOWNLOADED = "DATA_EXPORT_DOWNLOADED"
    PAYMENT_METHOD_ADDED = "PAYMENT_METHOD_ADDED"
    PAYMENT_METHOD_REMOVED = "PAYMENT_METHOD_REMOVED"
    PRIVACY_POLICY_PUBLISHED = "PRIVACY_POLICY_PUBLISHED"
    CUSTOMER_GROUP_CHANGED = "CUSTOMER_GROUP_CHANGED"
    WEBHOOK_ENDPOINT_CHANGED = "WEBHOOK_ENDPOINT_CHANGED"
    WEBHOOK_SECRET_ROTATED = "WEBHOOK_SECRET_ROTATED"
    # Staff work (STAFF_WORK): in the audit log of staff actions, not in the customer's own security log.
    TICKET_ANSWERED = "TICKET_ANSWERED"
    TICKET_NOTE_ADDED = "TICKET_NOTE_ADDED"
    TICKET_ASSIGNED = "TICKET_ASSIGNED"
    TICKET_STATE_CHANGED = "TICKET_STATE_CHANGED"
    RETURN_APPROVED = "RETURN_APPROVED"
    RETURN_REJECTED = "RETURN_REJECTED"
    RETURN_RECEIVED = "RETURN_RECEIVED"
    RETURN_REFUND_RETRIED = "RETURN_REFUND_RETRIED"
    RETURN_CREDITED_INSTEAD = "RETURN_CREDITED_INSTEAD"
    RETURN_CLOSED = "RETURN_CLOSED"
    OFFER_CREATED = "OFFER_CREATED"
    HELP_ARTICLE_CREATED = "HELP_ARTICLE_CREATED"
    HELP_ARTICLE_UPDATED = "HELP_ARTICLE_UPDATED"
    HELP_ARTICLE_DELETED = "HELP_ARTICLE_DELETED"
    STORE_CREDIT_ADJUSTED = "STORE_CREDIT_ADJUSTED"
    ACCOUNT_PAYMENT_RECORDED = "ACCOUNT_PAYMENT_RECORDED"
    CREDIT_LIMIT_DECIDED = "CREDIT_LIMIT_DECIDED"


# What staff did in their work on a customer's tickets, returns, offers and money: the audit log of staff
# actions (staffActions, the staff console) keeps who, when and why; the customer's own security log
# (me.securityEvents) is about the security of their account and leaves these out (an internal note's
# existence is not the customer's to read).
STAFF_WORK: frozenset[SecurityEventType] = frozenset(
    {
        SecurityEventType.TICKET_ANSWERED,
        SecurityEventType.TICKET_NOTE_ADDED,
        SecurityEventType.TICKET_ASSIGNED,
        SecurityEventType.TICKET_STATE_CHANGED,
        SecurityEventType.RETURN_APPROVED,
        SecurityEventType.RETURN_REJECTED,
        SecurityEventType.RETURN_RECEIVED,
        SecurityEventType.RETURN_REFUND_RETRIED,
        SecurityEventType.RETURN_CREDITED_INSTEAD,
        SecurityEventType.RETURN_CLOSED,
        SecurityEventType.OFFER_CREATED,
        SecurityEventType.HELP_ARTICLE_CREATED,
        SecurityEventType.HELP_ARTICLE_UPDATED,
        SecurityEventType.HELP_ARTICLE_DELETED,
        SecurityEventType.STORE_CREDIT_ADJUSTED,
        SecurityEventType.ACCOUNT_PAYMENT_RECORDED,
        SecurityEventType.CREDIT_LIMIT_DECIDED,
    }
)


class SecurityEventOutcome(enum.Enum):
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    BLOCKED = "BLOCKED"


class SecurityEvent(SQLModel, table=True):
    """Who did what to which account, from where, and how it ended. Never holds a secret."""

    __tablename__ = "security_event"
    __table_args__ = (
        sa.Index("ix_security_event_customer_time", "customer_id", "created_at"),
        sa.Index("ix_security_event_ip_time", "ip_address", "created_at"),
        sa.Index("ix_security_event_type_time", "type", "created_at"),
        sa.Index("ix_security_event_actor_time", "actor_id", "created_at"),
    )

    id: uuid.UUID = uuid_pk()
    type: SecurityEventType = enum_column(SecurityEventType)
    outcome: SecurityEventOutcome = enum_column(SecurityEventOutcome)
    # The account the event is about; null when it names no account (e.g. a sign-in for an unknown email).
    customer_id: uuid.UUID | None = Field(default=None, foreign_key="customer.id")
    # Who acted, when not the account itself (an administrator).
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="customer.id")
    # The integration that acted through its API key, when no person did (a warehouse receiving a return).
    service_account_id: uuid.UUID | None = Field(default=None, foreign_key="service_account.id")
    # Keyed hash of the email or phone that was tried, so attacks on unknown accounts can be correlated.
    identifier_hash: str | None = Field(default=None, max_length=64, index=True)
    ip_address: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=512)
    request_id: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=64)
    detail: str | None = Field(default=None, max_length=500)
    created_at: datetime = timestamp(default_now=True)


class ThrottleCounter(SQLModel, table=True):
    """Attempts counted per key (an account identifier or a client address) in a fixed window."""

    __tablename__ = "throttle_counter"

    key: str = Field(primary_key=True, max_length=128)
    attempts: int = Field(default=0)
    window_started_at: datetime = timestamp(default_now=True)
    last_attempt_at: datetime = timestamp(default_now=True)
    locked_until: datetime | None = timestamp(nullable=True)


class SecurityAlertKind(enum.Enum):
    CREDENTIAL_STUFFING = "CREDENTIAL_STUFFING"
    TWO_FACTOR_BRUTE_FORCE = "TWO_FACTOR_BRUTE_FORCE"
    MANY_ADDRESSES = "MANY_ADDRESSES"


class SecurityAlert(SQLModel, table=True):
    """An anomaly the audit job found in the security events, for administrators to look at."""

    __tablename__ = "security_alert"

    id: uuid.UUID = uuid_pk()
    kind: SecurityAlertKind = enum_column(SecurityAlertKind)
    # Same kind, subject and time bucket = same alert: many job runs (or workers) raise it once.
    fingerprint: str = Field(max_length=200, unique=True)
    customer_id: uuid.UUID | None = Field(default=None, foreign_key="customer.id", index=True)
    ip_address: str | None = Field(default=None, max_length=64)
    event_count: int = Field(default=0)
    detail: str = Field(max_length=500)
    window_start: datetime = timestamp()
    window_end: datetime = timestamp()
    created_at: datetime = timestamp(default_now=True, index=True)
    acknowledged_at: datetime | None = timestamp(nullable=True)
    acknowledged_by_id: uuid.UUID | None = Field(default=None, foreign_key="customer.id")
