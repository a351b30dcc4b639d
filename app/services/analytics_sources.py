"""What each source of events adds to the analytics counters (README, "Analytics", says what each figure
counts): registration attempts, the security log, orders, tickets, help-centre events and payment attempts.
Each function counts the events of one slice, `start < created_at <= end`, into `changes`; analytics_rollup
runs them under the source's watermark lock."""

import bisect
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from app.runtime import Runtime
from app.services import audit
from app.services.analytics_counters import (
    CHUNK,
    PERIOD_KINDS,
    Changes,
    Metric,
    Run,
    chunked,
    day_of,
    midnight,
    period_start,
)
from app.services.analytics_events import dialect_insert
from models.analytics import (
    ALL_CHANNELS,
    AnalyticsCustomer,
    AnalyticsPendingPayment,
    HelpEvent,
    HelpEventKind,
    RegistrationAttempt,
)
from models.customer import Customer
from models.order import Order
from models.payment import UNCONFIRMED, Payment, PaymentStatus
from models.security import SecurityEvent, SecurityEventOutcome, SecurityEventType
from models.support import SupportTicket

# Changes to an account, from the security log: by the customer when the event names no actor, by staff when
# it does. Sign-ins, challenges, failures and the registration itself are not changes.
CHANGE_TYPES = frozenset(
    {
        SecurityEventType.PASSWORD_CHANGED,
        SecurityEventType.PASSWORD_RESET,
        SecurityEventType.EMAIL_CHANGED,
        SecurityEventType.EMAIL_CHANGE_UNDONE,
        SecurityEventType.PHONE_CHANGED,
        SecurityEventType.CONSENT_CHANGED,
        SecurityEventType.TWO_FACTOR_ENABLED,
        SecurityEventType.TWO_FACTOR_DISABLED,
        SecurityEventType.RECOVERY_CODES_REGENERATED,
        SecurityEventType.DEVICE_REVOKED,
        SecurityEventType.SESSION_REVOKED,
        SecurityEventType.PAYMENT_METHOD_ADDED,
        SecurityEventType.PAYMENT_METHOD_REMOVED,
        SecurityEventType.DATA_EXPORT_REQUESTED,
        SecurityEventType.ACCOUNT_DELETED,
        SecurityEventType.ACCOUNT_APPROVED,
        SecurityEventType.ACCOUNT_SUSPENDED,
        SecurityEventType.ACCOUNT_REACTIVATED,
        SecurityEventType.ROLE_GRANTED,
        SecurityEventType.ROLE_REVOKED,
        SecurityEventType.CUSTOMER_GROUP_CHANGED,
    }
)
ACTIVATION_TYPES = frozenset({SecurityEventType.ACCOUNT_ACTIVATED, SecurityEventType.ACCOUNT_APPROVED})
SECURITY_TYPES = frozenset(
    {SecurityEventType.ACCOUNT_REGISTERED, SecurityEventType.SIGN_IN} | ACTIVATION_TYPES | CHANGE_TYPES
)
# An account created and activated in one transaction may record both at the same microsecond.
_TYPE_ORDER = {SecurityEventType.ACCOUNT_REGISTERED: 0}
# Payment attempts that took the customer's money (later refunds included): the verification succeeded.
CHARGED = frozenset({PaymentStatus.SUCCEEDED, PaymentStatus.REFUND_DUE, PaymentStatus.REFUNDED})


# --- registration attempts ---------------------------------------------------------------------------------


async def attempts(session: AsyncSession, run: Run, start: datetime, end: datetime, changes: Changes) -> int:
    statement = select(col(RegistrationAttempt.group_code), col(RegistrationAttempt.created_at)).where(
        col(RegistrationAttempt.created_at) > start, col(RegistrationAttempt.created_at) <= end
    )
    rows = (await session.execute(statement)).all()
    for code, created_at in rows:
        changes.count(Metric.REG_STARTED, day_of(created_at), run.group_named(code))
    return len(rows)


# --- the security log: registrations, activations, sign-ins, 2FA, changes -----------------------------------

ACTIVE = "ACTIVE"


STATE_COLUMNS = ("two_factor", "self_service_at", "registered_at", "cohort_day", "cohort_group_id", "activated_at")


@dataclass
class _State:
    row: AnalyticsCustomer  # a plain object, never added to the session: written back by one upsert
    dirty: bool = False


