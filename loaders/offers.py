"""Offers by id (owner or staff), their lines and their replaced versions by offer id."""

import uuid

from sqlmodel import col

from app.db import Database
from app.principal import Principal
from loaders.batching import owned_rows_by_id, rows_by_parent
from models.offer import Offer, OfferLine, OfferRevision


async def load_offers(db: Database, principal: Principal, ids: list[uuid.UUID]) -> list[Offer | None]:
    return await owned_rows_by_id(db, principal, Offer, ids)


# Only asked for offers the caller could already see (through the loader above or a page of their own).
async def load_offer_lines(db: Database, offer_ids: list[uuid.UUID]) -> list[list[OfferLine]]:
    return await rows_by_parent(db, OfferLine, "offer_id", offer_ids, col(OfferLine.position))


async def load_offer_revisions(db: Database, offer_ids: list[uuid.UUID]) -> list[list[OfferRevision]]:
    return await rows_by_parent(db, OfferRevision, "offer_id", offer_ids, col(OfferRevision.number))
