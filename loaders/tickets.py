"""Support tickets by id (owner or staff) and their messages by ticket id."""

import uuid

from sqlmodel import col

from app.db import Database
from app.principal import Principal
from loaders.batching import owned_rows_by_id, rows_by_parent
from models.support import SupportTicket, TicketMessage


async def load_tickets(db: Database, principal: Principal, ids: list[uuid.UUID]) -> list[SupportTicket | None]:
    return await owned_rows_by_id(db, principal, SupportTicket, ids)


# Only asked for tickets the caller could already see (through the loader above or a page of their own).
async def load_ticket_messages(db: Database, ticket_ids: list[uuid.UUID]) -> list[list[TicketMessage]]:
    return await rows_by_parent(
        db, TicketMessage, "ticket_id", ticket_ids, col(TicketMessage.created_at), col(TicketMessage.id)
    )