async def _states(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, _State]:
    columns = [col(AnalyticsCustomer.customer_id), *(getattr(AnalyticsCustomer, name) for name in STATE_COLUMNS)]
    found = await chunked(
        session, lambda keys: select(*columns).where(col(AnalyticsCustomer.customer_id).in_(keys)), ids
    )
    states = {
        row[0]: _State(AnalyticsCustomer(customer_id=row[0], **dict(zip(STATE_COLUMNS, row[1:], strict=True))))
        for row in found
    }
    for customer_id in ids:
        states.setdefault(customer_id, _State(AnalyticsCustomer(customer_id=customer_id)))  # nothing known yet
    return states


async def _save_states(session: AsyncSession, states: dict[uuid.UUID, _State]) -> None:
    rows = [
        {"customer_id": customer_id, **{name: getattr(state.row, name) for name in STATE_COLUMNS}}
        for customer_id, state in sorted(states.items())
        if state.dirty
    ]
    if rows:
        table = AnalyticsCustomer.__table__  # type: ignore[attr-defined]
        insert = dialect_insert(session, table)
        await session.execute(
            insert.on_conflict_do_update(
                index_elements=["customer_id"], set_={name: getattr(insert.excluded, name) for name in STATE_COLUMNS}
            ),
            rows,
        )


async def security(session: AsyncSession, run: Run, start: datetime, end: datetime, changes: Changes) -> int:
    statement = (
        select(
            col(SecurityEvent.id),
            col(SecurityEvent.type),
            col(SecurityEvent.customer_id),
            col(SecurityEvent.actor_id),
            col(SecurityEvent.created_at),
            col(Customer.group_id),
            col(Customer.email_key),
        )
        .join(Customer, col(Customer.id) == col(SecurityEvent.customer_id))
        .where(
            col(SecurityEvent.type).in_(SECURITY_TYPES),
            col(SecurityEvent.created_at) > start,
            col(SecurityEvent.created_at) <= end,
            col(SecurityEvent.outcome) == SecurityEventOutcome.SUCCESS,
        )
    )
    events = sorted(
        (await session.execute(statement)).all(), key=lambda e: (e.created_at, _TYPE_ORDER.get(e.type, 1), e.id)
    )
    if not events:
        return 0
    states = await _states(session, sorted({e.customer_id for e in events}))
    registered = {
        audit.identifier_hash(run.rt, e.email_key): e for e in events if e.type is SecurityEventType.ACCOUNT_REGISTERED
    }
    attempts = {
        row.identifier_hash: row
        for row in await chunked(
            session,
            lambda keys: select(
                col(RegistrationAttempt.identifier_hash),
                col(RegistrationAttempt.group_code),
                col(RegistrationAttempt.created_at),
            ).where(col(RegistrationAttempt.identifier_hash).in_(keys)),
            sorted(registered),
        )
    }
    hashes = {event.id: key for key, event in registered.items()}
    for event in events:
        state = states[event.customer_id]
        row, at, group = state.row, event.created_at, event.group_id
        kind = event.type
        if kind is SecurityEventType.ACCOUNT_REGISTERED:
            if row.registered_at is not None:
                continue
            attempt = attempts.get(hashes.get(event.id, ""))
            if attempt is None:  # registered before attempts were recorded: it started here
                await session.execute(
                    dialect_insert(session, RegistrationAttempt)
                    .values(identifier_hash=hashes[event.id], group_code=None, created_at=at)
                    .on_conflict_do_nothing()
                )
                cohort_day, cohort_group = day_of(at), group
                changes.count(Metric.REG_STARTED, cohort_day, cohort_group)
            else:
                cohort_day, cohort_group = day_of(attempt.created_at), run.group_named(attempt.group_code)
            row.registered_at, row.cohort_day, row.cohort_group_id = at, cohort_day, cohort_group
            state.dirty = True
            changes.count(Metric.REG_COMPLETED, cohort_day, cohort_group)
        elif kind in ACTIVATION_TYPES and row.registered_at is not None and row.activated_at is None:
            assert row.cohort_day is not None
            row.activated_at, state.dirty = at, True
            changes.count(Metric.REG_ACTIVATED, row.cohort_day, row.cohort_group_id)
            seconds = round((at - row.registered_at).total_seconds())
            changes.count(Metric.REG_ACTIVATION_SECONDS, row.cohort_day, row.cohort_group_id, n=seconds)
        if kind is SecurityEventType.SIGN_IN:
            day = day_of(at)
            changes.count(Metric.SIGN_INS, day, group)
            for period in PERIOD_KINDS:
                adds = [(Metric.ACTIVE_ACCOUNTS, group, ALL_CHANNELS)]
                if row.two_factor:
                    adds.append((Metric.ACTIVE_WITH_2FA, group, ALL_CHANNELS))
                changes.once(ACTIVE, period, period_start(period, day), event.customer_id, adds)
        if kind in (SecurityEventType.TWO_FACTOR_ENABLED, SecurityEventType.TWO_FACTOR_DISABLED):
            row.two_factor, state.dirty = kind is SecurityEventType.TWO_FACTOR_ENABLED, True
        if kind in CHANGE_TYPES:
            if event.actor_id is None:
                changes.count(Metric.CHANGES_BY_CUSTOMER, day_of(at), group)
                if row.self_service_at is None or at < row.self_service_at:
                    row.self_service_at, state.dirty = at, True
            else:
                changes.count(Metric.CHANGES_BY_STAFF, day_of(at), group)
    await _save_states(session, states)
    return len(events)


