"""Moving throttling state through time without waiting."""

from datetime import timedelta

from sqlalchemy import update

from app.runtime import Runtime
from models.base import utcnow
from models.security import ThrottleCounter


async def wait_out_backoff(rt: Runtime, seconds: float = 3600) -> None:
    """As if the last attempt happened `seconds` ago (still inside the counting window)."""
    async with rt.db.unit_of_work() as session:
        await session.execute(update(ThrottleCounter).values(last_attempt_at=utcnow() - timedelta(seconds=seconds)))


async def wait_out_lockout(rt: Runtime) -> None:
    async with rt.db.unit_of_work() as session:
        await session.execute(
            update(ThrottleCounter)
            .where(ThrottleCounter.locked_until.is_not(None))  # type: ignore[union-attr]
            .values(locked_until=utcnow() - timedelta(seconds=1))
        )
