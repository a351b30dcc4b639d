"""The audit job: find attack patterns in the security events and raise alerts for administrators.

- credential stuffing: one client address failing sign-in on many different accounts;
- two-factor brute force: many wrong second-factor codes for one account;
- many addresses: one account signing in from many client addresses in a short time.

Alerts are keyed by kind, subject and time bucket, so running the job often, or on several workers at
once, raises each alert once; administrators are emailed about the new ones.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.pagination import Page, build_page, newest_first, page_size
from app.principal import Principal
from app.runtime import Runtime
from app.services import messages
from app.services.customers import require_admin
from app.services.errors import AccountError, AccountErrorCode
from models.base import utcnow
from models.customer import Customer, CustomerRole, CustomerStatus, Role
from models.security import (
    SecurityAlert,
    SecurityAlertKind,
    SecurityEvent,
    SecurityEventOutcome,
    SecurityEventType,
)


@dataclass(frozen=True)
class Finding:
    kind: SecurityAlertKind
    subject: str
    count: int
    detail: str
    customer_id: uuid.UUID | None = None
    ip_address: str | None = None


async def _credential_stuffing(session: AsyncSession, since: datetime, threshold: int) -> list[Finding]:
    accounts = func.count(func.distinct(col(SecurityEvent.identifier_hash)))
    rows = await session.execute(
        select(col(SecurityEvent.ip_address), accounts, func.count())
        .where(
            col(SecurityEvent.type) == SecurityEventType.SIGN_IN,
            col(SecurityEvent.outcome).in_([SecurityEventOutcome.FAILURE, SecurityEventOutcome.BLOCKED]),
            col(SecurityEvent.created_at) >= since,
            col(SecurityEvent.ip_address).is_not(None),
        )
        .group_by(col(SecurityEvent.ip_address))
        .having(accounts >= threshold)
    )
    return [
        Finding(
            SecurityAlertKind.CREDENTIAL_STUFFING,
            f"ip:{ip}",
            attempts,
            f"{distinct} different accounts failed to sign in from {ip} ({attempts} attempts)",
            ip_address=ip,
        )
        for ip, distinct, attempts in rows
    ]


async def _two_factor_brute_force(session: AsyncSession, since: datetime, threshold: int) -> list[Finding]:
    failures = func.count()
    rows = await session.execute(
        select(col(SecurityEvent.customer_id), failures)
        .where(
            col(SecurityEvent.type).in_([SecurityEventType.TWO_FACTOR_CHALLENGE, SecurityEventType.STEP_UP]),
            col(SecurityEvent.outcome) == SecurityEventOutcome.FAILURE,
            col(SecurityEvent.created_at) >= since,
            col(SecurityEvent.customer_id).is_not(None),
        )
        .group_by(col(SecurityEvent.customer_id))
        .having(failures >= threshold)
    )
    return [
        Finding(
            SecurityAlertKind.TWO_FACTOR_BRUTE_FORCE,
            f"customer:{customer_id}",
            count,
            f"{count} wrong second-factor codes for one account",
            customer_id=customer_id,
        )
        for customer_id, count in rows
    ]


async def _many_addresses(session: AsyncSession, since: datetime, threshold: int) -> list[Finding]:
    addresses = func.count(func.distinct(col(SecurityEvent.ip_address)))
    rows = await session.execute(
        select(col(SecurityEvent.customer_id), addresses)
        .where(
            col(SecurityEvent.type) == SecurityEventType.SIGN_IN,
            col(SecurityEvent.outcome) == SecurityEventOutcome.SUCCESS,
            col(SecurityEvent.created_at) >= since,
            col(SecurityEvent.customer_id).is_not(None),
        )
        .group_by(col(SecurityEvent.customer_id))
        .having(addresses >= threshold)
    )
    return [
        Finding(
            SecurityAlertKind.MANY_ADDRESSES,
            f"customer:{customer_id}",
            count,
            f"one account signed in from {count} different addresses",
            customer_id=customer_id,
        )
        for customer_id, count in rows
    ]


async def scan(rt: Runtime, now: datetime | None = None) -> list[SecurityAlert]:
    """Look at the last window of events; store and announce new alerts. Returns the new ones."""
    settings = rt.settings
    now = now or utcnow()
    window = timedelta(minutes=settings.anomaly_window_minutes)
    since = now - window
    async with rt.db.read() as session:
        findings = [
            *await _credential_stuffing(session, since, settings.stuffing_min_accounts),
            *await _two_factor_brute_force(session, since, settings.two_factor_failure_threshold),
            *await _many_addresses(session, since, settings.many_addresses_threshold),
        ]
    bucket = int(now.timestamp() // window.total_seconds())
    created: list[SecurityAlert] = []
    for finding in findings:
        alert = SecurityAlert(
            kind=finding.kind,
            fingerprint=f"{finding.kind.value}:{finding.subject}:{bucket}",
            customer_id=finding.customer_id,
            ip_address=finding.ip_address,
            event_count=finding.count,
            detail=finding.detail[:500],
            window_start=since,
            window_end=now,
        )
        try:
            async with rt.db.unit_of_work() as session:
                session.add(alert)
        except IntegrityError:
            continue  # raised already, by an earlier run or another worker
        created.append(alert)
    if created:
        await _notify_admins(rt, created)
    return created


async def _notify_admins(rt: Runtime, alerts: list[SecurityAlert]) -> None:
    summary = "; ".join(f"{alert.kind.value}: {alert.detail}" for alert in alerts)[:1500]
    async with rt.db.unit_of_work() as session:
        admins = await session.execute(
            select(Customer)
            .join(CustomerRole, col(CustomerRole.customer_id) == col(Customer.id))
            .where(col(CustomerRole.role) == Role.ADMIN, col(Customer.status) == CustomerStatus.ACTIVE)
        )
        for admin in admins.scalars():
            values = {"name": admin.first_name or "", "count": str(len(alerts)), "summary": summary}
            await messages.email(session, rt, "security_alerts", admin.email, values, customer_id=admin.id)


async def list_alerts(
    rt: Runtime, principal: Principal, *, first: int | None, after: str | None, acknowledged: bool | None
) -> Page[SecurityAlert]:
    require_admin(principal)
    limit = page_size(first)
    statement = select(SecurityAlert)
    if acknowledged is not None:
        column = col(SecurityAlert.acknowledged_at)
        statement = statement.where(column.is_not(None) if acknowledged else column.is_(None))
    statement = newest_first(statement, col(SecurityAlert.created_at), col(SecurityAlert.id), after, limit)
    async with rt.db.read() as session:
        rows = list((await session.execute(statement)).scalars())
    return build_page(rows, limit, lambda row: (row.created_at, row.id), after)


async def acknowledge(rt: Runtime, principal: Principal, alert_id: uuid.UUID | None) -> SecurityAlert:
    actor = require_admin(principal)
    async with rt.db.unit_of_work() as session:
        result = await session.execute(
            update(SecurityAlert)
            .where(col(SecurityAlert.id) == alert_id, col(SecurityAlert.acknowledged_at).is_(None))
            .values(acknowledged_at=utcnow(), acknowledged_by_id=actor)
        )
        alert = await session.get(SecurityAlert, alert_id) if alert_id else None
        if alert is None:
            raise AccountError.one(AccountErrorCode.NOT_FOUND, "No such alert.", ("alertId",))
        if getattr(result, "rowcount", 0) != 1:
            raise AccountError.one(
                AccountErrorCode.INVALID_STATUS, "This alert was already acknowledged.", ("alertId",)
            )
    return alert