# --- orders: orders placed, buyers and repeat buyers by self-service ---------------------------------------


async def orders(session: AsyncSession, run: Run, start: datetime, end: datetime, changes: Changes) -> int:
    earlier = aliased(Order)
    has_earlier = exists().where(
        col(earlier.customer_id) == col(Order.customer_id),
        or_(
            col(earlier.placed_at) < col(Order.placed_at),
            and_(col(earlier.placed_at) == col(Order.placed_at), col(earlier.id) < col(Order.id)),
        ),
    )
    statement = (
        select(
            col(Order.customer_id),
            col(Order.placed_at),
            col(Order.channel),
            col(Customer.group_id),
            col(AnalyticsCustomer.self_service_at),
            has_earlier.label("repeat"),
        )
        .outerjoin(Customer, col(Customer.id) == col(Order.customer_id))
        .outerjoin(AnalyticsCustomer, col(AnalyticsCustomer.customer_id) == col(Order.customer_id))
        .where(col(Order.created_at) > start, col(Order.created_at) <= end)
    )
    rows = sorted((await session.execute(statement)).all(), key=lambda r: (r.placed_at, str(r.customer_id)))
    for order in rows:
        day, channel, group = day_of(order.placed_at), order.channel.value, order.group_id
        changes.count(Metric.ORDERS_PLACED, day, group, channel)
        if order.customer_id is None:
            continue
        for kind in PERIOD_KINDS:
            start_day = period_start(kind, day)
            self_service = order.self_service_at is not None and order.self_service_at < midnight(start_day)
            buyers = Metric.BUYERS_SELF_SERVICE if self_service else Metric.BUYERS_NO_SELF_SERVICE
            repeat = Metric.REPEAT_BUYERS_SELF_SERVICE if self_service else Metric.REPEAT_BUYERS_NO_SELF_SERVICE
            for scope_channel in (ALL_CHANNELS, channel):
                changes.once(
                    f"BUYER:{scope_channel}", kind, start_day, order.customer_id, [(buyers, group, scope_channel)]
                )
                if order.repeat:
                    changes.once(
                        f"REPEAT:{scope_channel}", kind, start_day, order.customer_id, [(repeat, group, scope_channel)]
                    )
    return len(rows)


# --- tickets -----------------------------------------------------------------------------------------------


async def tickets(session: AsyncSession, run: Run, start: datetime, end: datetime, changes: Changes) -> int:
    statement = (
        select(col(SupportTicket.created_at), col(Customer.group_id), col(Order.channel))
        .join(Customer, col(Customer.id) == col(SupportTicket.customer_id))
        .outerjoin(Order, col(Order.id) == col(SupportTicket.order_id))
        .where(col(SupportTicket.created_at) > start, col(SupportTicket.created_at) <= end)
    )
    rows = (await session.execute(statement)).all()
    for created_at, group, channel in rows:
        changes.count(Metric.TICKETS_OPENED, day_of(created_at), group, channel.value if channel else None)
    return len(rows)


# --- the help centre ---------------------------------------------------------------------------------------


def _help_rows(start: datetime, end: datetime, *, signed_in: bool) -> Any:
    statement = (
        select(col(HelpEvent.kind), col(HelpEvent.customer_id), col(HelpEvent.created_at), col(Customer.group_id))
        .outerjoin(Customer, col(Customer.id) == col(HelpEvent.customer_id))
        .where(col(HelpEvent.created_at) > start, col(HelpEvent.created_at) <= end)
    )
    return statement.where(col(HelpEvent.customer_id).is_not(None)) if signed_in else statement


