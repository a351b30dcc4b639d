"""A deterministic shop history for the analytics tests, and the true values of every figure computed from it
in plain Python, independently of the rollups (README, "Analytics", defines what each figure counts).

The history is six weeks (Monday 2025-03-24 to Sunday 2025-05-04, spanning three months) of two customer
groups and both order channels: registrations (started only, completed, activated by link or approval, one
from before attempts were recorded), sign-ins with and without two-factor authentication, account changes by
customers and by staff, orders (some by guests, some placed before the six weeks), tickets (some about an
order), help searches and views (anonymous and signed in, some followed by a ticket) and payment attempts
(some waiting for their outcome). Rows are written as the app writes them, with the history's timestamps.
"""

import random
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from app.runtime import Runtime
from app.services.audit import identifier_hash
from models.analytics import HelpEvent, HelpEventKind, RegistrationAttempt
from models.customer import ActivationMode, Customer, CustomerGroup, CustomerStatus
from models.order import Order, OrderChannel, OrderStatus
from models.payment import Payment, PaymentSource, PaymentStatus
from models.security import SecurityEvent, SecurityEventOutcome, SecurityEventType
from models.support import SupportTicket, TicketCategory, TicketState

FIRST_DAY = date(2025, 3, 24)
DAYS = 42
LAST_DAY = FIRST_DAY + timedelta(days=DAYS - 1)
NO_GROUP = uuid.UUID(int=0)
HELP_WINDOW = timedelta(days=7)  # ANALYTICS_HELP_TICKET_DAYS of the test settings (the default)
# The evil group's name: whoever opens the CSV in a spreadsheet must not run it.
FORMULA_NAME = '=HYPERLINK("http://evil.example","click")'

T = SecurityEventType
SELF_CHANGES = (T.PASSWORD_CHANGED, T.EMAIL_CHANGED, T.PHONE_CHANGED, T.CONSENT_CHANGED, T.PAYMENT_METHOD_ADDED)
STAFF_CHANGES = (T.ACCOUNT_SUSPENDED, T.ACCOUNT_REACTIVATED, T.ROLE_GRANTED, T.CUSTOMER_GROUP_CHANGED)
# What README "Analytics" lists as account changes (restated here, not imported from the code under test).
CHANGES = {
    *SELF_CHANGES,
    *STAFF_CHANGES,
    T.PASSWORD_RESET,
    T.EMAIL_CHANGE_UNDONE,
    T.TWO_FACTOR_ENABLED,
    T.TWO_FACTOR_DISABLED,
    T.RECOVERY_CODES_REGENERATED,
    T.DEVICE_REVOKED,
    T.SESSION_REVOKED,
    T.PAYMENT_METHOD_REMOVED,
    T.DATA_EXPORT_REQUESTED,
    T.ACCOUNT_DELETED,
    T.ACCOUNT_APPROVED,
    T.ROLE_REVOKED,
}
UNDECIDED = {PaymentStatus.PENDING, PaymentStatus.FAILED, PaymentStatus.REQUIRES_ACTION, PaymentStatus.PROCESSING}
CHARGED = {PaymentStatus.SUCCEEDED, PaymentStatus.REFUND_DUE, PaymentStatus.REFUNDED}


def moment(day: float, minutes: float = 0) -> datetime:
    return datetime.combine(FIRST_DAY, time(0), UTC) + timedelta(days=day, minutes=minutes)


# The first rollup counts up to here; the rest of the history is written after it.
FIRST_ROLLUP = moment(25)
LAST_ROLLUP = moment(DAYS + 8)  # every help event's ticket window is over


@dataclass
class History:
    groups: dict[str, uuid.UUID] = field(default_factory=dict)
    admin: uuid.UUID = field(default_factory=uuid.uuid4)
    group_of: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)
    hash_of: dict[uuid.UUID, str] = field(default_factory=dict)  # the keyed hash of each account's email
    customers: list[Customer] = field(default_factory=list)
    attempts: list[RegistrationAttempt] = field(default_factory=list)
    security: list[SecurityEvent] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    tickets: list[SupportTicket] = field(default_factory=list)
    help: list[HelpEvent] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    # Attempts waiting for an outcome when the first rollup runs, and the outcome they get afterwards.
    decided_later: dict[uuid.UUID, PaymentStatus] = field(default_factory=dict)

    def rows(self) -> list[Any]:
        return [
            *self.customers,
            *self.attempts,
            *self.security,
            *self.orders,
            *self.tickets,
            *self.help,
            *self.payments,
        ]


