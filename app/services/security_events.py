"""Reading the audit log: customers see their own events, administrators search all of them.

`staff_actions` is the staff console's view of it: only what a staff member, or an integration through
its API key, did to a customer's account (events with an actor or a service account), filtered by actor,
customer, type and time. Administrators see every staff member's and integration's actions; SUPPORT
accounts see their own only (what they did, not what administrators, colleagues or integrations did: role
changes, suspensions and deletions stay an administrator's business)."""

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlmodel import col

from app.pagination import Page, build_page, newest_first, page_size
from app.principal import Principal
from app.runtime import Runtime
from app.services.callers import require_staff_member
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
    actor_id: uuid.UUID | None = None
    staff_actions_only: bool = False


async def search(
    rt: Runtime, principal: Principal, *, first: int | None, after: str | None, filter: SecurityEventFilter
) -> Page[SecurityEvent]:
    require_admin(principal)
    return await _search(rt, first=first, after=after, filter=filter)


async def staff_actions(
    rt: Runtime, principal: Principal, *, first: int | None, after: str | None, filter: SecurityEventFilter
) -> Page[SecurityEvent]:
    """Events with an actor or a service account, newest first: every staff member's and integration's for
    administrators, SUPPORT's own for them."""
    caller = require_staff_member(principal)
    if not principal.is_admin:
        if filter.actor_id is not None and filter.actor_id != caller:
            return empty_page()
        filter = replace(filter, actor_id=caller)
    return await _search(rt, first=first, after=after, filter=replace(filter, staff_actions_only=True))


async def _search(
    rt: Runtime, *, first: int | None, after: str | None, filter: SecurityEventFilter
) -> Page[SecurityEvent]:
    limit = page_size(first)
    statement = select(SecurityEvent)
    if filter.actor_id is not None:
        statement = statement.where(col(SecurityEvent.actor_id) == filter.actor_id)
    if filter.staff_actions_only:
        statement = statement.where(
            col(SecurityEvent.actor_id).is_not(None) | col(SecurityEvent.service_account_id).is_not(None)
        )
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
