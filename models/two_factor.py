"""Second factors: TOTP credentials, recovery codes, sign-in challenges and trusted devices."""

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import enum_column, timestamp, uuid_pk


class TotpCredential(SQLModel, table=True):
    __tablename__ = "totp_credential"

    customer_id: uuid.UUID = Field(foreign_key="customer.id", primary_key=True)
    # AES-GCM ciphertext of the base32 secret (app/security/crypto.py), bound to the customer id.
    secret_encrypted: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    confirmed_at: datetime | None = timestamp(nullable=True)
    # The last 30-second step whose code was accepted: a code is never accepted twice.
    last_used_step: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False, default=0))
    created_at: datetime = timestamp(default_now=True)


class RecoveryCode(SQLModel, table=True):
    __tablename__ = "recovery_code"

    id: uuid.UUID = uuid_pk()
    customer_id: uuid.UUID = Field(foreign_key="customer.id", index=True)
    code_hash: str = Field(max_length=64)
    used_at: datetime | None = timestamp(nullable=True)
    created_at: datetime = timestamp(default_now=True)


class ChallengeMethod(enum.Enum):
    TOTP = "TOTP"
    RECOVERY_CODE = "RECOVERY_CODE"
    EMAIL_CODE = "EMAIL_CODE"
    SMS_CODE = "SMS_CODE"


class TwoFactorChallenge(SQLModel, table=True):
    """A sign-in waiting for its second factor. Dies after a few wrong codes or when it expires."""

    __tablename__ = "two_factor_challenge"

    id: uuid.UUID = uuid_pk()
    customer_id: uuid.UUID = Field(foreign_key="customer.id", index=True)
    attempts: int = Field(default=0)
    # Keyed hash of the one-time code sent by email or SMS, when the customer asked for one.
    sent_code_hash: str | None = Field(default=None, max_length=64)
    sent_code_method: ChallengeMethod | None = enum_column(ChallengeMethod, nullable=True)
    ip_address: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=512)
    created_at: datetime = timestamp(default_now=True)
    expires_at: datetime = timestamp()
    completed_at: datetime | None = timestamp(nullable=True)
    failed_at: datetime | None = timestamp(nullable=True)


class TrustedDevice(SQLModel, table=True):
    """A browser that passed a second factor and asked to be trusted: it skips 2FA until it expires."""

    __tablename__ = "trusted_device"

    id: uuid.UUID = uuid_pk()
    customer_id: uuid.UUID = Field(foreign_key="customer.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_agent: str | None = Field(default=None, max_length=512)
    ip_address: str | None = Field(default=None, max_length=64)
    created_at: datetime = timestamp(default_now=True)
    last_used_at: datetime = timestamp(default_now=True)
    expires_at: datetime = timestamp()
    revoked_at: datetime | None = timestamp(nullable=True)
