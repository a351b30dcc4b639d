"""Human numbers (T-…, Q-…, R-…) as a customer types or a mail names them, and the lookup by one.

A number is matched after trimming and upper-casing (numbers are issued as an upper-case prefix and
ASCII digits). Text that cannot be a number (empty, longer than the column, not printable ASCII) is not
found without asking the database."""

from typing import Any, TypeVar

from sqlalchemy import select
from sqlmodel import col

from app.principal import Principal
from app.runtime import Runtime
from app.services.errors import NotAuthenticatedError

MAX_NUMBER = 32  # the length of every number column

Row = TypeVar("Row")


def normalized(value: str) -> str | None:
    """The number as stored, or None when the text cannot be one."""
    text = value.strip()
    if not text or len(text) > MAX_NUMBER or not text.isascii() or not text.isprintable():
        return None
    return text.upper()


async def owned_by_number(rt: Runtime, principal: Principal, model: type[Row], value: str) -> Row | None:
    """The row of `model` with this number if it is the caller's (any owner for staff); None otherwise,
    so another customer's number reads exactly like one that does not exist."""
    if not principal.is_authenticated:
        raise NotAuthenticatedError()
    number = normalized(value)
    if number is None:
        return None
    table: Any = model
    statement = select(table).where(col(table.number) == number)
    if not principal.is_staff:
        statement = statement.where(col(table.customer_id) == principal.customer_id)
    async with rt.db.read() as session:
        found: Row | None = (await session.execute(statement)).scalar_one_or_none()
    return found