class Generator:
    def __init__(self, rt: Runtime, history: History, seed: int = 18) -> None:
        self.rt = rt
        self.h = history
        self.rng = random.Random(seed)
        self.numbers = 0

    def uid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128))

    def customer(self, email: str, group: str, created: datetime, status: CustomerStatus) -> uuid.UUID:
        customer_id = self.uid()
        self.h.customers.append(
            Customer(
                id=customer_id,
                email=email,
                email_key=email,
                status=status,
                group_id=self.h.groups[group],
                created_at=created,
                updated_at=created,
            )
        )
        self.h.group_of[customer_id] = self.h.groups[group]
        self.h.hash_of[customer_id] = identifier_hash(self.rt, email)
        return customer_id

    def event(
        self,
        kind: SecurityEventType,
        customer_id: uuid.UUID,
        at: datetime,
        *,
        actor: uuid.UUID | None = None,
        outcome: SecurityEventOutcome = SecurityEventOutcome.SUCCESS,
    ) -> None:
        self.h.security.append(
            SecurityEvent(
                id=self.uid(), type=kind, outcome=outcome, customer_id=customer_id, actor_id=actor, created_at=at
            )
        )

    def at(self, first_day: float = 0, last_day: float = DAYS) -> datetime:
        # Whole seconds plus a distinct microsecond: no two events of the history share a moment.
        self.numbers += 1
        seconds = self.rng.randrange(int(first_day * 86400), int(last_day * 86400))
        return moment(0) + timedelta(seconds=seconds, microseconds=self.numbers)

    def number(self, prefix: str) -> str:
        self.numbers += 1
        return f"{prefix}-{self.numbers:06d}"

    def order(self, customer_id: uuid.UUID | None, placed: datetime) -> Order:
        channel = self.rng.choice([OrderChannel.ONLINE, OrderChannel.ONLINE, OrderChannel.POS])
        number = self.number("HIST")
        order = Order(
            id=self.uid(),
            number=number,
            customer_id=customer_id,
            guest_email=None if customer_id else "guest@example.com",
            guest_email_key=None if customer_id else "guest@example.com",
            status=OrderStatus.PAID,
            channel=channel,
            currency="EUR",
            subtotal=1000,
            total=1000,
            placed_at=placed,
            source="history",
            external_id=number,
            created_at=placed + timedelta(seconds=30),
            updated_at=placed + timedelta(seconds=30),
        )
        self.h.orders.append(order)
        return order

    def ticket(self, customer_id: uuid.UUID, at: datetime, order: Order | None = None) -> None:
        self.h.tickets.append(
            SupportTicket(
                id=self.uid(),
                number=self.number("T"),
                customer_id=customer_id,
                subject="Help",
                category=TicketCategory.ORDER if order else TicketCategory.OTHER,
                state=TicketState.OPEN,
                order_id=order.id if order else None,
                created_at=at,
                updated_at=at,
                last_message_at=at,
            )
        )

    def payment(self, customer_id: uuid.UUID, at: datetime, status: PaymentStatus, order: Order | None) -> Payment:
        payment = Payment(
            id=self.uid(),
            customer_id=customer_id,
            order_id=order.id if order else None,
            idempotency_key=self.number("pay"),
            request_hash="0" * 64,
            source=PaymentSource.CARD,
            method_label="Visa •••• 4242",
            amount=1000,
            currency="EUR",
            status=status,
            created_at=at,
        )
        self.h.payments.append(payment)
        return payment

    def help(self, kind: HelpEventKind, customer_id: uuid.UUID | None, at: datetime) -> None:
        self.h.help.append(HelpEvent(id=self.uid(), kind=kind, customer_id=customer_id, created_at=at))

    def generate(self) -> None:
        rng, h = self.rng, self.h
        self.customer("history-admin@example.com", "shop", moment(-60), CustomerStatus.ACTIVE)
        h.admin = h.customers[-1].id
        pool = [
            self.customer(
                f"member{i}@example.com", rng.choice(["shop", "wholesale"]), moment(-60), CustomerStatus.ACTIVE
            )
            for i in range(30)
        ]
        self._registrations()
        for customer_id in pool:
            self._member(customer_id)
        for _ in range(5):  # guests
            self.order(None, self.at())
        for _ in range(40):  # anonymous help visitors
            self.help(rng.choice([HelpEventKind.SEARCH, HelpEventKind.VIEW]), None, self.at())

    def _registrations(self) -> None:
        rng, h = self.rng, self.h
        for i in range(18):
            email = f"registrant{i}@example.com"
            code = rng.choice([None, None, "wholesale", "nosuch"])
            started = self.at(0, DAYS - 4)
            h.attempts.append(
                RegistrationAttempt(
                    identifier_hash=identifier_hash(self.rt, email), group_code=code, created_at=started
                )
            )
            if code == "nosuch" or rng.random() < 0.25:
                continue  # never got past the form
            completed = started + timedelta(minutes=rng.randrange(1, 3000))
            group = "wholesale" if code == "wholesale" else "shop"
            customer_id = self.customer(email, group, completed, CustomerStatus.ACTIVE)
            self.event(T.ACCOUNT_REGISTERED, customer_id, completed)
            if i == 3:  # activated in the same transaction, at the same microsecond (activation mode NONE)
                self.event(T.ACCOUNT_ACTIVATED, customer_id, completed)
            elif rng.random() < 0.75:
                activated = completed + timedelta(seconds=rng.randrange(30, 200_000))
                if group == "wholesale":
                    self.event(T.ACCOUNT_APPROVED, customer_id, activated, actor=h.admin)
                else:
                    self.event(T.ACCOUNT_ACTIVATED, customer_id, activated)
                self.event(T.SIGN_IN, customer_id, activated + timedelta(minutes=5))
        # Registered before attempts were recorded: it starts where it completed.
        legacy = self.customer("legacy@example.com", "shop", moment(2, 30), CustomerStatus.ACTIVE)
        self.event(T.ACCOUNT_REGISTERED, legacy, moment(2, 30))
        self.event(T.ACCOUNT_ACTIVATED, legacy, moment(3, 30))

    def _member(self, customer_id: uuid.UUID) -> None:
        rng, h = self.rng, self.h
        for day in range(DAYS):
            if rng.random() < 0.3:
                self.event(T.SIGN_IN, customer_id, self.at(day, day + 1))
            if rng.random() < 0.05:
                self.event(T.SIGN_IN, customer_id, self.at(day, day + 1), outcome=SecurityEventOutcome.FAILURE)
        if rng.random() < 0.3:
            enabled = self.at()
            self.event(T.TWO_FACTOR_ENABLED, customer_id, enabled)
            if rng.random() < 0.4:
                self.event(T.TWO_FACTOR_DISABLED, customer_id, enabled + timedelta(days=rng.randrange(1, 10)))
        for _ in range(rng.randrange(0, 4)):
            if rng.random() < 0.75:
                self.event(rng.choice(SELF_CHANGES), customer_id, self.at())
            else:
                self.event(rng.choice(STAFF_CHANGES), customer_id, self.at(), actor=h.admin)
        self.event(T.RISK_DECISION, customer_id, self.at())  # not a change
        self.event(T.PASSWORD_CHANGED, customer_id, self.at(), outcome=SecurityEventOutcome.FAILURE)
        if rng.random() < 0.3:  # a customer from before the history
            self.order(customer_id, moment(-20, rng.randrange(0, 1000)))
        for _ in range(rng.randrange(0, 5)):
            order = self.order(customer_id, self.at())
            if rng.random() < 0.6:
                status = rng.choice(
                    [
                        PaymentStatus.SUCCEEDED,
                        PaymentStatus.SUCCEEDED,
                        PaymentStatus.DECLINED,
                        PaymentStatus.REFUNDED,
                        PaymentStatus.REFUND_DUE,
                        PaymentStatus.PENDING,
                        PaymentStatus.REQUIRES_ACTION,
                    ]
                )
                payment = self.payment(customer_id, order.placed_at + timedelta(minutes=1), status, order)
                if status in UNDECIDED and rng.random() < 0.7:
                    h.decided_later[payment.id] = rng.choice([PaymentStatus.SUCCEEDED, PaymentStatus.DECLINED])
            if rng.random() < 0.2:
                self.ticket(customer_id, order.placed_at + timedelta(hours=rng.randrange(1, 100)), order)
        if rng.random() < 0.2:
            self.payment(customer_id, self.at(), PaymentStatus.SUCCEEDED, None)  # the on-account balance
        for _ in range(rng.randrange(0, 4)):
            seen = self.at()
            self.help(rng.choice([HelpEventKind.SEARCH, HelpEventKind.VIEW]), customer_id, seen)
            roll = rng.random()
            if roll < 0.3:  # gave up and asked
                self.ticket(customer_id, seen + timedelta(hours=rng.randrange(1, 150)))
            elif roll < 0.4:  # asked, but too late to count
                self.ticket(customer_id, seen + HELP_WINDOW + timedelta(hours=rng.randrange(1, 48)))


