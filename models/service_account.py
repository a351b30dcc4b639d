"""Service accounts: other systems (order system, POS, accounting) calling the integration API."""

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from models.base import timestamp, uuid_pk


class ServiceAccount(SQLModel, table=True):
    __tablename__ = "service_account"

    id: uuid.UUID = uuid_pk()
    name: str = Field(max_length=100, unique=True)
    # Space-separated scopes, e.g. "orders:write products:write".
    scopes: str = Field(max_length=500)
    # The API key is shown once; only its SHA-256 is kept (it is random and long, so no slow hash).
    key_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = timestamp(default_now=True)
    last_used_at: datetime | None = timestamp(nullable=True)
    revoked_at: datetime | None = timestamp(nullable=True)
