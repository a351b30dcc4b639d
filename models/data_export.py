"""Requests for a copy of everything held about a customer; the document is built when downloaded."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import timestamp, uuid_pk


class DataExport(SQLModel, table=True):
    __tablename__ = "data_export"
    __table_args__ = (sa.Index("ix_data_export_customer_time", "customer_id", "created_at"),)

    id: uuid.UUID = uuid_pk()
    customer_id: uuid.UUID = Field(foreign_key="customer.id")
    created_at: datetime = timestamp(default_now=True)
    expires_at: datetime = timestamp()
    download_count: int = Field(default=0)
    last_downloaded_at: datetime | None = timestamp(nullable=True)
