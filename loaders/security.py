"""Security events and alerts: pages of a customer's events (one windowed query for many customers)."""

import uuid

from sqlalchemy import select
from sqlmodel import col

from app.db import Database
from app.principal import Principal
from loaders.batching import PageKey, newest_pages_by_customer, owned_rows_by_id
from models.security import SecurityAlert, SecurityEvent


async def load_event_pages(db: Database, principal: Principal, keys: list[PageKey]) -> list[list[SecurityEvent]]:
    """limit + 1 newest events after the cursor for each customer the caller may see (owner or staff)."""
    return await newest_pages_by_customer(db, principal, keys, SecurityEvent, "created_at")


async def load_security_events(db: Database, principal: Principal, ids: list[uuid.UUID]) -> list[SecurityEvent | None]:
    return await owned_rows_by_id(db, principal, SecurityEvent, ids)


async def load_security_alerts(db: Database, principal: Principal, ids: list[uuid.UUID]) -> list[SecurityAlert | None]:
    if not principal.is_admin:
        return [None] * len(ids)
    async with db.read() as session:
        rows = {
            row.id: row
            for row in (await session.execute(select(SecurityAlert).where(col(SecurityAlert.id).in_(ids)))).scalars()
        }
    return [rows.get(i) for i in ids]