async def help_events(session: AsyncSession, run: Run, start: datetime, end: datetime, changes: Changes) -> int:
    rows = (await session.execute(_help_rows(start, end, signed_in=False))).all()
    for kind, _, created_at, group in rows:
        metric = Metric.HELP_SEARCHES if kind is HelpEventKind.SEARCH else Metric.HELP_VIEWS
        changes.count(metric, day_of(created_at), group)
    return len(rows)


def ticket_window(rt: Runtime) -> timedelta:
    return timedelta(days=rt.settings.analytics_help_ticket_days)


async def help_followed(session: AsyncSession, run: Run, start: datetime, end: datetime, changes: Changes) -> int:
    """Signed-in customers' searches and views whose ticket window is over: followed by a ticket of theirs
    (after the event, within the window) or not."""
    rows = (await session.execute(_help_rows(start, end, signed_in=True))).all()
    if not rows:
        return 0
    window = ticket_window(run.rt)
    tickets: dict[uuid.UUID, list[datetime]] = defaultdict(list)
    for customer_id, created_at in await chunked(
        session,
        lambda keys: select(col(SupportTicket.customer_id), col(SupportTicket.created_at)).where(
            col(SupportTicket.customer_id).in_(keys),
            col(SupportTicket.created_at) > start,
            col(SupportTicket.created_at) <= end + window,
        ),
        sorted({row.customer_id for row in rows}),
    ):
        tickets[customer_id].append(created_at)
    for times in tickets.values():
        times.sort()
    for kind, customer_id, created_at, group in rows:
        times = tickets.get(customer_id, [])
        following = bisect.bisect_right(times, created_at)
        followed = following < len(times) and times[following] <= created_at + window
        search = kind is HelpEventKind.SEARCH
        day = day_of(created_at)
        changes.count(Metric.HELP_SEARCHES_SETTLED if search else Metric.HELP_VIEWS_SETTLED, day, group)
        if not followed:
            changes.count(
                Metric.HELP_SEARCHES_WITHOUT_TICKET if search else Metric.HELP_VIEWS_WITHOUT_TICKET, day, group
            )
    return len(rows)


# --- payment attempts ----------------------------------------------------------------------------------------


def _payment_rows() -> Any:
    return (
        select(
            col(Payment.id),
            col(Payment.status),
            col(Payment.created_at),
            col(Customer.group_id),
            col(Order.channel),
        )
        .join(Customer, col(Customer.id) == col(Payment.customer_id))
        .outerjoin(Order, col(Order.id) == col(Payment.order_id))
    )


def _count_payment(
    changes: Changes, status: PaymentStatus, created_at: datetime, group: uuid.UUID, channel: Any
) -> None:
    day, channel_name = day_of(created_at), channel.value if channel else None
    changes.count(Metric.PAYMENTS_DECIDED, day, group, channel_name)
    if status in CHARGED:
        changes.count(Metric.PAYMENTS_CHARGED, day, group, channel_name)


async def payments(session: AsyncSession, run: Run, start: datetime, end: datetime, changes: Changes) -> int:
    statement = _payment_rows().where(col(Payment.created_at) > start, col(Payment.created_at) <= end)
    rows = (await session.execute(statement)).all()
    pending = []
    for payment_id, status, created_at, group, channel in rows:
        if status in UNCONFIRMED:
            pending.append({"payment_id": payment_id, "created_at": created_at})
        else:
            _count_payment(changes, status, created_at, group, channel)
    if pending:
        table = AnalyticsPendingPayment.__table__  # type: ignore[attr-defined]
        await session.execute(dialect_insert(session, table).on_conflict_do_nothing(), pending)
    return len(rows)


async def payments_decided_since(session: AsyncSession, run: Run, changes: Changes) -> int:
    """Attempts that were waiting for their outcome and have one now: counted on the day they were made."""
    statement = (
        _payment_rows()
        .join(AnalyticsPendingPayment, col(AnalyticsPendingPayment.payment_id) == col(Payment.id))
        .where(col(Payment.status).not_in(UNCONFIRMED))
    )
    rows = (await session.execute(statement)).all()
    for _, status, created_at, group, channel in rows:
        _count_payment(changes, status, created_at, group, channel)
    ids = [row[0] for row in rows]
    for offset in range(0, len(ids), CHUNK):
        await session.execute(
            delete(AnalyticsPendingPayment).where(
                col(AnalyticsPendingPayment.payment_id).in_(ids[offset : offset + CHUNK])
            )
        )
    return len(rows)
