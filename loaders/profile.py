"""Settings and consent history by customer, for their owner and staff."""

import uuid

from sqlalchemy import select
from sqlmodel import col

from app.db import Database
from app.principal import Principal
from loaders.batching import by_key, owned_rows_by_customer
from models.profile import ConsentEvent, CustomerSettings


async def load_settings(
    db: Database, principal: Principal, customer_ids: list[uuid.UUID]
) -> list[CustomerSettings | None]:
    visible = [i for i in customer_ids if principal.can_see_customer(i)]
    if not visible:
        return [None] * len(customer_ids)
    async with db.read() as session:
        rows = (
            await session.execute(select(CustomerSettings).where(col(CustomerSettings.customer_id).in_(visible)))
        ).scalars()
        return by_key(rows, customer_ids, lambda row: row.customer_id)


async def load_consent_events(
    db: Database, principal: Principal, customer_ids: list[uuid.UUID]
) -> list[list[ConsentEvent]]:
    return await owned_rows_by_customer(
        db, principal, customer_ids, ConsentEvent, col(ConsentEvent.created_at).desc(), col(ConsentEvent.id).desc()
    )
