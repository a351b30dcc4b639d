"""Helpers to build DataLoaders whose batches run one SELECT … WHERE key IN (…)."""

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from aiodataloader import DataLoader
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlmodel import col

from app.db import Database
from app.pagination import decode_cursor
from app.principal import Principal

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# asyncpg allows 32,767 bind parameters per statement.
MAX_BATCH_SIZE = 1000


def by_key(rows: Iterable[V], keys: list[K], key: Callable[[V], K]) -> list[V | None]:
    found = {key(row): row for row in rows}
    return [found.get(k) for k in keys]


def grouped(rows: Iterable[V], keys: list[K], key: Callable[[V], K]) -> list[list[V]]:
    groups: dict[K, list[V]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return [groups.get(k, []) for k in keys]


def make_loader(batch: Callable[[list[K]], Awaitable[list[V]]]) -> DataLoader[K, V]:
    async def _load(keys: list[K]) -> list[V]:
        return await batch(list(keys))

    return DataLoader(batch_load_fn=_load, max_batch_size=MAX_BATCH_SIZE)


def parse_uuid(value: str | uuid.UUID) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return None


async def owned_rows_by_customer(
    db: Database, principal: Principal, customer_ids: list[uuid.UUID], model: Any, *order_by: Any
) -> list[list[Any]]:
    """Rows of `model` per customer, for the customers this caller may see (themselves, or any if staff);
    others get an empty list. One SELECT … WHERE customer_id IN (…) for the whole batch."""
    visible = [i for i in customer_ids if principal.can_see_customer(i)]
    if not visible:
        return [[] for _ in customer_ids]
    async with db.read() as session:
        statement = select(model).where(col(model.customer_id).in_(visible)).order_by(*order_by)
        rows = (await session.execute(statement)).scalars()
        return grouped(rows, customer_ids, lambda row: row.customer_id)


@dataclass(frozen=True)
class PageKey:
    """One page of a customer's rows, newest first: `limit` after the opaque `after` cursor."""

    customer_id: uuid.UUID
    limit: int
    after: str | None


async def newest_pages_by_customer(
    db: Database,
    principal: Principal,
    keys: list[PageKey],
    model: Any,
    timestamp: str,
    where: Sequence[ColumnElement[bool]] = (),
) -> list[list[Any]]:
    """limit + 1 newest rows of `model` (that match `where`) after the cursor, per customer the caller may see
    (owner or staff). One windowed SELECT per distinct (limit, cursor), whatever the number of customers."""
    groups: dict[tuple[int, str | None], list[uuid.UUID]] = defaultdict(list)
    for key in keys:
        if principal.can_see_customer(key.customer_id):
            groups[(key.limit, key.after)].append(key.customer_id)
    found: dict[tuple[uuid.UUID, int, str | None], list[Any]] = {}
    moment, row_key = col(getattr(model, timestamp)), col(model.id)
    async with db.read() as session:
        for (limit, after), customer_ids in groups.items():
            conditions: list[ColumnElement[bool]] = [col(model.customer_id).in_(customer_ids), *where]
            if after:
                at, row_id = decode_cursor(after)
                conditions.append(or_(moment < at, and_(moment == at, row_key < row_id)))
            position = (
                func.row_number()
                .over(partition_by=col(model.customer_id), order_by=(moment.desc(), row_key.desc()))
                .label("position")
            )
            ranked = select(model, position).where(*conditions).subquery()
            statement = select(model).from_statement(
                select(ranked)
                .where(ranked.c.position <= limit + 1)
                .order_by(ranked.c.customer_id, ranked.c[timestamp].desc(), ranked.c.id.desc())
            )
            for row in (await session.execute(statement)).scalars():
                found.setdefault((row.customer_id, limit, after), []).append(row)
    return [found.get((key.customer_id, key.limit, key.after), []) for key in keys]


async def owned_rows_by_id(db: Database, principal: Principal, model: Any, ids: list[uuid.UUID]) -> list[Any]:
    """Rows of `model` by id that belong to the caller (any owner for staff); others read as missing."""
    if principal.customer_id is None:  # "owner is nobody" must not match rows that name no owner
        return [None] * len(ids)
    async with db.read() as session:
        statement = select(model).where(col(model.id).in_(ids))
        if not principal.is_staff:
            statement = statement.where(col(model.customer_id) == principal.customer_id)
        rows = (await session.execute(statement)).scalars()
        return by_key(rows, ids, lambda row: row.id)


async def rows_by_parent(
    db: Database, model: Any, parent_key: str, parent_ids: list[uuid.UUID], *order_by: Any
) -> list[list[Any]]:
    """Child rows grouped by their parent's id, in `order_by` order: one SELECT for the batch.

    The rows are read-only Core rows with the model's column names as attributes (typed and converted
    like the model's), not ORM instances: building hundreds of those per page was the page's largest
    cost after GraphQL itself, and nothing here is changed or saved."""
    key = col(getattr(model, parent_key))
    async with db.read() as session:
        statement = select(model.__table__).where(key.in_(parent_ids)).order_by(key, *order_by)
        rows = (await session.execute(statement)).all()
        return grouped(rows, parent_ids, lambda row: getattr(row, parent_key))