async def write(rt: Runtime, history: History, *, until: datetime | None = None, after: datetime | None = None) -> None:
    """Write the history's rows that arrived within (after, until] (by the time the app stamps on them)."""

    def arrived(row: Any) -> bool:
        stamp: datetime = row.created_at
        return (after is None or stamp > after) and (until is None or stamp <= until)

    rows = [row for row in history.rows() if isinstance(row, Customer) or arrived(row)]
    if after is not None:
        rows = [row for row in rows if not isinstance(row, Customer)]
    async with rt.db.unit_of_work() as session:
        for kind in (Customer, RegistrationAttempt, Order, SecurityEvent, SupportTicket, HelpEvent, Payment):
            session.add_all([row for row in rows if isinstance(row, kind)])
            await session.flush()


async def make_history(rt: Runtime) -> History:
    from app.services.setup import ensure_group

    history = History()
    await ensure_group(rt, "wholesale", FORMULA_NAME, ActivationMode.ADMIN_APPROVAL, True)
    async with rt.db.read() as session:
        found = (await session.execute(select(col(CustomerGroup.id), col(CustomerGroup.code)))).all()
    history.groups = {code: group_id for group_id, code in found}
    Generator(rt, history).generate()
    return history


# --- the true values -----------------------------------------------------------------------------------------


