"""Customers' addresses: billing, shipping or both, with one default of each kind per customer."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import timestamp, uuid_pk


class Address(SQLModel, table=True):
    __tablename__ = "address"
    __table_args__ = (
        sa.Index(
            "uq_address_default_billing",
            "customer_id",
            unique=True,
            sqlite_where=sa.text("is_default_billing"),
            postgresql_where=sa.text("is_default_billing"),
        ),
        sa.Index(
            "uq_address_default_shipping",
            "customer_id",
            unique=True,
            sqlite_where=sa.text("is_default_shipping"),
            postgresql_where=sa.text("is_default_shipping"),
        ),
    )

    id: uuid.UUID = uuid_pk()
    customer_id: uuid.UUID = Field(foreign_key="customer.id", index=True)
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    company: str | None = Field(default=None, max_length=200)
    line1: str = Field(max_length=200)
    line2: str | None = Field(default=None, max_length=200)
    city: str | None = Field(default=None, max_length=100)
    region: str | None = Field(default=None, max_length=100)
    postal_code: str | None = Field(default=None, max_length=20)
    country_code: str = Field(max_length=2)
    # E.164, AES-GCM encrypted like the customer's own phone number.
    phone_encrypted: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    is_billing: bool = Field(default=True)
    is_shipping: bool = Field(default=True)
    is_default_billing: bool = Field(default=False)
    is_default_shipping: bool = Field(default=False)
    created_at: datetime = timestamp(default_now=True)
    updated_at: datetime = timestamp(default_now=True)
