"""Reading the audit log: customers see their own events, administrators search all of them."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import col

from app.pagination import Page, build_page, newest_first, page_size
from app.principal import Principal
from app.runtime import Runtime
from app.services.customers import require_admin
from app.services.errors import InvalidInputError
from models.security import SecurityEvent, SecurityEventOutcome, SecurityEventType


@dataclass(frozen=True)
class SecurityEventFilter:
    customer_id: uuid.UUID | None = None
    type: SecurityEventType | None = None
    outcome: SecurityEventOutcome | None = None
    ip_address: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def search(
    rt: Runtime, principal: Principal, *, first: int | None, after: str | None, filter: SecurityEventFilter
) -> Page[SecurityEvent]:
    require_admin(principal)
    limit = page_size(first)
    statement = select(SecurityEvent)
    if filter.customer_id is not None:
        statement = statement.where(col(SecurityEvent.customer_id) == filter.customer_id)
    if filter.type is not None:
        statement = statement.where(col(SecurityEvent.type) == filter.type)
    if filter.outcome is not None:
        statement = statement.where(col(SecurityEvent.outcome) == filter.outcome)
    if filter.ip_address:
        statement = statement.where(col(SecurityEvent.ip_address) == filter.ip_address.strip())
    for bound in (filter.since, filter.until):
        if bound is not None and bound.tzinfo is None:
            raise InvalidInputError("since and until need a time zone (e.g. 2026-01-01T00:00:00Z).")
    if filter.since is not None:
        statement = statement.where(col(SecurityEvent.created_at) >= filter.since)
    if filter.until is not None:
        statement = statement.where(col(SecurityEvent.created_at) < filter.until)
    statement = newest_first(statement, col(SecurityEvent.created_at), col(SecurityEvent.id), after, limit)
    async with rt.db.read() as session:
        rows = list((await session.execute(statement)).scalars())
    return build_page(rows, limit, lambda row: (row.created_at, row.id), after)


def empty_page() -> Page[SecurityEvent]:
    return Page(items=[], cursors=[], has_next_page=False, has_previous_page=False)
