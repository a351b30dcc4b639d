"""Pages of a customer's security events, batched: one windowed query for many customers."""

import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlmodel import col

from app.db import Database
from app.pagination import decode_cursor
from app.principal import Principal
from models.security import SecurityAlert, SecurityEvent


@dataclass(frozen=True)
class EventPageKey:
    customer_id: uuid.UUID
    limit: int
    after: str | None


async def load_event_pages(db: Database, principal: Principal, keys: list[EventPageKey]) -> list[list[SecurityEvent]]:
    """limit + 1 newest events after the cursor for each customer the caller may see (owner or staff)."""
    groups: dict[tuple[int, str | None], list[uuid.UUID]] = defaultdict(list)
    for key in keys:
        if principal.can_see_customer(key.customer_id):
            groups[(key.limit, key.after)].append(key.customer_id)
    found: dict[tuple[uuid.UUID, int, str | None], list[SecurityEvent]] = {}
    async with db.read() as session:
        for (limit, after), customer_ids in groups.items():
            conditions: list[ColumnElement[bool]] = [col(SecurityEvent.customer_id).in_(customer_ids)]
            if after:
                at, row_id = decode_cursor(after)
                conditions.append(
                    or_(
                        col(SecurityEvent.created_at) < at,
                        and_(col(SecurityEvent.created_at) == at, col(SecurityEvent.id) < row_id),
                    )
                )
            position = (
                func.row_number()
                .over(
                    partition_by=col(SecurityEvent.customer_id),
                    order_by=(col(SecurityEvent.created_at).desc(), col(SecurityEvent.id).desc()),
                )
                .label("position")
            )
            ranked = select(SecurityEvent, position).where(*conditions).subquery()
            event = select(SecurityEvent).from_statement(
                select(ranked)
                .where(ranked.c.position <= limit + 1)
                .order_by(ranked.c.customer_id, ranked.c.created_at.desc(), ranked.c.id.desc())
            )
            for row in (await session.execute(event)).scalars():
                assert row.customer_id is not None
                found.setdefault((row.customer_id, limit, after), []).append(row)
    return [found.get((key.customer_id, key.limit, key.after), []) for key in keys]


async def load_security_events(db: Database, principal: Principal, ids: list[uuid.UUID]) -> list[SecurityEvent | None]:
    if principal.customer_id is None:  # "owner is nobody" must not match rows that name no owner
        return [None] * len(ids)
    async with db.read() as session:
        statement = select(SecurityEvent).where(col(SecurityEvent.id).in_(ids))
        if not principal.is_staff:
            statement = statement.where(col(SecurityEvent.customer_id) == principal.customer_id)
        rows = {row.id: row for row in (await session.execute(statement)).scalars()}
    return [rows.get(i) for i in ids]


async def load_security_alerts(db: Database, principal: Principal, ids: list[uuid.UUID]) -> list[SecurityAlert | None]:
    if not principal.is_admin:
        return [None] * len(ids)
    async with db.read() as session:
        rows = {
            row.id: row
            for row in (await session.execute(select(SecurityAlert).where(col(SecurityAlert.id).in_(ids)))).scalars()
        }
    return [rows.get(i) for i in ids]
