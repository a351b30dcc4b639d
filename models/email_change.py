"""A change of sign-in email address in progress: confirmed by the new address, undoable from the old."""

import enum
import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from models.base import enum_column, timestamp, uuid_pk


class EmailChangeStatus(enum.Enum):
    AWAITING_OLD_ADDRESS = "AWAITING_OLD_ADDRESS"  # held by the risk check: the current address approves first
    AWAITING_NEW_ADDRESS = "AWAITING_NEW_ADDRESS"
    COMPLETED = "COMPLETED"
    UNDONE = "UNDONE"
    CANCELLED = "CANCELLED"


class EmailChange(SQLModel, table=True):
    __tablename__ = "email_change"

    id: uuid.UUID = uuid_pk()
    customer_id: uuid.UUID = Field(foreign_key="customer.id", index=True)
    status: EmailChangeStatus = enum_column(EmailChangeStatus)
    old_email: str = Field(max_length=320)
    new_email: str = Field(max_length=320)
    # Keyed hashes of the three single-use links: approve (old address), confirm (new), undo (old).
    approve_token_hash: str | None = Field(default=None, max_length=64, unique=True)
    confirm_token_hash: str | None = Field(default=None, max_length=64, unique=True)
    undo_token_hash: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = timestamp(default_now=True)
    expires_at: datetime = timestamp()
    completed_at: datetime | None = timestamp(nullable=True)
    undo_expires_at: datetime | None = timestamp(nullable=True)
