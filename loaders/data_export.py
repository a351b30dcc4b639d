"""Data exports by id and by customer, visible to their owner and to staff."""

import uuid

from sqlmodel import col

from app.db import Database
from app.principal import Principal
from loaders.batching import owned_rows_by_customer, owned_rows_by_id
from models.data_export import DataExport


async def load_data_exports(db: Database, principal: Principal, ids: list[uuid.UUID]) -> list[DataExport | None]:
    return await owned_rows_by_id(db, principal, DataExport, ids)


async def load_data_exports_by_customer(
    db: Database, principal: Principal, customer_ids: list[uuid.UUID]
) -> list[list[DataExport]]:
    return await owned_rows_by_customer(
        db, principal, customer_ids, DataExport, col(DataExport.created_at).desc(), col(DataExport.id).desc()
    )
