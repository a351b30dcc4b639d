"""Webhook endpoints, deliveries and attempts by id: administrators only (anyone else finds nothing)."""

import uuid
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from app.db import Database
from app.principal import Principal
from loaders.batching import by_key
from models.webhook import WebhookAttempt, WebhookDelivery, WebhookEndpoint


async def _admin_rows(db: Database, principal: Principal, model: Any, ids: list[uuid.UUID]) -> list[Any]:
    if not principal.is_admin:
        return [None] * len(ids)
    async with db.read() as session:
        rows = (await session.execute(select(model).where(col(model.id).in_(ids)))).scalars()
        return by_key(rows, ids, lambda row: row.id)


async def load_webhook_endpoints(
    db: Database, principal: Principal, ids: list[uuid.UUID]
) -> list[WebhookEndpoint | None]:
    return await _admin_rows(db, principal, WebhookEndpoint, ids)


async def load_webhook_deliveries(
    db: Database, principal: Principal, ids: list[uuid.UUID]
) -> list[WebhookDelivery | None]:
    return await _admin_rows(db, principal, WebhookDelivery, ids)


async def load_webhook_attempts(
    db: Database, principal: Principal, ids: list[uuid.UUID]
) -> list[WebhookAttempt | None]:
    return await _admin_rows(db, principal, WebhookAttempt, ids)
