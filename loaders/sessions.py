"""Loaders for sign-in sessions: only their owner sees them."""

import uuid

from sqlalchemy import select
from sqlmodel import col

from app.db import Database
from app.principal import Principal
from loaders.batching import by_key
from models.auth import AuthSession


async def load_sessions(db: Database, principal: Principal, ids: list[uuid.UUID]) -> list[AuthSession | None]:
    if principal.customer_id is None:
        return [None] * len(ids)
    async with db.read() as session:
        rows = (
            await session.execute(
                select(AuthSession).where(
                    col(AuthSession.id).in_(ids),
                    col(AuthSession.customer_id) == principal.customer_id,
                )
            )
        ).scalars()
        return by_key(rows, ids, lambda row: row.id)