def start_of(granularity: str, day: date) -> date:
    if granularity == "DAY":
        return day
    if granularity == "WEEK":
        return day - timedelta(days=day.weekday())
    return date(day.year, day.month, 1)


def day(moment_: datetime) -> date:
    return moment_.astimezone(UTC).date()


@dataclass
class Truth:
    """Sums of what each figure counts, per period start, for one granularity, group and channel."""

    granularity: str
    group: uuid.UUID | None
    channel: str | None
    sums: dict[str, Counter[date]] = field(default_factory=lambda: defaultdict(Counter))
    sets: dict[str, dict[date, set[uuid.UUID]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(set)))

    def wanted(self, group: uuid.UUID, channel: str | None, split: bool) -> bool:
        if self.group is not None and group != self.group:
            return False
        return not (split and self.channel is not None and channel != self.channel)

    def add(
        self, name: str, when: date, group: uuid.UUID, channel: str | None = None, n: int = 1, split: bool = False
    ) -> None:
        if self.wanted(group, channel, split):
            self.sums[name][start_of(self.granularity, when)] += n


def truth(
    history: History,
    until: datetime,
    statuses: dict[uuid.UUID, PaymentStatus],
    granularity: str,
    group: uuid.UUID | None,
    channel: str | None,
) -> Truth:
    t = Truth(granularity, group, channel)
    h = history
    group_named = {None: h.groups["shop"], "wholesale": h.groups["wholesale"]}
    attempt_by_hash: dict[str, RegistrationAttempt] = {
        a.identifier_hash: a for a in h.attempts if a.created_at <= until
    }
    for attempt in attempt_by_hash.values():
        t.add("REG_STARTED", day(attempt.created_at), group_named.get(attempt.group_code, NO_GROUP))

    events = sorted(
        (e for e in h.security if e.created_at <= until and e.outcome is SecurityEventOutcome.SUCCESS),
        key=lambda e: (e.created_at, e.type is not T.ACCOUNT_REGISTERED, e.id),
    )
    cohort: dict[uuid.UUID, tuple[date, uuid.UUID, datetime]] = {}
    activated: set[uuid.UUID] = set()
    two_factor: dict[uuid.UUID, bool] = {}
    first_self_change: dict[uuid.UUID, datetime] = {}
    active_seen: set[tuple[date, uuid.UUID]] = set()
    for e in events:
        customer = e.customer_id
        assert customer is not None
        group_id = h.group_of[customer]
        if e.type is T.ACCOUNT_REGISTERED:
            found = attempt_by_hash.get(h.hash_of[customer])
            if found is None:
                cohort[customer] = (day(e.created_at), group_id, e.created_at)
                t.add("REG_STARTED", day(e.created_at), group_id)
            else:
                cohort[customer] = (
                    day(found.created_at),
                    group_named.get(found.group_code, NO_GROUP),
                    e.created_at,
                )
            t.add("REG_COMPLETED", cohort[customer][0], cohort[customer][1])
        if e.type in (T.ACCOUNT_ACTIVATED, T.ACCOUNT_APPROVED) and customer in cohort and customer not in activated:
            activated.add(customer)
            cohort_day, cohort_group, registered = cohort[customer]
            t.add("REG_ACTIVATED", cohort_day, cohort_group)
            t.add(
                "REG_ACTIVATION_SECONDS", cohort_day, cohort_group, n=round((e.created_at - registered).total_seconds())
            )
        if e.type is T.SIGN_IN:
            t.add("SIGN_INS", day(e.created_at), group_id)
            period = start_of(granularity, day(e.created_at))
            if (period, customer) not in active_seen:
                active_seen.add((period, customer))
                t.add("ACTIVE_ACCOUNTS", day(e.created_at), group_id)
                if two_factor.get(customer):
                    t.add("ACTIVE_WITH_2FA", day(e.created_at), group_id)
        if e.type in (T.TWO_FACTOR_ENABLED, T.TWO_FACTOR_DISABLED):
            two_factor[customer] = e.type is T.TWO_FACTOR_ENABLED
        if e.type in CHANGES:
            if e.actor_id is None:
                t.add("CHANGES_BY_CUSTOMER", day(e.created_at), group_id)
                first_self_change.setdefault(customer, e.created_at)
            else:
                t.add("CHANGES_BY_STAFF", day(e.created_at), group_id)

    orders = [o for o in h.orders if o.created_at <= until]
    by_customer: dict[uuid.UUID, list[Order]] = defaultdict(list)
    for order in orders:
        if order.customer_id:
            by_customer[order.customer_id].append(order)
    buyers: dict[str, set[tuple[date, uuid.UUID]]] = defaultdict(set)
    for order in orders:
        group_id = h.group_of.get(order.customer_id, NO_GROUP) if order.customer_id else NO_GROUP
        channel_name: str | None = order.channel.value
        t.add("ORDERS_PLACED", day(order.placed_at), group_id, channel_name, split=True)
        if order.customer_id is None or not t.wanted(group_id, channel_name, split=True):
            continue
        period = start_of(granularity, day(order.placed_at))
        began = datetime.combine(period, time(0), UTC)
        changed = first_self_change.get(order.customer_id)
        segment = "SELF_SERVICE" if changed is not None and changed < began else "NO_SELF_SERVICE"
        earlier = any((o.placed_at, o.id) < (order.placed_at, order.id) for o in by_customer[order.customer_id])
        for name, counts in ((f"BUYERS_{segment}", True), (f"REPEAT_BUYERS_{segment}", earlier)):
            if counts and (period, order.customer_id) not in buyers[name]:
                buyers[name].add((period, order.customer_id))
                t.sums[name][period] += 1

    order_channel: dict[uuid.UUID, str | None] = {o.id: o.channel.value for o in h.orders}
    for ticket in h.tickets:
        if ticket.created_at <= until:
            channel_name = order_channel[ticket.order_id] if ticket.order_id else None
            t.add("TICKETS_OPENED", day(ticket.created_at), h.group_of[ticket.customer_id], channel_name, split=True)

    tickets_of: dict[uuid.UUID, list[datetime]] = defaultdict(list)
    for ticket in h.tickets:
        tickets_of[ticket.customer_id].append(ticket.created_at)
    for seen in h.help:
        if seen.created_at > until:
            continue
        group_id = h.group_of[seen.customer_id] if seen.customer_id else NO_GROUP
        search = seen.kind is HelpEventKind.SEARCH
        t.add("HELP_SEARCHES" if search else "HELP_VIEWS", day(seen.created_at), group_id)
        if seen.customer_id is None or seen.created_at > until - HELP_WINDOW:
            continue
        followed = any(seen.created_at < at <= seen.created_at + HELP_WINDOW for at in tickets_of[seen.customer_id])
        t.add("HELP_SEARCHES_SETTLED" if search else "HELP_VIEWS_SETTLED", day(seen.created_at), group_id)
        if not followed:
            t.add(
                "HELP_SEARCHES_WITHOUT_TICKET" if search else "HELP_VIEWS_WITHOUT_TICKET",
                day(seen.created_at),
                group_id,
            )

    for payment in h.payments:
        status = statuses[payment.id]
        if payment.created_at > until or status in UNDECIDED:
            continue
        channel_name = order_channel[payment.order_id] if payment.order_id else None
        group_id = h.group_of[payment.customer_id]
        t.add("PAYMENTS_DECIDED", day(payment.created_at), group_id, channel_name, split=True)
        if status in CHARGED:
            t.add("PAYMENTS_CHARGED", day(payment.created_at), group_id, channel_name, split=True)
    return t


