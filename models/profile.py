"""What customers maintain about themselves: settings and privacy consents (with their history)."""

import enum
import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from models.base import enum_column, timestamp, uuid_pk


class CustomerSettings(SQLModel, table=True):
    __tablename__ = "customer_settings"

    customer_id: uuid.UUID = Field(foreign_key="customer.id", primary_key=True)
    language: str | None = Field(default=None, max_length=35)  # BCP 47
    currency: str | None = Field(default=None, max_length=3)  # ISO 4217
    timezone: str | None = Field(default=None, max_length=64)  # IANA
    email_notifications: bool = Field(default=True)
    sms_notifications: bool = Field(default=False)
    updated_at: datetime = timestamp(default_now=True)


class ConsentPurpose(enum.Enum):
    MARKETING_EMAIL = "MARKETING_EMAIL"
    MARKETING_SMS = "MARKETING_SMS"
    DATA_SHARING = "DATA_SHARING"
    PERSONALISATION = "PERSONALISATION"


class ConsentEvent(SQLModel, table=True):
    """Every grant or withdrawal, append-only: the current state is the latest event per purpose."""

    __tablename__ = "consent_event"

    id: uuid.UUID = uuid_pk()
    customer_id: uuid.UUID = Field(foreign_key="customer.id", index=True)
    purpose: ConsentPurpose = enum_column(ConsentPurpose)
    granted: bool
    policy_version: str = Field(max_length=32)
    source: str = Field(max_length=64)
    created_at: datetime = timestamp(default_now=True)
