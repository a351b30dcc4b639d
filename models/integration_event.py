"""Business events for the shop's other systems, written in the transaction of the change they describe.

This table is the webhooks' transactional outbox: a row exists exactly when its change committed. The
webhook dispatcher fans each row out to the endpoints that want its type (`fanned_out_at` marks that done).
"""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import timestamp, uuid_pk


class IntegrationEvent(SQLModel, table=True):
    __tablename__ = "integration_event"
    __table_args__ = (
        sa.Index("ix_integration_event_pending", "fanned_out_at", "created_at"),
        sa.Index("ix_integration_event_created", "created_at"),
    )

    # Sent as the `webhook-id`: the same for every attempt and redelivery, so receivers can de-duplicate.
    id: uuid.UUID = uuid_pk()
    type: str = Field(max_length=64)
    version: int
    # The payload's `data` object as JSON (see app/integration/catalogue.py for each type's fields).
    data: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    occurred_at: datetime = timestamp(default_now=True)
    created_at: datetime = timestamp(default_now=True)
    fanned_out_at: datetime | None = timestamp(nullable=True)
