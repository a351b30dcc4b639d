"""The raw events the staff analytics count that no other table records (README, "Analytics").

- `registration_attempted`: the first `register` call for an address, before anything is validated, so a
  registration that never gets past the form still counts as started. The address is stored only as a keyed
  hash of its normalised form (app.services.audit.identifier_hash), never in plain text.
- `help_searched`, `help_viewed`: help-centre searches and article views by customers and anonymous
  visitors (staff reading their own articles are not customers looking for help).

Each is one small write in a unit of work of its own: it commits whether or not the request goes on to
succeed, which is the point for a registration that fails validation.
"""

import uuid
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.principal import Principal
from app.runtime import Runtime
from app.services import audit
from app.services.customer_groups import CODE_PATTERN
from app.services.errors import ErrorDetail
from app.services.validation import clean_email, email_key
from models.analytics import HelpEvent, HelpEventKind, RegistrationAttempt
from models.base import utcnow


def dialect_insert(session: AsyncSession, table: Any) -> Any:
    """An INSERT that knows ON CONFLICT on the session's database (PostgreSQL or SQLite)."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def address_key(email: str | None) -> str | None:
    """The address as the account would store it (`email_key`) when it is valid, else as typed, trimmed and
    lower-cased: a later valid attempt for the same address finds the same key."""
    typed = (email or "").strip()
    if not typed:
        return None
    errors: list[ErrorDetail] = []
    cleaned = clean_email(typed, ("email",), errors)
    return email_key(cleaned) if cleaned is not None and not errors else typed.lower()[:320]


def attempt_group_code(code: str | None) -> str | None:
    """The group a registration named: None for none (the default group), "" for something that is no code."""
    if code is None or not code.strip():
        return None
    code = code.strip()
    return code if CODE_PATTERN.match(code) else ""


async def registration_attempted(rt: Runtime, email: str | None, group_code: str | None) -> None:
    """Remember the first `register` call for this address (a later call changes nothing)."""
    key = address_key(email)
    if key is None:
        return
    async with rt.db.unit_of_work() as session:
        statement = dialect_insert(session, RegistrationAttempt).values(
            identifier_hash=audit.identifier_hash(rt, key),
            group_code=attempt_group_code(group_code),
            created_at=utcnow(),
        )
        await session.execute(statement.on_conflict_do_nothing())


def _counted(principal: Principal) -> bool:
    return not principal.is_staff and principal.service_account_id is None


async def _help_event(rt: Runtime, principal: Principal, kind: HelpEventKind, article_id: uuid.UUID | None) -> None:
    if not _counted(principal):
        return
    async with rt.db.unit_of_work() as session:
        session.add(HelpEvent(kind=kind, customer_id=principal.customer_id, article_id=article_id))


async def help_searched(rt: Runtime, principal: Principal) -> None:
    await _help_event(rt, principal, HelpEventKind.SEARCH, None)


async def help_viewed(rt: Runtime, principal: Principal, article_id: uuid.UUID) -> None:
    await _help_event(rt, principal, HelpEventKind.VIEW, article_id)
