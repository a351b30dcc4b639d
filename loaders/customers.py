"""Loaders for customers, their groups, roles, role history and affiliate requests."""

import uuid

from sqlalchemy import select
from sqlmodel import col

from app.db import Database
from app.principal import Principal
from loaders.batching import by_key, grouped, owned_rows_by_customer, owned_rows_by_id, rows_by_parent
from models.customer import (
    AffiliateRequest,
    Customer,
    CustomerGroup,
    CustomerGroupMove,
    CustomerRole,
    Role,
    RoleChange,
)


def _visible_customer_ids(principal: Principal, ids: list[uuid.UUID]) -> list[uuid.UUID]:
    if principal.is_staff:
        return ids
    return [i for i in ids if i == principal.customer_id]


async def load_customers(db: Database, principal: Principal, ids: list[uuid.UUID]) -> list[Customer | None]:
    visible = _visible_customer_ids(principal, ids)
    if not visible:
        return [None] * len(ids)
    async with db.read() as session:
        rows = (await session.execute(select(Customer).where(col(Customer.id).in_(visible)))).scalars()
        return by_key(rows, ids, lambda row: row.id)


async def load_groups(db: Database, ids: list[uuid.UUID]) -> list[CustomerGroup | None]:
    async with db.read() as session:
        rows = (await session.execute(select(CustomerGroup).where(col(CustomerGroup.id).in_(ids)))).scalars()
        return by_key(rows, ids, lambda row: row.id)


async def load_roles(db: Database, customer_ids: list[uuid.UUID]) -> list[list[Role]]:
    async with db.read() as session:
        rows = (
            await session.execute(select(CustomerRole).where(col(CustomerRole.customer_id).in_(customer_ids)))
        ).scalars()
        groups = grouped(rows, customer_ids, lambda row: row.customer_id)
    return [sorted((row.role for row in group), key=lambda role: list(Role).index(role)) for group in groups]


async def load_role_changes(
    db: Database, principal: Principal, customer_ids: list[uuid.UUID]
) -> list[list[RoleChange]]:
    return await owned_rows_by_customer(db, principal, customer_ids, RoleChange, col(RoleChange.created_at).desc())


async def load_group_moves(db: Database, customer_ids: list[uuid.UUID]) -> list[list[CustomerGroupMove]]:
    """Customers' group moves, newest first (who may see them is the field's decision: staff only)."""
    return await rows_by_parent(
        db,
        CustomerGroupMove,
        "customer_id",
        customer_ids,
        col(CustomerGroupMove.created_at).desc(),
        col(CustomerGroupMove.id).desc(),
    )


async def load_affiliate_requests(
    db: Database, principal: Principal, ids: list[uuid.UUID]
) -> list[AffiliateRequest | None]:
    return await owned_rows_by_id(db, principal, AffiliateRequest, ids)


async def load_affiliate_requests_by_customer(
    db: Database, principal: Principal, customer_ids: list[uuid.UUID]
) -> list[list[AffiliateRequest]]:
    return await owned_rows_by_customer(
        db, principal, customer_ids, AffiliateRequest, col(AffiliateRequest.created_at).desc()
    )
