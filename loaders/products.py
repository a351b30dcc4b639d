"""Products (public reference data), wishlist pages and recently viewed products by customer."""

import uuid

from sqlalchemy import select
from sqlmodel import col

from app.db import Database
from app.principal import Principal
from loaders.batching import PageKey, by_key, newest_pages_by_customer, owned_rows_by_customer, owned_rows_by_id
from models.product import Product, ProductView, WishlistItem


async def load_products(db: Database, ids: list[uuid.UUID]) -> list[Product | None]:
    async with db.read() as session:
        rows = (await session.execute(select(Product).where(col(Product.id).in_(ids)))).scalars()
        return by_key(rows, ids, lambda row: row.id)


async def load_wishlist_items(db: Database, principal: Principal, ids: list[uuid.UUID]) -> list[WishlistItem | None]:
    return await owned_rows_by_id(db, principal, WishlistItem, ids)


async def load_wishlist_pages(db: Database, principal: Principal, keys: list[PageKey]) -> list[list[WishlistItem]]:
    return await newest_pages_by_customer(db, principal, keys, WishlistItem, "created_at")


async def load_recent_views(
    db: Database, principal: Principal, customer_ids: list[uuid.UUID]
) -> list[list[ProductView]]:
    # Bounded by recently_viewed_limit when written, so the whole list is small.
    return await owned_rows_by_customer(
        db, principal, customer_ids, ProductView, col(ProductView.viewed_at).desc(), col(ProductView.id).desc()
    )
