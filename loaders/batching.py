"""Helpers to build DataLoaders whose batches run one SELECT … WHERE key IN (…)."""

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Any, TypeVar

from aiodataloader import DataLoader
from sqlalchemy import select
from sqlmodel import col

from app.db import Database
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
