"""Security events and alerts: pages of a customer's events (one windowed query for many customers)."""

import uuid

from sqlalchemy import ColumnElement, select
from sqlmodel import col

from app.db import Database
from app.principal import Principal
from loaders.batching import PageKey, by_key, newest_pages_by_customer, owned_rows_by_id
from models.security import STAFF_WORK, SecurityAlert, SecurityEvent
from models.service_account import ServiceAccount


async def load_event_pages(db: Database, principal: Principal, keys: list[PageKey]) -> list[list[SecurityEvent]]:
    """limit + 1 newest events after the cursor for each customer the caller may see (owner or staff); the
    owner's own log leaves out staff work (models.security.STAFF_WORK)."""
    return await newest_pages_by_customer(db, principal, keys, SecurityEvent, "created_at", _visible_types(principal))


async def load_security_events(db: Database, principal: Principal, ids: list[uuid.UUID]) -> list[SecurityEvent | None]:
    rows: list[SecurityEvent | None] = await owned_rows_by_id(db, principal, SecurityEvent, ids)
    if principal.is_staff:
        return rows
    return [row if row is not None and row.type not in STAFF_WORK else None for row in rows]


async def load_account_event_pages(
    db: Database, principal: Principal, keys: list[PageKey]
) -> list[list[SecurityEvent]]:
    """The same pages without staff work, for any caller: what happened to the account itself (sign-ins,
    lockouts, changes of email or second factor), as staff read it beside a ticket."""
    staff_work_left_out = [col(SecurityEvent.type).not_in(STAFF_WORK)]
    return await newest_pages_by_customer(db, principal, keys, SecurityEvent, "created_at", staff_work_left_out)


def _visible_types(principal: Principal) -> list[ColumnElement[bool]]:
    return [] if principal.is_staff else [col(SecurityEvent.type).not_in(STAFF_WORK)]


async def load_security_alerts(db: Database, principal: Principal, ids: list[uuid.UUID]) -> list[SecurityAlert | None]:
    if not principal.is_admin:
        return [None] * len(ids)
    async with db.read() as session:
        rows = {
            row.id: row
            for row in (await session.execute(select(SecurityAlert).where(col(SecurityAlert.id).in_(ids)))).scalars()
        }
    return [rows.get(i) for i in ids]


async def load_service_account_names(db: Database, principal: Principal, ids: list[uuid.UUID]) -> list[str | None]:
    """The names of the integrations that acted (staff only: which systems a business runs is internal)."""
    if not principal.is_staff:
        return [None] * len(ids)
    async with db.read() as session:
        rows = (await session.execute(select(ServiceAccount).where(col(ServiceAccount.id).in_(ids)))).scalars()
        found = by_key(rows, ids, lambda row: row.id)
    return [row.name if row is not None else None for row in found]
