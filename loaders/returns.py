"""Returns by id (owner or staff), their lines and refunds by return id, and an order's returns."""

import uuid

from sqlmodel import col

from app.db import Database
from app.principal import Principal
from loaders.batching import owned_rows_by_id, rows_by_parent
from models.returns import ReturnLine, ReturnRefund, ReturnRequest


async def load_returns(db: Database, principal: Principal, ids: list[uuid.UUID]) -> list[ReturnRequest | None]:
    return await owned_rows_by_id(db, principal, ReturnRequest, ids)


# The loaders below are only asked about returns and orders the caller could already see.
async def load_return_lines(db: Database, return_ids: list[uuid.UUID]) -> list[list[ReturnLine]]:
    return await rows_by_parent(db, ReturnLine, "return_id", return_ids, col(ReturnLine.position))


async def load_return_refunds(db: Database, return_ids: list[uuid.UUID]) -> list[list[ReturnRefund]]:
    return await rows_by_parent(
        db, ReturnRefund, "return_id", return_ids, col(ReturnRefund.created_at), col(ReturnRefund.id)
    )


async def load_order_returns(db: Database, order_ids: list[uuid.UUID]) -> list[list[ReturnRequest]]:
    return await rows_by_parent(
        db, ReturnRequest, "order_id", order_ids, col(ReturnRequest.created_at), col(ReturnRequest.id)
    )
