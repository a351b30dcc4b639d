"""The product reference table (filled by seed-demo and the integration API), wishlists and recent views."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import timestamp, uuid_pk


class Product(SQLModel, table=True):
    """What storefronts show next to a wishlist entry; the catalogue itself lives elsewhere."""

    __tablename__ = "product"

    id: uuid.UUID = uuid_pk()
    sku: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    price_amount: int = Field(sa_type=sa.BigInteger)  # minor units of price_currency
    price_currency: str = Field(max_length=3)
    image_url: str | None = Field(default=None, max_length=2000)
    category: str | None = Field(default=None, max_length=100, index=True)
    active: bool = Field(default=True)
    # False for goods that cannot be sent back (hygiene items, made to order, downloads): requestReturn refuses them.
    returnable: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    created_at: datetime = timestamp(default_now=True)
    updated_at: datetime = timestamp(default_now=True)


class WishlistItem(SQLModel, table=True):
    __tablename__ = "wishlist_item"
    __table_args__ = (
        sa.UniqueConstraint("customer_id", "product_id"),
        sa.Index("ix_wishlist_item_customer_time", "customer_id", "created_at"),
    )

    id: uuid.UUID = uuid_pk()
    customer_id: uuid.UUID = Field(foreign_key="customer.id")
    product_id: uuid.UUID = Field(foreign_key="product.id", index=True)
    created_at: datetime = timestamp(default_now=True)


class ProductView(SQLModel, table=True):
    """The latest view of each product per customer; older ones beyond the bound are pruned."""

    __tablename__ = "product_view"
    __table_args__ = (
        sa.UniqueConstraint("customer_id", "product_id"),
        sa.Index("ix_product_view_customer_time", "customer_id", "viewed_at"),
    )

    id: uuid.UUID = uuid_pk()
    customer_id: uuid.UUID = Field(foreign_key="customer.id")
    product_id: uuid.UUID = Field(foreign_key="product.id", index=True)
    viewed_at: datetime = timestamp(default_now=True)
