"""Help articles by id: published ones for anyone, drafts for staff only."""

import uuid

from sqlalchemy import select
from sqlmodel import col

from app.db import Database
from app.principal import Principal
from loaders.batching import by_key
from models.help import HelpArticle


async def load_help_articles(db: Database, principal: Principal, ids: list[uuid.UUID]) -> list[HelpArticle | None]:
    async with db.read() as session:
        statement = select(HelpArticle).where(col(HelpArticle.id).in_(ids))
        if not principal.is_staff:
            statement = statement.where(col(HelpArticle.published).is_(True))
        rows = (await session.execute(statement)).scalars()
        return by_key(rows, ids, lambda row: row.id)
