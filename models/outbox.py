"""Transactional outbox: messages written with the change that caused them, delivered afterwards."""

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import enum_column, timestamp, uuid_pk


class OutboxChannel(enum.Enum):
    EMAIL = "EMAIL"
    SMS = "SMS"
    # An event for subscribers, published to the broker; `recipient` holds the event name.
    EVENT = "EVENT"
    # Work a service does after the request, by the worker; `template` names it (see app/jobs.py).
    JOB = "JOB"


class OutboxStatus(enum.Enum):
    PENDING = "PENDING"
    SENT = "SENT"
    DEAD = "DEAD"


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_message"
    __table_args__ = (sa.Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id: uuid.UUID = uuid_pk()
    channel: OutboxChannel = enum_column(OutboxChannel)
    template: str = Field(max_length=64)
    recipient: str = Field(max_length=320)
    # AES-GCM encrypted JSON of the rendered message: it may carry links and codes.
    # Cleared once the message is delivered.
    payload: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    status: OutboxStatus = enum_column(OutboxStatus)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = timestamp(default_now=True)
    locked_until: datetime | None = timestamp(nullable=True)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = timestamp(default_now=True)
    sent_at: datetime | None = timestamp(nullable=True)
