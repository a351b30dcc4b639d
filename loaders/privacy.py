"""The privacy policy in force, read once per request however many customers ask about it."""

from sqlalchemy import select
from sqlmodel import col

from app.db import Database
from models.base import utcnow
from models.privacy import PrivacyPolicy

CURRENT = "current"


async def load_current_policy(db: Database, keys: list[str]) -> list[PrivacyPolicy | None]:
    """Every key is CURRENT: the latest version whose date has come (as app.services.privacy.current_in)."""
    async with db.read() as session:
        row = (
            await session.execute(
                select(PrivacyPolicy)
                .where(col(PrivacyPolicy.effective_from) <= utcnow())
                .order_by(col(PrivacyPolicy.effective_from).desc(), col(PrivacyPolicy.created_at).desc())
                .limit(1)
            )
        ).scalar_one_or_none()
    return [row for _ in keys]
