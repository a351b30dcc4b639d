"""Keyset pagination: newest first by a timestamp, the id breaking ties; opaque cursors."""

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy import Select, and_, or_, select
from sqlmodel import col

from app.errors import InvalidInputError

if TYPE_CHECKING:
    from app.db import Database

T = TypeVar("T")
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
# Our cursors are about 120 characters; anything much longer was made by hand, and is refused before it is
# decoded (a few kB of '[' nested deep enough to make json.loads raise RecursionError, a 500).
MAX_CURSOR_LENGTH = 512


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool


def encode_cursor(timestamp: datetime, row_id: uuid.UUID) -> str:
    raw = json.dumps([timestamp.isoformat(), str(row_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError("too long")
        timestamp, row_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        moment = datetime.fromisoformat(timestamp)
        key = uuid.UUID(row_id)
        if moment.tzinfo is None:  # we only ever write aware times: this one was made by hand
            raise ValueError("naive time")
        moment = moment.astimezone(UTC)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, OverflowError, RecursionError) as exc:
        raise InvalidInputError("The cursor is not valid.") from exc
    return moment, key


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE_SIZE
    if first < 0 or first > MAX_PAGE_SIZE:
        raise InvalidInputError(f"first must be between 0 and {MAX_PAGE_SIZE}.")
    return first


def newest_first(
    statement: Select[Any], timestamp_column: Any, id_column: Any, after: str | None, limit: int
) -> Select[Any]:
    """Order newest first and start after the cursor; fetch one extra row to know if there is more."""
    if after:
        timestamp, row_id = decode_cursor(after)
        statement = statement.where(
            or_(timestamp_column < timestamp, and_(timestamp_column == timestamp, id_column < row_id))
        )
    return statement.order_by(timestamp_column.desc(), id_column.desc()).limit(limit + 1)


def build_page(rows: list[T], limit: int, key: Any, after: str | None) -> Page[T]:
    items = rows[:limit]
    return Page(
        items=items,
        cursors=[encode_cursor(*key(item)) for item in items],
        has_next_page=len(rows) > limit,
        has_previous_page=after is not None,
    )


def empty_page(first: int | None, after: str | None) -> Page[Any]:
    """No rows (a filter naming nobody, a caller who may see nothing), paged like any other answer."""
    return build_page([], page_size(first), lambda row: (row.created_at, row.id), after)


async def newest_rows(
    db: "Database", model: Any, conditions: list[Any], first: int | None, after: str | None
) -> Page[Any]:
    """A page of `model` rows matching `conditions`, newest first by created_at (the id breaking ties)."""
    limit = page_size(first)
    statement = newest_first(select(model).where(*conditions), col(model.created_at), col(model.id), after, limit)
    async with db.read() as session:
        rows = list((await session.execute(statement)).scalars())
    return build_page(rows, limit, lambda row: (row.created_at, row.id), after)
