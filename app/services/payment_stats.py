"""How card and store-credit payments fare: the payment verification success rate, for administrators."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import col

from app.principal import Principal
from app.runtime import Runtime
from app.services.errors import InvalidInputError, PermissionDeniedError
from models.base import utcnow
from models.payment import UNCONFIRMED, Payment, PaymentSource, PaymentStatus

DEFAULT_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class PaymentOutcomes:
    since: datetime
    until: datetime
    counts: dict[PaymentStatus, int]

    @property
    def attempts(self) -> int:
        return sum(self.counts.values())

    @property
    def decided(self) -> int:
        """Attempts with a final answer (not waiting, not unconfirmed)."""
        return sum(n for status, n in self.counts.items() if status not in UNCONFIRMED)

    @property
    def success_rate(self) -> float | None:
        """Charged (or refunded later) out of the attempts that got an answer; None with no answers yet."""
        charged = self.counts.get(PaymentStatus.SUCCEEDED, 0) + self.counts.get(PaymentStatus.REFUNDED, 0)
        return charged / self.decided if self.decided else None


async def outcomes(
    rt: Runtime,
    principal: Principal,
    *,
    since: datetime | None,
    until: datetime | None,
    source: PaymentSource | None,
) -> PaymentOutcomes:
    if not principal.is_admin:
        raise PermissionDeniedError()
    until = until or utcnow()
    since = since or until - DEFAULT_WINDOW
    if since.tzinfo is None or until.tzinfo is None:
        raise InvalidInputError("Send times with their offset.")
    if since >= until:
        raise InvalidInputError("`since` must be before `until`.")
    statement = (
        select(col(Payment.status), func.count())
        .where(col(Payment.created_at) >= since, col(Payment.created_at) < until)
        .group_by(col(Payment.status))
    )
    if source is not None:
        statement = statement.where(col(Payment.source) == source)
    async with rt.db.read() as session:
        rows = (await session.execute(statement)).all()
    return PaymentOutcomes(since, until, {status: int(count) for status, count in rows})
