"""The cool-down after staff reset a customer's two-factor authentication.

It is read from the security log (the latest successful TWO_FACTOR_RESET of the account), so it needs no state
of its own and ends by itself. While it runs, changes that would lock the real customer out wait: a new email
address, a new phone number, a new password (signed in or by a reset link or code) and a new payment method.
Switching two-factor authentication on again, and everything else, stays allowed.
"""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.runtime import Runtime
from models.base import utcnow
from models.security import SecurityEvent, SecurityEventOutcome, SecurityEventType


async def ends_at_in(session: AsyncSession, rt: Runtime, customer_id: uuid.UUID) -> datetime | None:
    """When the account's cool-down ends, or None when none runs now."""
    hours = rt.settings.two_factor_reset_cool_down_hours
    if hours <= 0:
        return None
    since = utcnow() - timedelta(hours=hours)
    latest = await session.scalar(
        select(func.max(SecurityEvent.created_at)).where(
            col(SecurityEvent.customer_id) == customer_id,
            col(SecurityEvent.type) == SecurityEventType.TWO_FACTOR_RESET,
            col(SecurityEvent.outcome) == SecurityEventOutcome.SUCCESS,
            col(SecurityEvent.created_at) > since,
        )
    )
    if latest is None:
        return None
    return latest + timedelta(hours=hours)


async def ends_at(rt: Runtime, customer_id: uuid.UUID) -> datetime | None:
    async with rt.db.read() as session:
        return await ends_at_in(session, rt, customer_id)


def message(until: datetime) -> str:
    return (
        "Your two-factor authentication was reset by support a short while ago: for your safety this change "
        f"waits until {until.isoformat(timespec='minutes')}."
    )
