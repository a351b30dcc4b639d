"""Sign-in sessions and single-use verification secrets (activation and password reset)."""

import enum
import uuid
from datetime import datetime, timedelta

from sqlmodel import Field, SQLModel

from models.base import enum_column, timestamp, uuid_pk


class AuthSession(SQLModel, table=True):
    __tablename__ = "auth_session"

    id: uuid.UUID = uuid_pk()
    customer_id: uuid.UUID = Field(foreign_key="customer.id", index=True)
    # SHA-256 of the opaque bearer token; the token itself is never stored.
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = timestamp(default_now=True)
    last_seen_at: datetime = timestamp(default_now=True)
    expires_at: datetime = timestamp()
    revoked_at: datetime | None = timestamp(nullable=True)
    revoked_reason: str | None = Field(default=None, max_length=64)
    ip_address: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=512)
    # When this session last proved its owner (password or second factor): sensitive changes need it recent.
    verified_at: datetime | None = timestamp(nullable=True)
    second_factor_at: datetime | None = timestamp(nullable=True)

    def ends_at(self, idle_timeout: timedelta) -> datetime:
        """When the session ends if unused: the sooner of its idle and absolute limits."""
        return min(self.last_seen_at + idle_timeout, self.expires_at)


class VerificationPurpose(enum.Enum):
    ACTIVATION = "ACTIVATION"
    PASSWORD_RESET = "PASSWORD_RESET"
    CLAIM_GUEST_ORDERS = "CLAIM_GUEST_ORDERS"


class VerificationChannel(enum.Enum):
    EMAIL_LINK = "EMAIL_LINK"
    SMS_CODE = "SMS_CODE"


class VerificationToken(SQLModel, table=True):
    __tablename__ = "verification_token"

    id: uuid.UUID = uuid_pk()
    customer_id: uuid.UUID = Field(foreign_key="customer.id", index=True)
    purpose: VerificationPurpose = enum_column(VerificationPurpose)
    channel: VerificationChannel = enum_column(VerificationChannel)
    # Keyed hash (HMAC-SHA256 with the server secret) of the link token or code.
    secret_hash: str = Field(max_length=64, index=True)
    attempts: int = Field(default=0)
    created_at: datetime = timestamp(default_now=True)
    expires_at: datetime = timestamp()
    used_at: datetime | None = timestamp(nullable=True)
    revoked_at: datetime | None = timestamp(nullable=True)