# Each figure restated from README "Analytics": (unit, numerator counters, denominator counters, split by channel).
FIGURES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], bool]] = {
    "REGISTRATIONS_STARTED": ("COUNT", ("REG_STARTED",), (), False),
    "REGISTRATION_COMPLETION": ("RATIO", ("REG_COMPLETED",), ("REG_STARTED",), False),
    "REGISTRATION_ACTIVATION": ("RATIO", ("REG_ACTIVATED",), ("REG_COMPLETED",), False),
    "REGISTRATION_CONVERSION": ("RATIO", ("REG_ACTIVATED",), ("REG_STARTED",), False),
    "TIME_TO_ACTIVATE": ("SECONDS", ("REG_ACTIVATION_SECONDS",), ("REG_ACTIVATED",), False),
    "SELF_SERVICE_RATE": ("RATIO", ("CHANGES_BY_CUSTOMER",), ("CHANGES_BY_CUSTOMER", "CHANGES_BY_STAFF"), False),
    "ORDERS": ("COUNT", ("ORDERS_PLACED",), (), True),
    "TICKETS": ("COUNT", ("TICKETS_OPENED",), (), True),
    "TICKETS_PER_1000_ORDERS": ("PER_THOUSAND", ("TICKETS_OPENED",), ("ORDERS_PLACED",), True),
    "HELP_SEARCHES": ("COUNT", ("HELP_SEARCHES",), (), False),
    "HELP_ARTICLE_VIEWS": ("COUNT", ("HELP_VIEWS",), (), False),
    "HELP_SEARCHES_WITHOUT_TICKET": ("RATIO", ("HELP_SEARCHES_WITHOUT_TICKET",), ("HELP_SEARCHES_SETTLED",), False),
    "HELP_VIEWS_WITHOUT_TICKET": ("RATIO", ("HELP_VIEWS_WITHOUT_TICKET",), ("HELP_VIEWS_SETTLED",), False),
    "PAYMENT_SUCCESS_RATE": ("RATIO", ("PAYMENTS_CHARGED",), ("PAYMENTS_DECIDED",), True),
    "SIGN_INS": ("COUNT", ("SIGN_INS",), (), False),
    "ACTIVE_ACCOUNTS": ("COUNT", ("ACTIVE_ACCOUNTS",), (), False),
    "TWO_FACTOR_ADOPTION": ("RATIO", ("ACTIVE_WITH_2FA",), ("ACTIVE_ACCOUNTS",), False),
    "REPEAT_PURCHASE_SELF_SERVICE": (
        "RATIO",
        ("REPEAT_BUYERS_SELF_SERVICE",),
        ("BUYERS_SELF_SERVICE",),
        True,
    ),
    "REPEAT_PURCHASE_NO_SELF_SERVICE": (
        "RATIO",
        ("REPEAT_BUYERS_NO_SELF_SERVICE",),
        ("BUYERS_NO_SELF_SERVICE",),
        True,
    ),
    "REPEAT_PURCHASE_LIFT": (
        "LIFT",
        ("REPEAT_BUYERS_SELF_SERVICE", "BUYERS_SELF_SERVICE"),
        ("REPEAT_BUYERS_NO_SELF_SERVICE", "BUYERS_NO_SELF_SERVICE"),
        True,
    ),
}


def expected_point(t: Truth, figure: str, period: date) -> tuple[float | None, float | None, float | None]:
    """(numerator, denominator, value) of a figure in the period starting on `period`."""
    unit, top, bottom, _ = FIGURES[figure]
    if unit == "LIFT":
        rs, bs = (t.sums[name][period] for name in top)
        ro, bo = (t.sums[name][period] for name in bottom)
        rate_self = rs / bs if bs else None
        rate_other = ro / bo if bo else None
        return rate_self, rate_other, (rate_self / rate_other - 1 if rate_self is not None and rate_other else None)
    numerator = sum(t.sums[name][period] for name in top)
    if unit == "COUNT":
        return numerator, None, numerator
    denominator = sum(t.sums[name][period] for name in bottom)
    if not denominator:
        return numerator, denominator, None
    return (
        numerator,
        denominator,
        (1000 * numerator / denominator if unit == "PER_THOUSAND" else numerator / denominator),
    )
