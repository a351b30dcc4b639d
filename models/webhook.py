"""Outbound webhooks: the endpoints administrators register, one delivery per event and endpoint, and a log
of every attempt.

An endpoint's signing secret is stored encrypted (the runtime keyring); during a rotation's overlap the secret
it replaced is kept too, and both sign. A delivery is claimed with a conditional update and a lease, like an
outbox message, so any number of dispatchers can run at once and only one sends a delivery at a time.
"""

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import enum_column, timestamp, uuid_pk


class WebhookDeliveryStatus(enum.Enum):
    PENDING = "PENDING"  # waiting for its (next) attempt, or for its endpoint to be enabled again
    SUCCEEDED = "SUCCEEDED"  # the receiver answered 2xx
    FAILED = "FAILED"  # every attempt failed until the retry horizon passed; redeliver to try again


class WebhookErrorKind(enum.Enum):
    """Why an attempt failed (none: it succeeded)."""

    HTTP_STATUS = "HTTP_STATUS"  # the receiver answered, but not 2xx
    REDIRECT = "REDIRECT"  # a 3xx: redirects are never followed
    TIMEOUT = "TIMEOUT"  # connecting, sending or reading took too long
    CONNECTION_FAILED = "CONNECTION_FAILED"  # refused, reset, unreachable
    DNS_FAILED = "DNS_FAILED"  # the host name did not resolve
    TLS_FAILED = "TLS_FAILED"  # the handshake or the certificate check failed
    ADDRESS_NOT_ALLOWED = "ADDRESS_NOT_ALLOWED"  # private, loopback, link-local, … (see WEBHOOK_* settings)
    INVALID_RESPONSE = "INVALID_RESPONSE"  # not HTTP/1.1 as we speak it


class WebhookEndpoint(SQLModel, table=True):
    __tablename__ = "webhook_endpoint"
    __table_args__ = (sa.Index("ix_webhook_endpoint_created", "created_at"),)

    id: uuid.UUID = uuid_pk()
    url: str = Field(max_length=2048)
    description: str = Field(default="", max_length=500)
    # Space-separated event types of app/integration/catalogue.py, or "*" for every type.
    event_types: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    enabled: bool = Field(default=True)
    disabled_at: datetime | None = timestamp(nullable=True)
    disabled_reason: str | None = Field(default=None, max_length=500)
    # "whsec_" + base64, encrypted with the keyring (context webhook-endpoint.secret:<id>).
    secret_encrypted: str = Field(max_length=500)
    # The secret a rotation replaced: it signs too until previous_secret_expires_at.
    previous_secret_encrypted: str | None = Field(default=None, max_length=500)
    previous_secret_expires_at: datetime | None = timestamp(nullable=True)
    secret_rotated_at: datetime | None = timestamp(nullable=True)
    # The current run of failed attempts (a success ends it): what automatic disabling looks at.
    consecutive_failures: int = Field(default=0)
    failing_since: datetime | None = timestamp(nullable=True)
    created_at: datetime = timestamp(default_now=True)
    updated_at: datetime = timestamp(default_now=True)


class WebhookDelivery(SQLModel, table=True):
    """One event for one endpoint: every attempt and redelivery sends the event's id as the webhook-id."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "endpoint_id"),
        sa.Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        sa.Index("ix_webhook_delivery_endpoint_created", "endpoint_id", "created_at"),
    )

    id: uuid.UUID = uuid_pk()
    event_id: uuid.UUID = Field(foreign_key="integration_event.id")
    endpoint_id: uuid.UUID = Field(foreign_key="webhook_endpoint.id")
    event_type: str = Field(max_length=64)
    status: WebhookDeliveryStatus = enum_column(WebhookDeliveryStatus)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = timestamp(default_now=True)
    # Failures after this give up (FAILED); a redelivery or re-enabling the endpoint starts a new horizon.
    retry_until: datetime = timestamp()
    # The lease of the dispatcher sending it now; its value is the lease's token.
    locked_until: datetime | None = timestamp(nullable=True)
    last_attempt_at: datetime | None = timestamp(nullable=True)
    last_status_code: int | None = None
    last_error_kind: WebhookErrorKind | None = enum_column(WebhookErrorKind, nullable=True)
    delivered_at: datetime | None = timestamp(nullable=True)
    created_at: datetime = timestamp(default_now=True)


class WebhookAttempt(SQLModel, table=True):
    """One HTTP request to an endpoint: a delivery's attempt, or a test (dry run) without a delivery."""

    __tablename__ = "webhook_attempt"
    __table_args__ = (
        sa.Index("ix_webhook_attempt_endpoint_started", "endpoint_id", "started_at"),
        sa.Index("ix_webhook_attempt_delivery_started", "delivery_id", "started_at"),
    )

    id: uuid.UUID = uuid_pk()
    endpoint_id: uuid.UUID = Field(foreign_key="webhook_endpoint.id")
    delivery_id: uuid.UUID | None = Field(default=None, foreign_key="webhook_delivery.id")
    webhook_id: str = Field(max_length=64)
    event_type: str = Field(max_length=64)
    test: bool = Field(default=False)
    started_at: datetime = timestamp(default_now=True)
    status_code: int | None = None
    latency_ms: int = Field(default=0)
    error_kind: WebhookErrorKind | None = enum_column(WebhookErrorKind, nullable=True)
    error_detail: str | None = Field(default=None, max_length=500)
    # The start of the response body (at most 1 KiB, as text); truncated when the body was longer.
    response_excerpt: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    response_truncated: bool = Field(default=False)
