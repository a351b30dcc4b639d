"""Orders by id (owner or staff), and their lines and timelines by order id."""

import uuid

from sqlalchemy import select
from sqlmodel import col

from app.db import Database
from app.principal import Principal
from loaders.batching import grouped, owned_rows_by_id
from models.order import Order, OrderLine, OrderStatusChange


async def load_orders(db: Database, principal: Principal, ids: list[uuid.UUID]) -> list[Order | None]:
    return await owned_rows_by_id(db, principal, Order, ids)


# Lines and timelines are only asked for orders the caller could already see (through the loader above,
# a customer's page, or a service account's own write), so they are keyed by order id alone.
async def load_order_lines(db: Database, order_ids: list[uuid.UUID]) -> list[list[OrderLine]]:
    async with db.read() as session:
        statement = (
            select(OrderLine)
            .where(col(OrderLine.order_id).in_(order_ids))
            .order_by(col(OrderLine.order_id), col(OrderLine.position))
        )
        return grouped((await session.execute(statement)).scalars(), order_ids, lambda row: row.order_id)


async def load_order_timelines(db: Database, order_ids: list[uuid.UUID]) -> list[list[OrderStatusChange]]:
    async with db.read() as session:
        statement = (
            select(OrderStatusChange)
            .where(col(OrderStatusChange.order_id).in_(order_ids))
            .order_by(col(OrderStatusChange.created_at), col(OrderStatusChange.id))
        )
        return grouped((await session.execute(statement)).scalars(), order_ids, lambda row: row.order_id)
