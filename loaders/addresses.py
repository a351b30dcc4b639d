"""Addresses, by id and by customer, visible to their owner and to staff."""

import uuid

from sqlalchemy import select
from sqlmodel import col

from app.db import Database
from app.principal import Principal
from loaders.batching import by_key, owned_rows_by_customer
from models.address import Address


async def load_addresses(db: Database, principal: Principal, ids: list[uuid.UUID]) -> list[Address | None]:
    if principal.customer_id is None:  # "owner is nobody" must not match rows that name no owner
        return [None] * len(ids)
    async with db.read() as session:
        statement = select(Address).where(col(Address.id).in_(ids))
        if not principal.is_staff:
            statement = statement.where(col(Address.customer_id) == principal.customer_id)
        rows = (await session.execute(statement)).scalars()
        return by_key(rows, ids, lambda row: row.id)


async def load_addresses_by_customer(
    db: Database, principal: Principal, customer_ids: list[uuid.UUID]
) -> list[list[Address]]:
    return await owned_rows_by_customer(db, principal, customer_ids, Address, col(Address.created_at), col(Address.id))
