"""The security audit log: append-only events with actor, subject, client, time and outcome."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.runtime import RequestMeta, Runtime
from app.security.tokens import keyed_hash
from models.security import STAFF_WORK, SecurityEvent, SecurityEventOutcome, SecurityEventType


def identifier_hash(rt: Runtime, identifier: str) -> str:
    """A keyed hash of an email or phone number as typed (normalised), safe to store for correlation."""
    return keyed_hash(rt.settings.secret_key_bytes, "identifier", identifier.strip().lower())


def record(
    session: AsyncSession,
    meta: RequestMeta,
    event_type: SecurityEventType,
    outcome: SecurityEventOutcome = SecurityEventOutcome.SUCCESS,
    *,
    customer_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    service_account_id: uuid.UUID | None = None,
    identifier: str | None = None,
    reason: str | None = None,
    detail: str | None = None,
) -> None:
    """Add an event to the caller's unit of work, so it commits (or not) with the change it describes."""
    session.add(
        SecurityEvent(
            type=event_type,
            outcome=outcome,
            customer_id=customer_id,
            actor_id=actor_id if actor_id != customer_id else None,
            service_account_id=service_account_id,
            identifier_hash=identifier,
            ip_address=meta.ip_address,
            user_agent=(meta.user_agent or "")[:512] or None,
            request_id=meta.request_id,
            reason=reason,
            detail=(detail or "")[:500] or None,
        )
    )


async def record_alone(
    rt: Runtime,
    meta: RequestMeta,
    event_type: SecurityEventType,
    outcome: SecurityEventOutcome,
    **kwargs: object,
) -> None:
    """Record an event in a unit of work of its own: for refusals, which change nothing else."""
    async with rt.db.unit_of_work() as session:
        record(session, meta, event_type, outcome, **kwargs)  # type: ignore[arg-type]


def staff_work(
    session: AsyncSession,
    meta: RequestMeta | None,
    event_type: SecurityEventType,
    *,
    actor_id: uuid.UUID | None,
    service_account_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
    detail: str,
) -> None:
    """A staff member's work on a customer's tickets, returns, offers or money, or on the help centre: kept
    in the audit log of staff actions with who, when and why (models.security.STAFF_WORK). Work an
    integration did through its API key names its service account instead of a person."""
    assert event_type in STAFF_WORK, event_type
    record(
        session,
        meta or RequestMeta(),
        event_type,
        customer_id=customer_id,
        actor_id=actor_id,
        service_account_id=service_account_id,
        detail=detail,
    )
