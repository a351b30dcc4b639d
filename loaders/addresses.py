"""Addresses, by id and by customer, visible to their owner and to staff."""

import uuid

from sqlmodel import col

from app.db import Database
from app.principal import Principal
from loaders.batching import owned_rows_by_customer, owned_rows_by_id
from models.address import Address


async def load_addresses(db: Database, principal: Principal, ids: list[uuid.UUID]) -> list[Address | None]:
    return await owned_rows_by_id(db, principal, Address, ids)


async def load_addresses_by_customer(
    db: Database, principal: Principal, customer_ids: list[uuid.UUID]
) -> list[list[Address]]:
    return await owned_rows_by_customer(db, principal, customer_ids, Address, col(Address.created_at), col(Address.id))
